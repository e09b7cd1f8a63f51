"""Markdown files read as their words: a blog's front matter (Jekyll/Hugo) gives only its
title, links and images only their text."""

from conftest import BUNDLED
from topicnmf import pipeline
from topicnmf.corpus import read_corpus
from topicnmf.readers.markdown import markdown_text

CATEGORY = {"astronomy": "skywatch", "baking": "bakehouse", "finance": "moneywise", "gardening": "greenfingers",
            "programming": "codecraft", "sailing": "seafaring"}


def test_a_blogs_front_matter_and_link_targets_stay_out_of_the_topics(tmp_path):
    posts = tmp_path / "blog" / "_posts"
    posts.mkdir(parents=True)
    for i, path in enumerate(sorted(BUNDLED.rglob("*.txt"))):
        title, *body = path.read_text(encoding="utf-8").split("\n")
        category = CATEGORY[path.parent.name]
        (posts / f"2026-01-{i % 28 + 1:02d}-{path.stem}.md").write_text(
            f"---\nlayout: post\ntitle: \"{title}\"\ndate: 2026-01-01 10:00:00 +0000\ncategories: [{category}]\n"
            f"tags: [{category}, archive]\nauthor: staff\n---\n\n![{title}](/assets/img/{category}/{path.stem}.jpg)\n\n"
            + "\n".join(body) + f"\nRead the [full story](https://example.org/{category}/{path.stem}) or see "
            f"[more](https://example.org/tag/{category} \"more\").\n", encoding="utf-8")
    corpus = read_corpus(tmp_path / "blog")
    first = corpus.texts[0]
    assert first.startswith("Finding Saturn in the evening sky\n") and "layout" not in first
    terms = set(pipeline.run(corpus, n_topics=6).result.dtm.terms)
    assert not terms & (set(CATEGORY.values()) | {"layout", "categories", "tags", "jpg", "assets", "img"})
    assert {"telescope", "dough", "planet"} <= terms


def test_front_matter_only_when_it_is_a_block_of_keys():
    assert markdown_text("---\nA rule above text\n---\nmore") == "---\nA rule above text\n---\nmore"
    assert markdown_text('+++\ntitle = "Hugo post"\ndraft = false\n+++\nBody') == "Hugo post\nBody"
    assert markdown_text("See [the docs](http://a.b/c_(d)) and ![a map](/m.png 'map').\n[1]: http://x.y/z\n") \
        == "See the docs and a map.\n\n"
