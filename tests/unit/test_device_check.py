"""benchmarks/device_check.py, the check a user with an AMD, Apple or Intel GPU runs (issue 23): which
device it picks, the one line and exit 2 without one, and its 80-column table from a real saved run.
The run on this machine's (missing) GPU is in tests/frameworks/test_device_check_here.py."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conftest import FIXTURES, REPO

SCRIPT = REPO / "benchmarks" / "device_check.py"
REAL_RUN = FIXTURES / "runs" / "real-tiny-cpu.json"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("device_check", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("asked", "found", "device"),
    [("auto", ["rocm"], "rocm"), ("auto", ["cuda", "xpu"], "xpu"), ("mps", ["mps"], "mps"), ("cuda", ["cuda"], "cuda")],
)
def test_the_device_asked_for_or_the_first_gpu_found(asked, found, device):
    assert _script().pick_device(asked, found, None) == (device, "")


@pytest.mark.parametrize(
    ("asked", "found", "why_not", "says"),
    [
        ("auto", [], None, "no GPU here (no ROCm, Apple mps, Intel xpu or CUDA device that PyTorch sees)"),
        ("mps", [], None, "no Apple GPU (mps) here"),
        ("xpu", ["cuda"], None, "no Intel GPU (xpu) here"),
        ("rocm", ["cuda"], None, "no AMD GPU (ROCm) here"),
        ("auto", [], "PyTorch is not installed", "no device to check: PyTorch is not installed"),
    ],
)
def test_no_such_device_is_one_line(asked, found, why_not, says):
    device, words = _script().pick_device(asked, found, why_not)
    assert device is None and words.startswith(says) and "\n" not in words


def _table(run: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--run", str(run)], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_table_of_a_real_run_fits_80_columns_and_exits_0():
    done = _table(REAL_RUN)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["fw", "benchmark", "device", "value", "peak", "check"]
    assert all(len(line) <= 80 for line in lines), [line for line in lines if len(line) > 80]
    assert any(line.startswith("torch ") and line.removesuffix(" !").endswith(" ok") for line in lines)
    assert any(line.startswith("TF ") for line in lines)


def test_a_result_that_did_not_check_out_exits_1(tmp_path):
    document = json.loads(REAL_RUN.read_text())
    document["results"][0]["correct"] = False
    run = tmp_path / "wrong.json"
    run.write_text(json.dumps(document))
    done = _table(run)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "WRONG" in done.stdout


def test_a_framework_with_no_path_to_the_device_is_said_in_words_and_no_failure(tmp_path):
    document = json.loads(REAL_RUN.read_text())
    reason = (
        "TensorFlow has no maintained GPU path on Apple silicon: tensorflow-metal stopped at 1.2.0 "
        "(2025); TensorFlow would run on this Mac's CPU only"
    )
    document["workers"]["tensorflow"].update(status="not_supported", error=reason)
    document["results"] = [r for r in document["results"] if r["framework"] != "tensorflow"]
    run = tmp_path / "mps.json"
    run.write_text(json.dumps(document))
    done = _table(run)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines)
    said = " ".join(line.strip() for line in lines if not line.startswith(("fw ", "torch ")))
    assert "TensorFlow: not supported here: TensorFlow has no maintained GPU path on Apple silicon" in said
