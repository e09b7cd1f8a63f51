"""Every way a mail reaches topicnmf is read as an .eml file is: an mbox's messages, a mail
file without a suffix, a text file holding a mail, a news spool's post, a Maildir's message,
an Apple Mail .emlx file. Headers are decoded (RFC 2047, 8-bit), bodies by their charsets
(ISO-2022-JP's 7-bit escapes too), HTML-only bodies a line per block, so that the cleaning
finds the signature, the quoted original and the list footer in each alike."""

from email.message import EmailMessage

from topicnmf.clean import clean_email
from topicnmf.corpus import read_corpus

HTML = ("<html><head><style>p {margin: 0}</style></head><body>"
        "<p>The harbour reopened on Monday.</p><div>Fishing boats left at dawn.</div>"
        "<table><tr><td>Harbour</td><td>reopened</td></tr></table>"
        "<p>--</p><p>Ann Smith<br>Harbour Office</p>"
        "<p>-----Original Message-----</p><p>From: Bob Jones [mailto:bob@example.org]</p>"
        "<p>Sent: Monday, March 7, 2005</p><p>Is the harbour open again?</p></body></html>")
PLAIN = ("The harbour reopened on Monday.\nFishing boats left at dawn.\nHarbour\nreopened\n-- \n"
         "Ann Smith\nHarbour Office\n")


def message(html=True, subject="Harbour news", number=0):
    m = EmailMessage()
    m["From"] = "Ann Smith <ann@example.org>"
    m["To"] = "harbour-list@lists.example.org"
    m["Subject"] = subject
    m["Date"] = f"Mon, {7 + number} Mar 2005 10:00:00 +0000"
    m["Message-ID"] = f"<{number}@example.org>"
    if html:
        m.set_content(HTML, subtype="html", cte="quoted-printable")
    else:
        m.set_content(PLAIN)
    return m.as_bytes()


def mbox(*messages):
    return b"".join(b"From ann@example.org Mon Mar  7 10:00:00 2005\n" + m + b"\n" for m in messages)


def cleaned_texts(folder):
    corpus = read_corpus(folder)
    return dict(zip(corpus.ids, (clean_email(t) for t in corpus.texts)))


def test_an_html_only_mail_is_cleaned_alike_on_every_path(tmp_path):
    (tmp_path / "spool" / "sci.harbour").mkdir(parents=True)
    (tmp_path / "maildir" / "cur").mkdir(parents=True)
    (tmp_path / "one.eml").write_bytes(message())
    (tmp_path / "box.mbox").write_bytes(mbox(message(), message(number=1)))
    (tmp_path / "single.mbox").write_bytes(mbox(message()))
    (tmp_path / "mail-file").write_bytes(message())
    (tmp_path / "saved.txt").write_bytes(message())
    (tmp_path / "spool" / "sci.harbour" / "61234").write_bytes(b"Path: news.example!not-for-mail\n" + message())
    (tmp_path / "maildir" / "cur" / "1104537600.M0P1.host:2,S").write_bytes(message())
    emlx = message()
    (tmp_path / "apple.emlx").write_bytes(b"%d\n" % len(emlx) + emlx + b'<?xml version="1.0"?>\n<plist/>\n')
    texts = cleaned_texts(tmp_path)
    assert sorted(texts) == ["apple.emlx", "box.mbox/1", "box.mbox/2", "mail-file",
                             "maildir/cur/1104537600.M0P1.host:2,S", "one.eml", "saved.txt", "single.mbox",
                             "spool/sci.harbour/61234"]
    expected = "Harbour news\n\nThe harbour reopened on Monday.\nFishing boats left at dawn.\nHarbour\nreopened"
    assert texts == dict.fromkeys(texts, expected)  # signature, quoted original, style: gone; cells apart


