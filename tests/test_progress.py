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
