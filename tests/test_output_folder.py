"""The output folder under hostile conditions: signals mid-switch, failed renames, a second
writer, odd things in the folder. A folder always holds one run's files, or the previous
run's untouched, and the message says which."""

import csv
import io
import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from topicnmf import pipeline
from topicnmf.cli import main
from topicnmf.errors import Interrupted, TopicNMFError
from topicnmf.report import folder, render, write_files
from topicnmf.report.tables import to_csv

from conftest import BUNDLED


@pytest.fixture(scope="module")
def runs():
    """Two different runs' rendered files and models."""
    out = []
    for k in (3, 4):
        done = pipeline.run(BUNDLED, n_topics=k)
        out.append((render(done.result), done.model))
    return out


def _k_of(out):
    return json.loads((out / "topics.json").read_text(encoding="utf-8"))["parameters"]["n_topics"]


def _slowed_switch(monkeypatch, on_call, out):
    """os.replace as the switch sees it, calling ``on_call(n)`` before the n-th rename into or
    out of ``out`` (the model's own writes into the staging folder are not counted)."""
    real, calls = os.replace, []

    def replace(src, dst):
        if out in (Path(src).parent, Path(dst).parent):
            calls.append(1)
            on_call(len(calls))
        return real(src, dst)

    monkeypatch.setattr(folder.os, "replace", replace)
    return calls


@pytest.mark.parametrize("sender, at", [("main thread", n) for n in range(1, 15)] + [("other thread", 7)])
def test_ctrl_c_during_the_switch_is_held_until_the_report_is_whole(runs, tmp_path, monkeypatch, sender, at):
    out = tmp_path / "out"
    (first, model_first), (second, model_second) = runs
    write_files(first, out, model=model_first)

    def interrupt(n):
        if n == at:  # at every rename of the switch; 7: old files aside, new ones not yet in
            if sender == "main thread":
                os.kill(os.getpid(), signal.SIGINT)
            else:
                thread = threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGINT))
                thread.start()
                thread.join()

    calls = _slowed_switch(monkeypatch, interrupt, out)
    with pytest.raises(Interrupted) as caught:
        write_files(second, out, model=model_second)
    assert caught.value.written and len(calls) == 14  # 7 names out, 7 in
    assert _k_of(out) == 4 and (out / "manifest.json").exists()
    assert pd.read_csv(out / "doc_topics.csv").shape[1] == 2 + 4
    assert not list(out.glob(".topicnmf-*"))


def test_sigterm_during_the_switch_arrives_after_it(runs, tmp_path, monkeypatch):
    out = tmp_path / "out"
    (first, model_first), (second, model_second) = runs
    write_files(first, out, model=model_first)
    seen = []
    previous = signal.signal(signal.SIGTERM, lambda s, f: seen.append(_k_of(out)))
    try:
        _slowed_switch(monkeypatch, lambda n: n == 3 and os.kill(os.getpid(), signal.SIGTERM), out)
        write_files(second, out, model=model_second)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == [4]  # delivered once, when the new report was whole


def test_a_failed_rename_puts_the_previous_report_back(runs, tmp_path, monkeypatch):
    out = tmp_path / "out"
    (first, model_first), (second, model_second) = runs
    write_files(first, out, model=model_first)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    model_before = (out / "model" / "model.npz").read_bytes()

    def fail(n):
        if n == 9:
            raise PermissionError(13, "Permission denied")

    _slowed_switch(monkeypatch, fail, out)
    with pytest.raises(TopicNMFError, match="cannot write the reports; the previous report is as it was"):
        write_files(second, out, model=model_second)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert (out / "model" / "model.npz").read_bytes() == model_before


def test_a_folder_where_a_report_goes_stops_the_run_before_anything_moves(runs, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "report.html").mkdir(parents=True)
    (out / "report.html" / "mine.txt").write_text("keep", encoding="utf-8")
    assert main(["run", str(BUNDLED), "-k", "3", "--out", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert "report.html is a folder, not what topicnmf writes there" in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]
    assert (out / "report.html" / "mine.txt").read_text(encoding="utf-8") == "keep"


def test_a_users_own_file_named_like_a_report_is_never_replaced(runs, tmp_path, capsys, monkeypatch):
    """A report.md topicnmf did not write (no manifest in the folder, or one that does not
    list it) stops the run in one line and stays; a run killed mid-switch (its staging
    folder left, no manifest) is still replaced by the next run."""
    files, model = runs[0]
    out = tmp_path / "notes"
    out.mkdir()
    (out / "report.md").write_text("my notes", encoding="utf-8")
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    fitted = []
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: fitted.append(1))
    assert main(["run", str(BUNDLED), "-k", "3", "--out", str(out), "-q"]) == 1
    err = capsys.readouterr().err
    assert "report.md is not a topicnmf output (no manifest.json there" in err and len(err.splitlines()) == 1
    assert not fitted  # said before the work, not after the fit
    monkeypatch.undo()
    assert (out / "report.md").read_text(encoding="utf-8") == "my notes"
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt", "report.md"]
    csv_only = tmp_path / "csv"  # a run that wrote no report.md, then the user's own
    assert main(["run", str(BUNDLED), "-k", "3", "--out", str(csv_only), "-q", "--formats", "csv"]) == 0
    (csv_only / "report.md").write_text("my notes", encoding="utf-8")
    assert main(["run", str(BUNDLED), "-k", "3", "--out", str(csv_only), "-q"]) == 1
    assert "manifest.json there does not list it" in capsys.readouterr().err
    killed = tmp_path / "killed"  # what SIGKILL mid-switch leaves: files, no manifest, staging
    write_files(files, killed, model)
    (killed / folder.MANIFEST).unlink()
    (killed / (folder.STAGING_PREFIX + "old-x")).mkdir()
    write_files(runs[1][0], killed, runs[1][1])
    assert (killed / folder.MANIFEST).exists()


