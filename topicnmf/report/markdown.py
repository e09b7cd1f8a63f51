"""report.md: a readable summary; every piece of document text is escaped."""

import re

from .json_report import report_data
from .compare_report import alignment_markdown
from .timeline_report import markdown_lines

# Inline, these start emphasis, code, links, tables or strikethrough wherever they stand.
_INLINE = re.compile(r"([\\`*_\[\]|~])")
# Block markers count only at the start of a line: a heading, quote, list item or rule.
_BLOCK_START = re.compile(r"^(\s*(?:\d+(?=[.)]))?)([#>+=.)-])")
# Bare addresses GitHub's Markdown turns into links: http://, www., e-mail addresses.
_AUTOLINK = re.compile(r"(?i)\b(?:https?|ftp)(?=://)|\bwww(?=\.)")


def md_escape(text):
    """Text that renders literally in Markdown, escaping only what would be read as markup
    where it stands (so ``01-saturn.txt`` stays readable): no links (bracketed or bare),
    emphasis, code, tables, raw HTML, or a block marker at the start."""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"\s+", " ", text)
    text = _INLINE.sub(r"\\\1", text)
    text = _AUTOLINK.sub(lambda m: m.group(0) + "\\", text).replace("@", "\\@")
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def mail_cleaning_line(m):
    """One sentence: what the e-mail cleaning removed, by rule."""
    rules = "; ".join(f"{r['rule'].replace('_', ' ')} {r['share']:.1%} ({r['documents']} documents)"
                      for r in m["rules"])
    learned = f"; {m['learned_signatures']} signature(s) learned" if m["learned_signatures"] else ""
    return (f"Mail cleaning ({m['mode']}, --clean-email never to switch off): {m['messages']} of "
            f"{m['documents']} documents are mail or news, {m['cleaned']} cleaned, "
            f"{m['removed_share']:.1%} of the text removed{': ' + rules if rules else ''}{learned}.")


def markdown_report(result, data=None):
    """report.md, from ``data`` (:func:`report_data` of ``result``, made here when None)."""
    data = report_data(result) if data is None else data
    c, fit = data["corpus"], data["fit"]
    lines = [
        "# Topics",
        "",
        f"{c['n_documents']} documents, {c['n_terms']} terms, {data['parameters']['n_topics']} "
        f"topics; source {md_escape(c['source'])}.",
        f"NMF: {fit['n_iter']} iterations, relative error {fit['relative_error']:.4f}"
        f"{'' if fit['converged'] else ' (stopped at max_iter)'}.",
    ]
    if "language" in c:
        lines.append(f"Language: {md_escape(c['language']['description'])}.")
    if c["skipped"]:
        lines.append(f"Skipped {c['skipped']} input(s):")
        lines += [f"- {md_escape(s['source'])}: {md_escape(s['reason'])}" for s in c["skipped_files"]]
    if c["boilerplate_lines"]:
        lines.append(f"Left out {len(c['boilerplate_lines'])} boilerplate line(s) repeated across the documents:")
        lines += [f"- {md_escape(line)}" for line in c["boilerplate_lines"]]
    if "mail_cleaning" in c:
        lines.append(mail_cleaning_line(c["mail_cleaning"]))
    if c["empty_topics"]:
        lines.append(f"Empty topics (the corpus supports fewer): {c['empty_topics']}.")
    ev = data["evaluation"]
    if ev:
        line = (f"Coherence (NPMI, mean) {ev['npmi_mean']:.3f}; topic diversity "
                f"{ev['diversity']:.2f}")
        if "npmi_reference_mean" in ev:
            line += (f"; NPMI against the reference {md_escape(ev['reference']['source'])} "
                     f"{ev['npmi_reference_mean']:.3f}")
        if "labels" in ev:
            line += f"; agreement with labels NMI {ev['labels']['nmi']:.3f}, AMI {ev['labels']['ami']:.3f}"
        lines.append(line + ".")
    if "dropped_terms" in data:
        lines.append("Refitted without the characteristic terms of flagged topics (--drop-flagged): " + "; ".join(
            f"topic {d['topic']}: {md_escape(', '.join(d['terms']))}" for d in data["dropped_terms"]) + ".")
    lines += ["", "| topic | share | documents | NPMI | flags | top terms |",
              "| --- | --- | --- | --- | --- | --- |"]
    for t in data["topics"]:
        terms = ", ".join(md_escape(x["term"]) for x in t["terms"])
        flags = ", ".join(t["quality"]["flags"]).replace("_", " ")
        lines.append(f"| {t['topic']} | {t['share']:.1%} | {t['n_documents']} | "
                     f"{t['quality']['npmi']:.3f} | {flags} | {terms} |")
    if "alignment" in data:
        lines += alignment_markdown(data["alignment"], md_escape)
    if data.get("groups"):
        lines += ["", "## Topic groups", ""]
        labels = {t["topic"]: t["label"] for t in data["topics"]}
        for g in data["groups"]:
            members = "; ".join(f"{n} {md_escape(labels[n])}" for n in g["topics"])
            lines.append(f"- **Group {g['group']}: {md_escape(g['label'])}** ({g['share']:.1%}): {members}")
    if "timeline" in data:
        lines += markdown_lines(data["timeline"], md_escape)
    for t in data["topics"]:
        lines += ["", f"## Topic {t['topic']}: {md_escape(t['label'])}", ""]
        q = t["quality"]
        if "anchor" in t:
            a = t["anchor"]
            lines.append("Anchored: " + ", ".join(f"{md_escape(w)} (x{v:.1f} in its documents)"
                                                  for w, v in a["lift"].items())
                         + (" - **not borne out by the data**" if a["contradicted"] else "") + ".")
        if q["duplicate_of"]:
            lines.append(f"Near duplicate of topic(s) {', '.join(map(str, q['duplicate_of']))}.")
        if q["suggested_stop_words"]:
            lines.append("Very common words; consider --extra-stop-words "
                         + md_escape(",".join(q["suggested_stop_words"])) + ".")
        if t.get("phrases"):
            lines.append("Phrases: " + ", ".join(md_escape(p) for p in t["phrases"]) + ".")
        lines += [f"Flag {a['flag'].replace('_', ' ')}: {md_escape(a['advice'])}." for a in q.get("advice", ())]
        lines.append("Top terms: " + ", ".join(
            f"{md_escape(x['term'])} ({x['weight']:.3g})" for x in t["terms"]))
        lines += ["", "Representative documents:", ""]
        for d in t["representative_documents"]:
            lines.append(f"- **{md_escape(d['doc_id'])}**: {md_escape(d['snippet'])}")
    return "\n".join(lines) + "\n"
