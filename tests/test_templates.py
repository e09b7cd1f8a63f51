"""Template lines learned per source and per language as well as corpus-wide: a site section,
a subfolder or a language under 20% of the corpus loses its template (cookie banner,
breadcrumbs, footer), lines a folder's documents share without being a template stay, and a
flagged topic made of kept repeated lines points to --drop-repeated-lines."""

import json
import random

import pytest

from conftest import BUNDLED
from test_languages import sample
from topicnmf import pipeline
from topicnmf.cli import main
from topicnmf.corpus import from_texts
from topicnmf.preprocess import PreprocessOptions

BANNER = "Wir verwenden Cookies, um Ihnen das beste Erlebnis zu bieten. Alle akzeptieren oder anpassen."
FOOTER = "© 2026 Beispielverlag GmbH · Impressum · Datenschutz · Kontakt"
TEMPLATE_WORDS = {"verwenden", "akzeptieren", "beispielverlag", "gmbh", "impressum", "datenschutz", "kontakt",
                  "guides", "erlebnis"}


def site(german_in_own_folder=True):
    """(ids, texts): the bundled guides as pages of a site, each section's pages under a
    breadcrumb line, and 12 German pages with a German banner and footer (9% of the pages),
    in a folder of their own or spread over the English sections."""
    ids, texts = [], []
    for path in sorted(BUNDLED.rglob("*.txt")):
        section = path.parent.name
        ids.append(f"site/{section}/{path.stem}.txt")
        texts.append(f"You are here: Home › Guides › {section.title()}\n{path.read_text(encoding='utf-8')}")
    german, _ = sample("de", per_subject=4)
    sections = sorted({p.parent.name for p in BUNDLED.rglob("*.txt")})
    for i, text in enumerate(german):
        folder = "de" if german_in_own_folder else sections[i % len(sections)]
        ids.append(f"site/{folder}/seite{i:02d}.txt")
        texts.append(f"{BANNER}\nStartseite › Nachrichten\n{text}\n{FOOTER}")
    return ids, texts


def terms_of(ids, texts, **settings):
    return set(pipeline.run(from_texts(texts, ids), n_topics=6, **settings).result.dtm.terms)


@pytest.mark.parametrize("own_folder", [True, False], ids=["a section of their own", "spread over the sections"])
def test_a_section_or_a_language_under_a_fifth_of_the_corpus_loses_its_template(own_folder):
    ids, texts = site(own_folder)
    terms = terms_of(ids, texts)
    assert not terms & TEMPLATE_WORDS  # before: every template word in the vocabulary
    assert {"saturn", "telescope", "dough", "bundesliga", "knoblauch"} <= terms  # the pages' own words


def test_lines_a_folders_documents_share_without_a_template_stay():
    """A family's shared description (Debian's Haskell libraries: 46% of their section) is
    their subject: a line in 12 of a folder's 21 documents is kept."""
    ids, texts = site()
    family = [i for i, doc_id in enumerate(ids) if doc_id.startswith("site/programming/")]
    for i in family[:12]:
        texts[i] += "\nThis package provides a library for the Haskell programming language."
    assert "haskell" in terms_of(ids, texts)
    # in 12 of 138 documents: the corpus-wide rule drops it when asked to
    assert "haskell" not in terms_of(ids, texts, preprocess=PreprocessOptions(repeated_line_share=0.08))


def test_out_of_core_learns_the_same_lines(tmp_path):
    ids, texts = site(german_in_own_folder=False)
    for doc_id, text in zip(ids, texts):
        (tmp_path / "in" / doc_id).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / doc_id).write_text(text, encoding="utf-8")
    lines = []
    for name, budget in (("memory", []), ("passes", ["--max-memory", "20KB"])):
        assert main(["run", str(tmp_path / "in"), "--topics", "6", "--out", str(tmp_path / name), "-q",
                     *budget]) == 0
        model = json.loads((tmp_path / name / "model" / "model.json").read_text(encoding="utf-8"))
        lines.append(model["preprocess"]["boilerplate_lines"])
    assert lines[0] == lines[1] and BANNER in lines[0] and FOOTER in lines[0]
    assert "You are here: Home › Guides › Astronomy" in lines[0]


def test_a_flagged_topic_of_kept_repeated_lines_points_to_drop_repeated_lines(tmp_path):
    """A shop's footer on 15 of its 20 pages (75%; 10% of the corpus) is kept; the 5 others
    name their page. The topic it makes is flagged and told which share drops the line."""
    import shutil

    shutil.copytree(BUNDLED, tmp_path / "in")
    (tmp_path / "in" / "shop.example").mkdir()
    foot = "Kestrelmart Ltd, registered in Quayside. Returns policy, delivery charges, cookie settings."
    for i, path in enumerate(random.Random(0).sample(sorted(BUNDLED.rglob("*.txt")), 20)):
        title, *body = path.read_text(encoding="utf-8").split("\n")
        (tmp_path / "in" / "shop.example" / f"page{i:02d}.txt").write_text(
            f"{title}\n{' '.join(body)}\n{foot if i < 15 else foot + f' Page {i}.'}\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "in"), "--topics", "7", "--out", str(out), "-q", "--dtype", "float64"]) == 0
    topics = json.loads((out / "topics.json").read_text(encoding="utf-8"))["topics"]
    advice = [a["advice"] for t in topics for a in t["quality"].get("advice", ()) if "few_authors" == a["flag"]]
    assert len(advice) == 1
    assert "come from 1 line(s) repeated word for word" in advice[0]
    assert advice[0].endswith("--drop-repeated-lines 0.1 drops them")  # 15 of 146 documents
    assert main(["run", str(tmp_path / "in"), "--topics", "7", "--out", str(tmp_path / "o2"), "-q",
                 "--drop-repeated-lines", "0.1"]) == 0
    model = json.loads((tmp_path / "o2" / "model" / "model.json").read_text(encoding="utf-8"))
    assert foot in model["preprocess"]["boilerplate_lines"]
