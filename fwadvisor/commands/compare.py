"""`fwadvisor profile compare`: two saved runs, benchmark by benchmark.

Outside text (file, benchmark and dtype names) goes through safe_text.for_rich.
"""

from __future__ import annotations

import argparse
import json

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
    for column in ("benchmark", "framework", "dtype", "metric", "first", "second", "ratio"):
        table.add_column(column, justify="right" if column in ("first", "second", "ratio") else "left")
    for row in result["rows"]:
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] is not None else row["note"]
        table.add_row(
            for_rich(row["benchmark"]),
            for_rich(row["framework"]),
            for_rich(row["dtype"] or ""),
            for_rich(row["metric"]),
            _num(row["first"]),
            _num(row["second"]),
            for_rich(ratio),
        )
    console.print(table)
    return 0


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"
