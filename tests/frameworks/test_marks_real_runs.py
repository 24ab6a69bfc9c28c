"""The marks of a real run: the CLI and every report say them in the same words, and the CLI table at
80 columns shows both frameworks and the ratio on every row.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from marks_helpers import REPORT_FORMATS, _cli_rows, _flat, _report

from conftest import FIXTURES, run_cli
from fwadvisor.report.profile_table import MARKS_LEGEND

TINY = FIXTURES / "suites" / "tiny.yaml"


TINY_BENCHMARKS = ("matmul", "conv2d", "bandwidth", "eager_overhead", "train_cnn", "train_rnn")


@pytest.fixture(scope="module")
def cli_run_at_80(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """One real `fwadvisor profile` of the tiny suite, both frameworks, at 80 columns: its table and its file."""
    home = tmp_path_factory.mktemp("marks")
    saved = home / "run.json"
    result = run_cli(
        "profile",
        "--framework",
        "torch",
        "--framework",
        "tensorflow",
        "--suite",
        str(TINY),
        "--device",
        "cpu",
        "--threads",
        "1",
        "--output",
        str(saved),
        env={
            "COLUMNS": "80",
            "NO_COLOR": "1",
            "FWADVISOR_CONFIG_DIR": str(home / "config"),
            "FWADVISOR_DATA_DIR": str(home / "data"),
            "FWADVISOR_CACHE_DIR": str(home / "cache"),
        },
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, saved


def test_the_cli_and_every_report_say_the_marks_in_the_same_words(cli_run_at_80):
    stdout, saved = cli_run_at_80
    legend = _flat(MARKS_LEGEND)
    assert legend in _flat(stdout)
    for fmt in REPORT_FORMATS:
        assert legend in _flat(_report(saved, fmt)), fmt


def test_the_cli_table_at_80_columns_shows_both_frameworks_and_the_ratio_on_every_row(cli_run_at_80):
    stdout, _ = cli_run_at_80
    table = stdout[: stdout.index("± ")]
    assert all(len(line) <= 80 for line in table.splitlines())
    header = next(line for line in table.splitlines() if "PyTorch" in line)
    assert "TensorFlow" in header and "ahead" in header
    cli = _cli_rows(table)
    assert set(cli) == set(TINY_BENCHMARKS), cli
    number = r"\d[\d.]*(?:e[+-]\d+)? ±\d+%"
    for benchmark, row in cli.items():
        # Both numbers, then who is ahead by how much, each readable (not cut to "benchm…" or "TF 2.7").
        assert re.search(rf"{number}.* {number}.* (torch|TF) \d+\.\d+x", row), (benchmark, row)
