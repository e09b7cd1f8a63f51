"""Fitting on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on
127.0.0.1, as a user starts them. The fit there equals the in-process fit; a worker killed
mid-fit is survived (the fit starts again on the worker left: the same result), and a
cluster left without workers stops the run with a one-line error and no report."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from topicnmf import cluster as cluster_module
from topicnmf import cluster_passes
from topicnmf import partitions as pt
from topicnmf import pipeline
from topicnmf.cli import main
from topicnmf.config import RunConfig
from topicnmf.corpus import read_corpus
from topicnmf.errors import ParameterError
from topicnmf.model import load_model
from topicnmf.nmf import factorize, factorize_partitioned
from topicnmf.passes import vectorize_in_passes

from conftest import BUNDLED, shared_corpus

distributed = pytest.importorskip("distributed")
START_TIMEOUT = 60  # seconds for the scheduler and workers to come up


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask(*args):
    return subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)


class Cluster:
    """`dask scheduler` + `dask worker` x n as subprocesses, stopped in ``close``."""

    def __init__(self, n_workers=2):
        port = _free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self.procs = []
        self.client = None
        try:
            self.procs.append(_dask("scheduler", "--host", "127.0.0.1", "--port", str(port),
                                    "--no-dashboard"))
            self.workers = [_dask("worker", self.address, "--nthreads", "1", "--no-nanny",
                                  "--no-dashboard") for _ in range(n_workers)]
            self.procs += self.workers
            self.client = distributed.Client(self.address, timeout=f"{START_TIMEOUT}s")
            self.client.wait_for_workers(n_workers, timeout=START_TIMEOUT)
        except BaseException:
            self.close()
            raise

    def kill(self, worker):
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)

    def close(self):
        if self.client is not None:
            self.client.close(timeout=10)
        for proc in self.procs[::-1]:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


@pytest.fixture(scope="module")
def cluster():
    c = Cluster()
    try:
        yield c
    finally:
        c.close()


@pytest.fixture(scope="module")
def here(tmp_path_factory):
    """The in-process run: its report folder and its topics."""
    out = tmp_path_factory.mktemp("here") / "report"
    assert main(["run", str(BUNDLED), "--topics", "6", "--out", str(out), "-q"]) == 0
    return out, pipeline.run(BUNDLED, n_topics=6).result.topics


def _cli(*args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "topicnmf", *map(str, args)], env=env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)


def _rel(a, b):
    return float(np.abs(a - b).max() / np.abs(a).max())


def _same_report(a, b):
    for name in ("topics.csv", "doc_topics.csv"):  # same topics, same weights (4 digits)
        assert (a / name).read_bytes() == (b / name).read_bytes()
    fits = [json.loads((d / "topics.json").read_text())["fit"] for d in (a, b)]
    assert fits[0]["n_iter"] == fits[1]["n_iter"]
    np.testing.assert_allclose(fits[1]["loss_history"], fits[0]["loss_history"], rtol=1e-9)


def test_a_run_on_the_cluster_equals_the_run_in_process(cluster, here, tmp_path):
    there = _cli("run", BUNDLED, "--topics", "6", "--out", tmp_path / "there", "-q",
                 "--scheduler", cluster.address)
    assert there.returncode == 0, there.stderr
    _same_report(here[0], tmp_path / "there")
    # and through the Python API with a Client: W and H to 1e-9
    b = pipeline.run(BUNDLED, n_topics=6, client=cluster.client).result.topics
    assert _rel(here[1].W, b.W) < 1e-9 and _rel(here[1].H, b.H) < 1e-9


def test_blocks_loaded_by_the_workers_from_their_files(cluster, tmp_path, monkeypatch):
    from topicnmf.nmf import _dask_steps

    fused = []  # the iterations made as one call per worker (H's rows split over them)
    made = _dask_steps.DaskSteps.__init__
    monkeypatch.setattr(_dask_steps.DaskSteps, "__init__",
                        lambda self, *a: fused.append(1) or made(self, *a))
    X = sp.random(600, 300, density=0.03, random_state=3, format="csr")
    on_disk = pt.to_disk(pt.split(X, 5), tmp_path / "blocks")
    for extrapolate in (False, True):
        a = factorize(X, 7, random_state=1, extrapolate=extrapolate, alpha_W=1e-3,
                      alpha_H=2e-3, l1_ratio=0.5, max_iter=40)
        b = factorize_partitioned(on_disk, 7, random_state=1, extrapolate=extrapolate,
                                  alpha_W=1e-3, alpha_H=2e-3, l1_ratio=0.5, max_iter=40,
                                  client=cluster.client)
        assert a.n_iter == b.n_iter
        assert _rel(a.W, b.W) < 1e-9 and _rel(a.H, b.H) < 1e-9
        np.testing.assert_allclose(b.loss_history, a.loss_history, rtol=1e-9)
    assert len(fused) == 2
    # more sweeps per update: the step-by-step calls (the inner sweeps stop per block, so
    # the same minimum, not the same iterates)
    a = factorize(X, 7, random_state=1, max_inner=3, max_iter=20)
    b = factorize_partitioned(on_disk, 7, random_state=1, max_inner=3, max_iter=20,
                              client=cluster.client)
    assert len(fused) == 2 and np.isclose(a.reconstruction_err, b.reconstruction_err, rtol=1e-4)
    new = sp.random(200, 300, density=0.03, random_state=4, format="csr")
    a = factorize(new, 7, H=a.H, update_H=False)  # transform, on the workers
    b = factorize_partitioned(pt.split(new, 3), 7, H=a.H, update_H=False, client=cluster.client)
    assert _rel(a.W, b.W) < 1e-9


@pytest.mark.parametrize("scheme", ["all-reduce", "split"])
def test_blocks_held_by_the_workers_in_turn_and_both_iteration_schemes(cluster, monkeypatch,
                                                                       scheme):
    """X's blocks made on the workers, every other block on each (as Dask may place the
    TF-IDF tasks): one shard per worker, the iterations one call per worker in either
    scheme, the in-process fit's iterates; all-reduced, both workers' H the same bits."""
    from topicnmf.nmf import _dask_steps

    profiles = []
    result = _dask_steps.DaskSteps.result
    monkeypatch.setattr(_dask_steps.DaskSteps, "result",
                        lambda self: (result(self), profiles.append(self.profile))[0])
    monkeypatch.setattr(_dask_steps, "SCHEME", scheme)
    X = sp.random(700, 300, density=0.03, random_state=5, format="csr")
    blocks, client = pt.split(X, 6), cluster.client
    workers = sorted(client.nthreads())
    # (hash=False: the other scheme's run scattered the same blocks, under the same keys
    # while the scheduler was forgetting them: "lost dependencies" now and then)
    futures = [client.scatter(blocks.block(i), workers=[workers[i % 2]], hash=False) for i in range(6)]
    remote = cluster_passes.RemotePartitions(n_cols=300, offsets=blocks.offsets,
                                             futures=tuple(futures))
    for extrapolate in (False, True):
        a = factorize(X, 6, random_state=2, extrapolate=extrapolate, alpha_H=1e-3, max_iter=60)
        b = factorize_partitioned(remote, 6, random_state=2, extrapolate=extrapolate,
                                  alpha_H=1e-3, max_iter=60, client=client, stack=False)
        assert len(b.W) == 6 and [w.shape[0] for w in b.W] == list(np.diff(blocks.offsets))
        assert a.n_iter == b.n_iter and _rel(a.W, np.vstack(b.W)) < 1e-9 and _rel(a.H, b.H) < 1e-9
        np.testing.assert_allclose(b.loss_history, a.loss_history, rtol=1e-9)
    assert [p["scheme"] for p in profiles] == [scheme] * 2 and all(p["same_H"] for p in profiles)
    # the rule: all-reduce for two workers on one host, split beyond (or across hosts)
    monkeypatch.setattr(_dask_steps, "SCHEME", None)
    local = ["tcp://127.0.0.1:1", "tcp://127.0.0.1:2"]
    assert _dask_steps.scheme(local, 300, 6) == "all-reduce"
    assert _dask_steps.scheme(["tcp://10.0.0.1:1", "tcp://10.0.0.2:1"], 300, 6) == "split"


def test_blocks_whose_holder_dask_does_not_know_still_fit(cluster, monkeypatch):
    """who_has may name no holder for a block (Dask moved or is moving it): the shard made
    without a worker asked for (Dask refused allow_other_workers without workers, which
    failed a CI run now and then), the in-process fit's iterates all the same."""
    X = sp.random(500, 200, density=0.03, random_state=6, format="csr")
    blocks, client = pt.split(X, 4), cluster.client
    futures = [client.scatter(blocks.block(i), hash=False) for i in range(4)]
    remote = cluster_passes.RemotePartitions(n_cols=200, offsets=blocks.offsets, futures=tuple(futures))
    monkeypatch.setattr(type(client), "who_has", lambda self, futures=None, **kw: {})
    a = factorize(X, 5, random_state=3, max_iter=40)
    b = factorize_partitioned(remote, 5, random_state=3, max_iter=40, client=client, stack=False)
    assert a.n_iter == b.n_iter and _rel(a.W, np.vstack(b.W)) < 1e-9 and _rel(a.H, b.H) < 1e-9
    assert cluster_passes.placed_on(None) == {}

