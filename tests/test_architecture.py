"""The shape of the code: data flows one way (STYLE.md), so a module imports only the
stages upstream of it, and no product file grows past the size of one concept."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "topicnmf"
# upstream first; a module may import only modules of earlier layers (and its own package)
LAYERS = [
    {"errors", "compiled"},
    {"progress"},
    {"partitions", "docweights"},
    {"period_rows"},
    {"mail", "unique_ids"},
    {"stemmers"},
    {"readers", "clean", "resources", "languages", "segment", "sources"},
    {"templates"},
    {"corpus", "preprocess", "dates"},
    {"vectorize", "nmf", "chunk_terms"},
    {"passes", "boilerplate"},
    {"first_pass"},
    {"outofcore", "doctable"},
    {"topics", "evaluate", "anchors", "phrases", "hierarchy", "drift", "dynamic", "textpass"},
    {"cluster_passes"},
    {"cluster"},
    {"junk"},
    {"repeated_advice"},
    {"stability", "ensemble"},
    {"model"},
    {"timeline", "align"},
    {"report"},
    {"config"},
    {"sweep", "scoring", "update"},
    {"result"},
    {"pipeline"},
    {"options"},
    {"config_file"},
    {"refine", "cli_time"},
    {"cli"},
    {"__main__"},
]
LAYER = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _unit(path):
    """'nmf' for topicnmf/nmf/_solve.py, 'pipeline' for topicnmf/pipeline.py."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path):
    """The topicnmf units a file imports (relative or absolute imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    depth = len(path.relative_to(PACKAGE).parts) - 1  # 0 at the package's top level
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names = [node.module] if node.module and node.module.startswith("topicnmf.") else []
                found |= {n.split(".")[1] for n in names}
            elif node.level - 1 == depth:  # relative to the package root
                if node.module:
                    found.add(node.module.split(".")[0])
                else:
                    found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("topicnmf.")}
    return found - {"__version__"}


def test_every_module_imports_only_upstream_stages():
    files = [p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE]
    upward = []
    for path in files:
        unit = _unit(path)
        assert unit in LAYER, f"{unit} is not placed in a layer of this test"
        for other in _imports(path) - {unit}:
            if LAYER[other] >= LAYER[unit]:
                upward.append(f"{path.relative_to(PACKAGE)} imports {other}")
    assert not upward, upward


def test_no_product_file_is_past_the_size_of_one_concept():
    sizes = {p.relative_to(PACKAGE): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    assert all(n <= 420 for n in sizes.values()), {p: n for p, n in sizes.items() if n > 420}


def test_every_module_with_cached_kernels_is_in_the_cache_digest():
    # numba checks a cached kernel against its own file only: the cache folder is keyed by a
    # digest of every kernel file (compiled.KERNEL_SOURCES), which must name them all
    from topicnmf.compiled import KERNEL_SOURCES

    package = Path(__file__).resolve().parent.parent / "topicnmf"
    with_kernels = {path.relative_to(package).as_posix() for path in package.rglob("*.py")
                    if "@njit" in path.read_text(encoding="utf-8")}
    assert with_kernels == set(KERNEL_SOURCES)
