"""Progress: one bar per stage in a terminal, finished when the stage is; nothing drawn when
stderr is a file (the log lines say what happened)."""

import io

from topicnmf import pipeline
from topicnmf.progress import Bars

from conftest import BUNDLED


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Recorder:
    def __init__(self):
        self.events = []

    def start(self, stage, total=None):
        self.events.append(("start", stage, total))

    def advance(self, n=1, **info):
        self.events.append(("advance", n, tuple(info)))

    def finish(self):
        self.events.append(("finish",))


def test_a_bar_that_stops_early_ends_complete():
    stream = Terminal()
    bars = Bars(stream)
    bars.start("fit", 200)
    for _ in range(34):
        bars.advance(loss=56.9)
    bars.finish()
    screen = stream.getvalue()
    assert "fit" in screen and "34/34" in screen and "100%" in screen and "loss=56.9" in screen


def test_no_bar_fragments_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    bars = Bars(stream)
    bars.start("tokenize", 10)
    bars.advance(10)
    bars.finish()
    assert stream.getvalue() == ""


def test_a_run_reports_each_long_stage_in_order():
    recorder = Recorder()
    pipeline.run(BUNDLED, n_topics=4, progress=recorder)
    stages = [e[1] for e in recorder.events if e[0] == "start"]
    assert stages == ["read", "tokenize", "fit"]
    assert recorder.events.count(("finish",)) == 3
    documents = [e for e in recorder.events if e[0] == "advance" and e[2] == ()]
    assert len(documents) == 2 * 126  # every document read, then tokenized
    assert all(e[2] == ("loss",) for e in recorder.events if e[0] == "advance" and e[2])


def test_a_terminal_that_reports_no_size_still_shows_the_bar():
    """A pseudo-terminal of 0 x 0 (script(1), a serial console, some CI runners) showed no
    bar at all: tqdm fitted it in 0 columns."""
    import os
    import select

    import pytest

    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()  # a new pseudo-terminal reports 0 columns and 0 rows
    with os.fdopen(slave, "w", encoding="utf-8") as stream:
        assert os.get_terminal_size(slave).columns == 0
        bars = Bars(stream)
        bars.start("fit", 10)
        for _ in range(10):
            bars.advance(loss=0.5)
        bars.finish()
        stream.flush()
        screen = b""
        while select.select([master], [], [], 1)[0]:  # all that was written (nothing: no hang)
            screen += os.read(master, 1 << 16)
        screen = screen.decode("utf-8", "replace")
    os.close(master)
    assert "fit" in screen and "10/10" in screen and "100%" in screen, repr(screen)
