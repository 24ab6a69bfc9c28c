"""One definition of the marks, and every ratio from a doubtful number marked alike (issue #13, item 8).

The legend under `fwadvisor profile`'s table and under every report's table is the one string
profile_table.MARKS_LEGEND; a ratio built from an unsteady (or busy) number carries that number's mark
in the CLI table, the text, Markdown and HTML reports, and a status in the JSON report; and the CLI
table stays readable at 80 columns (both frameworks and the ratio on every row).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from conftest import FIXTURES, record_data, run_cli
from fwadvisor.profiler.documents import STATUS_MARKS, ResultStatus
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.report.profile_table import MARKS_LEGEND, rows
from fwadvisor.report.run_table import render_rich_table

ANSWERS = FIXTURES / "answers" / "good_research_lab.yaml"
TINY = FIXTURES / "suites" / "tiny.yaml"
TINY_BENCHMARKS = ("matmul", "conv2d", "bandwidth", "eager_overhead", "train_cnn", "train_rnn")
UNSTEADY = STATUS_MARKS[ResultStatus.WIDE_SPREAD]
BUSY = STATUS_MARKS[ResultStatus.BUSY]
REPORT_FORMATS = ("text", "md", "html")


def _flat(text: str) -> str:
    """Text with every run of white space (a wrapped line, a table's padding) as one space."""
    return " ".join(text.split())


def _samples(centre: float, spread: float, count: int = 12) -> list[float]:
    return [centre * (1 + spread * (2 * i / (count - 1) - 1)) for i in range(count)]


def _record(framework: str, value: float, centre_s: float, benchmark: str, **fields: Any) -> dict[str, Any]:
    data = record_data(framework, value, benchmark=benchmark)
    data["samples_s"] = _samples(centre_s, 0.2 if fields.get("wide_spread") else 0.01)
    data.update(fields)
    return data


def _doubtful_run() -> dict[str, Any]:
    """matmul: both numbers unsteady; conv2d: one unsteady, the other measured on a busy machine;
    bandwidth: both steady (no mark)."""
    wide = {"wide_spread": True, "rel_spread": 0.4}
    busy = {"machine_busy": True, "busy_reason": "other processes used 170% CPU during this case"}
    return {
        "schema_version": 2,
        "kind": "fwadvisor-profile",
        "created": "2026-01-02T03:04:05",
        "suite": {"name": "marks", "device": "cpu", "threads": 1},
        "environment": {"hostname": "marks-test-machine", "cpu": {"model": "Test CPU", "logical_cores": 2}},
        "workers": {
            "torch": {"status": "ok", "framework_version": "2.5.0"},
            "tensorflow": {"status": "ok", "framework_version": "2.18.0"},
        },
        "results": [
            _record("torch", 200.0, 0.0010, "matmul", **wide),
            _record("tensorflow", 100.0, 0.0020, "matmul", **wide),
            _record("torch", 100.0, 0.0020, "conv2d", **wide),
            _record("tensorflow", 300.0, 0.00067, "conv2d", **busy),
            _record("torch", 150.0, 0.0010, "bandwidth"),
            _record("tensorflow", 100.0, 0.0015, "bandwidth"),
        ],
    }


def _saved(tmp_path: Path, run: dict[str, Any]) -> Path:
    path = tmp_path / "run.json"
    path.write_text(json.dumps(run), encoding="utf-8")
    return path


def _report(path: Path, fmt: str) -> str:
    result = run_cli("recommend", "--answers", str(ANSWERS), "--profile", str(path), "--format", fmt)
    assert result.returncode == 0, result.stderr
    text = result.stdout[result.stdout.index("Evidence from") :]
    return html.unescape(text) if fmt == "html" else text


def _line_of(text: str, benchmark: str) -> str:
    """The benchmark's row of a report's speed table (text, Markdown or HTML)."""
    starts = (f"  {benchmark} ", f"| {benchmark} ", f"<tr><td>{benchmark} ")
    return next(line for line in text.splitlines() if line.startswith(starts))


def _cli_table(run: dict[str, Any], width: int) -> str:
    console = Console(record=True, width=width, no_color=True)
    console.print(render_rich_table(run_from_data(run), width=width))
    return console.export_text()


def _cli_rows(table: str) -> dict[str, str]:
    """Each benchmark's lines in the CLI table (a row may take two), flattened to one string."""
    out: dict[str, str] = {}
    current = ""
    for line in table.splitlines():
        found = re.match(r"^\W*([a-z_0-9]+) (fp32|bf16|fp16)\b", line)
        if found:
            current = found.group(1)
        elif not line.strip("─━│┃ ") or line.startswith(("└", "┗", "╰")):
            current = ""
        if current:
            out[current] = out.get(current, "") + " " + line
    return {benchmark: _flat(text) for benchmark, text in out.items()}


# ---- The legend -----------------------------------------------------------------------------------


def test_the_legend_names_every_mark_a_table_shows():
    for mark in ("± is", "(low-high) after", "(≈)", f"{UNSTEADY} unsteady", f"{BUSY} measured", "≠ wrong", "✗ failed"):
        assert mark in MARKS_LEGEND, mark
    assert "… cancelled" in MARKS_LEGEND and "within the noise (≈)" in MARKS_LEGEND


@pytest.fixture(scope="module")
def cli_run_at_80(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """One real `fwadvisor profile` of the tiny suite, both frameworks, at 80 columns: its table and its file."""
    home = tmp_path_factory.mktemp("marks")
    saved = home / "run.json"
    result = run_cli(
        "profile",
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


@pytest.mark.frameworks
def test_the_cli_and_every_report_say_the_marks_in_the_same_words(cli_run_at_80):
    stdout, saved = cli_run_at_80
    legend = _flat(MARKS_LEGEND)
    assert legend in _flat(stdout)
    for fmt in REPORT_FORMATS:
        assert legend in _flat(_report(saved, fmt)), fmt


def test_the_svg_chart_describes_its_marks_with_the_legend(tmp_path):
    text = _report(_saved(tmp_path, _doubtful_run()), "html")
    description = re.search(r'<desc id="fw-chart-desc">(.*?)</desc>', text, re.S)
    assert description is not None and _flat(MARKS_LEGEND) in _flat(description.group(1))


# ---- A ratio from doubtful numbers --------------------------------------------------------------


def test_a_ratio_of_two_unsteady_numbers_is_marked_in_every_output(tmp_path):
    run = _doubtful_run()
    table = {row.benchmark: row for row in rows(run_from_data(run))}
    assert table["matmul"].ratio_status is ResultStatus.WIDE_SPREAD and table["matmul"].ratio_mark == UNSTEADY
    assert table["conv2d"].ratio_status is ResultStatus.BUSY and table["conv2d"].ratio_mark == BUSY
    assert table["bandwidth"].ratio_status is ResultStatus.OK and table["bandwidth"].ratio_mark == ""

    expected = {"matmul": ("torch 2.00x", UNSTEADY), "conv2d": ("TF 3.00x", BUSY), "bandwidth": ("torch 1.50x", "")}
    for width in (80, 120):
        cli = _cli_rows(_cli_table(run, width))
        for benchmark, (ratio, mark) in expected.items():
            # At 80 columns the interval goes under the ratio, and the mark stays beside the ratio.
            pattern = rf"{re.escape(ratio)} \(\d\.\d\d-\d\.\d\d\)" if width >= 100 else re.escape(ratio)
            marked = re.search(pattern + (rf" {re.escape(mark)}" if mark else r"(?! [~!])"), cli[benchmark])
            assert marked, (width, benchmark, cli[benchmark])

    path = _saved(tmp_path, run)
    for fmt in REPORT_FORMATS:
        text = _report(path, fmt)
        for benchmark, (ratio, mark) in expected.items():
            line = _line_of(text, benchmark)
            found = re.search(rf"{re.escape(ratio)} \(\d\.\d\d-\d\.\d\d\)( [~!])?", line)
            assert found and (found.group(1) or "").strip() == mark, (fmt, benchmark, line)

    profile = json.loads(
        run_cli("recommend", "--answers", str(ANSWERS), "--profile", str(path), "--format", "json").stdout
    )
    statuses = {c["benchmark"]: c["status"] for c in profile["profile"]["comparisons"]}
    assert statuses == {"matmul": "wide_spread", "conv2d": "busy", "bandwidth": "ok"}


def test_the_profile_compare_table_marks_a_change_built_from_an_unsteady_number(tmp_path):
    steady = _doubtful_run()
    wobbly = _doubtful_run()
    for record in wobbly["results"]:
        if record["benchmark"] == "bandwidth" and record["framework"] == "torch":
            record.update(wide_spread=True, rel_spread=0.4)
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text(json.dumps(steady), encoding="utf-8")
    second.write_text(json.dumps(wobbly), encoding="utf-8")
    result = run_cli("profile", "compare", str(first), str(second), env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    lines = {
        (parts[0], parts[1]): line
        for line in result.stdout.splitlines()
        if len(parts := line.replace("│", " ").split()) > 3
    }
    assert re.search(rf"1\.00x \(\d\.\d\d-\d\.\d\d\) {UNSTEADY}", lines[("bandwidth", "torch")])
    assert re.search(rf"1\.00x \(\d\.\d\d-\d\.\d\d\) {UNSTEADY}", lines[("matmul", "torch")])
    assert re.search(r"1\.00x \(\d\.\d\d-\d\.\d\d\)(?! [~!])", lines[("bandwidth", "tensorflow")])
    data = json.loads(run_cli("profile", "compare", str(first), str(second), "--format", "json").stdout)
    statuses = {(r["benchmark"], r["framework"]): r["status"] for r in data["rows"]}
    assert statuses[("bandwidth", "torch")] == "wide_spread" and statuses[("bandwidth", "tensorflow")] == "ok"
    assert statuses[("conv2d", "tensorflow")] == "busy"


# ---- The CLI table at 80 columns ------------------------------------------------------------------


@pytest.mark.frameworks
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


def test_a_hand_made_table_at_80_columns_keeps_every_column(tmp_path):
    cli = _cli_rows(_cli_table(_doubtful_run(), 80))
    assert set(cli) == {"matmul", "conv2d", "bandwidth"}
    for benchmark, row in cli.items():
        assert re.search(r"\d+ ±\d+%.* \d+ ±\d+%.* (torch|TF) \d\.\d\dx", row), (benchmark, row)
    assert "64×64 @ 64×64" in cli["matmul"]  # the shape, under the benchmark
