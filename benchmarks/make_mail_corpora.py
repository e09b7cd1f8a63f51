"""Mail- and news-style corpora built from a labelled corpus, whose clean bodies are known.

Each document of the labelled corpus (BBC news: title, then body) becomes a message whose
Subject is the title and whose body is the text, dressed in the apparatus of real archives:

- ``usenet``: one post per file, as a news spool stores them (``bbc.sport/10042``, no suffix):
  a ``Path:`` first line, ``Article-I.D.:``, folded ``References:`` and ``Newsgroups:``,
  Organization, NNTP-Posting-Host, Lines; half the posts answer another post of another
  section, quoting a paragraph of it under an attribution (each common form, some wrapped
  over two lines, some followed by ``[deleted]``), quoted with ``>``, ``> >``, ``|`` or ``:``;
  every author ends their posts with the same signature (after ``-- ``, ``--``, ``---``,
  ``___``, or with no delimiter at all); some posts are PGP-signed, some carry a uuencoded or
  base64 attachment.
- ``mbox``: monthly mbox files; messages with From_ lines, MIME multipart/alternative
  (quoted-printable plain part, HTML part), base64 attachments, ``On <date>, <name> wrote:``
  replies, ``-----Original Message-----`` forwards and ``-- `` signatures.

Both also hold ``codes`` posts: commodity price tables (``MAY7 JUL7 SEP7 MAR8 DEC7 UNTRD``), a
junk subject that the flags must catch. :func:`generate` returns the messages with their ids,
labels and clean bodies (the text a person would keep), and :func:`write` writes a corpus to
a folder with a ``labels.json`` beside it (outside the folder, so it is not read).

    python benchmarks/make_mail_corpora.py /tmp/mail-corpora          # both, from BBC news
"""

import base64
import json
import quopri
import random
import re
import sys
import textwrap
from pathlib import Path

FIRST = "Ada Bo Cyd Dara Eli Fay Gus Hana Ivo Jun Kai Lea Max Noor Oto Pia Quin Rui Sol Tam".split()
LAST = "Quill Tarn Morrow Vance Okafor Lindqvist Haddad Brennan Castell Ferreira Ibsen Kowal".split()
DOMAINS = ["cs.wisc.edu", "eng.umd.edu", "netcom.com", "well.sf.ca.us", "ac.uk.example", "mit.edu",
           "uunet.uu.net", "cco.caltech.edu", "austin.ibm.com", "hal.com"]
ORGS = ["University of Wisconsin, Madison", "Netcom On-line Communication Services", "Hal Computer Systems",
        "Caltech Computing Support", "The Well, Sausalito", "IBM Austin Research"]
SIG_DELIMITERS = ["-- ", "--", "---", "________________________________________", None]
MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()


def authors(rng, n=40):
    out = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        domain = DOMAINS[i % len(DOMAINS)]
        address = f"{first.lower()}{last[0].lower()}{i}@{domain}"
        title = rng.choice(["Systems Programmer", "Research Associate", "Graduate Student", "Consultant"])
        quip = rng.choice(["Opinions are mine alone.", "Standard disclaimers apply.",
                           "Keep your packets dry.", "Ask me about my compiler."])
        signature = f"{first} {last}  {title}\n{ORGS[i % len(ORGS)]}  |  {address}\n\"{quip}\""
        out.append({"name": f"{first} {last}", "address": address, "org": ORGS[i % len(ORGS)],
                    "signature": signature, "delimiter": SIG_DELIMITERS[i % len(SIG_DELIMITERS)]})
    return out


def code_table(rng):
    """A commodity price table: contract codes, prices, 'UNTRD'."""
    commodity = rng.choice(["COCOA", "COFFEE", "SUGAR", "COTTON", "WHEAT", "SOYBEANS"])
    rows = [f"{commodity} FUTURES CLOSE"]
    for _ in range(14):
        codes = [f"{m}{rng.choice('6789')}".upper() for m in rng.sample(MONTHS, 6)]
        rows.append(" ".join(codes) + f" {rng.randint(100, 999)}.{rng.randint(0, 99):02d} UNTRD")
    return f"{commodity} futures prices", "\n".join(rows[1:])


def split(text):
    title, _, body = text.strip().partition("\n")
    return title.strip(), body.strip()


def _uuencoded(rng):
    lines = ["begin 644 chart.gif"]
    lines += ["M" + "".join(chr(rng.randint(33, 96)) for _ in range(60)) for _ in range(rng.randint(4, 10))]
    return "\n".join(lines + ["`", "end"])


def _base64(rng, lines):
    data = bytes(rng.randint(0, 255) for _ in range(57 * lines))
    return base64.encodebytes(data).decode().strip()


