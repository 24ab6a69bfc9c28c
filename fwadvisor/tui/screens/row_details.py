"""Every fact about one row of the profiler's table, on Enter: what a narrow table has no room for."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from fwadvisor.frameworks import PROFILER_IDS, display_name
from fwadvisor.profiler.documents import STATUS_MARKS, STATUS_WORDS, Record, ResultStatus
from fwadvisor.report.chart_axis import ratio_text
from fwadvisor.report.profile_table import MARKS_LEGEND, Cell, Row
from fwadvisor.safe_text import one_line
from fwadvisor.tui.screens.dialogs import ReadingDialog


def duration_text(seconds: float) -> str:
    """A time in the unit that reads best: "1.24 s", "3.1 ms", "42 µs"."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def measurement_facts(record: Record) -> list[str]:
    """How the number was measured: samples and calls, the median call, the cold first call, threads."""
    facts: list[str] = []
    samples = len(record.samples_s) or record.repeats
    if samples:
        calls = f" of {record.calls_per_sample} calls each" if record.calls_per_sample > 1 else ""
        median = f", median call {duration_text(record.median_s)}" if record.median_s else ""
        facts.append(f"{samples} timed sample{'' if samples == 1 else 's'}{calls}{median}")
    if record.cold_s is not None:
        facts.append(f"first call (cold, not counted) {duration_text(record.cold_s)}")
    if record.threads is not None:
        facts.append(f"{record.threads} CPU thread{'' if record.threads == 1 else 's'}")
    return facts


def cell_lines(framework: str, cell: Cell | None, record: Record | None = None) -> Text:
    """One framework's number with everything known about it (worker and suite text cleaned, never markup)."""
    text = Text()
    text.append(f"{display_name(framework)}: ", style="bold")
    if cell is None:
        text.append("not measured")
        return text
    if cell.status is ResultStatus.UNSUPPORTED:
        # No number by design: the reason (the framework's own path to this device, dated) says why.
        text.append(f"{STATUS_MARKS[cell.status]} {STATUS_WORDS[cell.status]}")
        reason = (record.unsupported if record is not None else None) or cell.note
        if reason:
            text.append("\n  " + one_line(reason))
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
    if record is not None:
        facts.extend(measurement_facts(record))
    if cell.note:
        facts.append(cell.note)
    for fact in facts:
        text.append("\n  " + one_line(fact))
    return text


def row_facts(row: Row, records: Mapping[str, Record] | None = None) -> Text:
    """The whole row in words: the metric, each framework of the run (with how each was measured when
    `records` has their records), who is ahead and how sure that is (per pair with three frameworks)."""
    text = Text()
    text.append(one_line(f"Metric: {row.unit}"))
    shown = [fw for fw in PROFILER_IDS if fw in row.cells or fw in (records or {})] or ["torch", "tensorflow"]
    for fw in shown:
        text.append("\n\n")
        text.append_text(cell_lines(fw, row.cells.get(fw), (records or {}).get(fw)))
    text.append("\n\n")
    text.append("Ahead: ", style="bold")
    if row.three_way:
        text.append_text(pair_lines(row))
        return text
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


def pair_lines(row: Row) -> Text:
    """Three frameworks: each pair's lead with its 95% interval and its doubt, a line each."""
    text = Text()
    leads = row.pair_leads()
    if not leads:
        text.append(one_line(row.faster_text()))
    for lead in leads:
        mark = row.pair_mark(lead)
        text.append(f"\n  {lead.label()} {ratio_text(lead.ratio)}{f' {mark}' if mark else ''}")
        if lead.interval is not None:
            text.append(f", 95% interval {lead.interval_text()}")
            if lead.within_noise:
                text.append(": it holds 1.0, so the lead may be noise")
        if mark:
            text.append(f"; {STATUS_WORDS[row.pair_status(lead)]}: not used as evidence")
    return text


class RowDetailsScreen(ReadingDialog):
    """One benchmark's row: both numbers, spread, interval, % of peak, GPU state, expected range, notes."""

    BINDINGS = [Binding("escape,enter,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    RowDetailsScreen > Vertical { width: 95%; max-width: 100; }
    RowDetailsScreen .row-legend { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, row: Row, records: Mapping[str, Record] | None = None) -> None:
        super().__init__(" ".join(part for part in (row.benchmark, row.dtype, row.params) if part))
        self.row, self.records = row, dict(records or {})

    def body(self) -> ComposeResult:
        yield Static(row_facts(self.row, self.records), id="row-facts")
        yield Static(MARKS_LEGEND, classes="row-legend", markup=False)
