"""Mail and news cleaning by the formats' conventions (topicnmf/mail/), one small hand-written
message per convention; mbox files split into one document per message; the summary of the
cleaning in every report; switched off, the text is left as it was."""

import json

import pytest

from topicnmf.clean import clean_email
from topicnmf.cli import main
from topicnmf.corpus import read_corpus
from topicnmf.mail import author, clean_message, learn_signatures, looks_like_mail

BODY = "Neap tides are small because the sun and moon pull at right angles."


def cleaned(text):
    return clean_email(text, "auto")


def words(text):
    return cleaned(text).split()


def test_news_headers_with_path_dotted_names_and_folded_lines():
    post = ("Path: cantaloupe.srv.cs.cmu.edu!rochester!udel!news.example\n"
            "From: jdoe@cs.example.edu (John Doe)\nNewsgroups: sci.space,\n sci.astro\n"
            "Subject: Re: Tides\nMessage-ID: <1993Apr5.123@cs.example.edu>\n"
            "Article-I.D.: cs.1993Apr5.123\nReferences: <abc@def.example>\n\t<ghi@jkl.example>\n"
            "Organization: University of Examples\nLines: 2\nNNTP-Posting-Host: whale.cs.example.edu\n\n"
            + BODY + "\n")
    assert looks_like_mail(post)
    assert cleaned(post).splitlines() == ["Tides", "", BODY]
    assert author(post) == "jdoe@cs.example.edu"


def test_an_mbox_from_line_starts_a_header_block():
    message = "From jdoe@example.org Tue Mar  3 10:00:00 2026\nFrom: jdoe@example.org\nSubject: Tides\n\n" + BODY
    assert words(message) == ["Tides", *BODY.split()]


def test_a_field_without_a_space_after_its_colon():
    assert words("From:a@b.example\nSubject:Tides\n\n" + BODY) == ["Tides", *BODY.split()]


def test_prose_with_a_colon_is_not_a_header_block():
    prose = "Note: tides\n\n" + BODY
    assert not looks_like_mail(prose) and cleaned(prose) == prose


HEAD = "From: a@b.example\nSubject: Tides\n\n"


@pytest.mark.parametrize("attribution", [
    "In article <1993Apr4.555@nasa.example>, smith@nasa.example (Bob Smith) writes:",
    "In article <1993Apr4.555@nasa.example>, smith@nasa.example (Bob Smith)\nwrites:",
    "In <1993Apr4.555@nasa.example> smith@nasa.example writes:",
    "smith@nasa.example (Bob Smith) writes:",
    "On Mon, 2 Mar 2026 at 10:00, Bob Smith <smith@nasa.example> wrote:",
    "On Mon, 2 Mar 2026 at 10:00, Bob Smith <smith@nasa.example>\nwrote:",
    "Quoting Bob Smith <smith@nasa.example>:",
    "Bob Smith said:",
    "Am 02.03.2026 um 10:00 schrieb Bob Smith <smith@nasa.example>:",
    "Bob Smith wrote on Monday:",
])
@pytest.mark.parametrize("quote", ["> spring tides?\n> > are they big?", "| spring tides?\n| are they big?",
                                   ": spring tides?\n: are they big?", "BS> spring tides?"])
def test_attributions_and_quoted_blocks_in_every_common_form(attribution, quote):
    post = f"{HEAD}{attribution}\n{quote}\n[deleted]\n\n{BODY}\n"
    assert words(post) == ["Tides", *BODY.split()]


@pytest.mark.parametrize("marker", ["[deleted]", "[...]", "[snip]", "<snip>"])
def test_snipped_marks_go(marker):
    assert words(f"{HEAD}smith writes:\n{marker}\n{BODY}") == ["Tides", *BODY.split()]


def test_a_writes_line_of_the_authors_own_text_stays_without_a_quote():
    post = f"{HEAD}The column writes: tides matter.\n\n{BODY}"
    assert "column" in words(post)


def test_a_single_pipe_or_colon_line_is_content():
    post = f"{HEAD}{BODY}\n: a lone line is content\n"
    assert "lone" in words(post)


@pytest.mark.parametrize("delimiter", ["-- ", "--", "---", "______________________________"])
def test_signatures_after_each_delimiter(delimiter):
    post = f"{HEAD}{BODY}\n{delimiter}\nJohn Doe, Harbour Surveys Ltd\nphone 555 0100\n"
    assert words(post) == ["Tides", *BODY.split()]