def _attribution(rng, other, author, message_id):
    forms = [
        f"In article <{message_id}>, {author['address']} ({author['name']}) writes:",
        f"In article <{message_id}>, {author['address']} ({author['name']})\nwrites:",
        f"In <{message_id}> {author['address']} writes:",
        f"{author['address']} ({author['name']}) writes:",
        f"On Tue, 6 Apr 1993 14:02:11 GMT, {author['name']} <{author['address']}> wrote:",
        f"On Tue, 6 Apr 1993 14:02:11 GMT, {author['name']} <{author['address']}>\nwrote:",
        f"Quoting {author['name']} <{author['address']}>:",
    ]
    return rng.choice(forms)


def _quoted(rng, paragraph):
    mark = rng.choice(["> ", "> ", "> > ", "| ", ": "])
    return "\n".join(mark + line for line in textwrap.wrap(paragraph, 70)[:6])


def usenet_post(rng, i, title, body, author, other_body, other_author, section):
    message_id = f"1993Apr{rng.randint(1, 28)}.{rng.randint(100000, 999999)}.{i}@{author['address'].split('@')[1]}"
    host = f"host{rng.randint(1, 99)}.{author['address'].split('@')[1]}"
    headers = [
        f"Path: cantaloupe.srv.cs.cmu.edu!crabapple.srv.cs.cmu.edu!fs7.ece.cmu.edu!europa.eng.gtefsd.com!"
        f"howland.reston.ans.net!{host}",
        f"From: {author['address']} ({author['name']})",
        f"Newsgroups: bbc.{section},\n\tbbc.misc" if rng.random() < 0.3 else f"Newsgroups: bbc.{section}",
        f"Subject: {'Re: ' if other_body else ''}{title}",
        f"Message-ID: <{message_id}>",
        f"Date: {rng.randint(1, 28)} Apr 93 {rng.randint(10, 23)}:{rng.randint(10, 59)}:00 GMT",
        f"Article-I.D.: {author['address'].split('@')[1].split('.')[0]}.{message_id.split('@')[0]}",
        f"References: <{rng.randint(1000, 9999)}@news.example.com>\n <{rng.randint(1000, 9999)}@netnews.example.org>",
        f"Sender: news@{host}",
        f"Organization: {author['org']}",
        f"Lines: {body.count(chr(10)) + 5}",
        f"NNTP-Posting-Host: {host}",
    ]
    parts = []
    if other_body:
        paragraph = rng.choice([p for p in other_body.split("\n\n") if p.strip()] or [other_body])
        parts.append(_attribution(rng, other_body, other_author, f"{rng.randint(1000, 9999)}@{host}"))
        parts.append(_quoted(rng, paragraph.replace("\n", " ")))
        if rng.random() < 0.3:
            parts.append(rng.choice(["[deleted]", "[...]", "[stuff deleted]"]))
        parts.append("")
    text = body
    if rng.random() < 0.1:
        text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\n" + text
    parts.append(text)
    if "PGP SIGNED" in text:
        parts.append("\n-----BEGIN PGP SIGNATURE-----\nVersion: 2.3a\n\n" + _base64(rng, 3)
                     + "\n=" + _base64(rng, 1)[:4] + "\n-----END PGP SIGNATURE-----")
    if rng.random() < 0.05:
        parts.append("\n" + _uuencoded(rng))
    elif rng.random() < 0.05:
        parts.append("\n" + _base64(rng, rng.randint(4, 12)))
    delimiter = author["delimiter"]
    parts.append(("\n" + delimiter if delimiter is not None else "") + "\n" + author["signature"])
    return "\n".join(headers) + "\n\n" + "\n".join(parts) + "\n"