def test_a_second_writer_is_told_who_holds_the_folder(runs, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (first, _), _ = runs
    with folder.locked(out):
        with pytest.raises(TopicNMFError, match=rf"another topicnmf \(process {os.getpid()}\) is writing"):
            # a second open file description: as another process would hold it
            fd = os.open(out / folder.LOCK, os.O_RDWR)
            try:
                import fcntl

                with pytest.raises(BlockingIOError):
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            finally:
                os.close(fd)
            write_files(first, out)


def test_model_link_in_the_output_folder_is_replaced_not_written_through(runs, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "model").symlink_to(elsewhere, target_is_directory=True)
    (first, model_first), _ = runs
    write_files(first, out, model=model_first)
    assert not (out / "model").is_symlink() and (out / "model" / "model.json").exists()
    assert list(elsewhere.iterdir()) == []


def test_other_commands_never_replace_a_run_and_an_empty_out_is_refused(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["run", str(BUNDLED), "-k", "3", "--out", str(run), "-q", "--formats", "csv"]) == 0
    before = (run / "doc_topics.csv").read_bytes()
    assert main(["transform", str(run), str(BUNDLED / "baking"), "--out", str(run), "-q"]) == 1
    assert "holds the report of 'topicnmf run' (with its model)" in capsys.readouterr().err
    assert (run / "doc_topics.csv").read_bytes() == before
    assert main(["run", str(BUNDLED), "-k", "3", "--out", "", "-q"]) == 1
    assert "the output folder is an empty name" in capsys.readouterr().err


def test_a_refined_or_updated_model_is_never_replaced_by_another_command(tmp_path, capsys):
    """transform, sweep or compare into a folder written by update or refine removed its
    model (perhaps the only copy of a refined one) with one informational line."""
    run, updated, refined = tmp_path / "run", tmp_path / "updated", tmp_path / "refined"
    assert main(["run", str(BUNDLED), "-k", "4", "--out", str(run), "-q", "--formats", "csv"]) == 0
    assert main(["update", str(run), str(BUNDLED / "baking"), "--out", str(updated), "-q"]) == 0
    assert main(["refine", str(run), str(BUNDLED), "--drop", "4", "--out", str(refined), "-q"]) == 0
    for folder, wrote in ((updated, "update"), (refined, "refine")):
        model = (folder / "model" / "model.json").read_bytes()
        for command in (["transform", str(run), str(BUNDLED / "baking")], ["sweep", str(BUNDLED), "-k", "3:4"],
                        ["compare", str(run), str(folder)], ["run", str(BUNDLED), "-k", "3"]):
            assert main([*command, "--out", str(folder)] + ["-q"] * (command[0] != "compare")) == 1
            assert f"holds the report of 'topicnmf {wrote}' (with its model)" in capsys.readouterr().err
        assert (folder / "model" / "model.json").read_bytes() == model
    assert main(["update", str(run), str(BUNDLED / "sailing"), "--out", str(updated), "-q"]) == 0  # its own: fine


def test_an_unwritable_output_folder_is_one_line(runs, tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(folder.tempfile, "mkdtemp", refuse)
    (first, _), _ = runs
    with pytest.raises(TopicNMFError, match="cannot write into the output folder"):
        write_files(first, tmp_path / "out")


@pytest.mark.parametrize("cell", ["a\rb", "line\nbreak", "=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0",
                                  "-2+3", "@SUM(A1)", "plain, with comma", '"quoted"'])
def test_csv_cells_survive_both_readers_and_never_run_as_formulas(cell):
    frame = pd.DataFrame({"doc_id": [cell, "next"], "weight": [0.5, 1.0]})
    text = to_csv(frame)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 3 and len(pd.read_csv(io.StringIO(text))) == 2
    value = rows[1][0]
    assert value.lstrip("'") == cell
    assert not value.startswith(("=", "+", "-", "@"))


def test_sigterm_mid_run_stops_like_ctrl_c_and_leaves_the_folder_clean(tmp_path):
    """SIGTERM during the work: exit 143, one line saying nothing was written, no traceback,
    no lock file or staging folder left in --out (SIGTERM killed the process outright)."""
    import subprocess
    import sys

    out = tmp_path / "out"
    out.mkdir()
    process = subprocess.Popen([sys.executable, "-m", "topicnmf", "run", str(BUNDLED), "--topics", "auto",
                                "--out", str(out)], stderr=subprocess.PIPE, text=True)
    first = [process.stderr.readline() for _ in range(3)]  # read, language, TF-IDF: sweeping now
    assert "TF-IDF matrix" in first[-1], first
    process.send_signal(signal.SIGTERM)
    err = process.communicate(timeout=60)[1]
    assert process.returncode == 143, err
    assert "interrupted; nothing was written" in err and "Traceback" not in err
    assert list(out.iterdir()) == []


class _FreedDuringCtrlC:
    """An object whose __del__ receives a Ctrl-C: Python prints the KeyboardInterrupt raised
    there as 'Exception ignored in' and goes on (as when a regex pattern is freed while the
    language is detected, which a user's Ctrl-C met in 3 of 50 tries)."""

    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(10**6):  # the handler runs here, inside __del__
            pass


def test_a_ctrl_c_python_drops_inside_a_del_still_stops_the_run(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main(["run", str(BUNDLED), "--topics", "3", "--out", str(out), "-q"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    prepare = pipeline.prepare

    def prepare_then_ctrl_c(*args, **kwargs):
        done = prepare(*args, **kwargs)
        _FreedDuringCtrlC()  # freed at once: the KeyboardInterrupt is dropped
        return done

    dropped = []
    monkeypatch.setattr(pipeline, "prepare", prepare_then_ctrl_c)
    monkeypatch.setattr(sys, "unraisablehook", lambda u: dropped.append(u.exc_type))
    assert main(["run", str(BUNDLED), "--topics", "4", "--out", str(out), "-q"]) == 130
    assert dropped == []  # Python dropped it, and its "Exception ignored" traceback is not shown
    assert sys.unraisablehook is not None and main(["show", str(out)]) == 0
    sys.unraisablehook(SimpleNamespace(exc_type=ValueError))  # other ones still reach the hook
    assert dropped == [ValueError]
    err = capsys.readouterr().err
    assert err.strip() == ("topicnmf: interrupted; nothing was written (a previous report in the output "
                           "folder is as it was).")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert main(["show", str(out)]) == 0  # and the next command is not stopped by it


def test_a_second_run_into_the_same_folder_is_refused_before_its_work(tmp_path, capsys):
    """Two runs into one --out started moments apart both exited 0, the later replacing the
    earlier (the lock covered only the switch): the command now holds the folder throughout."""
    import subprocess
    import time

    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "topicnmf", "run", str(BUNDLED), "-k", "4", "--out", str(out),
                              "-q", "--ensemble", "6"], stderr=subprocess.PIPE, text=True)
    try:
        lock, deadline = out / folder.LOCK, time.monotonic() + 60
        while not (lock.exists() and lock.read_text().strip() == str(first.pid)):
            assert first.poll() is None and time.monotonic() < deadline, "the first run never held its folder"
            time.sleep(0.02)
        started = time.monotonic()
        assert main(["run", str(BUNDLED), "-k", "3", "--out", str(out), "-q"]) == 1
        assert time.monotonic() - started < 5  # refused at once, not after a fit
        assert f"another topicnmf (process {first.pid}) is writing this folder" in capsys.readouterr().err
    finally:
        assert first.wait(timeout=120) == 0, first.stderr.read()
    assert json.loads((out / "topics.json").read_text())["parameters"]["n_topics"] == 4
    assert not lock.exists()
    failed = tmp_path / "never"  # a command that fails leaves no empty folder behind
    assert main(["run", str(tmp_path / "missing"), "--out", str(failed), "-q"]) == 1
    assert not failed.exists()


STARTUP_CTRL_C = """
import builtins, os, signal, sys
import topicnmf.__main__ as entry

class FreedDuringCtrlC:
    def __del__(self):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(10**6):
            pass

real_import = builtins.__import__

def importing(name, *args, **kwargs):
    if name == "cli" and kwargs.get("level", args[3] if len(args) > 3 else 0) == 1:
        FreedDuringCtrlC()  # freed at once, while the command line's modules import
    return real_import(name, *args, **kwargs)

builtins.__import__ = importing
sys.exit(entry.main(sys.argv[1:]))
"""


def test_a_ctrl_c_dropped_while_the_libraries_import_still_stops_the_run(tmp_path):
    """Python's own handler, met inside a __del__ while the libraries imported, was printed
    and dropped, and the run went on to write its report and exit 0 (a stranger's trial: 2
    of ~40 Ctrl-Cs at 2.7-3.0 s)."""
    import subprocess

    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-c", STARTUP_CTRL_C, "run", str(BUNDLED), "-k", "3", "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 130, done.stderr
    assert "nothing was written" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()
