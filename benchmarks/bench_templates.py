"""Template lines per source and language: what the group rule (a line in 80% of one source's
or language's documents, and in 10 or more: topicnmf.templates) would drop from real text
that has no template, with each shared corpus's labels taken as its folders (Debian's
sections, BBC's subjects, the addresses' presidents and parties), and from the bundled guides
in their subject folders. Target: no line at 80%; the most repeated line per corpus shown,
with its share of its group, so the margin can be read.

    python benchmarks/bench_templates.py            # every shared corpus
    python benchmarks/bench_templates.py --quick    # BBC, inaugural addresses and the guides only
"""

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

from topicnmf.corpus import read_corpus
from topicnmf.languages import LanguageChoice
from topicnmf.templates import GROUP_SHARE, template_lines

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import SHARED, read_jsonl  # noqa: E402


def most_repeated(texts, groups):
    """(line, documents holding it, documents of its group, group) of the line in the largest
    share of one group's documents (10 or more of them)."""
    by_group = defaultdict(list)
    for text, group in zip(texts, groups):
        by_group[group].append(text)
    best = None
    for group, members in by_group.items():
        counts = Counter()
        for text in members:
            lines = {line.strip() for line in text.splitlines()} - {""}
            if len(lines) > 1:
                counts.update(lines)
        for line, n in counts.items():
            if n >= 10 and (best is None or n / len(members) > best[1] / best[2]):
                best = (line, n, len(members), group)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="BBC, inaugural addresses and the guides only")
    args = parser.parse_args(argv)
    cases = [("bbc-news", "label"), ("inaugural-addresses", "label")]
    if not args.quick:
        cases += [("debian-packages", "label"), ("debian-packages", "area"), ("state-of-the-union", "label"),
                  ("state-of-the-union", "party")]
    print(f"| corpus | grouped by | documents | groups | lines dropped at {GROUP_SHARE:.0%} of a group | "
          "most repeated line (its group's share) |")
    print("| --- | --- | --- | --- | --- | --- |")
    rows = []
    for name, key in cases:
        path = SHARED / f"{name}.jsonl.gz"
        if not path.exists():
            print(f"| {name} | (absent: {path}) | | | | |")
            continue
        docs = read_jsonl(path)
        rows.append((name, key, [d["text"] for d in docs], [f"{d[key]}/{d['id']}" for d in docs]))
    guides = read_corpus(ROOT / "corpora" / "field-guides")
    rows.append(("field-guides", "folder", list(guides.texts), list(guides.ids)))
    for name, key, texts, ids in rows:
        dropped = template_lines(texts, ids, LanguageChoice(), 0.2)
        best = most_repeated(texts, [i.split("/")[0] for i in ids])
        shown = f"{best[0][:60]!r} ({best[1]} of {best[2]}: {best[1] / best[2]:.0%} of {best[3]})" if best else "none"
        print(f"| {name} | {key} | {len(texts)} | {len({i.split('/')[0] for i in ids})} | {len(dropped)} | {shown} |")


if __name__ == "__main__":
    main()