def mbox_message(rng, i, title, body, author, other_body, other_author):
    date = f"Tue, {rng.randint(1, 28)} Jan 2026 {rng.randint(10, 23)}:{rng.randint(10, 59)}:00 +0000"
    head = [f"From {author['address']} {date}", f"From: {author['name']} <{author['address']}>",
            "To: newsroom@lists.example.org", f"Subject: {'Re: ' if other_body else ''}{title}",
            f"Date: {date}", f"Message-ID: <{i}.{rng.randint(10**6, 10**7)}@{author['address'].split('@')[1]}>",
            "X-Mailer: Mozilla Thunderbird 115.3", "MIME-Version: 1.0"]
    text = body
    if other_body:
        paragraph = rng.choice([p for p in other_body.split("\n\n") if p.strip()] or [other_body])
        quote = "\n".join("> " + line for line in textwrap.wrap(paragraph, 70)[:6])
        if rng.random() < 0.7:
            text += f"\n\nOn {date}, {other_author['name']} <{other_author['address']}>\nwrote:\n{quote}"
        else:
            text += (f"\n\n-----Original Message-----\nFrom: {other_author['name']}\nSent: {date}\n"
                     f"Subject: {title}\n\n{paragraph}")
    text += "\n\n-- \n" + author["signature"]
    kind = rng.random()
    if kind < 0.4:  # plain, 8bit
        head += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        return "\n".join(head) + "\n\n" + text + "\n"
    boundary = f"=_boundary_{i}"
    plain = quopri.encodestring(text.encode("utf-8")).decode("ascii")
    html = "<html><body>" + "".join(f"<p>{p}</p>" for p in text.split("\n\n")) + "</body></html>"
    parts = [f"--{boundary}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable"
             f"\n\n{plain}"]
    subtype = "alternative"
    if kind < 0.8:
        parts.append(f"--{boundary}\nContent-Type: text/html; charset=utf-8\n\n{html}")
    else:
        subtype = "mixed"
        parts.append(f"--{boundary}\nContent-Type: application/pdf; name=\"report.pdf\"\n"
                     "Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"report.pdf\"\n\n"
                     + _base64(rng, rng.randint(5, 20)))
    head.append(f'Content-Type: multipart/{subtype}; boundary="{boundary}"')
    return "\n".join(head) + "\n\nThis is a multi-part message in MIME format.\n" + "\n".join(parts) + \
        f"\n--{boundary}--\n"


def generate(texts, labels, kind, *, n_codes=60, seed=0):
    """[(id, label, message text, clean body)] of a ``kind`` ('usenet' or 'mbox') corpus."""
    rng = random.Random(seed)
    people = authors(rng)
    wire = {"name": "Commodity Wire", "address": "prices@wire.example.com", "org": "Wire Services",
            "signature": "Wire Services Desk\nprices@wire.example.com", "delimiter": "-- "}
    docs = [(*split(t), lab) for t, lab in zip(texts, labels)]
    docs += [(*code_table(rng), "codes") for _ in range(n_codes)]
    order = list(range(len(docs)))
    rng.shuffle(order)
    out = []
    for n, i in enumerate(order):
        title, body, label = docs[i]
        author = wire if label == "codes" else people[rng.randrange(len(people))]
        other_body, other_author = "", None
        if label != "codes" and rng.random() < 0.5:
            j = rng.randrange(len(texts))
            if labels[j] != label:
                other_body, other_author = split(texts[j])[1], people[rng.randrange(len(people))]
        if kind == "usenet":
            text = usenet_post(rng, n, title, body, author, other_body, other_author, label)
            doc_id = f"bbc.{label}/{10000 + n}"
        else:
            text = mbox_message(rng, n, title, body, author, other_body, other_author)
            doc_id = f"archive-{n % 6 + 1:02d}.mbox"
        out.append((doc_id, label, text, f"{title}\n\n{body}"))
    return out


def read_ids(messages):
    """The id topicnmf gives each message (in the order of ``messages``): a spool file's path,
    or an mbox file's name and the message's number in it."""
    counts, out = {}, []
    for doc_id, *_ in messages:
        if doc_id.endswith(".mbox"):
            counts[doc_id] = counts.get(doc_id, 0) + 1
            doc_id = f"{doc_id}/{counts[doc_id]}"
        out.append(doc_id)
    return out


def write(messages, folder):
    """Write a generated corpus to ``folder``; returns {document id as topicnmf reads it: label}
    (also written to ``folder``.labels.json)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    labels, boxes = {}, {}
    for doc_id, label, text, _ in messages:
        if doc_id.endswith(".mbox"):
            boxes.setdefault(doc_id, []).append((label, text))
            continue
        (folder / doc_id).parent.mkdir(parents=True, exist_ok=True)
        (folder / doc_id).write_text(text, encoding="utf-8")
        labels[doc_id] = label
    for name, items in boxes.items():
        # mboxrd: a body line starting 'From ' (or '>From ') gets one more '>'
        escaped = (first + "\n" + re.sub(r"\n(>*From )", r"\n>\1", "\n" + rest)[1:] for first, rest in
                   (text.split("\n", 1) for _, text in items))
        (folder / name).write_text("\n".join(escaped), encoding="utf-8")
        labels.update({f"{name}/{n}": label for n, (label, _) in enumerate(items, start=1)})
    Path(f"{folder}.labels.json").write_text(json.dumps(labels, indent=0), encoding="utf-8")
    return labels


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    from _corpora import load

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "mail-corpora")
    texts, labels = load("bbc")
    for kind in ("usenet", "mbox"):
        written = write(generate(texts, labels, kind), target / kind)
        print(f"{target / kind}: {len(written)} messages")
