"""The headless layers never pull in the UI or a framework; checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS_MODULES = [
    "fwadvisor.cli",
    "fwadvisor.advisor.engine",
    "fwadvisor.advisor.loader",
    "fwadvisor.report.render",
    "fwadvisor.report.text",
    "fwadvisor.report.html",
    "fwadvisor.report.markdown",
    "fwadvisor.commands.recommend",
    "fwadvisor.commands.rules",
]
FORBIDDEN = ["textual", "torch", "tensorflow", "numpy", "jax"]


@pytest.mark.parametrize("module", HEADLESS_MODULES)
def test_headless_module_imports_no_ui_and_no_framework(module):
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        f"print(','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"{module} imported {result.stdout.strip()}"


def test_a_whole_recommend_run_imports_no_framework(tmp_path):
    from conftest import FIXTURES

    answers = FIXTURES / "answers" / "good_research_lab.yaml"
    code = (
        "import sys; from fwadvisor.cli import main; "
        f"rc = main(['recommend', '--answers', {str(answers)!r}, '--format', 'html', "
        f"'--output', {str(tmp_path / 'r.html')!r}]); "
        f"print(rc, ','.join(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["0"], result.stdout + result.stderr
