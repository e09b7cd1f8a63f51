"""Junk-topic flags (junk.py) on constructed topics, their order and advice in the reports,
and --drop-flagged end to end."""

import json
import random
import shutil

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import BUNDLED
from topicnmf.cli import main
from topicnmf.junk import assess
from topicnmf.topics import prevalence_order

TIDES = "tides moon neap spring harbour water current ebb flood shore"


def constructed():
    """Texts and a factorization with four topics: news headers (metadata), commodity code
    tables (codes), one author's signature (few_authors), and a clean subject."""
    texts = []
    for i in range(10):  # raw news posts: the topic is their header words
        texts.append(f"Path: news.example!uunet!host{i}\nFrom: user{i}@host{i}.example.edu\nNewsgroups: sci.tides\n"
                     f"Subject: tides {i}\nOrganization: University of Example\nNNTP-Posting-Host: host{i}.example.edu\n"
                     f"\nIn article <{i}@example.edu>, user{i + 1}@host.example.edu writes:\n{TIDES}\n")
    for i in range(10):  # tables of contract codes
        texts.append("Cocoa futures close\n" + "\n".join(f"MAY7 JUL7 SEP7 MAR8 DEC7 UNTRD {100 + r}" for r in range(5)))
    for i in range(20):  # clean posts on tides by ten people
        texts.append(f"From: user{i % 10}@host{i % 10}.example.edu\nSubject: tides\n\n{TIDES} {TIDES}\n")
    for i in range(5):  # one person's posts, ending in their signature
        texts.append(f"From: al@quay.example\nSubject: tides\n\n{TIDES}\n\nAnn Lee Kestrel Rigging Quayside\n")
    terms = ("organization posting nntp host university edu example path news uunet "
             "may7 jul7 sep7 mar8 dec7 untrd cocoa futures close "
             "kestrel rigging quayside ann lee " + TIDES).split()
    k, n = 4, len(texts)
    W = np.full((n, k), 1e-3)
    W[:10, 0], W[10:20, 1], W[40:45, 2], W[20:40, 3] = 1.0, 1.0, 1.0, 1.0
    H = np.zeros((k, len(terms)))
    for t, words in enumerate([terms[:10], terms[10:19], terms[19:24], TIDES.split()]):
        for rank, w in enumerate(words):
            H[t, terms.index(w)] = 1.0 - rank / 20
    top = np.argsort(-H, axis=1)[:, :10]
    X = sp.csr_matrix(np.array([[text.lower().count(w) > 0 for w in terms] for text in texts], dtype=float))
    return texts, W, H, top, terms, X


def test_each_flag_fires_on_its_constructed_topic_only():
    texts, W, H, top, terms, X = constructed()
    junk = assess(texts, W, H, top, terms, X=X)
    assert [j.flags for j in junk] == [("metadata",), ("codes",), ("few_authors",), ()]
    metadata, codes, author = junk[0], junk[1], junk[2]
    assert {"organization", "posting", "nntp", "host", "edu", "path"} <= set(metadata.terms)
    assert "tides" not in metadata.terms
    assert {"may7", "jul7", "untrd", "dec7"} <= set(codes.terms) and "futures" not in codes.terms
    assert "al@quay.example" in author.advice[0][1] and set(author.terms) == {"kestrel", "rigging", "quayside",
                                                                                  "ann", "lee"}
    for j in junk[:3]:  # each flag says what to do
        assert "--drop-flagged" in j.advice[0][1]


def test_one_author_alone_on_a_subject_in_common_words_is_not_few_authors():
    texts, W, H, top, terms, X = constructed()
    for i in range(20, 28):  # most of the tides topic's weight: eight posts by one person
        texts[i] = texts[i].replace(f"user{(i - 20) % 10}@host{(i - 20) % 10}", "solo@host.example")
    W[28:40, 3] = 0.05  # the others' posts on tides weigh little, but use the same words
    junk = assess(texts, W, H, top, terms, X=X)
    assert "few_authors" not in junk[3].flags and junk[2].flags == ("few_authors",)


def test_markup_paths_and_urls_are_metadata():
    page = ('<div class="post"><span>Neap&nbsp;tides</span> <a href="http://tides.example.org/a/b">more</a></div>'
            " see /usr/share/doc/tides and C:\\Program Files\\Tides")
    texts = [page] * 5 + [TIDES] * 5
    terms = "div class span nbsp href usr share doc org post tides moon neap".split()
    W = np.zeros((10, 2))
    W[:5, 0], W[5:, 1] = 1.0, 1.0
    H = np.zeros((2, len(terms)))
    H[0, :10] = np.linspace(1, 0.5, 10)
    H[1, 10:] = 1.0
    top = np.argsort(-H, axis=1, kind="stable")[:, :10]
    junk = assess(texts, W, H, top, terms)
    assert junk[0].flags == ("metadata",) and junk[1].flags == ()
    assert {"div", "nbsp", "href", "usr", "org"} <= set(junk[0].terms) and "tides" not in junk[0].terms


