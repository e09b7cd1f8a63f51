"""The command line: ``topicnmf run | transform | show``.

Assembles arguments and calls the pipeline; nothing else. Exit status: 0 success,
1 a problem with the input or settings (one-line message), 2 a usage error, 130 interrupted.
"""

import argparse
import logging
import sys

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from . import __version__, pipeline
from .clean import MODES as CLEAN_MODES
from .corpus import DEFAULT_EXTENSIONS, DEFAULT_MAX_FILE_MB, read_corpus
from .errors import TopicNMFError
from .model import load_model
from .nmf._validation import BETA_LOSSES, INITS, SOLVERS
from .pipeline import NMFOptions
from .preprocess import DEFAULT_STOP_WORDS, PreprocessOptions, read_stop_words
from .report import FORMATS, render, write_files
from .report.tables import doc_topics_csv
from .vectorize import VectorizeOptions

log = logging.getLogger("topicnmf")
_P, _V, _N = PreprocessOptions(), VectorizeOptions(), NMFOptions()


def _number(text):
    """An int when it looks like one ("2"), else a float ("0.5")."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _nonnegative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
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


AUTO_RANGE = "3:12"


def _topics(text):
    return "auto" if text == "auto" else _positive_int(text)


def _formats(text):
    chosen = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        named = ", ".join(unknown) if unknown else repr(text)
        raise argparse.ArgumentTypeError(f"unknown format(s) {named}; choose from {','.join(FORMATS)}")
    return chosen


def _add_input_options(p):
    g = p.add_argument_group("input")
    g.add_argument("--text-column", default="text", metavar="NAME",
                   help="CSV/JSONL column holding the text (default: %(default)s)")
    g.add_argument("--id-column", metavar="NAME",
                   help="CSV/JSONL column with document ids (default: 'id' if present, else the row number)")
    g.add_argument("--label-column", metavar="NAME",
                   help="CSV/JSONL column with a known label, carried to the outputs (default: 'label' if present)")
    g.add_argument("--date-column", metavar="NAME",
                   help="CSV/JSONL column with a date (default: 'date' if present)")
    g.add_argument("--extensions", default=",".join(DEFAULT_EXTENSIONS), metavar="LIST",
                   help="file suffixes read from a folder (default: %(default)s)")
    g.add_argument("--max-file-mb", type=_positive_float, default=DEFAULT_MAX_FILE_MB, metavar="MB",
                   help="skip files larger than this (default: %(default)s)")
    g.add_argument("--folder-labels", action="store_true",
                   help="label each document with its top-level subfolder, so the report scores "
                        "topics against the folders (NMI/AMI)")
    g.add_argument("--include-hidden", action="store_true",
                   help="also read hidden files and folders such as .git (default: left out)")
    g.add_argument("--strict", action="store_true",
                   help="stop with an error instead of skipping an unusable file or row")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress or log on stderr")


def _add_model_options(p):
    """Preprocessing, TF-IDF and factorization options, shared by run and sweep."""
    g = p.add_argument_group("preprocessing")
    g.add_argument("--clean-email", choices=CLEAN_MODES, default=_P.clean_email,
                   help="strip e-mail headers (keeping the subject), quoted replies and signatures: "
                        "auto = only in documents that start with a header block (default: %(default)s)")
    g.add_argument("--drop-repeated-lines", type=_share, default=_P.repeated_line_share, metavar="SHARE",
                   help="drop lines found in at least this share of the documents (and in 10 or more): "
                        "templates' headers and footers; 0 keeps every line (default: %(default)s)")
    g.add_argument("--stem", action=argparse.BooleanOptionalAction, default=_P.stem,
                   help="Snowball stemming; topics still show whole words (default: %(default)s)")
    g.add_argument("--ngrams", type=_positive_int, default=_P.ngram_max, metavar="N",
                   help="longest n-gram used as a term, 1 to 5 (default: %(default)s)")
    g.add_argument("--min-token-length", type=_positive_int, default=_P.min_token_length,
                   metavar="N", help="shortest token kept (default: %(default)s)")
    g.add_argument("--keep-numbers", action="store_true",
                   help="keep tokens that start with a digit (default: dropped)")
    g.add_argument("--stop-words", metavar="FILE",
                   help="file of extra stop words, one per line, added to the built-in English list")
    g.add_argument("--extra-stop-words", default="", metavar="LIST",
                   help="comma-separated extra stop words")
    g.add_argument("--no-default-stop-words", action="store_true",
                   help="do not use the built-in English stop-word list")

    g = p.add_argument_group("TF-IDF")
    g.add_argument("--min-df", type=_number, default=_V.min_df,
                   help="ignore terms in fewer documents (a fraction if < 1) (default: %(default)s)")
    g.add_argument("--max-df", type=_number, default=_V.max_df,
                   help="ignore terms in more documents (a fraction if <= 1.0) (default: %(default)s)")
    g.add_argument("--max-features", type=_positive_int, default=_V.max_features, metavar="N",
                   help="keep only the N most frequent terms (default: all)")
    g.add_argument("--sublinear-tf", action=argparse.BooleanOptionalAction, default=_V.sublinear_tf,
                   help="use 1 + log(tf) (default: %(default)s)")

    g = p.add_argument_group("factorization")
    g.add_argument("--loss", choices=BETA_LOSSES, default=_N.beta_loss,
                   help="objective: squared Frobenius error, or Kullback-Leibler divergence "
                        "(fitted by multiplicative updates) (default: %(default)s)")
    g.add_argument("--solver", choices=SOLVERS, default=None,
                   help=f"cd: hierarchical ALS / coordinate descent; mu: multiplicative updates; "
                        f"als: alternating least squares (default: {_N.solver}; mu with "
                        "--loss kullback-leibler)")
    g.add_argument("--init", choices=INITS, default=None,
                   help=f"initialization (default: {_N.init}; nndsvda with --solver mu, whose "
                        "multiplicative updates cannot move the exact zeros of nndsvd)")
    g.add_argument("--seed", type=int, default=_N.seed, help="random seed (default: %(default)s)")
    g.add_argument("--restarts", type=_positive_int, default=_N.restarts, metavar="N",
                   help="fit seeds --seed .. --seed+N-1 and keep the solution whose topics agree "
                        "most with the others' (a consensus; use with --init random) "
                        "(default: %(default)s)")
    g.add_argument("--max-iter", type=_positive_int, default=_N.max_iter,
                   help="iteration cap (default: %(default)s)")
    g.add_argument("--tol", type=_nonnegative_float, default=_N.tol,
                   help="stop when iterations lower the loss by at most this fraction each, on "
                        "average over the last three (default: %(default)s)")
    g.add_argument("--alpha-W", type=_nonnegative_float, default=_N.alpha_W, metavar="X",
                   help="regularization of the document weights W, as in scikit-learn "
                        "(default: %(default)s)")
    g.add_argument("--alpha-H", type=_nonnegative_float, default=None, metavar="X",
                   help="regularization of the topic terms H (default: same as --alpha-W)")
    g.add_argument("--l1-ratio", type=_nonnegative_float, default=_N.l1_ratio, metavar="X",
                   help="share of L1 in the regularization, 0 (L2) to 1 (L1, sparser topics) "
                        "(default: %(default)s)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="topicnmf",
        description="Discover the topics of a collection of documents with NMF.",
    )
    parser.add_argument("--version", action="version", version=f"topicnmf {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="fit topics to a folder or CSV/JSONL file and write reports",
                         description="Fit topics to INPUT (a folder of text files, or a .csv/.jsonl "
                                     "file) and write reports and a reusable model into --out.")
    run.add_argument("input", metavar="INPUT", help="folder of text files, or .csv/.tsv/.jsonl(.gz) file")
    run.add_argument("-k", "--topics", type=_topics, default=pipeline.DEFAULT_TOPICS,
                     help=f"number of topics, or 'auto' to sweep {AUTO_RANGE} and take the "
                          "recommended count (default: %(default)s)")
    run.add_argument("-o", "--out", default="topicnmf-report", metavar="DIR",
                     help="output folder (default: %(default)s)")
    run.add_argument("--formats", type=_formats, default=FORMATS, metavar="LIST",
                     help=f"reports to write, comma-separated from {','.join(FORMATS)} (default: all)")
    run.add_argument("--top-terms", type=_positive_int, default=pipeline.DEFAULT_TOP_TERMS,
                     help="terms listed per topic (default: %(default)s)")
    run.add_argument("--coherence-reference", metavar="PATH",
                     help="also score coherence (NPMI) on this reference corpus: a folder or "
                          ".csv/.jsonl file read like INPUT (e.g. a larger collection of the same kind)")
    run.add_argument("--representative", type=_positive_int, default=pipeline.DEFAULT_REPRESENTATIVE,
                     metavar="N", help="representative documents listed per topic (default: %(default)s)")
    _add_input_options(run)
    _add_model_options(run)

    sw = sub.add_parser("sweep", help="score a range of topic counts and recommend one",
                        description="Fit each number of topics in --topics to INPUT, score it on "
                                    "stability, coherence, diversity and error, recommend one, and "
                                    "write sweep.csv, sweep.json and sweep.html into --out.")
    sw.add_argument("input", metavar="INPUT", help="folder of text files, or .csv/.tsv/.jsonl(.gz) file")
    sw.add_argument("-k", "--topics", default=AUTO_RANGE, metavar="FROM:TO[:STEP]",
                    help="topic counts to try (default: %(default)s)")
    sw.add_argument("-o", "--out", default="topicnmf-sweep", metavar="DIR",
                    help="output folder (default: %(default)s)")
    sw.add_argument("--runs", type=_positive_int, default=3, metavar="N",
                    help="refits on 80%% subsamples per k, for stability (default: %(default)s)")
    sw.add_argument("--top-terms", type=_positive_int, default=pipeline.DEFAULT_TOP_TERMS,
                    help="top terms compared per topic (default: %(default)s)")
    _add_input_options(sw)
    _add_model_options(sw)

    tr = sub.add_parser("transform", help="score new documents with a saved model",
                        description="Topic weights of the documents in INPUT under MODEL; writes "
                                    "doc_topics.csv into --out.")
    tr.add_argument("model", metavar="MODEL", help="folder written by 'topicnmf run' (or its model/)")
    tr.add_argument("input", metavar="INPUT", help="folder of text files, or .csv/.tsv/.jsonl(.gz) file")
    tr.add_argument("-o", "--out", default="topicnmf-scores", metavar="DIR",
                    help="output folder (default: %(default)s)")
    _add_input_options(tr)

    show = sub.add_parser("show", help="print the topics of a saved model",
                          description="Print each topic of MODEL with its top terms.")
    show.add_argument("model", metavar="MODEL", help="folder written by 'topicnmf run' (or its model/)")
    show.add_argument("--top-terms", type=_positive_int, default=pipeline.DEFAULT_TOP_TERMS,
                      help="terms shown per topic (default: %(default)s)")
    return parser


def _extensions(args):
    return tuple(
        e if e.startswith(".") else "." + e
        for e in (x.strip().lower() for x in args.extensions.split(",")) if e
    )


def _read(args):
    corpus = read_corpus(
        args.input, text_column=args.text_column, id_column=args.id_column,
        label_column=args.label_column, date_column=args.date_column, extensions=_extensions(args),
        max_file_mb=args.max_file_mb, include_hidden=args.include_hidden, strict=args.strict,
        folder_labels=args.folder_labels,
    )
    log.info("%s", corpus.summary())
    return corpus


class _Progress:
    """A progress bar over NMF iterations on stderr, opened at the first iteration."""

    def __init__(self, total, quiet):
        self.total, self.quiet, self.bar = total, quiet, None

    def __call__(self, iteration, elapsed, loss):
        if self.bar is None:
            self.bar = tqdm(total=self.total, desc="NMF", unit="it", disable=self.quiet,
                            file=sys.stderr, leave=False)
        self.bar.update(1)
        self.bar.set_postfix(loss=f"{loss:.5g}", refresh=False)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _model_options(args):
    """(PreprocessOptions, VectorizeOptions, NMFOptions) from the shared options."""
    stop_words = frozenset() if args.no_default_stop_words else DEFAULT_STOP_WORDS
    if args.stop_words:
        stop_words |= read_stop_words(args.stop_words)
    stop_words |= {w.strip().lower() for w in args.extra_stop_words.split(",") if w.strip()}
    preprocess = PreprocessOptions(
        min_token_length=args.min_token_length, keep_numbers=args.keep_numbers,
        stem=args.stem, ngram_max=args.ngrams, stop_words=frozenset(stop_words),
        clean_email=args.clean_email, repeated_line_share=args.drop_repeated_lines,
    )
    vec = VectorizeOptions(min_df=args.min_df, max_df=args.max_df,
                           max_features=args.max_features, sublinear_tf=args.sublinear_tf)
    solver = args.solver or ("mu" if args.loss == "kullback-leibler" else _N.solver)
    init = args.init or ("nndsvda" if solver == "mu" else _N.init)
    nmf = NMFOptions(solver=solver, beta_loss=args.loss, init=init, tol=args.tol,
                     max_iter=args.max_iter, seed=args.seed, alpha_W=args.alpha_W,
                     alpha_H="same" if args.alpha_H is None else args.alpha_H,
                     l1_ratio=args.l1_ratio, restarts=args.restarts)
    return preprocess, vec, nmf


def _sweep(corpus, args, ks, preprocess, vec, nmf, prepared=None):
    from .sweep import sweep

    result = sweep(corpus, ks, preprocess=preprocess, vectorize_options=vec, nmf=nmf,
                   n_runs=getattr(args, "runs", 3), top_terms=args.top_terms, prepared=prepared)
    log.info("recommended: %s", result.reason)
    return result


def cmd_sweep(args):
    from .report.sweep_report import sweep_files
    from .sweep import parse_range

    corpus = _read(args)
    preprocess, vec, nmf = _model_options(args)
    result = _sweep(corpus, args, parse_range(args.topics, len(corpus)), preprocess, vec, nmf)
    written = write_files(sweep_files(result, {"nmf": nmf.to_dict(), "vectorize": vec.to_dict()}),
                          args.out)
    log.info("wrote %s", ", ".join(str(p) for p in written))
    print(result.scores.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print(f"recommended: {result.reason}")
    return 0


def cmd_run(args):
    from .report.sweep_report import sweep_files
    from .sweep import parse_range

    corpus = _read(args)
    preprocess, vec, nmf = _model_options(args)
    extra, prepared = {}, None
    if args.topics == "auto":  # the sweep and the fit share one TF-IDF matrix
        prepared = pipeline.prepare(corpus, preprocess, vec)
        chosen = _sweep(corpus, args, parse_range(AUTO_RANGE, len(corpus)), preprocess, vec, nmf,
                        prepared)
        args.topics = chosen.recommended
        extra = sweep_files(chosen, {"nmf": nmf.to_dict(), "vectorize": vec.to_dict()})
    reference = None
    if args.coherence_reference:
        reference = read_corpus(
            args.coherence_reference, text_column=args.text_column, extensions=_extensions(args),
            max_file_mb=args.max_file_mb, include_hidden=args.include_hidden, strict=args.strict,
        )
    progress = _Progress(args.max_iter, args.quiet)
    with logging_redirect_tqdm(loggers=[log]):
        try:
            result = pipeline.fit(
                corpus, n_topics=args.topics, preprocess=preprocess, vectorize_options=vec,
                nmf=nmf, top_terms=args.top_terms, n_representative=args.representative,
                callback=progress, reference=reference, prepared=prepared,
            )
        finally:
            progress.close()
    files = render(result, args.formats) | extra
    written = write_files(files, args.out, model=pipeline.model_from(result))
    log.info("wrote %s", ", ".join(str(p) for p in written))
    for row in result.topics.prevalence.itertuples():
        log.info("topic %2d (%4.1f%%): %s", row.topic, 100 * row.share,
                 ", ".join(result.topics.top_terms(row.topic)[:8]))
    return 0


def cmd_transform(args):
    model = load_model(args.model)
    corpus = _read(args)
    scores = pipeline.score(corpus, model)
    written = write_files({"doc_topics.csv": doc_topics_csv(scores.doc_topics)}, args.out)
    log.info("wrote %s", ", ".join(str(p) for p in written))
    return 0


def cmd_show(args):
    model = load_model(args.model)
    for t in range(1, model.n_topics + 1):
        terms = ", ".join(term for term, _ in model.top_terms(t, args.top_terms))
        print(f"Topic {t}: {terms}")
    return 0


COMMANDS = {"run": cmd_run, "sweep": cmd_sweep, "transform": cmd_transform, "show": cmd_show}


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet = getattr(args, "quiet", False)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("topicnmf: %(message)s"))
    # The command line owns the logger only while it runs: main() called from Python
    # (a notebook, a test) must leave logging as it found it.
    saved = log.handlers[:], log.level, log.propagate
    log.handlers[:] = [handler]
    log.setLevel(logging.WARNING if quiet else logging.INFO)
    log.propagate = False
    try:
        return COMMANDS[args.command](args)
    except TopicNMFError as exc:
        print(f"topicnmf: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("topicnmf: interrupted; no report was written.", file=sys.stderr)
        return 130
    finally:
        log.handlers[:], level, log.propagate = saved
        log.setLevel(level)


if __name__ == "__main__":
    sys.exit(main())
