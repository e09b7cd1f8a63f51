"""README's set-up commands, in order, in a fresh virtual environment, then the installed
`topicnmf` called from outside the repository (not the source tree, as pytest imports).

The virtual environment sees the packages already installed (--system-site-packages), and
pip installs with --no-index and no build isolation, so nothing is downloaded.
"""

import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

IGNORED = shutil.ignore_patterns(".git", "__pycache__", "build", "*.egg-info", ".pytest_cache",
                                 ".hypothesis", "reports")


def _run(args, cwd, env):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600)
    assert proc.returncode == 0, f"{' '.join(map(str, args))}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX virtual environment layout")
def test_readme_setup_commands_in_order_leave_a_working_cli(tmp_path):
    src = tmp_path / "topicnmf-src"
    shutil.copytree(ROOT, src, ignore=IGNORED)
    venv = tmp_path / "venv"
    # without a pip of its own: the installed pip and setuptools (>= 70.1, from the test
    # extra) build the wheel offline
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
                   check=True)
    bin_ = venv / "bin"
    env = {**os.environ, "HOME": str(tmp_path / "home"), "PATH": f"{bin_}{os.pathsep}{os.environ['PATH']}"}
    env.pop("NUMBA_CACHE_DIR", None)
    env.pop("PYTHONPATH", None)
    pip = [str(bin_ / "python"), "-m", "pip", "install", "-q", "--no-index", "--no-build-isolation"]

    # 1. python -m pip install . && topicnmf run corpora/field-guides --topics 6 --out reports
    _run(pip + ["."], src, env)
    _run([str(bin_ / "topicnmf"), "run", "corpora/field-guides", "--topics", "6", "--out", "reports", "-q"],
         src, env)
    assert (src / "reports" / "report.html").exists()
    # 2. python -m pip install -e '.[test,all]'
    _run(pip + ["-e", ".[test,all]"], src, env)
    installed = _run([str(bin_ / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp_path, env).stdout.strip()
    leftover = os.path.join(installed, "topicnmf")
    assert not os.path.exists(leftover), f"{leftover} was left behind: {os.listdir(leftover)}"

    # the installed command, from outside the repository
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    assert _run([str(bin_ / "topicnmf"), "--version"], outside, env).stdout.strip() == "topicnmf 0.1.0"
    _run([str(bin_ / "topicnmf"), "run", str(src / "corpora" / "field-guides" / "baking"), "--topics", "2",
          "--min-df", "1", "--out", "out", "-q"], outside, env)
    assert (outside / "out" / "topics.csv").exists()
    where = _run([str(bin_ / "python"), "-c", "import topicnmf; print(topicnmf.__file__)"], outside, env)
    assert where.stdout.strip().startswith(str(src))  # the editable install, not a leftover