def test_the_start_on_the_workers_equals_the_start_in_process(cluster, monkeypatch):
    """The randomized SVD and NNDSVD made on the workers' blocks: the in-process start
    (the same sketch) to rounding. The SVD is two calls per worker and power iteration:
    no n_samples-row array comes back to the client, and X^T Q (n_features rows) only once
    per worker, for the final small SVD. Where a Cholesky QR fails, the
    operation-by-operation path runs from the same sketch: the same start again."""
    from topicnmf.nmf import _dask, _dask_start, _init, _validation as v
    from topicnmf.nmf._factorize_partitioned import initialize
    from topicnmf.nmf._partitioned import PartitionedEngine

    back, calls = [], []
    answer, call_all = _dask._answer, _dask_start.call_all
    monkeypatch.setattr(_dask, "_answer", lambda f: (lambda a: back.append(a) or a)(answer(f)))

    def counted(executor, method, args_of):
        calls.append(args_of(0)[0] if method == "svd" else method)
        return (lambda a: back.append(a) or a)(call_all(executor, method, args_of))

    monkeypatch.setattr(_dask_start, "call_all", counted)
    X = sp.random(1600, 200, density=0.04, random_state=6, format="csr")  # blocks of 400 rows
    for init, fails in (("nndsvd", False), ("nndsvda", False), ("nndsvd", True)):
        W, H = _init.initialize(X, 8, init, v.check_random_state(0), None, v.sketch_state(0))
        executor = _dask.DaskExecutor(cluster.client)
        blocks = executor.matrix(pt.split(X, 4))  # (2 workers: 2 blocks each)
        back.clear(), calls.clear()
        if fails:  # the third Cholesky factor (of the first X orth(X^T Q)) fails
            made = iter(range(100))
            monkeypatch.setattr(_dask_start, "inverse_factor",
                                lambda G: None if next(made) == 2 else _init.inverse_factor(G))
        W_there, H_there = initialize(blocks, 8, init, v.check_random_state(0),
                                      PartitionedEngine(executor), v.sketch_state(0))
        assert _rel(W, W_there.to_numpy()) < 1e-9 and _rel(H, H_there) < 1e-9
        if fails:
            assert calls == ["svd_begin", "power", "basis", "drop"]
            continue
        power = _init.power_iterations(8, X.shape)
        assert calls == ["svd_begin"] + ["power", "basis"] * power + ["orth", "project", "finish"]
        sizes = [a.shape[0] for a in _arrays(back[:-2])]  # (the last: W fetched above)
        assert max(sizes) == 200 and sizes.count(200) == 2, sizes  # B's pieces, one per worker


