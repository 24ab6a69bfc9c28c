"""Helpers shared by test_hostile_files.py and test_hostile_files_real_runs.py."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES

TINY = str(FIXTURES / "suites" / "tiny.yaml")


# One framework, one benchmark, one thread: the cheapest real run (a few seconds).
QUICK_RUN = ("profile", "--suite", TINY, "--device", "cpu", "--threads", "1", "--framework", "torch")


QUICK_RUN_MATMUL = (*QUICK_RUN, "--benchmark", "matmul")


def _one_clean_message(stderr: str) -> None:
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    assert stderr.count("fwadvisor: error:") == 1, stderr


def _runs(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "runs").glob("profile-*.json"))
