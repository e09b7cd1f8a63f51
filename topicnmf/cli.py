"""The command line: ``topicnmf run | sweep | transform | show | refine``.

Parses the options (declared once in ``options.py``) into a
:class:`~topicnmf.config.RunConfig`, calls the pipeline and writes what it returns; nothing
else. Exit status: 0 success, 1 a problem with the input or settings (one-line message),
2 a usage error, 130 interrupted.
"""

import argparse
import contextlib
import logging
import os
import re
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path

from tqdm.contrib.logging import logging_redirect_tqdm

from . import __version__, cli_time, cluster, pipeline, refine, scoring
from .config import RunConfig
from .errors import TopicNMFError, forget_interrupts, interrupt, quiet_interrupts
from .model import load_model
from .config_file import config_toml, read_config_file
from .options import add_options, given, in_flags
from .progress import Bars, stage
from .report import render, write_files
from .report.writer import FORMAT_FILES
from .report import folder
from .report.folder import check_ours, check_target
from .report.sweep_report import sweep_files

log = logging.getLogger("topicnmf")
# What a terminal would act on: C0/C1 controls (ESC starts colour codes and cursor moves)
# and the bidirectional overrides that reorder what is shown.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
INPUT_HELP = "folder of text files, or .csv/.tsv/.jsonl(.gz) file"


class _Parser(argparse.ArgumentParser):
    """argparse's parser with a usage error in one line (what went wrong and where to look),
    not the whole usage block above it."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {printable(message)} (see '{self.prog} --help')\n")


def _command(sub, name, help, description, *, out=None, model=False, input=True, config=True):
    p = sub.add_parser(name, help=help, description=description)
    if model:
        p.add_argument("model", metavar="MODEL", help="folder written by 'topicnmf run' (or its model/)")
    if input:
        p.add_argument("input", metavar="INPUT", help=INPUT_HELP)
    if out:
        p.add_argument("-o", "--out", default=out, metavar="DIR", help="output folder (default: %(default)s)")
    if config:
        p.add_argument("--config", metavar="FILE",
                       help="TOML file of settings named like the long options (min-df = 5); "
                            "options given on the command line win; a run writes its own as "
                            "config.toml")
    add_options(p, name)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or informational log on stderr (warnings and errors still show)")
    return p


def build_parser():
    parser = _Parser(
        prog="topicnmf",
        description="Discover the topics of a collection of documents with NMF.",
    )
    parser.add_argument("--version", action="version", version=f"topicnmf {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _command(sub, "run", "fit topics to a folder or CSV/JSONL file and write reports",
             "Fit topics to INPUT (a folder of text files, or a .csv/.jsonl file) and write "
             "reports, a reusable model and the run's config.toml into --out.",
             out="topicnmf-report")
    _command(sub, "sweep", "score a range of topic counts and recommend one",
             "Fit each number of topics in --topics to INPUT, score it on stability, coherence, "
             "diversity and error, recommend one, and write sweep.csv, sweep.json and "
             "sweep.html into --out.", out="topicnmf-sweep")
    _command(sub, "transform", "score new documents with a saved model",
             "Topic weights of the documents in INPUT under MODEL, with how well each is "
             "matched (coverage, fit); writes doc_topics.csv into --out.", out="topicnmf-scores",
             model=True, config=False)
    _command(sub, "show", "print the topics of a saved model",
             "Print each topic of MODEL with its top terms.", model=True, input=False, config=False)
    refine.add_parser(sub)
    cli_time.add_commands(sub)
    return parser


def printable(text):
    """``text`` with what a terminal would act on shown escaped (``\\x1b``), so file names,
    ids and terms cannot recolour, move or reorder what the user sees."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


class _PrintableFormatter(logging.Formatter):
    """Log lines as the command line shows them: escaped, settings named as its flags."""

    def __init__(self, fmt, command):
        super().__init__(fmt)
        self.command = command

    def format(self, record):
        return printable(in_flags(super().format(record), self.command))


def configure(args):
    """The RunConfig of the command line: flag > config file > default."""
    flags = given(args, args.command)
    settings = read_config_file(args.config, args.command, flags) if getattr(args, "config", None) else {}
    return RunConfig.from_settings(settings | flags)


def _wrote(written):
    log.info("wrote %s", ", ".join(str(p) for p in written))


def _dtype_chosen(config, result):
    """``config`` with ``--dtype auto`` replaced by the dtype the run chose (it depends on the
    memory free when it ran), so a rerun with the written config.toml reproduces it."""
    chosen = result.dtm.options.dtype
    return config if config.vectorize.dtype == chosen else replace(
        config, vectorize=replace(config.vectorize, dtype=chosen))


def cmd_run(args):
    config = configure(args)
    if Path(args.out).is_dir():  # a user's own file where a report goes: said now, not after the fit
        check_ours(Path(args.out), ["config.toml", "model", *(f for fmt in config.formats for f in FORMAT_FILES[fmt])])
    bars = Bars(enabled=not args.quiet)
    with logging_redirect_tqdm(loggers=[log]):
        done = pipeline.run(args.input, config, progress=bars)
        with stage(bars, "write", len(config.formats) + 2) as bar:
            files = {"config.toml": config_toml(_dtype_chosen(config, done.result))}
            files |= render(done.result, tuple(config.formats))  # (made as they are written)
            bar.advance(len(config.formats))
            if done.sweep is not None:
                files |= sweep_files(done.sweep)
            written = write_files(files, args.out, model=done.model, command="run")
            args.written = True
            bar.advance(2)
    _wrote(written)
    topics = done.result.topics
    for row, quality in zip(topics.prevalence.itertuples(), done.result.quality):
        flags = f" [{', '.join(quality.flags)}]" if quality.flags else ""
        terms = topics.top_terms(row.topic)
        named = f' "{row.label}"' if row.label != ", ".join(terms[:3]) else ""  # an anchor's or phrase's name
        log.info("topic %2d%s (%4.1f%%)%s: %s", row.topic, named, 100 * row.share, flags, ", ".join(terms[:8]))
    return 0