def test_after_cleaning_the_header_words_are_not_metadata():
    from topicnmf.preprocess import Analyzer

    texts, W, H, top, terms, X = constructed()
    junk = assess(texts, W, H, top, terms, X=X, clean=Analyzer().clean)
    assert "metadata" not in junk[0].flags  # the cleaned posts keep no header: nothing to count


def test_a_junk_topic_is_never_listed_first():
    sums = np.array([[5.0, 1.0, 2.0], [5.0, 1.0, 2.0]]).sum(axis=0)  # W's column sums
    assert prevalence_order(sums).tolist() == [0, 2, 1]
    assert prevalence_order(sums, [True, False, False]).tolist() == [2, 1, 0]
    assert prevalence_order(sums, [2, 1, 0]).tolist() == [2, 1, 0]  # junk after quality flags


def test_a_topic_with_any_flag_is_never_listed_first(tmp_path):
    # the KL fit of four topics on the bundled corpus has two low_coherence topics, the
    # heaviest among them: they are listed after the two topics without flags
    out = tmp_path / "out"
    assert main(["run", str(BUNDLED), "--topics", "4", "--loss", "kullback-leibler", "--out", str(out), "-q"]) == 0
    flags = [t["quality"]["flags"] for t in topics_of(out)["topics"]]
    assert flags[0] == [] and any(flags)
    assert [bool(f) for f in flags] == sorted(bool(f) for f in flags)


def with_tables(folder, n_tables):
    shutil.copytree(BUNDLED, folder)
    rng = random.Random(0)
    months = "jan feb mar apr may jun jul aug sep oct nov dec".split()
    (folder / "wire").mkdir()
    for i in range(n_tables):
        rows = [" ".join(f"{m}{rng.choice('6789')}".upper() for m in rng.sample(months, 6))
                + f" {rng.randint(100, 999)} UNTRD" for _ in range(12)]
        (folder / "wire" / f"table-{i:02d}.txt").write_text("Cocoa futures\n" + "\n".join(rows) + "\n", encoding="utf-8")


def topics_of(out):
    return json.loads((out / "topics.json").read_text(encoding="utf-8"))


def test_a_code_table_topic_is_flagged_listed_last_and_dropped_on_request(tmp_path):
    with_tables(tmp_path / "in", 60)  # enough tables to be the heaviest topic
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "in"), "--topics", "7", "--out", str(out), "-q"]) == 0
    data = topics_of(out)
    flagged = [t for t in data["topics"] if "codes" in t["quality"]["flags"]]
    assert len(flagged) == 1 and flagged[0]["topic"] != 1
    assert not any({"codes", "metadata", "few_authors"} & set(t["quality"]["flags"])
                   for t in data["topics"] if t is not flagged[0])  # the six clean subjects
    advice = flagged[0]["quality"]["advice"][0]
    assert advice["flag"] == "codes" and "untrd" in advice["advice"]
    suggested = (out / "suggested_stop_words.txt").read_text(encoding="utf-8").split()
    assert "untrd" in suggested and "may7" in suggested
    assert "Flag codes:" in (out / "report.md").read_text(encoding="utf-8")
    assert "untrd" in (out / "report.html").read_text(encoding="utf-8")

    dropped = tmp_path / "dropped"
    assert main(["run", str(tmp_path / "in"), "--topics", "7", "--out", str(dropped), "-q", "--drop-flagged"]) == 0
    data = topics_of(dropped)
    assert data["dropped_terms"][0]["topic"] == flagged[0]["topic"] and "untrd" in data["dropped_terms"][0]["terms"]
    terms = {x["term"] for t in data["topics"] for x in t["terms"]}
    assert not terms & {"untrd", "may7", "jul8", "dec9"}
    assert "--drop-flagged" in (dropped / "report.md").read_text(encoding="utf-8")


def test_drop_flagged_without_flags_changes_nothing_and_says_so(tmp_path, capsys):
    plain, dropped = tmp_path / "plain", tmp_path / "dropped"
    assert main(["run", str(BUNDLED), "--topics", "6", "--out", str(plain), "-q"]) == 0
    capsys.readouterr()
    assert main(["run", str(BUNDLED), "--topics", "6", "--out", str(dropped), "--drop-flagged"]) == 0
    assert topics_of(plain)["topics"] == topics_of(dropped)["topics"] and "dropped_terms" not in topics_of(dropped)
    assert "--drop-flagged: no topic is flagged with junk terms; nothing dropped" in capsys.readouterr().err


def test_drop_flagged_is_checked():
    from topicnmf.config import RunConfig
    from topicnmf.errors import ParameterError

    with pytest.raises(ParameterError, match="drop_flagged must be True or False"):
        RunConfig(drop_flagged="yes")


