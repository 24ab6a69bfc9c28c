"""`--device cuda` on a machine without a GPU (issue #11): one line, exit 2, in seconds, nothing saved."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import run_cli
from fwadvisor.profiler.environment import gpu_info
from fwadvisor.profiler.plan import GPU_DRIVER_PATHS


def _has_gpu() -> bool:
    return bool(gpu_info().gpus) or any(Path(path).exists() for path in GPU_DRIVER_PATHS)


@pytest.mark.skipif(_has_gpu(), reason="this machine has a GPU: --device cuda is fine here")
def test_device_cuda_without_a_gpu_stops_at_once_with_one_line_and_saves_nothing(isolated_user_dirs, tmp_path):
    output = tmp_path / "run.json"
    started = time.monotonic()
    result = run_cli("profile", "--suite", "quick", "--device", "cuda", "--output", str(output), timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "--device cuda asked for, but this machine has no usable GPU" in lines[0]
    assert lines[0].endswith("run with --device cpu or auto")
    assert elapsed < 10  # no worker started (each would import a framework)
    assert not output.exists()
    assert not [path for path in isolated_user_dirs.rglob("*") if path.is_file()]  # no run saved


@pytest.mark.skipif(_has_gpu(), reason="this machine has a GPU")
def test_device_auto_without_a_gpu_still_runs_on_the_cpu():
    from fwadvisor.profiler.environment import collect_environment
    from fwadvisor.profiler.plan import resolve_device

    assert resolve_device("auto", collect_environment(probe_frameworks=False)) == "cpu"
