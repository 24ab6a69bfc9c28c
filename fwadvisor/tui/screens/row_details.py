"""Every fact about one row of the profiler's table, on Enter: what a narrow table has no room for."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from fwadvisor.frameworks import PROFILER_IDS, display_name
from fwadvisor.profiler.documents import STATUS_WORDS, ResultStatus
from fwadvisor.report.profile_table import MARKS_LEGEND, Cell, Row
from fwadvisor.safe_text import one_line
from fwadvisor.tui.widgets.too_small import TooSmallNotice


def cell_lines(framework: str, cell: Cell | None) -> Text:
    """One framework's number with everything known about it (worker and suite text cleaned, never markup)."""
    text = Text()
    text.append(f"{display_name(framework)}: ", style="bold")
    if cell is None:
        text.append("not measured")
        return text
    text.append(one_line(cell.text()))
    facts = [f"status: {STATUS_WORDS[cell.status]}" if cell.status is not ResultStatus.OK else "status: ok"]
    if cell.rel_spread is not None:
        facts.append(f"p20-p80 spread {cell.rel_spread:.1%} of the median")
    if cell.percent_of_peak is not None:
        facts.append(f"{cell.percent_of_peak:.0f}% of the device's peak")
    if cell.expected_text:
        facts.append(cell.expected_text)
    if cell.gpu_state:
        facts.append(f"GPU while measured: {cell.gpu_state}")
    if cell.note:
        facts.append(cell.note)
    for fact in facts:
        text.append("\n  " + one_line(fact))
    return text


def row_facts(row: Row) -> Text:
    """The whole row in words: the metric, both frameworks, who is ahead and how sure that is."""
    text = Text()
    text.append(one_line(f"Metric: {row.unit}"))
    for fw in PROFILER_IDS:
        text.append("\n\n")
        text.append_text(cell_lines(fw, row.cells.get(fw)))
    text.append("\n\n")
    text.append("Ahead: ", style="bold")
    text.append(one_line(row.faster_text()))
    if row.interval is not None:
        text.append(
            "\n  "
            + f"{row.interval_text()} is the 95% interval of how many times faster the leader ran"
            + ("; it holds 1.0, so the lead may be noise" if row.within_noise else "")
        )
    if row.busy:
        text.append("\n  measured while other processes were busy: not used as evidence")
    elif row.unsteady:
        text.append("\n  rests on an unsteady number: not used as evidence")
    return text


class RowDetailsScreen(ModalScreen[None]):
    """One benchmark's row: both numbers, spread, interval, % of peak, GPU state, expected range, notes."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    RowDetailsScreen { align: center middle; }
    RowDetailsScreen > Vertical { width: 95%; max-width: 100; height: auto; max-height: 95%;
        border: thick $primary; background: $surface; padding: 0 1; }
    RowDetailsScreen VerticalScroll { height: auto; max-height: 40; }
    RowDetailsScreen .row-legend { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, row: Row) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        row = self.row
        yield TooSmallNotice()
        with Vertical():
            title = one_line(" ".join(part for part in (row.benchmark, row.dtype, row.params) if part))
            yield Label(title, classes="dialog-title", markup=False)
            with VerticalScroll():
                yield Static(row_facts(row), id="row-facts")
                yield Static(MARKS_LEGEND, classes="row-legend", markup=False)
            yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    @on(Button.Pressed, "#close")
    def close(self) -> None:
        self.dismiss(None)