def test_encoded_headers_and_charsets_are_decoded_on_every_path(tmp_path):
    german = message(html=False, subject="Größere Übungen für die Mannschaft")  # RFC 2047 by the policy
    assert b"=?utf-8?" in german
    russian = EmailMessage()
    russian["From"] = "ivan@example.ru"
    russian["Subject"] = "=?koi8-r?q?=F0=D2=C9=D7=C5=D4?="
    russian.set_content("Команда выиграла матч.", charset="koi8-r", cte="base64")
    japanese = (b"From: taro@example.jp\nSubject: =?iso-2022-jp?b?GyRCRTdKOCVLJWUhPCU5GyhC?=\n"
                b"MIME-Version: 1.0\nContent-Type: text/plain; charset=\"iso-2022-jp\"\n"
                b"Content-Transfer-Encoding: 7bit\n\n"
                + "天文学者は大きな望遠鏡で遠い銀河を観測しました。\n".encode("iso-2022-jp"))
    (tmp_path / "box.mbox").write_bytes(mbox(german, russian.as_bytes(), japanese))
    (tmp_path / "german").write_bytes(german)
    (tmp_path / "german.txt").write_bytes(german)
    texts = cleaned_texts(tmp_path)
    assert texts["box.mbox/1"].startswith("Größere Übungen für die Mannschaft\n")
    assert texts["german"] == texts["german.txt"] == texts["box.mbox/1"]
    assert texts["box.mbox/2"] == "Привет\n\nКоманда выиграла матч."
    assert texts["box.mbox/3"] == "天文ニュース\n\n天文学者は大きな望遠鏡で遠い銀河を観測しました。"


def test_a_mime_message_held_as_text_is_decoded_by_the_cleaning_too():
    """A message in a table cell reaches the cleaning as text: its subject's encoded words
    and its HTML part's blocks are decoded there."""
    text = ("From: a@example.org\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\nContent-Type: text/html\n\n"
            "<p>The harbour reopened.</p><p>--</p><p>Ann Smith</p>")
    assert clean_email(text) == "Grüße\nThe harbour reopened."


def test_an_unescaped_from_line_in_a_body_does_not_split_the_message(tmp_path):
    """Only a 'From ' line followed by a header block starts a message (mboxrd practice): a
    body line "From the harbour office ..." stays in its message, nothing is lost."""
    body = "Boats left at dawn.\n\nFrom the harbour office we heard that\nthe quay is open.\n\nFrom here on.\n"
    messages = [f"From ann@example.org Mon Mar  7 10:0{i}:00 2005\nFrom: ann@example.org\nSubject: Note {i}\n"
                f"Date: Mon, 7 Mar 2005 10:0{i}:00 +0000\n\n{body}\n>From the quay, tides.\n\n" for i in range(3)]
    (tmp_path / "box.mbox").write_text("".join(messages), encoding="utf-8")
    corpus = read_corpus(tmp_path)
    assert corpus.ids == ["box.mbox/1", "box.mbox/2", "box.mbox/3"]
    for i, text in enumerate(corpus.texts):
        assert clean_email(text).splitlines() == [f"Note {i}", "", "Boats left at dawn.", "",
                                                  "From the harbour office we heard that", "the quay is open.",
                                                  "", "From here on.", "", "From the quay, tides."]