def _arrays(values):
    for value in values:
        if isinstance(value, np.ndarray):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from _arrays(value)


@pytest.mark.parametrize("settings", [{}, {"vectorize.max_features": 150, "vectorize.min_df": 1,
                                        "vectorize.sublinear_tf": True}])
def test_tfidf_made_on_the_workers_equals_in_memory(cluster, monkeypatch, settings):
    monkeypatch.setattr(cluster_passes, "CHUNK_DOCUMENTS", 4)  # many chunks on each worker
    config = RunConfig.from_settings(settings)
    corpus = pipeline.read(BUNDLED, config)
    here = pipeline.prepare(corpus, config)
    with cluster_module.session(client=cluster.client) as on:
        there = pipeline.prepare(corpus, config, on=on)
    a, b = here.dtm, there.dtm
    assert isinstance(b.X, cluster_passes.RemotePartitions) and len(b.X) > 4
    assert b.terms == a.terms and b.display_terms == a.display_terms
    assert b.idf.tolist() == a.idf.tolist() and b.n_seen_terms == a.n_seen_terms
    X = pt.stack(b.X)  # the blocks fetched from the workers
    assert abs(X - a.X).max() <= 1e-12 and X.nnz == b.nnz == a.X.nnz  # (scikit-learn's rounding)
    assert np.isclose(b.norm, a.norm, rtol=1e-12)
    np.testing.assert_array_equal(there.coverage, here.coverage)
    # and exactly the TF-IDF in passes of this process
    passes = vectorize_in_passes([corpus.texts], here.analyzer, config.vectorize)
    assert (pt.stack(passes.X) != X).nnz == 0 and np.allclose(passes.sums, b.sums, rtol=1e-12)


