"""The layers import what the design allows, checked in fresh interpreters.

Every parent-side module (advisor, report, commands, the parent side of the profiler) imports no UI,
no framework and no numpy; the app imports no framework. Modules are found by walking the package,
so a new module is checked without being listed here. `lint-imports` (pyproject.toml) checks the
same rules statically, and the layering between packages.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import fwadvisor

# Worker-side code: imported only inside a worker process (frameworks, numpy, scikit-learn).
WORKER_SIDE = (
    "fwadvisor.profiler.backends",
    "fwadvisor.profiler.reference",
    "fwadvisor.profiler.roundtrip",
    "fwadvisor.profiler.recipes",
    "fwadvisor.profiler.adapters",
)
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
