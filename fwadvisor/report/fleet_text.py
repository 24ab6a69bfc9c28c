"""The fleet report as terminal text: lines that fit `width` columns (80 when piped), each with a style.

Every line is plain text with a Rich style beside it (never markup), so a host name holding `[bold]`
or an ESC sequence prints as written (safe_text.one_line has already made it one clean line). Long
names and notes wrap at spaces under themselves; nothing is cut.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from fwadvisor.report.fleet_view import CaseBlock, fleet_view
from fwadvisor.report.run_table import STATUS_STYLES
from fwadvisor.report.text import table_lines
from fwadvisor.safe_text import one_line, wrap_words

if TYPE_CHECKING:
    from rich.console import Console

    from fwadvisor.fleet.model import FleetReport

StyledLine = tuple[str, str]  # (text, Rich style)
# A node's label gets at most this many columns before its numbers; a longer one has a line of its own.
LABEL_COLUMNS: Final = 24


def _wrapped(text: str, width: int, style: str = "", indent: str = "", hang: str = "  ") -> list[StyledLine]:
    return [(line, style) for line in wrap_words(one_line(text), width, indent=indent, hang=indent + hang)]


def fleet_lines(report: FleetReport, width: int = 80, *, title: bool = True) -> list[StyledLine]:
    """The whole fleet report as styled lines no wider than `width` (a word longer than a line, such
    as a web address, keeps its own line whole); `title`: False where a dialog's title shows it."""
    view = fleet_view(report)
    lines: list[StyledLine] = _wrapped(view.title, width, "bold") if title else []
    for sentence in view.intro:
        lines += _wrapped(sentence, width, "dim")
    lines += [("", ""), ("Nodes", "bold")]
    lines += [(line, "") for line in table_lines(view.nodes, width)]
    if view.warnings:
        lines += [("", ""), (f"Warnings ({len(view.warnings)})", "bold yellow")]
        for warning in view.warnings:
            lines += _wrapped(f"! {warning}", width, "yellow", indent="  ", hang="  ")
    for block in view.cases:
        lines.append(("", ""))
        lines += _case_lines(block, width)
    lines.append(("", ""))
    lines += _wrapped(view.legend, width, "dim")
    return lines


def _case_lines(block: CaseBlock, width: int) -> list[StyledLine]:
    lines = _wrapped(f"{block.title} · {block.metric}", width, "bold")
    lines += _wrapped(block.summary, width, indent="  ")
    shown = [(one_line(line.node), one_line(line.value), one_line(line.versus)) for line in block.lines]
    label_width = min(LABEL_COLUMNS, max(len(label) for label, _, _ in shown))
    value_width = max(len(value) for _, value, _ in shown)
    versus_width = max(len(versus) for _, _, versus in shown)
    for line, (label, value, versus) in zip(block.lines, shown, strict=True):
        style = "bold red" if line.straggler else STATUS_STYLES.get(line.status, "")
        if len(label) > label_width:  # a long label: its own line(s), the numbers under it
            lines += _wrapped(label, width, style, indent="  ", hang="  ")
            label = ""
        numbers = f"  {label.ljust(label_width)}  {value.rjust(value_width)}  {versus.ljust(versus_width)}".rstrip()
        notes = one_line(line.notes)
        if notes and len(numbers) + 2 + len(notes) <= width:
            lines.append((f"{numbers}  {notes}", style))
            continue
        lines.append((numbers, style))
        if notes:
            lines += _wrapped(notes, width, style, indent="      ", hang="")
    return lines


def fleet_text(report: FleetReport, width: int = 80) -> str:
    """The fleet report as plain text (no colour), as `--format text --output FILE` writes it."""
    return "\n".join(line.rstrip() for line, _ in fleet_lines(report, width)) + "\n"


def print_fleet(console: Console, report: FleetReport) -> None:
    """The fleet report on a Rich console, in colour where it has some, at the console's width."""
    from rich.text import Text

    for line, style in fleet_lines(report, console.width):
        console.print(Text(line, style=style), overflow="fold", crop=False)
