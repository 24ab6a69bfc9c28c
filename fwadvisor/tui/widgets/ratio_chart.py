"""How far ahead the faster framework is, per benchmark: bars on a log scale around 1.0x.

The axis and the direction are report.chart_axis's, as in the HTML report's chart: PyTorch's lead
grows to the left of the centre line, TensorFlow's to the right.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from rich.text import Text
from textual.events import Resize
from textual.widgets import Static

from fwadvisor.frameworks import PROFILER_IDS, identity
from fwadvisor.profiler.documents import STATUS_MARKS, ResultStatus
from fwadvisor.report.chart_axis import LEFT_FRAMEWORK, RIGHT_FRAMEWORK, bar_fraction, chart_scale, ratio_text, side_of
from fwadvisor.report.profile_table import Row
from fwadvisor.safe_text import one_line
from fwadvisor.tui.widgets.machine_line import BUSY_COLOUR

LABEL_WIDTH = 24
AHEAD_WIDTH = 20  # " TensorFlow 12.34x ~", drawn after a TensorFlow bar
# Why a framework's cell gives no bar, in the words of the chart's "why not" column.
NO_BAR = {
    ResultStatus.FAILED: "failed",
    ResultStatus.WRONG: "did not match the reference",
    ResultStatus.SKIPPED: "skipped",
}
BUSY_WORDS = "ran on a busy machine"
BUSY_LEGEND = f"{STATUS_MARKS[ResultStatus.BUSY]} measured while other processes were busy, not used as evidence."


def row_label(row: Row) -> str:
    return one_line(" ".join(part for part in (row.benchmark, row.dtype, row.params) if part))


def _name(framework: str) -> str:
    return identity(framework).name


def not_comparable(row: Row, not_run: Collection[str] = ()) -> str:
    """Why a row has no bar, in a few words. `not_run`: frameworks whose run was cancelled."""
    if row.unit == "x":
        return "a speed-up factor: see the table"
    stopped = [
        _name(fw)
        for fw, cell in row.cells.items()
        if cell.status is ResultStatus.CANCELLED or (fw in not_run and cell.status is ResultStatus.FAILED)
    ]
    if stopped:
        return f"{' and '.join(stopped)}: not run (cancelled)"
    missing = [_name(fw) for fw in PROFILER_IDS if fw not in row.cells]
    for fw, cell in row.cells.items():
        if cell.status in NO_BAR:
            return f"✗ {_name(fw)} {NO_BAR[cell.status]}"
    for fw, cell in row.cells.items():
        if cell.status is ResultStatus.BUSY:
            return f"{STATUS_MARKS[ResultStatus.BUSY]} {_name(fw)} {BUSY_WORDS}"
    if missing:
        return f"only {' and '.join(_name(fw) for fw in row.cells)} measured"
    return "not comparable (different units or a zero)"


def draw_chart(table_rows: list[Row], width: int, not_run: Collection[str] = ()) -> Text:
    """The chart as Rich Text, `width` columns at most (80 columns fit)."""
    if not table_rows:
        return Text("The chart of which framework is ahead fills in as numbers arrive.", style="dim")
    half = max(6, min(30, (min(width, 100) - LABEL_WIDTH - AHEAD_WIDTH - 1) // 2))
    leads = [row.faster for row in table_rows]
    scale = chart_scale(lead[1] for lead in leads if lead)
    left, right = identity(LEFT_FRAMEWORK), identity(RIGHT_FRAMEWORK)
    text = Text()
    text.append(" " * LABEL_WIDTH)
    text.append(f"◀ {left.name} ahead".rjust(half), style=f"bold {left.rich_colour}")
    text.append("│")
    text.append(f"{right.name} ahead ▶".ljust(half), style=f"bold {right.rich_colour}")
    text.append("\n")
    for row, lead in zip(table_rows, leads, strict=True):
        label = row_label(row)
        if len(label) > LABEL_WIDTH - 1:
            label = label[: LABEL_WIDTH - 2] + "…"
        text.append(label.ljust(LABEL_WIDTH))
        if lead is None:
            text.append(" " * half + "┊ ")
            text.append(not_comparable(row, not_run), style=BUSY_COLOUR if row.busy else "dim")
            text.append("\n")
            continue
        framework, ratio = lead
        # At least one cell for a lead of 1% or more, so that a small lead still shows its side.
        length = max(round(bar_fraction(ratio, scale) * half), 1 if ratio >= 1.01 else 0)
        if row.busy:  # a ratio the profiler still gives for a busy run: marked, in the warning colour
            wide = f" {STATUS_MARKS[ResultStatus.BUSY]}"
        else:
            wide = f" {STATUS_MARKS[ResultStatus.WIDE_SPREAD]}" if row.unsteady else ""
        # The figure sits just right of the centre line either way, where the eye already is.
        figure = f" {_name(framework)} {ratio_text(ratio)}{wide}"
        colour = identity(framework).rich_colour
        if side_of(framework) == "left":
            text.append(" " * (half - length))
            text.append("█" * length, style=colour)
            text.append("│")
            text.append(figure, style=BUSY_COLOUR if row.busy else "")
        else:
            text.append(" " * half + "│")
            text.append("█" * length, style=colour)
            text.append(figure, style=BUSY_COLOUR if row.busy else "")
        text.append("\n")
    if any(row.busy for row in table_rows):
        text.append(BUSY_LEGEND + "\n", style=BUSY_COLOUR)
    # The marks are explained once, in the words of every report (F1, and Enter on a table row).
    text.append(f"Log scale: a full bar is {ratio_text(scale)}. Marks: F1 or Enter on a row.", style="dim")
    return text


class RatioChart(Static):
    """One line per benchmark: PyTorch's lead grows to the left, TensorFlow's to the right."""

    DEFAULT_CSS = """
    RatioChart { height: auto; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[Row] = []
        self.not_run: frozenset[str] = frozenset()

    def show(self, rows: list[Row], not_run: Collection[str] = ()) -> None:
        """Draw `rows`; failures of the frameworks in `not_run` read as cancelled, not as failed."""
        self.rows, self.not_run = list(rows), frozenset(not_run)
        self.update(self.chart(self.size.width or 80))

    def on_resize(self, event: Resize) -> None:
        # Bars are sized to the width, so a resize redraws them.
        self.update(self.chart(event.size.width))

    def chart(self, width: int) -> Text:
        return draw_chart(self.rows, width, self.not_run)