def test_pgp_armour_and_signature_go_and_the_signed_text_stays():
    post = (f"{HEAD}-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\n{BODY}\n\n"
            "-----BEGIN PGP SIGNATURE-----\nVersion: 2.3a\n\niQCVAgUBK8iVxJ4ut7YfL9T1AQGV8QQAg1bWgbJ4\n=pPq5\n"
            "-----END PGP SIGNATURE-----\n")
    assert words(post) == ["Tides", *BODY.split()]
    _, removed = clean_message(post)
    assert dict(removed.by_rule)["pgp"] > 100


def test_uuencoded_and_base64_blobs_go():
    uu = "begin 644 tide.gif\n" + "M1TE&.#EA$``0`/<``````(```(``@(```(`````````````````````````\n" * 3 + "`\nend\n"
    b64 = "R0lGODlhEAAQAPcAAAAAAIAAAACAAICAAAAAgIAAgACAgICAgMDAwP8AAAD/AP//\n" * 4 + "AAAA==\n"
    post = f"{HEAD}{BODY}\n\n{uu}\n{b64}\nFair winds.\n"
    assert words(post) == ["Tides", *BODY.split(), "Fair", "winds."]
    _, removed = clean_message(post)
    assert dict(removed.by_rule)["blob"] > 400


def test_mime_keeps_the_text_parts_decoded():
    message = ("From: a@b.example\nSubject: Tides\nMIME-Version: 1.0\n"
               'Content-Type: multipart/mixed; boundary="XYZ"\n\nThis is a multi-part message in MIME format.\n'
               "--XYZ\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
               "Neap tides are sm=\nall.\n--XYZ\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n"
               'Content-Disposition: attachment; filename="t.png"\n\niVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk\n'
               "--XYZ--\n")
    assert words(message) == ["Tides", "Neap", "tides", "are", "small."]
    html = ("From: a@b.example\nSubject: Tides\nContent-Type: text/html; charset=utf-8\n\n"
            "<html><style>p {color: red}</style><p>Neap&nbsp;tides are <b>small</b>.</p></html>\n")
    assert words(html) == ["Tides", "Neap", "tides", "are", "small."]


@pytest.mark.parametrize("original", [
    "-----Original Message-----\nFrom: Bob\nSpring tides?",
    "---------- Forwarded message ---------\nFrom: Bob <b@c.example>\nSpring tides?",
    "________________________________\nFrom: Bob Smith <b@c.example>\nSent: Monday, 2 March 2026 10:00\n"
    "To: Ann\nSubject: tides\n\nSpring tides?",
    "From: Bob Smith\nSent: Monday\nSpring tides?",
])
def test_forwarded_or_replied_to_original_goes(original):
    post = f"{HEAD}{BODY}\n\n{original}\n"
    assert words(post) == ["Tides", *BODY.split()]


def test_a_signature_one_author_repeats_without_a_delimiter_is_learned():
    posts = [f"From: ann@b.example\nSubject: Post {i}\n\nTopic number {i} is about {w}.\n\nAnn Lee\n"
             f"Kestrel Rigging, Quayside\n" for i, w in enumerate(["tides", "sails", "knots"])]
    other = "From: bo@c.example\nSubject: Reply\n\nKestrel Rigging, Quayside makes sails.\n"
    signatures = learn_signatures([*posts, other])
    assert signatures == {("Ann Lee", "Kestrel Rigging, Quayside")}
    assert "Kestrel" not in clean_email(posts[0], "auto", signatures)
    assert "Kestrel" in clean_email(other, "auto", signatures)  # not at the end of a post: content
    assert learn_signatures(posts[:1]) == frozenset()  # one post teaches nothing


def test_switched_off_the_text_is_unchanged():
    post = f"Path: a!b\nFrom: a@b.example\nSubject: Tides\n\nsmith writes:\n> q\n{BODY}\n-- \nsig\n"
    assert clean_email(post, "never") == post


def write_mbox(path, n=4):
    messages = []
    for i in range(n):
        messages.append(f"From ann@b.example Tue Mar  3 10:0{i}:00 2026\nFrom: ann@b.example\n"
                        f"Subject: Note {i}\nMessage-ID: <{i}@b.example>\n\nLine {i} of text.\n>From the quay, tides.\n")
    path.write_text("\n".join(messages), encoding="utf-8")


