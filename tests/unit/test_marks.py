"""One definition of the marks, and every ratio from a doubtful number marked alike (issue #13, item 8).

The legend under `fwadvisor profile`'s table and under every report's table is the one string
profile_table.MARKS_LEGEND; a ratio built from an unsteady (or busy) number carries that number's mark
in the CLI table, the text, Markdown and HTML reports, and a status in the JSON report; and the CLI
table stays readable at 80 columns (both frameworks and the ratio on every row).
The tests with real workers are in tests/frameworks/test_marks_real_runs.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from marks_helpers import ANSWERS, REPORT_FORMATS, _cli_rows, _flat, _report
from rich.console import Console

from conftest import record_data, run_cli
from fwadvisor.profiler.documents import STATUS_MARKS, ResultStatus
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.report.profile_table import MARKS_LEGEND, rows
from fwadvisor.report.run_table import render_rich_table

UNSTEADY = STATUS_MARKS[ResultStatus.WIDE_SPREAD]


BUSY = STATUS_MARKS[ResultStatus.BUSY]


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


def _line_of(text: str, benchmark: str) -> str:
    """The benchmark's row of a report's speed table (text, Markdown or HTML)."""
    starts = (f"  {benchmark} ", f"| {benchmark} ", f"<tr><td>{benchmark} ")
    return next(line for line in text.splitlines() if line.startswith(starts))


def _cli_table(run: dict[str, Any], width: int) -> str:
    console = Console(record=True, width=width, no_color=True)
    console.print(render_rich_table(run_from_data(run), width=width))
    return console.export_text()


def test_the_legend_names_every_mark_a_table_shows():
    for mark in ("± is", "(low-high) after", "(≈)", f"{UNSTEADY} unsteady", f"{BUSY} measured", "≠ wrong", "✗ failed"):
        assert mark in MARKS_LEGEND, mark
    assert "… cancelled" in MARKS_LEGEND and "within the noise (≈)" in MARKS_LEGEND


def test_the_svg_chart_describes_its_marks_with_the_legend(tmp_path):
    text = _report(_saved(tmp_path, _doubtful_run()), "html")
    description = re.search(r'<desc id="fw-chart-desc">(.*?)</desc>', text, re.S)
    assert description is not None and _flat(MARKS_LEGEND) in _flat(description.group(1))


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


def test_a_hand_made_table_at_80_columns_keeps_every_column(tmp_path):
    cli = _cli_rows(_cli_table(_doubtful_run(), 80))
    assert set(cli) == {"matmul", "conv2d", "bandwidth"}
    for benchmark, row in cli.items():
        assert re.search(r"\d+ ±\d+%.* \d+ ±\d+%.* (torch|TF) \d\.\d\dx", row), (benchmark, row)
    assert "64×64 @ 64×64" in cli["matmul"]  # the shape, under the benchmark
