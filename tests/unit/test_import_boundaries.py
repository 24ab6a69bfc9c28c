"""The layers import what the design allows, checked in fresh interpreters.

Every parent-side module (advisor, report, commands, the parent side of the profiler) imports no UI,
no framework and no numpy; the app imports no framework. Modules are found by walking the package,
so a new module is checked without being listed here. `lint-imports` (pyproject.toml) checks the
same rules statically, and the layering between packages.
"""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import fwadvisor
from conftest import REPO

PYPROJECT = REPO / "pyproject.toml"


def _contract(contract_type: str, source: str | None = None) -> dict[str, Any]:
    """The one import-linter contract of this type (and with this source module) in pyproject.toml."""
    contracts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    (found,) = [c for c in contracts if c["type"] == contract_type and source in c.get("source_modules", [source])]
    return found


# Worker-side code: imported only inside a worker process (frameworks, numpy, scikit-learn). The names
# are the import-linter contract's, read from pyproject.toml, so the two checks cannot drift apart.
WORKER_SIDE = tuple(_contract("protected")["protected_modules"])
FRAMEWORKS = ["torch", "tensorflow", "numpy", "sklearn", "jax"]
UI = ["textual", "textual_plotext"]


def _modules() -> list[str]:
    found = [m.name for m in pkgutil.walk_packages(fwadvisor.__path__, "fwadvisor.")]
    return sorted(m for m in found if not m.startswith(WORKER_SIDE) and not m.endswith("__main__"))


PARENT_SIDE = [m for m in _modules() if not m.startswith("fwadvisor.tui") and m != "fwadvisor.cli"]
APP_SIDE = [m for m in _modules() if m.startswith("fwadvisor.tui")]


