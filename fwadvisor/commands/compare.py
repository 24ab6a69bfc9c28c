"""`fwadvisor profile compare`: two saved runs, benchmark by benchmark.

Each row shows the change with its 95% interval and whether it is beyond the noise; the warnings
above the table say why the runs are not like for like. Outside text (file, benchmark and dtype
names, environment values) goes through safe_text.for_rich.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from fwadvisor.safe_text import for_rich


def run_compare(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from fwadvisor.profiler.compare import compare_documents
    from fwadvisor.profiler.documents import load_run

    a, b = load_run(args.baseline), load_run(args.candidate)
    result = compare_documents(a, b)
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
            _num(row["first"]),
            _num(row["second"]),
            for_rich(_change(row)),
            _verdict(row),
        )
    console.print(table)
    return 0


def _change(row: dict[str, Any]) -> str:
    """ "1.50x (1.42-1.58)": the change and its 95% interval, or why there is no change to show."""
    if row["ratio"] is None:
        return row["note"]
    if row["low"] is None or row["high"] is None:
        return f"{row['ratio']:.2f}x"
    return f"{row['ratio']:.2f}x ({row['low']:.2f}-{row['high']:.2f})"


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


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"
