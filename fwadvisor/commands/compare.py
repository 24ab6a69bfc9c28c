"""`fwadvisor profile compare`: two saved runs, benchmark by benchmark.

Each row shows the change with its 95% interval and whether it is beyond the noise; the warnings
above the table say why the runs are not like for like. Outside text (file, benchmark and dtype
names, environment values) goes through safe_text.for_rich.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING

from fwadvisor.safe_text import for_rich, one_line, wrap_words

if TYPE_CHECKING:
    from rich.console import Console

    from fwadvisor.profiler.compare import ComparedCase, ComparisonRow, RunComparison
    from fwadvisor.profiler.documents import CaseKey, ResultStatus, RunDocument


def run_compare(args: argparse.Namespace) -> int:
    import msgspec
    from rich.text import Text

    from fwadvisor.commands.console import stdout_console
    from fwadvisor.profiler.compare import compare_documents
    from fwadvisor.profiler.run_file import load_run
    from fwadvisor.report.profile_table import MARKS_LEGEND

    a, b = load_run(args.baseline), load_run(args.candidate)
    result = compare_documents(a, b)
    first_status, second_status = _statuses(a), _statuses(b)
    # Nothing compared is no comparison: exit 1, as a search that finds nothing does.
    status = 0 if result.rows else 1
    if args.format == "json":
        print(json.dumps(msgspec.to_builtins(result), indent=2))
        _say_nothing_compared(result)
        return status
    console = stdout_console(highlight=False)
    for warning in result.warnings:
        console.print(Text(f"! {one_line(warning)}", style="yellow"))
    # The files in the order given: the first is the baseline, each change is second / first.
    console.print(Text(f"first:  {one_line(args.baseline)}"), overflow="fold")
    console.print(Text(f"second: {one_line(args.candidate)}"), overflow="fold")
    _print_left_out(console, "first", result.only_first)
    _print_left_out(console, "second", result.only_second)
    if not result.rows:
        _say_nothing_compared(result)
        return status
    if console.width < WIDE_TABLE:
        _print_narrow(console, result.rows, first_status, second_status)
    else:
        _print_table(console, result.rows, first_status, second_status)
    console.print(Text(MARKS_LEGEND), overflow="fold")
    return status


# Cases measured in one run only are listed up to this many a run; the rest are counted (JSON has all).
LEFT_OUT_LISTED = 10


def _say_nothing_compared(result: RunComparison) -> None:
    """Exit 1 says why on stderr, in every format: no case was measured in both runs."""
    from fwadvisor.commands.console import stderr_console

    if result.rows:
        return
    only = f"{len(result.only_first)} only in the first run, {len(result.only_second)} only in the second"
    stderr_console(highlight=False).print(
        f"fwadvisor: nothing to compare: no case was measured in both runs ({only})", markup=False, overflow="fold"
    )


def _print_left_out(console: Console, run: str, cases: list[ComparedCase]) -> None:
    """The cases only the `run` run measured, by name, at most LEFT_OUT_LISTED of them."""
    from rich.text import Text

    if not cases:
        return
    console.print(Text(f"Only in the {run} run (left out):"), overflow="fold")
    for case in cases[:LEFT_OUT_LISTED]:
        for line in wrap_words(one_line(_case_name(case)), console.width, indent="  ", hang="    "):
            console.print(Text(line), overflow="fold")
    if len(cases) > LEFT_OUT_LISTED:
        console.print(Text(f"  and {len(cases) - LEFT_OUT_LISTED} more"), overflow="fold")


def _case_name(case: ComparedCase) -> str:
    """ "matmul fp32 · m=64 n=64 k=64 · PyTorch": a case as the narrow table names it."""
    from fwadvisor.frameworks import display_name
    from fwadvisor.profiler.catalog import shape_text

    head = f"{case.benchmark} {case.dtype or ''}".strip()
    return " · ".join(
        part for part in (head, shape_text(case.params, case.benchmark), display_name(case.framework)) if part
    )


# From this many columns the comparison is one table row per case; below, two lines per case.
WIDE_TABLE = 120
CHANGE_HEADING = "change (95% interval), above 1: the second run is better"


def _print_table(
    console: Console,
    rows: list[ComparisonRow],
    first: dict[tuple[CaseKey, str], ResultStatus],
    second: dict[tuple[CaseKey, str], ResultStatus],
) -> None:
    from rich.table import Table

    table = Table(title=CHANGE_HEADING, title_justify="left")
    for column in ("benchmark", "framework", "dtype", "metric", "first", "second", "change", "noise"):
        table.add_column(column, justify="right" if column in ("first", "second", "change") else "left")
    for row in rows:
        table.add_row(
            for_rich(row.benchmark),
            for_rich(row.framework),
            for_rich(row.dtype or ""),
            for_rich(row.metric),
            _num(row.first, first.get(row.key)),
            _num(row.second, second.get(row.key)),
            for_rich(_change(row)),
            _verdict(row),
        )
    console.print(table)


def _print_narrow(
    console: Console,
    rows: list[ComparisonRow],
    first: dict[tuple[CaseKey, str], ResultStatus],
    second: dict[tuple[CaseKey, str], ResultStatus],
) -> None:
    """Two lines a case at terminal widths: the case (benchmark, dtype, shape, framework) whole, then
    its numbers in aligned columns: first -> second and the unit, the change with its interval, the verdict.
    A line too long for a narrow terminal wraps under itself, never cutting a name or an interval."""
    from rich.text import Text

    shown = [
        (
            _num(row.first, first.get(row.key)),
            _num(row.second, second.get(row.key)),
            one_line(row.metric),
            one_line(_change(row)),
        )
        for row in rows
    ]
    widths = [max((len(cells[i]) for cells in shown), default=0) for i in range(4)]
    console.print(Text(f"{CHANGE_HEADING}:", style="bold"), overflow="fold")
    for row, (a, b, metric, change) in zip(rows, shown, strict=True):
        case = _case_name(row)
        for line in wrap_words(one_line(case), console.width, hang="    "):
            console.print(Text(line, style="bold"), overflow="fold")
        numbers = f"{a.rjust(widths[0])} → {b.rjust(widths[1])} {metric.ljust(widths[2])}  {change.ljust(widths[3])}"
        verdict, style = _verdict_words(row)
        text = f"{numbers}  {verdict}".rstrip()
        for line in wrap_words(text, console.width, indent="  ", hang="      "):
            console.print(Text(line, style=style), overflow="fold")


def _statuses(document: RunDocument) -> dict[tuple[CaseKey, str], ResultStatus]:
    """Each record's one classification (documents.classify), by case and framework."""
    from fwadvisor.profiler.documents import classify

    return {(r.key, r.framework): classify(r) for r in document.results}