def test_an_mbox_file_is_one_document_per_message(tmp_path):
    write_mbox(tmp_path / "box.mbox")
    write_mbox(tmp_path / "archive.txt", 3)  # an mbox by its content, whatever its name
    corpus = read_corpus(tmp_path)
    assert corpus.ids == [*(f"archive.txt/{i}" for i in (1, 2, 3)), *(f"box.mbox/{i}" for i in (1, 2, 3, 4))]
    first = corpus.documents[-4].text
    assert first.startswith("From: ann@b.example") and "Line 0 of text." in first and "Line 1" not in first
    assert words(first) == ["Note", "0", "Line", "0", "of", "text.", "From", "the", "quay,", "tides."]


def test_news_spool_files_without_a_suffix_are_read_when_they_are_mail(tmp_path):
    (tmp_path / "sci.space").mkdir()
    (tmp_path / "sci.space" / "61234").write_text("Path: a!b\nFrom: a@b.example\nSubject: Orbits\n\n" + BODY)
    (tmp_path / "sci.space" / "61235").write_text("Xref: a sci.space:61235\nNewsgroups: sci.space\n\n" + BODY)
    (tmp_path / "LICENSE").write_text("Permission is hereby granted, free of charge.")
    (tmp_path / "notes.txt").write_text(BODY)
    assert read_corpus(tmp_path).ids == ["notes.txt", "sci.space/61234", "sci.space/61235"]


def mail_folder(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir(parents=True)
    topics = {"tides": "tide moon neap spring harbour water", "sails": "sail mast rigging wind canvas boom"}
    for i in range(24):
        subject = list(topics)[i % 2]
        text = " ".join(topics[subject].split() * 3)
        (folder / f"{i:03d}.txt").write_text(
            f"Path: news.example!not-for-mail\nFrom: user{i % 3}@host{i % 3}.example\nNewsgroups: rec.{subject}\n"
            f"Subject: {subject} {i}\nOrganization: Host University\n\nuser{(i + 1) % 3} writes:\n> quoted text here\n\n"
            f"{text}\n-- \nuser {i % 3} signature line\n", encoding="utf-8")
    return folder


def test_the_cleaning_is_summarized_in_every_report(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(mail_folder(tmp_path)), "--topics", "2", "--out", str(out), "-q"]) == 0
    summary = json.loads((out / "topics.json").read_text(encoding="utf-8"))["corpus"]["mail_cleaning"]
    assert summary["messages"] == 24 and summary["cleaned"] == 24
    rules = {r["rule"]: r for r in summary["rules"]}
    assert set(rules) == {"header", "signature", "attribution", "quote"}
    assert rules["header"]["documents"] == 24 and 0.2 < summary["removed_share"] < 0.8
    assert "Mail cleaning" in (out / "report.md").read_text(encoding="utf-8")
    assert "Mail cleaning" in (out / "report.html").read_text(encoding="utf-8")
    off = tmp_path / "off"
    assert main(["run", str(mail_folder(tmp_path / "x")), "--topics", "2", "--out", str(off), "-q",
                 "--clean-email", "never"]) == 0
    assert "mail_cleaning" not in json.loads((off / "topics.json").read_text(encoding="utf-8"))["corpus"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["usenet", "mbox"])
def test_a_generated_archive_gives_clean_topics_and_flags_only_the_code_tables(tmp_path, kind):
    """BBC articles dressed as news posts or mbox messages (benchmarks/make_mail_corpora.py,
    a sample of 600): no residue among the top terms, the sections found, and the code
    tables' topic the only one flagged."""
    import gzip
    import re
    import sys

    from sklearn.metrics import normalized_mutual_info_score

    from conftest import ROOT, shared_corpus
    from topicnmf import pipeline

    rows = [json.loads(line) for line in gzip.open(shared_corpus("bbc-news.jsonl.gz"), "rt", encoding="utf-8")]
    rows = rows[::4][:600]
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from make_mail_corpora import generate, write

    messages = generate([r["text"] for r in rows], [r["label"] for r in rows], kind, n_codes=20)
    truth = write(messages, tmp_path / kind)
    token = re.compile(r"[^\W_]+")
    body_words = {w.lower() for m in messages for w in token.findall(m[3])}
    residue = {w.lower() for m in messages for w in token.findall(m[2])} - body_words
    result = pipeline.fit(str(tmp_path / kind), n_topics=6)
    top = {w for t in range(6) for w in result.topics.top_terms(t + 1)}
    assert not top & residue
    docs = result.topics.doc_topics
    assert normalized_mutual_info_score([truth[d] for d in docs.doc_id], docs.dominant_topic) > 0.75
    junk = [t for t, q in enumerate(result.quality, start=1) if {"codes", "metadata", "few_authors"} & set(q.flags)]
    assert len(junk) == 1 and "codes" in result.quality[junk[0] - 1].flags and junk[0] != 1
    assert result.preprocessing.cleaning.messages == len(messages)


