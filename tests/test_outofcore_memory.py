"""Out of core stays within its memory budget: the peak resident memory of a run on a
corpus of 150,000 short documents, measured in a subprocess (VmHWM), above what the
same process holds after importing topicnmf and reading nothing.

VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child of a large
pytest process reports the parent's size (every run then measured 0 MiB over the baseline)."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
N_DOCUMENTS, K = 150_000, 40
BUDGET = 150 * 2**20  # --max-memory: the in-memory run is estimated at about 400 MB

SCRIPT = """
import json, re, sys
from pathlib import Path
from topicnmf import pipeline
from topicnmf.nmf import SolverOptions
from topicnmf.report import render, write_files
from topicnmf.vectorize import VectorizeOptions
def hwm():
    return int(re.search(r"VmHWM:\\s*(\\d+) kB", Path("/proc/self/status").read_text()).group(1)) * 1024
base = hwm()
if sys.argv[2] != "none":
    done = pipeline.run(sys.argv[1], n_topics=int(sys.argv[3]), max_memory=sys.argv[2], nmf=SolverOptions(max_iter=30),
                        vectorize=VectorizeOptions(dtype="float64"),  # (auto: float32 from 100k documents)
                        formats=("csv", "json", "md", "html", "parquet"))
    write_files(render(done.result, ("csv", "json", "md", "html", "parquet")), sys.argv[4], model=done.model)
peak = hwm()
print(json.dumps({"base": base, "peak": peak}))
"""


def _corpus(path):
    rng = np.random.default_rng(0)
    words = [f"w{a}{b}" for a in "abcdefghijklmnopqrstuvwxyz" for b in range(120)]  # 3,120 words
    topics = rng.integers(len(words), size=(60, 40))  # 60 themes of 40 words each
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text"])
        for i in range(N_DOCUMENTS):
            theme = topics[rng.integers(60)]
            writer.writerow([f"doc{i}", " ".join(words[j] for j in theme[rng.integers(40, size=8)])])


def _peak(tmp_path, corpus, budget):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(corpus), budget, str(K), str(tmp_path / budget)],
                          capture_output=True, text=True, cwd=ROOT, timeout=900,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "2"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc/self/status (VmHWM)")
def test_out_of_core_peak_memory_stays_under_the_budget(tmp_path):
    corpus = tmp_path / "docs.csv"
    _corpus(corpus)
    baseline = _peak(tmp_path, corpus, "none")["peak"]  # the interpreter and the libraries
    disk = _peak(tmp_path, corpus, str(BUDGET))["peak"] - baseline
    memory = _peak(tmp_path, corpus, "100GB")["peak"] - baseline
    on_disk, in_memory = (pd.read_csv(tmp_path / side / "doc_topics.csv") for side in (str(BUDGET), "100GB"))
    # the same table, up to the rounding of the partitioned fit's block sums (6 digits printed)
    pd.testing.assert_frame_equal(on_disk, in_memory, rtol=1e-4, atol=1e-6)
    said = f"out of core {disk / 2**20:.0f} MiB over the baseline, in memory {memory / 2**20:.0f} MiB"
    print(said)
    assert disk < 1.3 * BUDGET, said  # measured 125 MiB (in memory 374): a margin for the allocator
    assert disk < 0.6 * memory, said
