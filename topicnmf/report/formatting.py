"""Numbers, settings and statistics in words, for the HTML pages."""

import json


def pct(share, digits=1):
    """0.2345 -> '23.5%'; tiny nonzero shares say so instead of '0.0%'."""
    if share and 0 < abs(share) < 0.5 * 10 ** -digits / 100:
        return f"<{10 ** -digits:g}%"
    return f"{100 * share:.{digits}f}%"


def weight(x):
    """Weights on one format: three decimals (0.190, 0.335), or three significant digits
    when smaller than 0.001."""
    return f"{x:.3f}" if x == 0 or abs(x) >= 0.001 else f"{x:.2e}"


def score(x, digits=3):
    return "n/a" if x is None else f"{x:.{digits}f}"


def count(n):
    return f"{n:,}"


def _yes(value):
    return "yes" if value else "no"


def _df(value):
    """min_df/max_df as scikit-learn reads them: a fraction when a float <= 1, else documents."""
    if isinstance(value, float) and value <= 1:
        return f"{pct(value, 0 if (100 * value).is_integer() else 1)} of documents"
    return f"{int(value):,} documents"


# (section, key) -> (plain name, command-line option, how to show the value)
PARAMETERS = {
    ("", "n_topics"): ("Topics", "--topics", str),
    ("", "top_terms"): ("Terms listed per topic", "--top-terms", str),
    ("", "n_representative"): ("Representative documents per topic", "--representative", str),
    ("", "topicnmf_version"): ("topicnmf version", "", str),
    ("preprocess", "min_token_length"): ("Shortest token kept", "--min-token-length",
                                         lambda v: f"{v} characters"),
    ("preprocess", "keep_numbers"): ("Tokens starting with a digit kept", "--keep-numbers", _yes),
    ("preprocess", "stem"): ("Stemming (Snowball)", "--stem", _yes),
    ("preprocess", "ngram_max"): ("Longest n-gram", "--ngrams", lambda v: f"{v} word(s)"),
    ("preprocess", "clean_email"): ("E-mail cleaning", "--clean-email", str),
    ("preprocess", "repeated_line_share"): (
        "Lines dropped as boilerplate", "--drop-repeated-lines",
        lambda v: "none" if not v else f"in {pct(v, 0)} or more of the documents"),
    ("preprocess", "n_stop_words"): ("Stop words", "--stop-words", lambda v: f"{v:,} words"),
    ("vectorize", "min_df"): ("Terms must occur in at least", "--min-df", _df),
    ("vectorize", "max_df"): ("Terms must occur in at most", "--max-df", _df),
    ("vectorize", "max_features"): ("Vocabulary cap", "--max-features",
                                    lambda v: "none" if v is None else f"{v:,} terms"),
    ("vectorize", "sublinear_tf"): ("Sublinear term frequency (1 + log tf)", "--sublinear-tf", _yes),
    ("nmf", "solver"): ("Solver", "--solver", lambda v: {
        "cd": "coordinate descent / HALS (cd)", "mu": "multiplicative updates (mu)",
        "als": "alternating least squares (als)"}.get(v, str(v))),
    ("nmf", "beta_loss"): ("Loss", "--loss", str),
    ("nmf", "init"): ("Initialization", "--init", str),
    ("nmf", "tol"): ("Tolerance (relative decrease per iteration)", "--tol", lambda v: f"{v:g}"),
    ("nmf", "max_iter"): ("Iteration cap", "--max-iter", str),
    ("nmf", "seed"): ("Random seed", "--seed", str),
    ("nmf", "alpha_W"): ("Regularization of W (alpha_W)", "--alpha-W", lambda v: f"{v:g}"),
    ("nmf", "alpha_H"): ("Regularization of H (alpha_H)", "--alpha-H",
                         lambda v: "same as W" if v == "same" else f"{v:g}"),
    ("nmf", "l1_ratio"): ("L1 share of the regularization", "--l1-ratio", lambda v: f"{v:g}"),
    ("nmf", "restarts"): ("Restarts", "--restarts", str),
    ("nmf", "ensemble"): ("Ensemble NMF (fits on subsamples)", "--ensemble", str),
    ("nmf", "ensemble_refine"): ("Ensemble refined on all documents", "--ensemble-refine", _yes),
}
SECTIONS = {"": "Run", "preprocess": "Preprocessing", "vectorize": "TF-IDF", "nmf": "Factorization"}


def _plain(value):
    if value is None:
        return "none"
    if isinstance(value, bool):
        return _yes(value)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def parameter_rows(parameters):
    """[(section title, [(name, option, value), ...]), ...] from a result's parameters."""
    groups = {}
    for key, value in parameters.items():
        items = value.items() if isinstance(value, dict) else [(key, value)]
        section = key if isinstance(value, dict) else ""
        for name, v in items:
            label, option, show = PARAMETERS.get((section, name), (name.replace("_", " "), "", _plain))
            groups.setdefault(section, []).append((label, option, show(v)))
    return [(SECTIONS.get(s, s), rows) for s, rows in groups.items()]


def corpus_rows(corpus, fit):
    """The corpus statistics of topics.json under plain names, with the fit."""
    rows = [
        ("Read from", corpus["source"]),
        ("Documents", count(corpus["n_documents"])),
        ("Terms (vocabulary after filtering)", count(corpus["n_terms"])),
        ("Document-term pairs (nonzeros of X)", count(corpus["nonzeros"])),
        ("Matrix density (share of nonzero cells)", pct(corpus["density"], 2)),
        ("Documents with no terms left", count(corpus["documents_without_terms"])),
        ("Inputs skipped", count(corpus["skipped"])),
        ("Files decoded from a legacy encoding (not UTF-8)", count(corpus["legacy_decoded"])),
        ("Duplicate ids made unique", count(corpus["duplicate_ids_renamed"])),
        ("Hidden files and folders left out", count(corpus["hidden_left_out"])),
        ("topicnmf output folders left out", count(corpus["output_folders_left_out"])),
        ("Unpaired surrogate characters replaced", count(corpus["repaired_characters"])),
        ("Boilerplate lines left out", count(len(corpus["boilerplate_lines"]))),
        ("Empty topics", ", ".join(map(str, corpus["empty_topics"])) or "none"),
        *([("Language", corpus["language"]["description"])] if "language" in corpus else []),
        ("Iterations", f"{fit['n_iter']:,}" + ("" if fit["converged"] else " (stopped at the cap)")),
        ("Relative error ||X - WH|| / ||X||", f"{fit['relative_error']:.4f}"),
    ]
    return rows


FLAGS = {"low_coherence": "low coherence", "near_duplicate": "near duplicate",
         "few_documents": "few documents", "common_words": "common words"}


def flag_text(flag):
    return FLAGS.get(flag, flag.replace("_", " "))


def inert_json(value):
    """JSON for a <script type="application/json"> element: '<', '>', '&' and the JavaScript
    line separators escaped, so that no text inside can end the element or open a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text