def _imported_after(modules: list[str], watched: list[str]) -> dict[str, list[str]]:
    """For each module, imported alone in a fresh interpreter: which watched modules it pulled in."""
    code = (
        "import importlib, json, subprocess, sys\n"
        f"modules, watched = {modules!r}, {watched!r}\n"
        "found = {}\n"
        "for name in modules:\n"
        "    probe = f'import importlib, sys; importlib.import_module({name!r}); '\n"
        "    probe += f'print(\",\".join(m for m in {watched!r} if m in sys.modules))'\n"
        "    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True, check=True)\n"
        "    if out.stdout.strip():\n"
        "        found[name] = out.stdout.strip().split(',')\n"
        "print(json.dumps(found))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300)
    import json

    return json.loads(result.stdout)


def test_the_walk_finds_every_layer():
    assert "fwadvisor.advisor.engine" in PARENT_SIDE and "fwadvisor.profiler.session" in PARENT_SIDE
    assert "fwadvisor.report.render" in PARENT_SIDE and "fwadvisor.tui.app" in APP_SIDE
    assert not any(m.startswith(WORKER_SIDE) for m in PARENT_SIDE + APP_SIDE)


def test_the_worker_side_is_one_package_the_contracts_name_once():
    # The headless contract forbids numpy and the frameworks to the whole parent side, with no list of
    # exceptions: the worker side is its own package, protected from every importer but itself.
    headless = _contract("forbidden", source="fwadvisor.profiler")
    assert "ignore_imports" not in headless
    assert {"numpy", "torch", "tensorflow", "textual"} <= set(headless["forbidden_modules"])
    assert WORKER_SIDE == ("fwadvisor.bench",)
    assert _contract("protected")["allowed_importers"] == ["fwadvisor.bench"]
    # The worker side may import of the parent side only the shared protocol.
    bench_rule = _contract("forbidden", source="fwadvisor.bench")
    parent_profiler = {m for m in PARENT_SIDE if m.startswith("fwadvisor.profiler.")}
    shared = parent_profiler - set(bench_rule["forbidden_modules"])
    assert shared <= SHARED_PROTOCOL, shared - SHARED_PROTOCOL


# What the worker side may import of the parent side's profiler: the protocol both sides speak.
SHARED_PROTOCOL = {
    "fwadvisor.profiler.documents",
    "fwadvisor.profiler.benchmark_spec",
    "fwadvisor.profiler.cluster_specs",
    "fwadvisor.profiler.cluster_documents",
    "fwadvisor.profiler.protocol",
    "fwadvisor.profiler.run_environment",
    "fwadvisor.profiler.records",
    "fwadvisor.profiler.timing",
    "fwadvisor.profiler.steadiness",
    "fwadvisor.profiler.catalog",
}


def test_the_worker_side_imports_only_the_shared_protocol():
    imported = set()
    for name in (m for m in ALL if m.startswith("fwadvisor.bench")):
        imported |= {m for m in _imports_of(name) if not m.startswith("fwadvisor.bench")}
    # The standard-library-only helpers both sides use (safe_text, clock, parent_death, and frameworks:
    # each framework's identity and install command).
    allowed = SHARED_PROTOCOL | {
        "fwadvisor.frameworks",
        "fwadvisor",
        "fwadvisor.profiler",
        "fwadvisor.safe_text",
        "fwadvisor.clock",
        "fwadvisor.parent_death",
    }
    assert imported <= allowed, imported - allowed


def _imports_of(name: str) -> set[str]:
    """The fwadvisor modules one module imports, read from its source: function-level and
    TYPE_CHECKING imports too, since an import deferred to break a circle still is one."""
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None
    package = name if spec.submodule_search_locations else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(Path(spec.origin).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` depends on that module, as import-linter counts it.
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in ALL else base for alias in node.names)
    return {m for m in found if m in ALL and m != name}


ALL = {"fwadvisor", *(m.name for m in pkgutil.walk_packages(fwadvisor.__path__, "fwadvisor."))}


def _graph(modules: list[str]) -> dict[str, set[str]]:
    """Which of `modules` each of them imports, read from the source."""
    return {m: _imports_of(m) & set(modules) for m in modules}


def _circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The import circles of a graph (strongly connected components of more than one module)."""
    modules = sorted(graph)
    order: list[str] = []
    seen: set[str] = set()
    for start in modules:  # first pass: finishing order (iterative, no recursion limit)
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(sorted(graph[start])))]
        while stack:
            node, edges = stack[-1]
            step = next((m for m in edges if m not in seen), None)
            if step is None:
                order.append(node)
                stack.pop()
            else:
                seen.add(step)
                stack.append((step, iter(sorted(graph[step]))))
    reverse: dict[str, set[str]] = {m: set() for m in modules}
    for m, targets in graph.items():
        for target in targets:
            reverse[target].add(m)
    assigned: set[str] = set()
    circles = []
    for start in reversed(order):  # second pass, on the reversed graph: one component at a time
        if start in assigned:
            continue
        component, todo = [], [start]
        assigned.add(start)
        while todo:
            node = todo.pop()
            component.append(node)
            for m in reverse[node] - assigned:
                assigned.add(m)
                todo.append(m)
        if len(component) > 1:
            circles.append(sorted(component))
    return sorted(circles)


def test_the_circle_check_finds_a_circle():
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c", "a"}}) == [["a", "b"], ["c", "d"]]
    assert _circles({"a": {"b"}, "b": set()}) == []
    # An import deferred into a function or under TYPE_CHECKING is read as one: it still is a circle.
    assert "fwadvisor.cli" in _imports_of("fwadvisor.launch")  # inside main()
    assert "fwadvisor.profiler.stop_signals" in _imports_of("fwadvisor.cli")  # TYPE_CHECKING and main()
    assert "fwadvisor.advisor.libraries" in _imports_of("fwadvisor.advisor.questionnaire")  # in a function


def test_the_package_has_no_import_circle():
    # The whole package, the worker side and the app included: advisor (facts -> engine under
    # TYPE_CHECKING), cli <-> launch, environment -> runner -> load -> environment, and on the worker
    # side tensorflow_adapter <-> tensorflow_transformer and recipes.adapter <-> transformer_adapter
    # (a function-level and a TYPE_CHECKING import) were circles.
    assert "fwadvisor.launch" in ALL and "fwadvisor.bench.worker" in ALL and "fwadvisor.tui.app" in ALL
    assert _circles(_graph(sorted(ALL))) == []


def test_every_parent_side_module_imports_no_ui_and_no_framework():
    assert _imported_after([*PARENT_SIDE, "fwadvisor.cli"], FRAMEWORKS + UI) == {}


def test_the_app_imports_no_framework():
    assert _imported_after(APP_SIDE, FRAMEWORKS) == {}


@pytest.mark.parametrize("fmt", ["html", "json"])
def test_a_whole_recommend_run_imports_no_framework(tmp_path, fmt):
    from conftest import FIXTURES

    answers = FIXTURES / "answers" / "good_research_lab.yaml"
    code = (
        "import sys; from fwadvisor.cli import main; "
        f"rc = main(['recommend', '--answers', {str(answers)!r}, '--format', {fmt!r}, "
        f"'--output', {str(tmp_path / ('r.' + fmt))!r}]); "
        f"print(rc, ','.join(m for m in {FRAMEWORKS + UI!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["0"], result.stdout + result.stderr