def cmd_sweep(args):
    with logging_redirect_tqdm(loggers=[log]):
        result = pipeline.sweep(args.input, configure(args), progress=Bars(enabled=not args.quiet))
    _wrote(write_files(sweep_files(result), args.out, command="sweep"))
    args.written = True
    print(result.scores.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print(f"recommended: {in_flags(result.reason, args.command)}")
    return 0


def cmd_transform(args):
    model, config = load_model(args.model), configure(args)
    with cluster.session(config.workers, config.scheduler) as on:  # (in this process by default)
        table = scoring.doc_topics_file(args.input, model, config, client=on.client)
        _wrote(write_files({"doc_topics.csv": table}, args.out, command="transform"))
    args.written = True
    return 0


def cmd_show(args):
    model = load_model(args.model)
    top_terms = configure(args).top_terms
    for t in range(1, model.n_topics + 1):
        terms = ", ".join(term for term, _ in model.top_terms(t, top_terms))
        label = model.labels[t - 1]  # a name (anchor, rename, phrase) is shown before the terms
        named = "" if label == ", ".join(term for term, _ in model.top_terms(t, 3)) else f" [{label}]"
        print(printable(f"Topic {t}{named}: {terms}"))
    return 0


COMMANDS = {"run": cmd_run, "sweep": cmd_sweep, "transform": cmd_transform, "show": cmd_show,
            "refine": refine.command, **cli_time.COMMANDS}


RAN_OUT_OF_MEMORY = False  # set when a command met a MemoryError (see __main__)


def out_of_memory():
    """The one-line message of a MemoryError: what limit the process met and what to do."""
    import resource

    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    where = (f"the address-space limit (ulimit -v) of {limit / 2**20:.0f} MB"
             if limit not in (resource.RLIM_INFINITY, -1) else "the memory available")
    return (f"out of memory: the run needed more than {where} allows (Python with numpy, "
            "scipy, scikit-learn and numba takes about 800 MB of address space before any "
            "data); raise the limit, or lower --max-memory so that the run goes out of core.")


def main(argv=None, *, keep_interrupts=False):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:  # before any work, not after the fit: --out that is a file, or a run's folder
        if getattr(args, "out", None) is not None:
            check_target(args.out, args.command)
    except TopicNMFError as exc:
        print(f"topicnmf: error: {printable(exc)}", file=sys.stderr)
        return 1
    quiet = getattr(args, "quiet", False)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_PrintableFormatter("topicnmf: %(message)s", args.command))
    # The command line owns the logger only while it runs: main() called from Python
    # (a notebook, a test) must leave logging as it found it.
    saved = log.handlers[:], log.level, log.propagate
    log.handlers[:] = [handler]
    log.setLevel(logging.WARNING if quiet else logging.INFO)
    log.propagate = False
    main_thread = threading.current_thread() is threading.main_thread()
    if not keep_interrupts:  # (__main__'s: a Ctrl-C kept while the libraries imported stops the run)
        forget_interrupts()
    saved_handlers = ({s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
                      if main_thread else {})
    saved_hook = sys.unraisablehook
    sys.unraisablehook = quiet_interrupts(saved_hook)
    try:
        out = getattr(args, "out", None)
        with folder.hold(out, args.command) if out is not None else contextlib.nullcontext():
            status = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe is met here, not at exit
        return status
    except TopicNMFError as exc:
        print(f"topicnmf: error: {printable(in_flags(str(exc), args.command))}", file=sys.stderr)
        return 1
    except MemoryError:
        print(f"topicnmf: error: {out_of_memory()}", file=sys.stderr)
        global RAN_OUT_OF_MEMORY
        RAN_OUT_OF_MEMORY = True  # (read by __main__: no interpreter clean-up can run now)
        return 1
    except BrokenPipeError:  # `topicnmf show MODEL | head`: the reader left; so do we
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt as exc:
        for name in ("asyncio", "distributed"):  # a Dask cluster cut short: its pending tasks'
            logging.getLogger(name).setLevel(logging.CRITICAL)  # tracebacks, printed at exit
        if getattr(exc, "written", False) or getattr(args, "written", False):
            print(f"topicnmf: interrupted after the output was written to {args.out}.", file=sys.stderr)
        else:
            print("topicnmf: interrupted; nothing was written (a previous report in the output "
                  "folder is as it was).", file=sys.stderr)
        return 143 if getattr(exc, "signum", signal.SIGINT) == signal.SIGTERM else 130
    finally:
        for signum, saved_handler in saved_handlers.items():
            signal.signal(signum, saved_handler)
        sys.unraisablehook = saved_hook
        forget_interrupts()
        log.handlers[:], level, log.propagate = saved
        log.setLevel(level)


if __name__ == "__main__":
    sys.exit(main())