def test_transform_on_the_cluster_equals_transform_here(cluster, here, tmp_path):
    model = here[0] / "model"
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["transform", str(model), str(BUNDLED), "--out", str(a), "-q"]) == 0
    got = _cli("transform", model, BUNDLED, "--out", b, "-q", "--scheduler", cluster.address)
    assert got.returncode == 0, got.stderr
    assert (a / "doc_topics.csv").read_bytes() == (b / "doc_topics.csv").read_bytes()
    corpus, saved = pipeline.read(BUNDLED, pipeline.configure()), load_model(model)
    x, y = pipeline.score(corpus, saved), pipeline.score(corpus, saved, client=cluster.client)
    assert y.dtm is None and _rel(x.W, y.W) < 1e-9 and _rel(x.fit, y.fit) < 1e-9
    np.testing.assert_array_equal(x.coverage, y.coverage)


def test_a_vocabulary_goes_to_the_workers_as_one_value(cluster):
    """transform scattered the model's vocabulary (a dict) bare: one Dask key per term (15,721
    tasks on the scheduler for 15,716 terms), which hung or lost keys on a busy cluster."""
    from distributed import Future

    before = cluster.client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
    sent = cluster_passes._broadcast(cluster.client, {f"w{i}": i for i in range(1000)})
    assert isinstance(sent, Future)
    assert cluster.client.submit(len, sent).result() == 1000
    during = cluster.client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
    assert during - before <= 3


def test_workers_start_a_local_cluster(here, tmp_path, monkeypatch):
    temporary = tmp_path / "tmp"  # the run's temporary folder (TMPDIR)
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    out = tmp_path / "w"
    assert main(["run", str(BUNDLED), "--topics", "6", "--out", str(out), "-q",
                 "--workers", "2"]) == 0
    _same_report(here[0], out)
    assert "workers = 2" in (out / "config.toml").read_text()
    # Dask's dask-scratch-space (global.lock, purge.lock, worker-*.dirlock) was left there
    assert list(temporary.iterdir()) == []


