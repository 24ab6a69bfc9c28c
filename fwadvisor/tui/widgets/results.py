"""The profiler's results: the side-by-side table, the chart of who is ahead, and the training curves.

The table gets a row per case when a run starts and fills in cell by cell as records arrive. A
column per framework in the run (two or three, in frameworks.ALL order) and the ratio always show:
below WIDE_MIN columns the metric moves under each number and the ratio's interval under the ratio
(rows are two lines high, the shape under the benchmark's name); with three frameworks the ratio
column holds one pair per line (Row.faster_text), so rows are three lines high; % of peak gets a
column only where there is room. Enter on a row opens every
fact about it (screens/row_details.py). The chart and the curves are other views of the same run;
the screen decides which show (its `-view-*` classes).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.events import Resize
from textual.widgets import DataTable

from fwadvisor.frameworks import PROFILER_IDS, display_name
from fwadvisor.profiler.catalog import EXPORT_BENCHMARK, LOWER_IS_BETTER, PRACTICE_SUITE_BENCHMARKS, shape_text
from fwadvisor.profiler.documents import STATUS_MARKS, CaseKey, Record, ResultStatus, case_key
from fwadvisor.profiler.protocol import Case
from fwadvisor.report.profile_table import Row, rows
from fwadvisor.safe_text import one_line
from fwadvisor.tui.widgets.curves import CurvesPanel
from fwadvisor.tui.widgets.machine_line import BUSY_COLOUR
from fwadvisor.tui.widgets.ratio_chart import RatioChart

CELL_COLOURS = {
    ResultStatus.FAILED: "red",
    ResultStatus.WRONG: "red",
    ResultStatus.WIDE_SPREAD: "yellow",
    ResultStatus.BUSY: BUSY_COLOUR,
    ResultStatus.SKIPPED: "dim",
    ResultStatus.CANCELLED: "dim",
    ResultStatus.UNSUPPORTED: "dim",
}
NOT_MEASURED = "-"
# From this many columns the metric and % of peak get columns of their own, the interval stays beside the ratio.
WIDE_MIN = 100
ROW_HEIGHT = 2  # the benchmark's shape (and, when narrow, the metric and the interval) on the second line
THREE_WAY_ROW_HEIGHT = 3  # three frameworks: a line per pair's ratio (torch>TF, torch>JAX, TF>JAX)
# What a framework's cell says when it has no path to the run's device (the reason is in the row's details).
UNSUPPORTED_TEXT = f"{STATUS_MARKS[ResultStatus.UNSUPPORTED]} not supported"
# Cells without a number: no metric under them.
NO_UNIT_UNDER = ("…", NOT_MEASURED, "running", UNSUPPORTED_TEXT)


def benchmark_label(benchmark: str, dtype: str, params: str) -> Text:
    # Benchmark names and parameters come from the suite file: outside text, cleaned.
    label = Text(one_line(f"{benchmark} {dtype}".strip()))
    label.append("\n" + one_line(params), style="dim")
    return label


def dim(text: str) -> Text:
    return Text(text, style="dim")


def unit_text(row: Row) -> Text:
    unit = Text(one_line(row.unit))
    if row.unit in LOWER_IS_BETTER or row.benchmark == EXPORT_BENCHMARK:
        unit.append(" (lower is better)", style="dim")
    return unit


def narrow_unit(unit: Text) -> str:
    return unit.plain.replace(" (lower is better)", " ↓better")


def spread_below(number: Text) -> Text:
    """ "19.76 ±15% !" as "19.76 !" over a dim "±15%": three numbers side by side fit 80 columns so."""
    words = number.plain.split(" ")
    spread = [word for word in words if word.startswith("±")]
    if not spread or "\n" in number.plain:
        return number
    style = number.style
    moved = Text(" ".join(word for word in words if not word.startswith("±")), style=style)
    moved.append("\n" + " ".join(spread), style="dim")
    return moved


@dataclass
class Entry:
    """What one table row shows, kept apart from the columns so the table can be laid out again."""

    label: Text
    unit: Text = field(default_factory=Text)
    numbers: dict[str, Text] = field(default_factory=dict)
    peak: Text = field(default_factory=Text)
    row: Row | None = None  # the facts behind it, once a number arrived (the details view shows them)
    records: dict[str, Record] = field(default_factory=dict)  # by framework: the samples, cold call, threads


class ResultsView(Vertical):
    """The results table and the ratio chart, or the practice suite's curves in their place."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entries: dict[str, Entry] = {}  # by the table's row key (row_keys)
        # The table's row key of each case: Textual keys rows by text, the case is known by its CaseKey.
        self.row_keys: dict[CaseKey, str] = {}
        self.narrow = True  # until the first resize says otherwise: 80 columns is the size promised
        self.with_peak = False
        # The frameworks with a column: those of the run shown (before any run, the two the advice compares).
        self.frameworks: list[str] = ["torch", "tensorflow"]

    def compose(self) -> ComposeResult:
        table: DataTable[Text | str] = DataTable(id="profiler-results", cursor_type="row", zebra_stripes=True)
        yield table
        # In a scroll box of its own: on a short terminal it is a few rows high, and Tab then the
        # arrow keys (or the mouse wheel) read the rest of it.
        with VerticalScroll(id="profiler-chart-box"):
            yield RatioChart(id="profiler-chart")
        yield CurvesPanel(id="profiler-curves")

    def on_mount(self) -> None:
        self.lay_out()

    def on_resize(self, event: Resize) -> None:
        narrow = event.size.width < WIDE_MIN
        if narrow != self.narrow:
            self.narrow = narrow
            self.lay_out()

    @property
    def table(self) -> DataTable[Text | str]:
        return self.query_one("#profiler-results", DataTable)

    @property
    def chart(self) -> RatioChart:
        return self.query_one(RatioChart)

    @property
    def curves(self) -> CurvesPanel:
        return self.query_one(CurvesPanel)

    @property
    def has_curves(self) -> bool:
        return bool(self.curves.models)

    @property
    def has_rows(self) -> bool:
        return bool(self.entries)

    def columns(self) -> list[tuple[str, str]]:
        """(header, key) of every column for the current width."""
        frameworks = [(display_name(fw), fw) for fw in self.frameworks]
        if self.narrow:
            return [("benchmark", "benchmark"), *frameworks, ("ahead", "ahead")]
        peak = [("% of peak", "peak")] if self.with_peak else []
        return [("benchmark", "benchmark"), ("metric", "metric"), *frameworks, ("ahead", "ahead"), *peak]

    @property
    def row_height(self) -> int:
        return THREE_WAY_ROW_HEIGHT if len(self.frameworks) > 2 else ROW_HEIGHT

    def set_frameworks(self, frameworks: Collection[str]) -> bool:
        """The frameworks with a column, in frameworks.ALL order; True when that changed the columns."""
        ordered = [fw for fw in PROFILER_IDS if fw in frameworks]
        if not ordered or ordered == self.frameworks:
            return False
        self.frameworks = ordered
        return True

    def show_frameworks(self, frameworks: Collection[str]) -> None:
        """Before any numbers: a column per framework that would run (the ticked boxes)."""
        if not self.entries and self.set_frameworks(frameworks):
            self.lay_out()

    def cells(self, entry: Entry) -> dict[str, Text]:
        """The entry's cells for the current layout."""
        values: dict[str, Text] = {"benchmark": entry.label, "metric": entry.unit, "peak": entry.peak}
        # Three frameworks at 80 columns: the metric once, under the shape, not under each of three numbers.
        unit_once = self.narrow and len(self.frameworks) > 2
        if unit_once and entry.unit.plain:
            values["benchmark"] = entry.label + Text("\n") + Text(narrow_unit(entry.unit), style="dim")
        for fw in self.frameworks:
            number = entry.numbers.get(fw, dim(NOT_MEASURED)).copy()
            if unit_once:
                number = spread_below(number)
            elif self.narrow and not unit_once and entry.unit.plain and number.plain not in NO_UNIT_UNDER:
                number.append("\n")
                number.append_text(Text(narrow_unit(entry.unit), style="dim"))
            values[fw] = number
        # The one form of every table (Row.faster_text): a ratio from an unsteady or busy number carries its
        # mark, "≈" says the interval holds 1.0; narrow, the interval goes under the ratio.
        row = entry.row
        ahead = Text(row.faster_text(short=True, narrow=self.narrow)) if row is not None else Text("")
        if row is not None and (row.within_noise or row.busy):
            ahead.stylize("dim")
        values["ahead"] = ahead
        return values

    def lay_out(self) -> None:
        """Build the columns for the width and every row from the entries (the cursor stays on its row)."""
        table = self.table
        cursor = table.cursor_row
        table.clear(columns=True)
        for header, key in self.columns():
            table.add_column(header, key=key)
        for key, entry in self.entries.items():
            cells = self.cells(entry)
            table.add_row(*(cells[column] for _, column in self.columns()), height=self.row_height, key=key)
        if self.entries:
            table.move_cursor(row=min(cursor, len(self.entries) - 1))

    def refresh_entry(self, key: str) -> None:
        table, entry = self.table, self.entries[key]
        if key not in table.rows:
            cells = self.cells(entry)
            table.add_row(*(cells[column] for _, column in self.columns()), height=self.row_height, key=key)
            return
        cells = self.cells(entry)
        for _, column in self.columns():
            table.update_cell(key, column, cells[column], update_width=True)

    def row_key(self, case: CaseKey) -> str:
        """The table's row key of a case (a new one for a case not seen since the run started)."""
        return self.row_keys.setdefault(case, f"case-{len(self.row_keys)}")

    def prepare(self, cases: list[Case], frameworks: list[str]) -> None:
        """A run starts: a row per case, … where a chosen framework has yet to report."""
        self.entries = {}
        self.row_keys = {}
        self.with_peak = False
        self.set_frameworks(frameworks)
        for case in cases:
            key = self.row_key(case_key(case.benchmark, case.dtype, case.params))
            if key in self.entries:
                continue
            params = shape_text(case.params, case.benchmark)
            pending = {fw: dim("…") if fw in frameworks else dim(NOT_MEASURED) for fw in PROFILER_IDS}
            self.entries[key] = Entry(benchmark_label(case.benchmark, case.dtype or "", params), numbers=pending)
        self.lay_out()
        chart = self.chart
        chart.display = True  # a practice-only run before this one may have hidden it
        chart.show([])

    def mark_running(self, case: Case, framework: str) -> None:
        key = self.row_keys.get(case_key(case.benchmark, case.dtype, case.params))
        if key is not None and key in self.entries:
            self.entries[key].numbers[framework] = Text("running", style="italic yellow")
            self.refresh_entry(key)

    def show_records(
        self,
        records: list[Record],
        final: bool = False,
        not_run: Collection[str] = (),
        frameworks: Collection[str] = (),
    ) -> None:
        """Fill in the cells that have numbers (all of them once the run is over) and the chart.

        `not_run`: frameworks whose run was cancelled; their empty cells say so instead of failed.
        `frameworks`: those of a saved run (its workers), each with a column; a live run keeps those of
        `prepare`, and a framework with a record always gets one.
        """
        table_rows = rows(records)
        with_records = {record.framework for record in records}
        wanted = set(frameworks) if frameworks else set(self.frameworks)
        relaid = self.set_frameworks(wanted | with_records)
        by_case: dict[CaseKey, dict[str, Record]] = {}
        for record in records:
            by_case.setdefault(case_key(record.benchmark, record.dtype, record.params), {})[record.framework] = record
        with_peak = self.with_peak or any(c.percent_of_peak is not None for r in table_rows for c in r.cells.values())
        changed: list[str] = []
        for row in table_rows:
            key = self.row_key(row.key)
            if key not in self.entries:
                dashes = {fw: dim(NOT_MEASURED) for fw in PROFILER_IDS}
                self.entries[key] = Entry(benchmark_label(row.benchmark, row.dtype, row.params), numbers=dashes)
            entry = self.entries[key]
            entry.records = by_case.get(row.key, {})
            self.fill(entry, row, final, not_run)
            changed.append(key)
        if with_peak != self.with_peak or relaid:
            self.with_peak = with_peak
            self.lay_out()
        else:
            for key in changed:
                self.refresh_entry(key)
        # Accuracies and load times are not speeds: the practice rows stay out of the speed chart,
        # and a practice-only run has no chart at all (its curves are the picture).
        speed = [row for row in table_rows if row.benchmark not in PRACTICE_SUITE_BENCHMARKS]
        chart = self.chart
        chart.display = bool(speed) or len(speed) == len(table_rows)
        chart.show(speed, not_run, self.frameworks)

    @staticmethod
    def fill(entry: Entry, row: Row, final: bool, not_run: Collection[str]) -> None:
        entry.row, entry.unit = row, unit_text(row)
        entry.peak = Text(row.peak_text() if row.peak_text() != "-" else NOT_MEASURED)
        for fw in PROFILER_IDS:
            cell = row.cells.get(fw)
            if cell is None:
                if final:
                    entry.numbers[fw] = dim(NOT_MEASURED)
                continue
            status = cell.status
            if status is ResultStatus.CANCELLED or (fw in not_run and status is ResultStatus.FAILED):
                entry.numbers[fw] = dim("cancelled")
            elif status is ResultStatus.UNSUPPORTED:
                entry.numbers[fw] = dim(UNSUPPORTED_TEXT)
            else:
                entry.numbers[fw] = Text(one_line(cell.text()), style=CELL_COLOURS.get(status, ""))

    @on(DataTable.RowSelected, "#profiler-results")
    def show_details(self, event: DataTable.RowSelected) -> None:
        """Enter on a row: every fact about it in a dialog (both numbers, spread, interval, % of peak ...)."""
        from fwadvisor.tui.screens.row_details import RowDetailsScreen

        entry = self.entries.get(str(event.row_key.value))
        if entry is None or entry.row is None:
            self.notify("No numbers for this row yet.", markup=False)
            return
        self.app.push_screen(RowDetailsScreen(entry.row, entry.records))

    def show_curves(self, records: list[Record]) -> None:
        self.curves.show(records)
