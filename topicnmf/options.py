"""Every command-line option, declared once: its flags, the setting it sets, how its text is
parsed, and its help. The CLI's parser, the config file (same names as the long flags) and
the written ``config.toml`` are all made from this table, and each option maps to exactly
one :class:`~topicnmf.config.RunConfig` setting; defaults are read from RunConfig itself.

Precedence: a flag given on the command line > the config file > the default.
"""

import argparse
import math
import re
from dataclasses import dataclass

from .config import RunConfig, parse_range
from .errors import ParameterError
from .resources import parse_size
from .languages import LANGUAGES, language_name
from .report.writer import ALL_FORMATS, FORMATS


def _language(text):
    """A language name or its ISO 639-1 code ('de'), as the Python API takes it."""
    try:
        return language_name(text)
    except ParameterError:
        raise argparse.ArgumentTypeError(f"expected auto or one of {', '.join(LANGUAGES)} (or its "
                                         f"ISO 639-1 code), got {text!r}") from None


def _number(text):
    """An int when it looks like one ("2"), else a finite float ("0.5")."""
    try:
        return int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _int_from(low, expected):
    """A parser of integers >= ``low``; ``expected`` says what in its error."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value
    return parse


_positive_int = _int_from(1, "a positive integer")
_nonnegative_int = _int_from(0, "an integer >= 0")


def _nonnegative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _positive_float(text):
    value = _nonnegative_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _share(text):
    value = _nonnegative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"expected a share from 0 to 1, got {text!r}")
    return value


def _alpha_H(text):
    return "same" if text == "same" else _nonnegative_float(text)


def _topics(text):
    return "auto" if text == "auto" else _positive_int(text)


def _size(text):
    try:
        parse_size(text)
    except ParameterError:
        raise argparse.ArgumentTypeError(f"expected a size such as 2GB or 500MB, got {text!r}") from None
    return text


def _range(text):
    try:
        parse_range(text)
    except ParameterError:
        raise argparse.ArgumentTypeError(f"expected FROM:TO or FROM:TO:STEP (2 <= FROM <= TO) or auto, "
                                         f"got {text!r}") from None
    return text


def _words(text):
    return tuple(w.strip() for w in text.split(",") if w.strip())


def _formats(text):
    chosen = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in ALL_FORMATS]
    if unknown or not chosen:
        named = ", ".join(unknown) if unknown else repr(text)
        raise argparse.ArgumentTypeError(f"unknown format(s) {named}; choose from {','.join(ALL_FORMATS)}")
    return chosen


@dataclass(frozen=True)
class Option:
    """One command-line option and the one RunConfig setting it sets.

    kind: 'value' (takes an argument), 'switch' (present: True), 'off' (present: the
    setting is False) or 'toggle' (--name / --no-name).
    """

    flags: tuple
    setting: str
    help: str
    parse: object = str
    kind: str = "value"
    metavar: str | None = None
    choices: tuple | None = None
    default_text: str | None = None  # shown instead of the default value

    @property
    def key(self):
        """The name in a config file: the long flag without its dashes."""
        return self.flags[-1][2:]

    def add_to(self, group, defaults):
        default = self.default_text
        if default is None and self.kind == "toggle":
            default = "on" if defaults.get(self.setting) else "off"
        if default is None:
            value = defaults.get(self.setting)
            default = ",".join(map(str, value)) if isinstance(value, tuple) else value
        text = self.help + ("" if self.kind in ("switch", "off") or default is None
                            else f" (default: {default})")
        if self.kind == "value":
            metavar = self.metavar or (None if self.choices else "X")
            group.add_argument(*self.flags, dest=self.setting, type=self.parse, metavar=metavar,
                               choices=self.choices, default=argparse.SUPPRESS, help=text)
        elif self.kind == "toggle":
            group.add_argument(*self.flags, dest=self.setting, action=argparse.BooleanOptionalAction,
                               default=argparse.SUPPRESS, help=text)
        else:
            group.add_argument(*self.flags, dest=self.setting, action="store_const",
                               const=self.kind == "switch", default=argparse.SUPPRESS, help=text)


MAX_MEMORY = Option(("--max-memory",), "max_memory", "memory budget; a corpus whose in-memory run "
                    "would need more is processed out of core (partitions on disk in a scratch "
                    "folder; transform: read, scored and written in chunks)", parse=_size, metavar="SIZE",
                    default_text="60%% of the available memory")
INPUT = ("input", (
    Option(("--text-column",), "read.text_column", "CSV/JSONL column holding the text", metavar="NAME"),
    Option(("--text-markup",), "read.text_markup", "a table's text column as HTML (its visible text, as for "
           ".html files): auto = when half its first 50 texts hold tags or entities", choices=("auto", "html", "none")),
    Option(("--id-column",), "read.id_column", "CSV/JSONL column with document ids", metavar="NAME",
           default_text="'id' if present, else the row number"),
    Option(("--label-column",), "read.label_column",
           "CSV/JSONL column with a known label, carried to the outputs", metavar="NAME",
           default_text="'label' if present"),
    Option(("--date-column",), "read.date_column", "CSV/JSONL column with a date", metavar="NAME",
           default_text="'date' if present"),
    Option(("--extensions",), "read.extensions", "file suffixes read from a folder", metavar="LIST"),
    Option(("--max-file-mb",), "read.max_file_mb", "skip files larger than this (a table's lines)",
           parse=_positive_float, metavar="MB"),
    Option(("--folder-labels",), "read.folder_labels",
           "label each document with its top-level subfolder (a label column in doc_topics.csv; "
           "run also scores its topics against them: NMI/AMI)", kind="switch"),
    Option(("--include-hidden",), "read.include_hidden",
           "also read hidden files and folders such as .git (default: left out)", kind="switch"),
    Option(("--strict",), "read.strict",
           "stop with an error instead of skipping an unusable file or row", kind="switch"),
    Option(("--follow-links-outside",), "read.follow_links_outside",
           "also read files through links whose target is outside the input folder "
           "(default: such links are skipped and reported)", kind="switch"),
))

PREPROCESSING = ("preprocessing", (
    Option(("--clean-email",), "preprocess.clean_email",
           "strip mail and news apparatus: headers (keeping the subject), MIME and PGP armour, blobs, "
           "attributions, quoted replies and signatures (delimited or repeated by an author); auto = only "
           "in documents that start with a header block, never = off", choices=("auto", "always", "never")),
    Option(("--drop-repeated-lines",), "preprocess.repeated_line_share",
           "drop lines found in at least this share of the documents (and in 10 or more): "
           "templates' headers and footers; 0 keeps every line", parse=_share, metavar="SHARE"),
    Option(("--language",), "preprocess.language",
           "the corpus's language: its stop words, its Snowball stemmer, Chinese/Japanese cut into "
           "words: auto (detected from stop-word hit rates; a mixed corpus gets each language's "
           f"stop words) or one of {', '.join(LANGUAGES)} (or its ISO 639-1 code: de, fr, zh...)",
           parse=_language, metavar="NAME"),
    Option(("--stem",), "preprocess.stem", "Snowball stemming in the corpus's language; topics still "
           "show whole words", kind="toggle"),
    Option(("--ngrams",), "preprocess.ngram_max", "longest n-gram used as a term, 1 to 5",
           parse=_positive_int, metavar="N"),
    Option(("--min-token-length",), "preprocess.min_token_length", "shortest token kept",
           parse=_positive_int, metavar="N"),
    Option(("--keep-numbers",), "preprocess.keep_numbers",
           "keep tokens that start with a digit (default: dropped)", kind="switch"),
    Option(("--stop-words",), "stop_words_file",
           "file of extra stop words, one per line, added to the built-in English list", metavar="FILE"),
    Option(("--extra-stop-words",), "extra_stop_words", "comma-separated extra stop words",
           parse=_words, metavar="LIST", default_text="none"),
    Option(("--no-default-stop-words",), "default_stop_words",
           "do not use the built-in English stop-word list", kind="off"),
))

DTYPE = Option(("--dtype",), "vectorize.dtype", "floating type of X and of the fit's W and H: "
               "float32 halves their memory and disk and speeds up the fit about 2x, with the same "
               "topics; auto = float32 from 100,000 documents or out of core, else float64 "
               "(transform: auto = the model's)", choices=("auto", "float64", "float32"))
TFIDF = ("TF-IDF", (
    Option(("--min-df",), "vectorize.min_df",
           "ignore terms in fewer documents (a fraction if < 1)", parse=_number,
           default_text="2, or 1 for fewer than 10 documents"),
    Option(("--max-df",), "vectorize.max_df",
           "ignore terms in more documents (a fraction if <= 1.0)", parse=_number),
    Option(("--max-features",), "vectorize.max_features", "keep only the N most frequent terms",
           parse=_positive_int, metavar="N", default_text="all"),
    Option(("--sublinear-tf",), "vectorize.sublinear_tf", "use 1 + log(tf)", kind="toggle"),
    DTYPE,
))

FACTORIZATION = ("factorization", (
    Option(("--loss",), "nmf.beta_loss", "objective: squared Frobenius error, or Kullback-Leibler "
           "divergence (fitted by multiplicative updates)", choices=("frobenius", "kullback-leibler")),
    Option(("--solver",), "nmf.solver", "cd: hierarchical ALS / coordinate descent; mu: "
           "multiplicative updates; als: alternating least squares", choices=("cd", "mu", "als"),
           default_text="cd; mu with --loss kullback-leibler"),
    Option(("--init",), "nmf.init", "initialization", choices=("nndsvd", "nndsvda", "nndsvdar", "random"),
           default_text="nndsvd; nndsvda with --solver mu, whose multiplicative updates cannot "
                        "move the exact zeros of nndsvd"),
    Option(("--seed",), "seed", "random seed", parse=_nonnegative_int, metavar="N"),
    Option(("--restarts",), "restarts", "fit seeds --seed .. --seed+N-1 and keep the solution whose "
           "topics agree most with the others' (a consensus; use with --init random)",
           parse=_positive_int, metavar="N"),
    Option(("--ensemble",), "ensemble", "ensemble NMF: fit N times on half-size subsamples and "
           "factorize their stacked topics into consensus topics, refitted on all documents "
           "(steadier topics; 40 take the subsample stability on Debian k=20 from 0.79 to 0.93, "
           "at about 4 times the fitting time); 0: off",
           parse=_nonnegative_int, metavar="N"),
    Option(("--ensemble-refine",), "ensemble_refine", "with --ensemble, refit the document "
           "weights and topics on all documents from the consensus topics (--no-ensemble-refine: "
           "the consensus topics as they are)", kind="toggle"),
    Option(("--max-iter",), "nmf.max_iter", "iteration cap", parse=_positive_int, metavar="N"),
    Option(("--tol",), "nmf.tol", "stop when iterations lower the loss by at most this fraction "
           "each, on average over the last three", parse=_nonnegative_float),
    Option(("--alpha-W",), "nmf.alpha_W", "regularization of the document weights W, as in "
           "scikit-learn", parse=_nonnegative_float, metavar="X"),
    Option(("--alpha-H",), "nmf.alpha_H", "regularization of the topic terms H",
           parse=_alpha_H, metavar="X", default_text="same as --alpha-W"),
    Option(("--l1-ratio",), "nmf.l1_ratio", "share of L1 in the regularization, 0 (L2) to 1 "
           "(L1, sparser topics)", parse=_share, metavar="X"),
))
CLUSTER = ("Dask cluster (pip install 'topicnmf[dask]')", (
    Option(("--workers",), "workers", "vectorize and fit (transform: score) on a local Dask "
           "cluster of N worker processes (the same result)", parse=_positive_int, metavar="N", default_text="in this process"),
    Option(("--scheduler",), "scheduler", "vectorize and fit (transform: score) on the running "
           "Dask cluster of this scheduler, e.g. tcp://host:8786 (the same result)", metavar="ADDRESS",
           default_text="in this process"),
))

TOP_TERMS = Option(("--top-terms",), "top_terms", "terms listed (and compared) per topic",
                   parse=_positive_int, metavar="N")
REPORT = ("report", (
    Option(("-k", "--topics"), "n_topics", "number of topics, or 'auto' to sweep --topic-range "
           "and take the recommended count", parse=_topics, metavar="K"),
    Option(("--topic-range",), "topic_range", "topic counts 'auto' tries", parse=_range, metavar="FROM:TO[:STEP]"),
    Option(("--formats",), "formats", f"reports to write, comma-separated from {','.join(ALL_FORMATS)}",
           parse=_formats, metavar="LIST", default_text=",".join(FORMATS)),
    TOP_TERMS,
    Option(("--representative",), "n_representative", "representative documents listed per topic",
           parse=_positive_int, metavar="N"),
    Option(("--align-to",), "align_to", "a previous run's output folder (or its model/): topics "
           "matched to its topics (Hungarian algorithm on term-vector cosine) keep their numbers "
           "and labels; alignment.csv and the reports say kept, new or gone", metavar="OLD"),
    Option(("--date-from-path",), "time.date_from_path", "date a document without a date column "
           "value from its path: a regular expression with named groups year, month, day, e.g. "
           "'(?P<year>\\d{4})/(?P<month>\\d{2})/'", metavar="REGEX"),
    Option(("--time-bins",), "time.time_bins", "periods of topics over time (documents with "
           "dates: a date column, --date-from-path or a mail Date: header); auto: 10-40 periods",
           choices=("auto", "year", "quarter", "month", "week", "day")),
    Option(("--dynamic",), "time.dynamic", "with dates: also fit dynamic topics (Greene & Cross "
           "2017: topics per period linked by a second NMF; dynamic_topics.json)", kind="switch"),
    Option(("--phrase-labels",), "phrase_labels", "label each topic by the collocation (bigram or "
           "trigram) most representative of its documents, and list its phrases beside its terms",
           kind="toggle"),
    Option(("--groups",), "groups", "group the topics into N groups by the similarity of their "
           "terms (a tree, shown in the reports); 0: none", parse=_nonnegative_int, metavar="N",
           default_text="sqrt(K) groups from 12 topics on"),
    Option(("--anchors",), "anchors", "TOML file naming topics and their anchor words "
           '([anchors] sport = ["match", "team"]): each named topic is steered toward its words',
           metavar="FILE"),
    Option(("--anchor-strength",), "anchor_strength", "pull of the anchored topics toward their "
           "words: 0 a seeded start only, 0.1 a nudge, 100 or more holds them there",
           parse=_nonnegative_float, metavar="X", default_text="1"),
    MAX_MEMORY,
    Option(("--coherence-reference",), "coherence_reference",
           "also score coherence (NPMI) on this reference corpus: a folder or .csv/.jsonl file "
           "read like INPUT (e.g. a larger collection of the same kind)", metavar="PATH"),
    Option(("--drop-flagged",), "drop_flagged", "refit once without the characteristic terms of the "
           "topics flagged metadata, codes, few_authors or common_words (topics.json lists them)", kind="switch"),
))
SWEEP = ("sweep", (
    Option(("-k", "--topics"), "topic_range", "topic counts to try", parse=_range, metavar="FROM:TO[:STEP]"),
    Option(("--runs",), "sweep_runs", "refits on 80%% subsamples per k, for stability (at least: "
           "a small corpus gets more)",
           parse=_positive_int, metavar="N"),
    TOP_TERMS,
))
MODEL = (PREPROCESSING, TFIDF, FACTORIZATION)
COMMANDS = {
    "run": (REPORT, INPUT) + MODEL + (CLUSTER,),
    "sweep": (SWEEP, INPUT) + MODEL,
    "transform": (INPUT, ("TF-IDF", (DTYPE,)), CLUSTER, ("memory", (MAX_MEMORY,))),
    "refine": (INPUT,),
    "show": (("report", (TOP_TERMS,)),),
    "compare": (),
    "update": (INPUT,),
}


def options_of(command):
    return [option for _, group in COMMANDS[command] for option in group]


def in_flags(message, command):
    """A library message with its parameter names (``min_df``, ``n_topics``) written as
    ``command``'s flags (``--min-df``, ``--topics``), for a user of the command line. Only
    names with an underscore are translated anywhere: they cannot be ordinary words; a one-word
    name (``workers``) where the message marks it as code (```workers```) or where it opens a
    sentence about it (``seed must ...``)."""
    for option in options_of(command):
        name, flag = option.setting.rpartition(".")[2], option.flags[-1]
        message = message.replace(f"`{name}`", flag)
        if "_" in name:
            message = re.sub(rf"(?<![\w.-]){name}(?![\w])", flag, message)
        else:
            message = re.sub(rf"(^|: |\. ){name}(?= must\b)", rf"\g<1>{flag}", message)
    return message


def add_options(parser, command):
    """Add ``command``'s options to an argparse parser, in their groups."""
    defaults = RunConfig()
    for title, group in COMMANDS[command]:
        target = parser.add_argument_group(title)
        for option in group:
            option.add_to(target, defaults)


def given(args, command):
    """{setting: value} of the options given on the command line."""
    values = vars(args)
    return {o.setting: values[o.setting] for o in options_of(command) if o.setting in values}