def test_sources_of_paths_mboxes_and_urls():
    from topicnmf.junk import sources
    top, container = sources(["site/docs/a.html", "box.mbox/3", "a.txt", "https://Example.org/x/y",
                              "site/b.html"])
    assert top.labels() == ["site", "box.mbox", ".", "example.org", "site"]
    assert container.labels() == ["site/docs", "box.mbox", ".", "example.org", "site"]
    assert list(top.codes) == [0, 1, 2, 3, 0]


def with_shop(folder):
    """The bundled guides plus 20 of them as pages of one web shop, each with its footer."""
    shutil.copytree(BUNDLED, folder)
    rng = random.Random(0)
    (folder / "shop.example").mkdir()
    # the footer names its page, so it is no line repeated word for word (those are learned
    # as the source's template and dropped: test_templates)
    foot = "Kestrelmart Ltd, registered in Quayside. Returns policy, delivery charges, cookie settings. Page {}."
    for i, path in enumerate(rng.sample(sorted(folder.rglob("*.txt")), 20)):
        title, *body = path.read_text(encoding="utf-8").split("\n")
        (folder / "shop.example" / f"page{i:02d}.html").write_text(
            f"<html><head><title>{title}</title></head><body><p>{' '.join(body)}</p>"
            f"<footer>{foot.format(i + 1)}</footer></body></html>", encoding="utf-8")


@pytest.mark.parametrize("budget", [[], ["--max-memory", "20KB"]], ids=["in memory", "out of core"])
def test_a_topic_of_one_sources_boilerplate_is_few_authors_but_a_folder_of_one_subject_is_not(tmp_path, budget):
    with_shop(tmp_path / "in")  # the guides lie in one folder per subject: those topics are not flagged
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "in"), "--topics", "7", "--out", str(out), "-q", "--dtype", "float64",
                 *budget]) == 0
    topics = topics_of(out)["topics"]
    flagged = [t for t in topics if "few_authors" in t["quality"]["flags"]]
    assert [t["topic"] for t in flagged] == [7]  # listed last
    advice = flagged[0]["quality"]["advice"][0]["advice"]
    assert "source 'shop.example'" in advice and "kestrelmart" in advice
    assert {"kestrelmart", "quayside"} <= set((out / "suggested_stop_words.txt").read_text().split())


SUBJECTS = {  # six sentences each, as a teacher's or a tester's small sample reuses them
    "football": ["The striker scored in the last minute of the match.", "The goalkeeper saved a penalty kick.",
                 "The home team won the league match two to one.", "The coach replaced the striker at half time.",
                 "Fans filled the stadium to cheer their team.", "The referee showed the defender a yellow card."],
    "cooking": ["Chop the onions and garlic before frying them.", "Knead the dough until it is smooth.",
                "Simmer the soup with carrots and celery.", "Bake the bread in a hot oven.",
                "Season the sauce with salt and pepper.", "Fry the eggs in hot butter until crisp."],
    "astronomy": ["The astronomer watched a distant galaxy through the telescope.",
                  "The moon circles the earth every month.", "A comet grows a long tail near the sun.",
                  "The telescope photographed a faint nebula.", "Jupiter is the largest planet of the solar system.",
                  "A solar eclipse happens when the moon hides the sun."]}


@pytest.mark.parametrize("lines", ["one", "each"], ids=["one line a document", "one line a sentence"])
def test_folders_of_one_subjects_short_documents_are_not_flagged_as_a_sources_boilerplate(tmp_path, lines):
    """A folder per subject of short documents drawing on a few sentences: the subject's words
    are in 80% of its folder's documents, and every topic was flagged few_authors, its words
    suggested as stop words (following the advice deleted the subjects). A source's
    boilerplate stands on a line its documents repeat; these words stand in sentences."""
    rng = random.Random(0)
    for subject, sentences in SUBJECTS.items():
        (tmp_path / "in" / subject).mkdir(parents=True)
        for i in range(10):
            picked = rng.sample(sentences, rng.randint(3, 5))
            text = " ".join(picked) if lines == "one" else "\n\n".join(
                f"{s} ({rng.choice(['Ann', 'Bob', 'Cy'])}, note {i})" for s in picked)  # no line repeats whole
            (tmp_path / "in" / subject / f"{i:02d}.txt").write_text(text + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "in"), "--topics", "3", "--folder-labels", "--out", str(out), "-q"]) == 0
    data = topics_of(out)
    assert data["evaluation"]["labels"]["nmi"] == 1.0
    assert not [t["topic"] for t in data["topics"] if "few_authors" in t["quality"]["flags"]]
    assert not (out / "suggested_stop_words.txt").exists() or not {"telescope", "striker", "dough"} & set(
        (out / "suggested_stop_words.txt").read_text(encoding="utf-8").split())