def test_phrase_labels_come_from_the_cleaned_mail(tmp_path):
    """--phrase-labels finds its phrases in the text the topics are fitted on: no header
    ('sun jan'), no signature ('morgan pilot'), no quoted original, even where each of them
    goes with one topic."""
    from topicnmf import pipeline

    subjects = {"tides": ("spring tides and neap tides follow the moon; the tide tables show high water",
                          "Sun", "Morgan Pilot<br>Quayside Chandlery", "anchor chain windlass locker"),
                "sails": ("the mainsail and the jib need new canvas; the rigging holds the mast",
                          "Wed", "Robin Keel<br>Harbour Master", "mooring buoy ferry timetable")}
    folder = tmp_path / "list"
    folder.mkdir()
    for i in range(16):  # (under 20 documents: words of most of them may start or end a phrase)
        subject = list(subjects)[i % 2]
        text, day, signature, quoted = subjects[subject]
        m = EmailMessage()
        m["From"] = f"{signature.split('<')[0]} <p{i % 2}@example.org>"
        m["Subject"] = f"Re: {subject} question {i}"
        m["Date"] = f"{day}, {i % 28 + 1} Jan 2005 10:00:00 +0000"
        m.set_content(f"<p>{text}. {text}.</p><p>-- </p><p>{signature}</p>"
                      f"<p>On Sat, 1 Jan 2005, Lee Fisher wrote:</p><blockquote><p>&gt; {quoted}</p>"
                      f"<p>&gt; {quoted}</p></blockquote>", subtype="html")
        (folder / f"{i:02d}.eml").write_bytes(m.as_bytes())
    result = pipeline.fit(str(folder), n_topics=2, phrase_labels=True)
    phrases = {p for t in result.topics.prevalence["phrases"] for p in t}
    residue = {"sun", "wed", "jan", "morgan", "pilot", "quayside", "robin", "keel", "anchor", "mooring", "lee"}
    assert phrases and not {w for p in phrases for w in p.split()} & residue, phrases


def test_a_forward_as_an_attached_message_loses_each_ones_signature_and_footer(tmp_path):
    """A forward sent as a message/rfc822 part: the outer note's signature and the list's
    footer go, and so does the attached message's own signature; its text stays."""
    footer = ("_______________________________________________\nharbour-list mailing list\n"
              "https://lists.example.org/mailman/listinfo/harbour-list\n")
    attached = EmailMessage()
    attached["From"] = "Lee Fisher <lee@example.org>"
    attached["Subject"] = "Harbour reopened"
    attached.set_content("The harbour reopened on Monday.\nFishing boats left at dawn.\n-- \nLee Fisher\nPort Desk\n")
    outer = EmailMessage()
    outer["From"] = "Bob Jensen <bob@example.org>"
    outer["Subject"] = "Fwd: Harbour reopened"
    outer.set_content(f"FYI, see the attached message.\n\n--\nBob Jensen\nSenior Analyst\n\n{footer}")
    outer.add_attachment(attached)
    (tmp_path / "fwd.eml").write_bytes(outer.as_bytes())
    (tmp_path / "box.mbox").write_bytes(mbox(outer.as_bytes()))
    texts = cleaned_texts(tmp_path)
    assert texts["fwd.eml"] == texts["box.mbox"] == ("Harbour reopened\n\nFYI, see the attached message.\n\n"
                                                     "The harbour reopened on Monday.\nFishing boats left at dawn.")


def test_encoded_words_among_raw_8bit_text_and_split_characters():
    from topicnmf.readers.eml import message_text

    raw = ("From: Zoë <z@example.org>\nSubject: Grüße aus Köln\n =?utf-8?q?cr=C3=A8me?= =?utf-8?b?YnLDuw==?="
           "=?utf-8?b?bMOp?=\nX-Note: =?x-unknown?q?abc?= kept\n\nCafé au lait.\n").encode("latin-1")
    head = message_text(raw).split("\n\n")[0].splitlines()
    assert head == ["From: Zoë <z@example.org>", "Subject: Grüße aus Köln crèmebrûlé", "X-Note: =?x-unknown?q?abc?= kept"]


