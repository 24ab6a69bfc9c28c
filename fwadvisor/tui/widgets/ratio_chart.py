"""How far ahead the faster framework is, per benchmark: bars on a log scale around 1.0x.

The axis and the direction are report.chart_axis's, as in the HTML report's chart: PyTorch's lead
grows to the left of the centre line, TensorFlow's to the right. With three frameworks each row has a
bar per pair (profile_table.PairLead), the pair's first in frameworks.ALL order to the left.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import combinations
from typing import Any

from rich.text import Text
from textual.events import Resize
from textual.widgets import Static

from fwadvisor.frameworks import PROFILER_IDS, identity
from fwadvisor.profiler.documents import STATUS_MARKS, ResultStatus
from fwadvisor.report.chart_axis import LEFT_FRAMEWORK, RIGHT_FRAMEWORK, bar_fraction, chart_scale, ratio_text
from fwadvisor.report.profile_table import PairLead, Row
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
# The pair the advice compares: the chart's two sides when a run has just these two.
PAIR = (LEFT_FRAMEWORK, RIGHT_FRAMEWORK)
BUSY_LEGEND = f"{STATUS_MARKS[ResultStatus.BUSY]} measured while other processes were busy, not used as evidence."


def row_label(row: Row) -> str:
    return one_line(" ".join(part for part in (row.benchmark, row.dtype, row.params) if part))


def _name(framework: str) -> str:
    return identity(framework).name


def not_comparable(row: Row, not_run: Collection[str] = (), frameworks: Collection[str] = PAIR) -> str:
    """Why a row (or the pair `frameworks` of it) has no bar, in a few words. `not_run`: frameworks whose
    run was cancelled."""
    if row.unit == "x":
        return "a speed-up factor: see the table"
    cells = {fw: cell for fw, cell in row.cells.items() if fw in frameworks}
    stopped = [
        _name(fw)
        for fw, cell in cells.items()
        if cell.status is ResultStatus.CANCELLED or (fw in not_run and cell.status is ResultStatus.FAILED)
    ]
    if stopped:
        return f"{' and '.join(stopped)}: not run (cancelled)"
    missing = [_name(fw) for fw in PROFILER_IDS if fw in frameworks and fw not in cells]
    for fw, cell in cells.items():
        if cell.status in NO_BAR:
            return f"{STATUS_MARKS[ResultStatus.FAILED]} {_name(fw)} {NO_BAR[cell.status]}"
    for fw, cell in cells.items():
        if cell.status is ResultStatus.UNSUPPORTED:
            return f"{STATUS_MARKS[ResultStatus.UNSUPPORTED]} {_name(fw)} not supported here"
    for fw, cell in cells.items():
        if cell.status is ResultStatus.BUSY:
            return f"{STATUS_MARKS[ResultStatus.BUSY]} {_name(fw)} {BUSY_WORDS}"
    if missing:
        return f"only {' and '.join(_name(fw) for fw in cells)} measured" if cells else "not measured"
    return "not comparable (different units or a zero)"


def pair_lead(row: Row, pair: tuple[str, str]) -> PairLead | None:
    return next((lead for lead in row.pair_leads() if lead.pair == pair), None)


def bar_line(text: Text, lead: PairLead | None, left: str, half: int, scale: float, mark: str, busy: bool) -> None:
    """One bar around the centre line: `left`'s lead grows to the left, the other's to the right."""
    if lead is None:
        return
    # At least one cell for a lead of 1% or more, so that a small lead still shows its side.
    length = max(round(bar_fraction(lead.ratio, scale) * half), 1 if lead.ratio >= 1.01 else 0)
    # The figure sits just right of the centre line either way, where the eye already is.
    figure = f" {_name(lead.ahead)} {ratio_text(lead.ratio)}{f' {mark}' if mark else ''}"
    colour = identity(lead.ahead).rich_colour
    if lead.ahead == left:
        text.append(" " * (half - length))
        text.append("█" * length, style=colour)
        text.append("│")
    else:
        text.append(" " * half + "│")
        text.append("█" * length, style=colour)
    text.append(figure, style=BUSY_COLOUR if busy else "")


def cut_label(label: str, width: int) -> str:
    return (label[: width - 2] + "…" if len(label) > width - 1 else label).ljust(width)


def draw_chart(
    table_rows: list[Row], width: int, not_run: Collection[str] = (), frameworks: Collection[str] = PAIR
) -> Text:
    """The chart as Rich Text, `width` columns at most (80 columns fit).

    Two frameworks: a line per row, the first's lead (frameworks.ALL order) to the left. Three: the
    row's name on a line, then a line per pair ("torch|JAX"), the pair's first to the left."""
    if not table_rows:
        return Text("The chart of which framework is ahead fills in as numbers arrive.", style="dim")
    present = [fw for fw in PROFILER_IDS if fw in frameworks] or list(PAIR)
    pairs = list(combinations(present, 2)) or [PAIR]
    half = max(6, min(30, (min(width, 100) - LABEL_WIDTH - AHEAD_WIDTH - 1) // 2))
    scale = chart_scale(lead.ratio for row in table_rows for lead in row.pair_leads() if lead.pair in pairs)
    text = Text()
    text.append(" " * LABEL_WIDTH)
    if len(pairs) == 1:
        left, right = (identity(fw) for fw in pairs[0])
        text.append(f"◀ {left.name} ahead".rjust(half), style=f"bold {left.rich_colour}")
        text.append("│")
        text.append(f"{right.name} ahead ▶".ljust(half), style=f"bold {right.rich_colour}")
    else:
        text.append("◀ first of the pair ahead".rjust(half), style="bold")
        text.append("│")
        text.append("second ahead ▶".ljust(half), style="bold")
    text.append("\n")
    for row in table_rows:
        if len(pairs) > 1:
            text.append(cut_label(row_label(row), width) + "\n")
        for pair in pairs:
            label = row_label(row) if len(pairs) == 1 else f"  {identity(pair[0]).short}|{identity(pair[1]).short}"
            text.append(cut_label(label, LABEL_WIDTH))
            lead = pair_lead(row, pair)
            status = row.pair_status(lead) if lead is not None else ResultStatus.OK
            busy = status is ResultStatus.BUSY
            if lead is None:
                text.append(" " * half + "┊ ")
                pair_busy = any(c.status is ResultStatus.BUSY for fw, c in row.cells.items() if fw in pair)
                text.append(not_comparable(row, not_run, pair), style=BUSY_COLOUR if pair_busy else "dim")
            else:
                bar_line(text, lead, pair[0], half, scale, STATUS_MARKS[status], busy)
            text.append("\n")
    if any(row.busy for row in table_rows):
        text.append(BUSY_LEGEND + "\n", style=BUSY_COLOUR)
    # The marks are explained once, in the words of every report (F1, and Enter on a table row).
    text.append(f"Log scale: a full bar is {ratio_text(scale)}. Marks: F1 or Enter on a row.", style="dim")
    return text


class RatioChart(Static):
    """One line per benchmark (per pair, with three frameworks): the first's lead grows to the left."""

    DEFAULT_CSS = """
    RatioChart { height: auto; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[Row] = []
        self.not_run: frozenset[str] = frozenset()
        self.frameworks: tuple[str, ...] = PAIR

    def show(self, rows: list[Row], not_run: Collection[str] = (), frameworks: Collection[str] = PAIR) -> None:
        """Draw `rows` for the run's `frameworks`; failures of those in `not_run` read as cancelled."""
        self.rows, self.not_run, self.frameworks = list(rows), frozenset(not_run), tuple(frameworks)
        self.update(self.chart(self.size.width or 80))

    def on_resize(self, event: Resize) -> None:
        # Bars are sized to the width, so a resize redraws them.
        self.update(self.chart(event.size.width))

    def chart(self, width: int) -> Text:
        return draw_chart(self.rows, width, self.not_run, self.frameworks)
