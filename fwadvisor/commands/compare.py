"""`fwadvisor profile compare`: two saved runs, benchmark by benchmark.

Each row shows the change with its 95% interval and whether it is beyond the noise; the warnings
above the table say why the runs are not like for like. Outside text (file, benchmark and dtype
names, environment values) goes through safe_text.for_rich.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from fwadvisor.safe_text import for_rich

if TYPE_CHECKING:
    from fwadvisor.profiler.documents import ResultStatus, RunDocument


def run_compare(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from fwadvisor.profiler.compare import compare_documents
    from fwadvisor.profiler.documents import load_run
    from fwadvisor.report.profile_table import COMPARABLE, MARKS_LEGEND, ratio_status_of

    a, b = load_run(args.baseline), load_run(args.candidate)
    result = compare_documents(a, b)
    first_status, second_status = _statuses(a), _statuses(b)
    for row in result["rows"]:
        # A change is as doubtful as its most doubtful number (ok, wide_spread or busy), marked as every
        # other table marks a ratio; without a change, the status that stopped it (failed, wrong ...).
        statuses = [s[_key(row)] for s in (first_status, second_status) if _key(row) in s]
        stopped = [s for s in statuses if s not in COMPARABLE]
        row["status"] = (stopped[0] if row["ratio"] is None and stopped else ratio_status_of(statuses)).value
    if args.format == "json":
        print(json.dumps(result, indent=2))
        return 0
    console = Console(highlight=False)
    for warning in result["warnings"]:
        console.print(f"[yellow]! {for_rich(warning)}[/]")
    table = Table(
        title=f"{for_rich(args.candidate)} vs {for_rich(args.baseline)} (ratio > 1: the second run is better)",
        title_justify="left",
    )
    for column in ("benchmark", "framework", "dtype", "metric", "first", "second", "ratio (95% interval)", "noise"):
        table.add_column(column, justify="right" if column in ("first", "second", "ratio (95% interval)") else "left")
    for row in result["rows"]:
        table.add_row(
            for_rich(row["benchmark"]),
            for_rich(row["framework"]),
            for_rich(row["dtype"] or ""),
            for_rich(row["metric"]),
            _num(row["first"], first_status.get(_key(row))),
            _num(row["second"], second_status.get(_key(row))),
            for_rich(_change(row)),
            _verdict(row),
        )
    table.caption, table.caption_justify = Text(MARKS_LEGEND), "left"
    console.print(table)
    return 0


Case = tuple[str, str, str, str]


def _case(benchmark: str, framework: str, dtype: str | None, params: dict[str, Any]) -> Case:
    return benchmark, framework, dtype or "", json.dumps(params, sort_keys=True)


def _key(row: dict[str, Any]) -> Case:
    return _case(row["benchmark"], row["framework"], row["dtype"], row["params"])


def _statuses(document: RunDocument) -> dict[Case, ResultStatus]:
    """Each record's one classification (documents.classify), by case and framework."""
    from fwadvisor.profiler.documents import classify

    return {_case(r.benchmark, r.framework, r.dtype, r.params): classify(r) for r in document.results}


def _change(row: dict[str, Any]) -> str:
    """ "1.50x (1.42-1.58)": the change and its 95% interval, or why there is no change to show; a
    change built from an unsteady or busy number ends in its mark."""
    from fwadvisor.profiler.documents import STATUS_MARKS, ResultStatus

    if row["ratio"] is None:
        return row["note"]
    mark = STATUS_MARKS[ResultStatus(row["status"])]
    mark = f" {mark}" if mark else ""
    if row["low"] is None or row["high"] is None:
        return f"{row['ratio']:.2f}x{mark}"
    return f"{row['ratio']:.2f}x ({row['low']:.2f}-{row['high']:.2f}){mark}"


def _verdict(row: dict[str, Any]) -> str:
    """Beyond or within the noise, in colour; a busy row or one without an interval says why not."""
    if row["verdict"] == "beyond the noise":
        return "[bold]beyond the noise[/]"
    if row["verdict"] is not None:
        return f"[dim]{for_rich(row['verdict'])}[/]"
    if row["ratio"] is None:
        return ""
    if row["busy"]:  # the warnings above the table say which run and how busy; JSON keeps the whole note
        return "[yellow]! busy: no verdict[/]"
    return for_rich(row["note"])


def _num(value: float | None, status: ResultStatus | None = None) -> str:
    """A run's number with its status mark ("12.3 ~"), as the profile table shows it."""
    from fwadvisor.profiler.documents import STATUS_MARKS

    mark = STATUS_MARKS[status] if status is not None else ""
    return "-" if value is None else f"{value:.4g}" + (f" {mark}" if mark else "")