def test_quoted_messages_of_html_replies_are_quoted_lines(tmp_path):
    """Apple Mail's and Thunderbird's <blockquote type="cite">, Gmail's gmail_quote: the
    quoted original goes as a plain-text reply's '>' lines go; hidden preheaders are not text."""
    original = "<p>Swiss drugmaker Novartis bought Hexal.</p><p>Its shares rose one percent.</p>"
    replies = {
        "apple": f'<div>Thanks Pat, the harbour reopened.</div><div><br><blockquote type="cite"><div>On Sat, '
                 f'25 Jun 2005, Pat Doe &lt;pat@example.com&gt; wrote:</div><br><div>{original}</div></blockquote></div>',
        "gmail": f'<div dir="ltr">Thanks Pat, the harbour reopened.</div><div class="gmail_quote"><div class='
                 f'"gmail_attr">On Sat, 25 Jun 2005 Pat Doe &lt;pat@example.com&gt; wrote:<br></div><blockquote '
                 f'class="gmail_quote" style="margin:0 0 0 .8ex">{original}</blockquote></div>',
        "preheader": '<div style="display:none">Open for a surprise</div><div>Thanks Pat, the harbour reopened.</div>'}
    boxes = []
    for name, html in replies.items():
        m = EmailMessage()
        m["From"], m["Subject"] = "sam@example.org", "Re: news"
        m.set_content(html, subtype="html")
        boxes.append(m.as_bytes())
    (tmp_path / "box.mbox").write_bytes(mbox(*boxes))
    texts = cleaned_texts(tmp_path)
    assert set(texts.values()) == {"news\n\nThanks Pat, the harbour reopened."}


def test_a_mail_in_a_text_file_with_a_bom_blank_lines_or_utf16_is_read_as_a_mail(tmp_path):
    mail = message(html=False, subject="Größere Übungen")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + mail)
    (tmp_path / "blank.txt").write_bytes(b"\n\n" + mail)
    (tmp_path / "wide.txt").write_bytes(mail.decode("ascii").encode("utf-16"))
    texts = cleaned_texts(tmp_path)
    assert len(set(texts.values())) == 1 and texts["bom.txt"].startswith("Größere Übungen\n\nThe harbour")


def test_an_mbox_larger_than_max_file_mb_is_streamed_message_by_message(tmp_path, monkeypatch):
    """A mail export is hundreds of MB: the mbox was refused whole past --max-file-mb ('no
    readable text in 1 file(s)'). It is read a message at a time, the limit applying to each
    message: one with a large attachment is skipped with its id and reason, the others read."""
    from topicnmf.readers import mbox as mbox_module

    big = EmailMessage()
    big["From"], big["Subject"], big["Message-ID"] = "ann@example.org", "Scans", "<big@example.org>"
    big.set_content("The scans of the harbour plans are attached.\n")
    big.add_attachment(bytes(range(256)) * 6000, maintype="application", subtype="pdf", filename="plans.pdf")
    messages = [message(html=False, number=i) for i in range(5)]
    (tmp_path / "box.mbox").write_bytes(mbox(*messages[:2], big.as_bytes(), *messages[2:]))
    assert (tmp_path / "box.mbox").stat().st_size > 2**20  # (the 1.5 MB attachment, base64)
    monkeypatch.setattr(mbox_module, "LINE_BYTES", 64)  # lines read in pieces: a piece is no line start
    corpus = read_corpus(tmp_path / "box.mbox", max_file_mb=1)
    assert corpus.ids == ["box.mbox/1", "box.mbox/2", "box.mbox/4", "box.mbox/5", "box.mbox/6"]
    assert [(s.source, s.reason) for s in corpus.skipped] == [("box.mbox/3", "larger than max_file_mb (1 MB)")]
    assert all(clean_email(t).startswith("Harbour news\n\nThe harbour reopened on Monday.") for t in corpus.texts)
    long_line = b"x" * 192 + b"From ann@example.org\nFrom: a piece of a long line, not a separator\n"
    (tmp_path / "box.mbox").write_bytes(mbox(messages[0].replace(b"\nThe harbour", b"\n" + long_line + b"The harbour")))
    corpus = read_corpus(tmp_path / "box.mbox")
    assert corpus.ids == ["box.mbox"] and "a piece of a long line" in corpus.texts[0]
    assert clean_email(corpus.texts[0]).count("The harbour reopened on Monday.") == 1