def test_without_the_extra_the_flags_name_it(here, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    for flag in (["--workers", "2"], ["--scheduler", "tcp://127.0.0.1:1"]):
        for command in (["run", str(BUNDLED)], ["transform", str(here[0] / "model"), str(BUNDLED)]):
            assert main([*command, "--out", str(tmp_path / "r"), *flag]) == 1
            err = capsys.readouterr().err.strip()
            assert len(err.splitlines()) == 1 and "pip install 'topicnmf[dask]'" in err, err
    assert not (tmp_path / "r").exists()


def test_cluster_settings_are_checked_before_reading(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", "2s")
    with pytest.raises(ParameterError, match="not both"):
        pipeline.configure(workers=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ParameterError, match="workers must be a positive integer"):
        pipeline.configure(workers=0)
    start = time.perf_counter()
    assert main(["run", str(BUNDLED), "--out", str(tmp_path / "r"), "-q",
                 "--scheduler", f"tcp://127.0.0.1:{_free_port()}"]) == 1
    err = capsys.readouterr().err.strip()
    assert "cannot reach the Dask scheduler" in err and len(err.splitlines()) == 1, err
    assert time.perf_counter() - start < 60 and not (tmp_path / "r").exists()


@pytest.mark.parametrize("address, message", [
    ("notaurl", "scheduler 'notaurl' is not a Dask scheduler's address (missing port number in address 'notaurl')"),
    ("http://127.0.0.1:8787/status", "(unknown address scheme 'http'"),
])
def test_a_malformed_scheduler_address_is_one_line(tmp_path, capsys, address, message):
    assert main(["run", str(BUNDLED), "--out", str(tmp_path / "r"), "--scheduler", address]) != 0
    err = capsys.readouterr().err.strip()
    assert message in err and "tcp://host:8786" in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("reply", [None, b"HTTP/1.1 400 Bad Request\r\n\r\n"], ids=["silent", "http"])
def test_a_web_server_given_as_the_scheduler_is_one_line_not_a_hang(tmp_path, capsys, monkeypatch, reply):
    """The dashboard's port (a web server waiting for a request) hung the run; a proxy's
    'HTTP/1.1 400' was read as a frame length: 'Unable to allocate 3.07 EiB'."""
    import threading

    monkeypatch.setattr(cluster_module, "PROBE_TIMEOUT", 1.0)
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            if reply:
                conn.sendall(reply)

    threading.Thread(target=serve, daemon=True).start()
    start = time.perf_counter()
    try:
        assert main(["run", str(BUNDLED), "--out", str(tmp_path / "r"), "--scheduler",
                     f"tcp://127.0.0.1:{server.getsockname()[1]}"]) == 1
    finally:
        server.close()
        for conn in held:
            conn.close()
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "is not a Dask scheduler" in err and "not the dashboard's port" in err, err
    assert ("said nothing in 1 s" if reply is None else "answers as a web server ('HTTP/1.1 400 Bad Request')") in err
    assert time.perf_counter() - start < 30 and not (tmp_path / "r").exists()


def test_a_dated_corpus_on_the_cluster_gets_its_timeline(cluster, tmp_path):
    """Topics over time refit each period's terms on X: with X's blocks on the workers it is
    fetched whole (it crashed on RemotePartitions before)."""
    dated = tmp_path / "dated.csv"
    rows = [(doc.id, doc.text, f"{2000 + i % 6}-0{1 + i % 9}-15")
            for i, doc in enumerate(read_corpus(BUNDLED).documents)]
    pd.DataFrame(rows, columns=["id", "text", "date"]).to_csv(dated, index=False)
    runs = {}
    for side, extra in (("here", []), ("there", ["--scheduler", cluster.address])):
        done = _cli("run", dated, "--topics", "4", "--out", tmp_path / side, "-q", "--time-bins", "year", *extra)
        assert done.returncode == 0, done.stderr
        runs[side] = pd.read_csv(tmp_path / side / "topics_over_time.csv")
    assert len(runs["there"]) and runs["there"].shape == runs["here"].shape
    assert (tmp_path / "there" / "topic_terms_over_time.csv").exists()


def test_a_killed_worker_is_survived_and_no_workers_left_is_one_line(cluster, here, tmp_path,
                                                                      monkeypatch, capsys):
    """(The last test: it kills the module's workers.)"""
    c = cluster
    killed = []

    def kill_one(iteration, elapsed, loss):
        if iteration == 3 and not killed:
            c.kill(c.workers[0])
            killed.append(iteration)

    a = here[1]
    b = pipeline.run(BUNDLED, n_topics=6, client=c.client, callback=kill_one).result.topics
    assert killed and len(c.client.nthreads()) == 1
    assert _rel(a.W, b.W) < 1e-9 and _rel(a.H, b.H) < 1e-9  # fitted again on the other

    # the last worker killed mid-fit: no worker is left to start again on
    from topicnmf.nmf import _dask, _dask_steps

    step = _dask_steps.DaskSteps.step  # an iteration: one call per worker
    calls = []

    def kill_last(self, *args):
        calls.append(1)
        if len(calls) == 4:
            c.kill(c.workers[1])
        return step(self, *args)

    monkeypatch.setattr(_dask_steps.DaskSteps, "step", kill_last)
    monkeypatch.setattr(_dask, "WORKER_CHECK_S", 0.5)
    out = tmp_path / "report"
    status = main(["run", str(BUNDLED), "--topics", "6", "--out", str(out), "-q",
                   "--scheduler", c.address])
    err = capsys.readouterr().err
    assert status == 1 and len(calls) >= 4
    assert "no workers left to fit on" in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists() and not list(tmp_path.iterdir())  # nothing half-written

    # and a run started on the cluster without workers: one line too (the TF-IDF passes'
    # scatter to the workers raised Dask's TimeoutError)
    monkeypatch.undo()
    status = main(["run", str(BUNDLED), "--topics", "6", "--out", str(out), "-q", "--scheduler", c.address])
    err = capsys.readouterr().err
    assert status == 1 and "no workers left" in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_anchored_topics_are_refused_on_a_cluster(tmp_path):
    anchors = tmp_path / "anchors.toml"
    anchors.write_text('[anchors]\nsport = ["match", "team"]\n', encoding="utf-8")
    with pytest.raises(ParameterError, match="anchored topics are fitted in this process"):
        pipeline.configure(anchors=str(anchors), workers=2)



@pytest.mark.slow
def test_ctrl_c_while_the_workers_vectorize_is_one_line(tmp_path):
    """Ctrl-C while `--workers 2` tokenize and count on the workers: exit 130 and the one
    line, without the pages of Dask tracebacks (workers closed mid-task) that followed it."""
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    process = subprocess.Popen([sys.executable, "-m", "topicnmf", "run", str(shared_corpus("bbc-news.jsonl.gz")),
                                "--topics", "8", "--workers", "2", "--out", str(out)],
                               env=env, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not any(line.startswith("topicnmf: language:") for line in lines):
            lines.append(process.stderr.readline())
        process.send_signal(signal.SIGINT)  # the workers are tokenizing
        rest = process.communicate(timeout=120)[1]
    finally:
        process.kill()
    assert process.returncode == 130, lines + [rest]
    assert rest.strip().splitlines()[-1:] == ["topicnmf: interrupted; nothing was written (a previous report in "
                                              "the output folder is as it was)."], rest
    assert "Traceback" not in rest and "Error" not in rest, rest
    assert not (out / "topics.csv").exists()


def test_ctrl_c_in_a_local_cluster_session_leaves_dasks_loggers_as_they_were():
    """A notebook user who interrupts a --workers-style session goes on using Python: Dask's
    loggers, quieted while the cut-short cluster closes, are restored after."""
    import logging

    saved = {name: logging.getLogger(name).level for name in ("distributed", "asyncio")}
    try:
        for name in saved:
            logging.getLogger(name).setLevel(logging.WARNING)
        with pytest.raises(KeyboardInterrupt):
            with cluster_module.session(workers=1):
                raise KeyboardInterrupt
        assert {logging.getLogger(name).level for name in saved} == {logging.WARNING}
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)



def test_shards_balanced_by_rows_where_dask_placed_the_blocks_unevenly():
    """Every iteration waits for the slowest shard: blocks move from the shard of the most
    rows to the one of the fewest while that narrows the gap, each shard in row order."""
    from topicnmf.nmf._dask import balanced

    rows = [100] * 10
    moved = balanced([("a", [0, 1, 2, 3, 4, 5, 6]), ("b", [7, 8, 9])], rows)
    assert sorted(sum(rows[i] for i in b) for _, b in moved) == [500, 500]
    assert all(b == sorted(b) for _, b in moved) and sorted(i for _, b in moved for i in b) == list(range(10))
    assert [w for w, _ in moved] == ["a", "b"]  # (each shard stays on its worker)
    # a move that would not narrow the gap is not made
    assert balanced([("a", [0]), ("b", [1, 2])], [10, 6, 6]) == [("a", [0]), ("b", [1, 2])]
