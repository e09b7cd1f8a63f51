"""Documents beyond plain text: HTML, PDF, DOCX and EML files read into text, and every file
of a folder either read or counted as skipped with its reason."""

import sys
from email.message import EmailMessage

import pytest

from topicnmf.corpus import read_corpus
from topicnmf.errors import CorpusError
from topicnmf.preprocess import Analyzer

docx = pytest.importorskip("docx", reason="python-docx (the documents extra) writes the DOCX files of these tests")


def fpdf():
    return pytest.importorskip("fpdf", reason="fpdf2 (the test extra) writes the PDFs of these tests")

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Harbour pilots &amp; tugboats</title>
<style>body { font-family: serif; } .nbsp { color: red }</style>
<script>var tracking = "analytics"; document.write("&nbsp;");</script></head>
<body><nav><a href="/">Home</a> | <a href="/weather">Weather</a></nav>
<!-- advertisement slot -->
<h1>Pilots&nbsp;board ships</h1><p>The pilot&#8217;s launch meets the ship off the breakwater,
and the&nbsp;tug crews stand by&hellip; Caf&eacute; staff watch.</p>
<div hidden>invisible promotion</div><p>Escaped twice:&amp;nbsp;anchorage</p>
<div style="color: grey; DISPLAY : none">cloaked keywords</div><span style="visibility:hidden">veiled</span>
<p style="display:block">Moorings listed</p>
<noscript>enable javascript</noscript></body></html>"""


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def make_pdf(text, *, password=None):
    pdf = fpdf().FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    return bytes(pdf.output())


def make_docx(path, paragraphs, table=()):
    document = docx.Document()
    document.add_heading(paragraphs[0], level=1)
    for p in paragraphs[1:]:
        document.add_paragraph(p)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(path)
    return path


def test_html_gives_visible_text_and_title_without_markup_or_entities(tmp_path):
    write(tmp_path / "page.html", PAGE)
    text = read_corpus(tmp_path).texts[0]
    assert text.splitlines()[0] == "Harbour pilots & tugboats"
    assert "Pilots board ships" in text and "pilot\u2019s launch" in text and "Caf\u00e9" in text
    assert "Moorings listed" in text  # a style that does not hide keeps the element
    for residue in ("nbsp", "tracking", "font-family", "Weather", "advertisement", "invisible", "cloaked", "veiled",
                    "javascript", "<", "&h", "\xa0"):
        assert residue not in text, residue
    terms = Analyzer()(text)
    assert "nbsp" not in terms and "anchorage" in terms and "pilots" in terms
    from topicnmf.readers import read_file  # README's API: a str path as a Path

    assert read_file(str(tmp_path / "page.html"), 2**20)[0] == text


def test_pdf_text_layer_is_read_and_hyphenated_words_joined(tmp_path):
    write(tmp_path / "guide.pdf", make_pdf("Sailing close to the wind needs a taut mainsheet. " * 8))
    corpus = read_corpus(tmp_path)
    assert corpus.ids == ["guide.pdf"]
    assert corpus.texts[0].count("mainsheet") == 8 and not corpus.skipped


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    make_docx(tmp_path / "notes.docx", ["Sourdough notes", "Feed the starter with rye flour."],
              table=[["Hydration", "75 percent"], ["Proof", "overnight"]])
    text = read_corpus(tmp_path).texts[0]
    assert text.splitlines() == ["Sourdough notes", "Feed the starter with rye flour.",
                                 "Hydration", "75 percent", "Proof", "overnight"]


W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
MC_NS = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
# A draft under review, as Word writes it: tracked changes, a content control, a text box
# drawn twice (DrawingML and its VML fallback), a field, hidden text.
REVIEWED = [
    '<w:p {w}><w:r><w:t xml:space="preserve">The pier reopened. </w:t></w:r>'
    '<w:ins w:id="1" w:author="Ed"><w:r><w:t xml:space="preserve">Trawlers unloaded herring. </w:t></w:r></w:ins>'
    '<w:del w:id="2" w:author="Ed"><w:r><w:delText>Rumours of closure spread.</w:delText></w:r></w:del></w:p>',
    '<w:p {w}><w:pPr><w:rPr><w:ins w:id="4" w:author="Ed"/></w:rPr></w:pPr>'
    '<w:ins w:id="5" w:author="Ed"><w:r><w:t>A whole paragraph added on the lifeboat crew.</w:t></w:r></w:ins></w:p>',
    '<w:p {w}><w:pPr><w:rPr><w:del w:id="6" w:author="Ed"/></w:rPr></w:pPr>'
    '<w:del w:id="7" w:author="Ed"><w:r><w:delText>A paragraph struck out about taxes.</w:delText></w:r></w:del></w:p>',
    '<w:sdt {w}><w:sdtPr><w:alias w:val="Summary"/></w:sdtPr><w:sdtContent><w:p><w:r>'
    '<w:t>Content control holding the harbour summary.</w:t></w:r></w:p></w:sdtContent></w:sdt>',
    '<w:p {w}><w:moveFrom w:id="8" w:author="Ed"><w:r><w:t>Moved sentence on lobsters.</w:t></w:r></w:moveFrom></w:p>',
    '<w:p {w}><w:moveTo w:id="9" w:author="Ed"><w:r><w:t>Moved sentence on lobsters.</w:t></w:r></w:moveTo>'
    '<w:fldSimple w:instr="REF bm1"><w:r><w:t> Field result on tides.</w:t></w:r></w:fldSimple>'
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGEREF secret</w:instrText></w:r>'
    '<w:r><w:rPr><w:vanish/></w:rPr><w:t>Hidden editor remark.</w:t></w:r></w:p>',
    '<w:p {w} {mc}><w:r><w:t xml:space="preserve">See the box. </w:t></w:r><w:r><mc:AlternateContent>'
    '<mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>Sidebar on lighthouse keepers.</w:t>'
    '</w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r>'
    '<w:t>Sidebar on lighthouse keepers.</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback>'
    '</mc:AlternateContent></w:r></w:p>',
]


def test_docx_under_review_reads_as_shown_with_changes_accepted(tmp_path):
    """Tracked insertions, content controls, moved text, fields and text boxes are text;
    deletions, moved-away text, field instructions and hidden text are not (python-docx's
    Paragraph.text lost the first group: a reviewed draft lost everything its editors added)."""
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_paragraph("Harbour report")
    body = document.element.body
    for xml in REVIEWED:
        body.insert(len(body) - 1, parse_xml(xml.format(w=W_NS, mc=MC_NS)))  # before sectPr
    document.save(tmp_path / "draft.docx")
    text = read_corpus(tmp_path).texts[0]
    assert text.splitlines() == [
        "Harbour report", "The pier reopened. Trawlers unloaded herring. ",
        "A whole paragraph added on the lifeboat crew.", "Content control holding the harbour summary.",
        "Moved sentence on lobsters. Field result on tides.", "See the box. ", "Sidebar on lighthouse keepers."]


def eml(*, html_only=False):
    message = EmailMessage()
    message["From"] = "Ann Baker <ann@bakery.example.org>"
    message["To"] = "list@bakery.example.org"
    message["Subject"] = "=?utf-8?q?Rye_bread_and_cr=C3=A8me?="
    message["Message-ID"] = "<123@bakery.example.org>"
    plain = "Rye dough is sticky; wet your hands before shaping the loaf.\n\n-- \nAnn, head baker\n"
    html = "<html><body><p>Rye dough is <b>sticky</b>&nbsp;today.</p></body></html>"
    if html_only:
        message.set_content(html, subtype="html")
    else:
        message.set_content(plain)
        message.add_alternative(html, subtype="html")
        message.add_attachment(b"%PDF-1.4 binary attachment", maintype="application",
                               subtype="pdf", filename="recipe.pdf")
    return message.as_bytes()


def test_multipart_eml_gives_headers_and_text_parts_then_mail_cleaning_applies(tmp_path):
    write(tmp_path / "a.eml", eml())
    write(tmp_path / "b.eml", eml(html_only=True))
    a, b = read_corpus(tmp_path).texts
    assert a.startswith("From: Ann Baker <ann@bakery.example.org>\n")
    assert "Subject: Rye bread and cr\u00e8me" in a and "wet your hands" in a
    assert "attachment" not in a and "<b>" not in a and a.count("sticky") == 1  # plain part only
    assert "Rye dough is sticky today." in b and "<p>" not in b
    terms = Analyzer()(a)
    assert {"rye", "bread", "dough", "hands"} <= set(terms)
    assert not {"ann", "example", "org", "bakery", "baker"} & set(terms)  # headers, signature gone


def test_every_file_of_a_folder_is_read_or_skipped_with_its_reason(tmp_path):
    write(tmp_path / "ok.txt", "a plain text file about harbour pilots")
    write(tmp_path / "page.htm", PAGE)
    write(tmp_path / "guide.pdf", make_pdf("Anchors hold in mud and sand."))
    make_docx(tmp_path / "notes.docx", ["Notes", "Knots and splices."])
    write(tmp_path / "photo.png", b"\x89PNG\r\n\x1a\n\x00\x00")
    write(tmp_path / "empty.html", "")
    write(tmp_path / "blank.html", "<html><head><script>x=1</script></head><body> </body></html>")
    write(tmp_path / "locked.pdf", make_pdf("secret plans", password="s3cret"))
    drawing = fpdf().FPDF()
    drawing.add_page()
    drawing.rect(20, 20, 50, 50)
    write(tmp_path / "scan.pdf", bytes(drawing.output()))
    write(tmp_path / "broken.pdf", make_pdf("cut short")[:60])
    write(tmp_path / "broken.docx", b"PK\x03\x04 not really a zip")
    write(tmp_path / "binary.txt", b"\x00\x01\x02\x03" * 50)
    write(tmp_path / "big.html", "<p>" + "word " * 300_000 + "</p>")
    corpus = read_corpus(tmp_path, max_file_mb=1)
    assert corpus.ids == ["guide.pdf", "notes.docx", "ok.txt", "page.htm"]
    assert dict((s.source, s.reason) for s in corpus.skipped) == {
        "big.html": "larger than max_file_mb (1 MB)",
        "binary.txt": "binary",
        "blank.html": "empty",
        "broken.docx": "damaged DOCX",
        "broken.pdf": "damaged PDF",
        "empty.html": "empty",
        "locked.pdf": "encrypted PDF (needs a password)",
        "photo.png": "suffix not in extensions",
        "scan.pdf": "PDF without a text layer (scanned? run OCR on it first)",
    }
    assert corpus.summary().startswith(f"read 4 documents from {tmp_path}; skipped 9 (")
    assert "1 encrypted PDF (needs a password)" in corpus.summary()
    assert "1 suffix not in extensions" in corpus.summary()
    # a file of another type is counted but is no error under strict; an unusable one is
    with pytest.raises(CorpusError, match=r"`strict`: 8 input\(s\) could not be used"):
        read_corpus(tmp_path, max_file_mb=1, strict=True)


def test_a_missing_extra_is_named_and_its_files_counted_as_skipped(tmp_path, monkeypatch):
    write(tmp_path / "ok.txt", "plain text")
    write(tmp_path / "guide.pdf", make_pdf("Anchors hold in mud."))
    make_docx(tmp_path / "notes.docx", ["Notes", "Knots."])
    monkeypatch.setitem(sys.modules, "pypdf", None)  # import pypdf raises ImportError
    monkeypatch.setitem(sys.modules, "docx", None)
    corpus = read_corpus(tmp_path)
    assert corpus.ids == ["ok.txt"]
    assert [(s.source, s.reason) for s in corpus.skipped] == [
        ("guide.pdf", "needs pypdf: pip install 'topicnmf[documents]'"),
        ("notes.docx", "needs python-docx: pip install 'topicnmf[documents]'"),
    ]
    with pytest.raises(CorpusError, match=r"no readable text in 1 file\(s\) \(needs pypdf: pip install "):
        read_corpus(_only(tmp_path, "guide.pdf"))


def _only(folder, name):
    sub = folder / "only"
    sub.mkdir()
    (sub / name).write_bytes((folder / name).read_bytes())
    return sub


def test_html_encoding_from_its_meta_charset_else_decoded_like_any_text_file(tmp_path):
    write(tmp_path / "declared.html", '<meta charset="koi8-r"><p>привет мир</p>'.encode("koi8-r"))
    write(tmp_path / "legacy.xhtml", '<?xml version="1.0"?><html><body><p>café naïve</p></body></html>'
          .encode("cp1252"))
    corpus = read_corpus(tmp_path)
    assert corpus.texts == ["привет мир", "café naïve"]
    assert dict(corpus.decoded) == {"declared.html": "koi8-r", "legacy.xhtml": "cp1252 (assumed)"}


def test_a_docx_that_unzips_past_max_file_mb_is_skipped_before_unzipping(tmp_path):
    import zipfile

    path = make_docx(tmp_path / "bomb.docx", ["Title", "Body."])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/padding.xml", " " * 3 * 2**20)  # 3 MB of spaces, a few kB zipped
    write(tmp_path / "ok.txt", "fine")
    assert path.stat().st_size < 2**20
    corpus = read_corpus(tmp_path, max_file_mb=1)
    assert corpus.skipped[0].reason == "larger than max_file_mb (1 MB) once unzipped"
    assert read_corpus(tmp_path, max_file_mb=4).ids == ["bomb.docx", "ok.txt"]


def test_a_page_nested_deeper_than_python_recursion_reads_in_linear_time(tmp_path):
    depth = 30_000
    write(tmp_path / "deep.html", "<div><span>" * depth + "bottom text" + "</span></div>" * depth)
    write(tmp_path / "wide.html", "<div>word " * depth + "</div>" * depth)
    deep, wide = read_corpus(tmp_path).texts
    assert deep == "bottom text" and wide.split("\n") == ["word"] * depth


def test_an_eml_nested_thousands_deep_is_skipped_with_its_reason(tmp_path):
    depth = 3000
    body = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (i, i) for i in range(depth))
    body += b"Content-Type: text/plain\n\nhello\n" + b"".join(b"--b%d--\n" % i for i in reversed(range(depth)))
    write(tmp_path / "deep.eml", b"From: a@example.org\nSubject: deep\n" + body)
    write(tmp_path / "ok.txt", "fine")
    assert [(s.source, s.reason) for s in read_corpus(tmp_path).skipped] == [
        ("deep.eml", "damaged EML (MIME parts nested too deeply)")]


def test_pages_a_crawler_saved_under_their_urls_are_read_as_html(tmp_path):
    """wget/HTTrack mirrors keep dynamic pages' URLs as names: 'article.php?id=1' (suffix
    '.php?id=1'), 'index.html?page=2', 'story.aspx', 'news/index'. They were 'suffix not in
    extensions' whatever --extensions said, and a .php admitted by it was read as plain text,
    markup and scripts included. Now a page is told by its content, under any such name."""
    page = PAGE.replace("Pilots&nbsp;board ships", "Pilots board ships PAGE")
    site = tmp_path / "www.example.com"
    names = ["news/article.php?id=1", "news/article.php@id=2", "index.html?page=2", "news/story.aspx",
             "news/index", "saved.txt"]
    for i, name in enumerate(names):
        write(site / name, page.replace("PAGE", f"page{i}"))
    write(site / "tools/build.php", "<?php echo 'deploy'; ?>\n")  # server code, not a page: not read
    write(site / "news/README", "Plain notes about the mirror.\n")  # no suffix, neither mail nor page
    corpus = read_corpus(tmp_path)
    assert corpus.ids == sorted(f"www.example.com/{n}" for n in names)
    for text in corpus.texts:
        assert "Pilots board ships page" in text and text.startswith("Harbour pilots & tugboats")
        assert not any(residue in text for residue in ("<", "tracking", "nbsp", "font-family"))
    assert {s.source: s.reason for s in corpus.skipped} == {
        "www.example.com/news/README": "suffix not in extensions",
        "www.example.com/tools/build.php": "suffix not in extensions"}
    admitted = read_corpus(tmp_path, extensions=".php")  # --extensions .php: pages as HTML all the same
    assert "www.example.com/tools/build.php" in admitted.ids and all(
        "<" not in t for i, t in zip(admitted.ids, admitted.texts) if "article" in i)


ODD_PAGES = [
    PAGE,
    "<title>O&#39;Sullivan &amp; co\n</title><p>one<br>two<p>three<div hidden><p>gone</div><p>four &amp;amp; five",
    "<html><body><svg><title>icon</title></svg><table><tr><td>a<td>b</table><pre>x\n  y</pre></body>",
    "<div style='display:none'><p>gone<div>still gone</div></div><p>kept<ul><li>one<li>two</ul>&#10;after",
    "text before any tag<script>var x = '</p>';</script><noscript>nojs</noscript> tail<p>\u00a0\u2003spaced  out ",
    "<!-- comment --><?php echo 1 ?><!DOCTYPE html><head><title>T</title><body>b&nbsp;<b>bold</b>end</body>",
]


def test_a_page_is_read_as_parsed_without_building_its_tree():
    """A 39 MB page peaked at 598 MB while read (BeautifulSoup's tree: some 15 bytes a byte of
    HTML) and 17 s; its text is now kept as lxml parses it (the same events the tree was
    built from), the same text on every page of a stranger's trial (1,304 files) and these,
    in a few copies of the page's size."""
    import tracemalloc

    from topicnmf.readers.html import PARSER, _tree_text, html_text

    if PARSER != "lxml":
        pytest.skip("without lxml the page is read through BeautifulSoup's tree")
    for page in ODD_PAGES:
        assert html_text(page)[0] == _tree_text(page), page
    page = "<html><head><title>Archive</title></head><body><table>" + "".join(
        f"<tr><td>{i}</td><td><p>Harbour &amp; fleet report {i}: the trawlers left at dawn.</p></td></tr>"
        for i in range(40_000)) + "</table></body></html>"
    data = page.encode("utf-8")
    tracemalloc.start()
    text, _ = html_text(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert text.count("trawlers left at dawn") == 40_000 and text.startswith("Archive\n0\nHarbour & fleet report 0:")
    assert peak < 5 * len(data), (peak, len(data))  # the tree took some 15 times the page