def _change(row: ComparisonRow) -> str:
    """ "1.50x (1.42-1.58)": the change and its 95% interval, or why there is no change to show; a
    change built from an unsteady or busy number ends in its mark."""
    from fwadvisor.profiler.documents import STATUS_MARKS

    if row.ratio is None:
        return row.note
    mark = STATUS_MARKS[row.status]
    mark = f" {mark}" if mark else ""
    if row.low is None or row.high is None:
        return f"{change_figure(row.ratio)}x{mark}"
    return f"{change_figure(row.ratio)}x ({change_figure(row.low)}-{change_figure(row.high)}){mark}"


def change_figure(value: float) -> str:
    """A change as a figure with at least two significant digits: 1.50, 12.3, 0.0045 (not 0.00)."""
    if value >= 10:
        return f"{value:.1f}" if value < 100 else f"{value:.0f}"
    if value >= 0.1 or value <= 0:
        return f"{value:.2f}"
    decimals = 1 - math.floor(math.log10(value))  # two significant digits
    return f"{value:.{decimals}f}"


def _verdict_words(row: ComparisonRow) -> tuple[str, str]:
    """The verdict as plain words and the style of its line (the narrow layout's _verdict)."""
    from fwadvisor.profiler.compare import BEYOND

    if row.verdict == BEYOND:
        return "beyond the noise", "bold"
    if row.verdict is not None:
        return one_line(row.verdict), "dim"
    if row.ratio is None:
        return "", ""
    if row.busy:
        return "! busy: no verdict", "yellow"
    return one_line(row.note), ""


def _verdict(row: ComparisonRow) -> str:
    """Beyond or within the noise, in colour; a busy row or one without an interval says why not."""
    from fwadvisor.profiler.compare import BEYOND

    if row.verdict == BEYOND:
        return "[bold]beyond the noise[/]"
    if row.verdict is not None:
        return f"[dim]{for_rich(row.verdict)}[/]"
    if row.ratio is None:
        return ""
    if row.busy:  # the warnings above the table say which run and how busy; JSON keeps the whole note
        return "[yellow]! busy: no verdict[/]"
    return for_rich(row.note)


def _num(value: float | None, status: ResultStatus | None = None) -> str:
    """A run's number with its status mark ("12.3 ~"), as the profile table shows it."""
    from fwadvisor.profiler.documents import STATUS_MARKS

    mark = STATUS_MARKS[status] if status is not None else ""
    return "-" if value is None else f"{value:.4g}" + (f" {mark}" if mark else "")
