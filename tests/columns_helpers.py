"""Helpers shared by test_80_columns.py and test_80_columns_real_runs.py."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from rich.cells import cell_len

from conftest import run_cli
from fwadvisor.safe_text import is_url

WIDTHS = ("80", "60")


def check_fits(text: str, width: int, whole: Sequence[str] = ()) -> None:
    """No line wider than `width` (a line holding one URL alone excepted), no word cut short with
    "…", and each of `whole` written out in full somewhere."""
    for number, line in enumerate(text.splitlines(), 1):
        if cell_len(line) > width:
            assert is_url(line.strip()) and " " not in line.strip(), f"line {number} is {cell_len(line)} wide: {line!r}"
        assert not re.search(r"\S…", line), f"line {number} is cut: {line!r}"
    words = set(re.findall(r"[\w.-]+", text))
    for name in whole:
        assert name in words, f"{name} is not shown whole"


def _cli(width: str, *args: str, cwd: Path | None = None) -> str:
    result = run_cli(*args, cwd=cwd, env={"COLUMNS": width, "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    return result.stdout