def test_signatures_learned_in_bounded_memory_are_those_learned_whole():
    """StreamedSignatures keeps two candidates per author and block size and counts them
    again: the same signatures as signatures_of, also for an author whose sign-off ends
    exactly half of their posts, one who alternates two, and one who signs a third."""
    import random

    from topicnmf.mail.message import message_parts
    from topicnmf.mail.signatures import StreamedSignatures, signatures_of

    rng = random.Random(1)
    habits = {"half": (["Ann Half", "Half Corp"], 0.5), "most": (["Bo Most\nMost Ltd\nmost.example"], 0.9),
              "two": (["Cy A sign", "Cy B sign"], 1.0), "third": (["Di Third"], 0.34),
              "once": (["Ed Once"], 1.0)}
    posts = []
    for who, (sign_offs, share) in habits.items():
        n = 1 if who == "once" else 12
        for i in range(n):
            lines = [f"Body {who} {i} about rivers {rng.random():.6f}", f"and more, {rng.random():.6f}"]
            if who == "half":
                lines.append(sign_offs[0]) if i % 2 == 0 else None
            elif rng.random() < share:
                lines.append(sign_offs[i % len(sign_offs)])
            posts.append(f"From: {who}@example.org\nSubject: post {i}\n\n" + "\n".join(lines))
    rng.shuffle(posts)
    messages = [(author(p), message_parts(p)) for p in posts]
    whole = signatures_of(messages)
    streamed = StreamedSignatures()
    for who, parts in messages:
        streamed.add(who, parts.body)
    assert streamed.signatures((who, parts.body) for who, parts in messages) == whole
    assert ("Ann Half",) in whole and ("Bo Most", "Most Ltd", "most.example") in whole
    assert len(streamed.summaries["most@example.org"]) == 60  # what is kept per author


@pytest.mark.parametrize("footer", [
    "_______________________________________________\nharbour-list mailing list\nharbour-list@lists.example.org\n"
    "https://lists.example.org/mailman/listinfo/harbour-list\n",
    "-- \nYou received this message because you are subscribed to the Google Groups \"harbour\" group.\n"
    "To unsubscribe from this group, send email to harbour+unsubscribe@googlegroups.com.\n"])
def test_a_signature_above_a_mailing_list_footer_goes_with_it(footer):
    post = f"From: a@b.example\nSubject: s\n\nHello,\n\n{BODY}\n\n--\nAnn Smith\nHarbour Office\n\n{footer}"
    assert cleaned(post).splitlines() == ["s", "", "Hello,", "", BODY]
    mine = f"From: a@b.example\nSubject: s\n\n{BODY}\n\n--\nAnn Smith\n---\nHarbour Office\n"
    assert cleaned(mine).splitlines() == ["s", "", BODY, "", "--", "Ann Smith"]  # no footer: one cut


@pytest.mark.parametrize("original", [
    "-----Ursprüngliche Nachricht-----\nVon: Pat Doe\nGesendet: Montag, 7. März 2005 10:00\nAn: Sam\n",
    "---------- Weitergeleitete Nachricht ---------\nVon: Pat Doe <pat@example.com>\nDatum: Mo., 7. März 2005\n",
    "De: Pat Doe [mailto:pat@example.com]\nEnviado el: lunes, 7 de marzo de 2005 10:00\nPara: Sam\nAsunto: Mareas\n",
    "-------- Message transféré --------\nSujet : Marées\nDate : Mon, 7 Mar 2005 10:00:00 +0000\nDe : Pat Doe\n"])
def test_replies_and_forwards_of_other_locales_lose_the_original_and_its_separator(original):
    post = f"From: a@b.example\nSubject: s\n\n{BODY}\n\n{original}\nThe quoted original text.\n"
    assert cleaned(post).splitlines() == ["s", "", BODY]
