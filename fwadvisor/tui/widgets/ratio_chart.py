"""How far ahead the faster framework is, per benchmark: bars on a log scale around 1.0x."""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

from rich.text import Text
from textual.events import Resize
from textual.widgets import Static

from fwadvisor.report.profile_table import NAMES, Row
from fwadvisor.tui.widgets.scorebars import COLOURS

# The profiler names frameworks by module ("torch"); the advice screens by product ("pytorch").
FRAMEWORK_COLOURS = {"torch": COLOURS["pytorch"], "tensorflow": COLOURS["tensorflow"]}
LABEL_WIDTH = 24
AHEAD_WIDTH = 20  # " TensorFlow 12.34x ~", drawn after a TensorFlow bar
MIN_SCALE = 2.0  # a full bar is at least 2x, so a 1.1x lead never looks like a landslide


def row_label(row: Row) -> str:
    return " ".join(part for part in (row.benchmark, row.dtype, row.params) if part)


def ratio_text(ratio: float) -> str:
    """Three significant figures at most, so the figure never pushes a line past its width."""
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:.1f}x" if ratio < 100 else f"{ratio:.0f}x"


def not_comparable(row: Row, not_run: Collection[str] = ()) -> str:
    """Why a row has no bar, in a few words. `not_run`: frameworks whose run was cancelled."""
    if row.unit == "x":
        return "a speed-up factor: see the table"
    stopped = [NAMES[fw] for fw, cell in row.cells.items() if fw in not_run and cell.status == "failed"]
    if stopped:
        return f"{' and '.join(stopped)}: not run (cancelled)"
    missing = [NAMES[fw] for fw in ("torch", "tensorflow") if fw not in row.cells]
    broken = {"failed": "failed", "wrong": "did not match the reference", "skipped": "skipped"}
    for fw, cell in row.cells.items():
        if cell.status in broken:
            return f"✗ {NAMES[fw]} {broken[cell.status]}"
    if missing:
        return f"only {' and '.join(NAMES[fw] for fw in row.cells)} measured"
    return "not comparable (different units or a zero)"


def draw_chart(table_rows: list[Row], width: int, not_run: Collection[str] = ()) -> Text:
    """The chart as Rich Text, `width` columns at most (80 columns fit)."""
    if not table_rows:
        return Text("The chart of which framework is ahead fills in as numbers arrive.", style="dim")
    half = max(6, min(30, (min(width, 100) - LABEL_WIDTH - AHEAD_WIDTH - 1) // 2))
    leads = [row.faster for row in table_rows]
    scale = max([MIN_SCALE, *(lead[1] for lead in leads if lead)])
    text = Text()
    text.append(" " * LABEL_WIDTH)
    text.append("◀ PyTorch ahead".rjust(half), style=f"bold {FRAMEWORK_COLOURS['torch']}")
    text.append("│")
    text.append("TensorFlow ahead ▶".ljust(half), style=f"bold {FRAMEWORK_COLOURS['tensorflow']}")
    text.append("\n")
    for row, lead in zip(table_rows, leads, strict=True):
        label = row_label(row)
        if len(label) > LABEL_WIDTH - 1:
            label = label[: LABEL_WIDTH - 2] + "…"
        text.append(label.ljust(LABEL_WIDTH))
        if lead is None:
            text.append(" " * half + "┊ ")
            text.append(not_comparable(row, not_run), style="dim")
            text.append("\n")
            continue
        framework, ratio = lead
        # Log scale: 2x ahead is as far from the centre line as 1/2x is on the other side.
        length = round(math.log(ratio) / math.log(scale) * half)
        length = max(length, 1 if ratio >= 1.01 else 0)
        wide = " ~" if any(cell.status == "wide" for cell in row.cells.values()) else ""
        # The figure sits just right of the centre line either way, where the eye already is.
        figure = f" {NAMES[framework]} {ratio_text(ratio)}{wide}"
        colour = FRAMEWORK_COLOURS[framework]
        if framework == "torch":
            text.append(" " * (half - length))
            text.append("█" * length, style=colour)
            text.append("│")
            text.append(figure)
        else:
            text.append(" " * half + "│")
            text.append("█" * length, style=colour)
            text.append(figure)
        text.append("\n")
    text.append(f"Log scale: a full bar is {ratio_text(scale)}. ~ wide spread, not used as evidence.", style="dim")
    return text


class RatioChart(Static):
    """One line per benchmark: PyTorch's lead grows to the left, TensorFlow's to the right."""

    DEFAULT_CSS = """
    RatioChart { height: auto; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rows: list[Row] = []
        self._not_run: frozenset[str] = frozenset()

    def show(self, rows: list[Row], not_run: Collection[str] = ()) -> None:
        """Draw `rows`; failures of the frameworks in `not_run` read as cancelled, not as failed."""
        self._rows, self._not_run = list(rows), frozenset(not_run)
        self.update(self.chart(self.size.width or 80))

    def on_resize(self, event: Resize) -> None:
        # Bars are sized to the width, so a resize redraws them.
        self.update(self.chart(event.size.width))

    def chart(self, width: int) -> Text:
        return draw_chart(self._rows, width, self._not_run)
