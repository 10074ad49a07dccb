"""The house: imports point one way down the pipeline, no cycles, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PKG = Path(__file__).resolve().parents[1] / "extractscan"

#: Stage packages in pipeline order: a module may import its own package and the ones
#: before it, never a later one (``streamed`` is a leaf helper every stage may use).
LAYERS = (
    "model",
    "streamed",
    "config",
    "ingest",
    "features",
    "link",
    "assess",
    "report",
    "run",
    "lab",
    "cli",
)

#: Modules allowed past ~500 lines, each with its reason.
LONG_MODULES: dict[str, str] = {
    "extractscan.lab.simulate": "the fixed-seed simulator's one world, kept whole so that "
    "its seeds keep generating the same logs the benchmarks were measured on",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        parts = path.relative_to(PKG.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(path: Path) -> set[str]:
    """extractscan modules imported at module level or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("extractscan")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("extractscan"):
                found.add(node.module)
                found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_imports_point_down_the_pipeline() -> None:
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        mine = _layer(name)
        if mine is None:
            continue
        for imported in _imports(path):
            theirs = _layer(imported)
            if theirs is not None and theirs > mine:
                wrong.append(f"{name} imports {imported}")
    assert wrong == []


def test_no_import_cycle_between_modules() -> None:
    modules = _modules()
    graph: nx.DiGraph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for imported in _imports(path):
            if imported in modules and imported != name:
                # a package's __init__ re-exporting its own modules is not a cycle
                if not (path.name == "__init__.py" and imported.startswith(name + ".")):
                    graph.add_edge(name, imported)
    assert list(nx.simple_cycles(graph)) == []


def test_every_module_has_a_stage_and_modules_stay_small() -> None:
    modules = _modules()
    assert {n.split(".")[1] for n in modules if n.count(".") >= 1} <= {
        *LAYERS,
        "__main__",
    }
    long = {
        n: len(p.read_text().splitlines())
        for n, p in modules.items()
        if len(p.read_text().splitlines()) > 500 and n not in LONG_MODULES
    }
    assert long == {}


def test_the_package_imports_no_polars_until_used() -> None:
    import subprocess
    import sys

    code = (
        "import sys, extractscan, extractscan.cli.main; "
        "print('polars' in sys.modules, 'extractscan.run.pipeline' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_registries_name_every_format_and_preset() -> None:
    from extractscan import report
    from extractscan.ingest import presets
    from extractscan.model.registry import FORMAT_CLASSES, PRESET_NAMES

    assert list(report.FORMATS) == list(FORMAT_CLASSES)
    assert sorted(presets.PRESETS) == sorted(PRESET_NAMES)
