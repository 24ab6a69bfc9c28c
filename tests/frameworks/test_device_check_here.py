"""benchmarks/device_check.py on this machine: PyTorch really looks for a GPU of any vendor, and where
it finds none the script says so in one line and exits 2 before profiling anything."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO


def test_without_a_gpu_the_check_says_so_in_one_line_and_exits_2():
    pytest.importorskip("torch", reason="the check finds the GPU through PyTorch")
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "device_check.py")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 2 and done.stdout.startswith("checking "):
        pytest.skip("this machine has a GPU that PyTorch sees: the no-device path cannot be tested here")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("no GPU here")
