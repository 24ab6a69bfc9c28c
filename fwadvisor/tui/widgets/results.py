"""The profiler's results: the side-by-side table, the chart of who is ahead, and the training curves.

The table gets a row per case when a run starts and fills in cell by cell as records arrive. The
curves (practice suite only) take the place of the table and the chart; the screen decides which
of the two views shows (its `-curves` class).
"""

from __future__ import annotations

from collections.abc import Collection

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from fwadvisor.frameworks import PROFILER_IDS, display_name
from fwadvisor.profiler.documents import Record, ResultStatus
from fwadvisor.profiler.records import EXPORT_BENCHMARK, PRACTICE_SUITE_BENCHMARKS
from fwadvisor.profiler.suites import Case
from fwadvisor.report.profile_table import LOWER_IS_BETTER, Row, params_text, rows
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
}
NOT_MEASURED = "-"


def row_key(benchmark: str, dtype: str, params: str) -> str:
    return f"{benchmark}|{dtype}|{params}"


def case_key(case: Case) -> str:
    return row_key(case.benchmark, case.dtype or "", params_text(case.params, case.benchmark))


def benchmark_label(benchmark: str, dtype: str, params: str) -> Text:
    # Benchmark names and parameters come from the suite file: outside text, cleaned.
    label = Text(one_line(f"{benchmark} {dtype}".strip()))
    label.append(f"  {one_line(params)}", style="dim")
    return label


def dim(text: str) -> Text:
    return Text(text, style="dim")


class ResultsView(Vertical):
    """The results table and the ratio chart, or the practice suite's curves in their place."""

    def compose(self) -> ComposeResult:
        table: DataTable[Text | str] = DataTable(id="profiler-results", cursor_type="row", zebra_stripes=True)
        yield table
        yield RatioChart(id="profiler-chart")
        yield CurvesPanel(id="profiler-curves")

    def on_mount(self) -> None:
        table = self.table
        table.add_column("benchmark", key="benchmark")
        table.add_column("metric", key="metric")
        for fw in PROFILER_IDS:
            table.add_column(display_name(fw), key=fw)
        table.add_column("ahead", key="ahead")

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

    def prepare(self, cases: list[Case], frameworks: list[str]) -> None:
        """A run starts: a row per case, … where a chosen framework has yet to report."""
        table = self.table
        table.clear()
        for case in cases:
            key = case_key(case)
            if key in table.rows:
                continue
            pending = [dim("…") if fw in frameworks else dim(NOT_MEASURED) for fw in PROFILER_IDS]
            params = params_text(case.params, case.benchmark)
            table.add_row(benchmark_label(case.benchmark, case.dtype or "", params), "", *pending, "", key=key)
        chart = self.chart
        chart.display = True  # a practice-only run before this one may have hidden it
        chart.show([])

    def mark_running(self, case: Case, framework: str) -> None:
        key = case_key(case)
        if key in self.table.rows:
            self.table.update_cell(key, framework, Text("running", style="italic yellow"))

    def show_records(self, records: list[Record], final: bool = False, not_run: Collection[str] = ()) -> None:
        """Fill in the cells that have numbers (all of them once the run is over) and the chart.

        `not_run`: frameworks whose run was cancelled; their empty cells say so instead of failed.
        """
        table_rows = rows(records)
        table = self.table
        for row in table_rows:
            key = row_key(row.benchmark, row.dtype, row.params)
            if key not in table.rows:
                dashes = (dim(NOT_MEASURED) for _ in PROFILER_IDS)
                table.add_row(benchmark_label(row.benchmark, row.dtype, row.params), "", *dashes, "", key=key)
            for column, value in self.row_cells(row, final, not_run).items():
                table.update_cell(key, column, value, update_width=True)
        # Accuracies and load times are not speeds: the practice rows stay out of the speed chart,
        # and a practice-only run has no chart at all (its curves are the picture).
        speed = [row for row in table_rows if row.benchmark not in PRACTICE_SUITE_BENCHMARKS]
        chart = self.chart
        chart.display = bool(speed) or len(speed) == len(table_rows)
        chart.show(speed, not_run)

    @staticmethod
    def row_cells(row: Row, final: bool, not_run: Collection[str]) -> dict[str, Text]:
        unit = Text(one_line(row.unit))
        if row.unit in LOWER_IS_BETTER or row.benchmark == EXPORT_BENCHMARK:
            unit.append(" (lower is better)", style="dim")
        # The short form: "≈" for an interval that holds 1.0 (the help says so), as the terminal's table.
        values = {"metric": unit, "ahead": Text(row.faster_text(short=True))}
        for fw in PROFILER_IDS:
            cell = row.cells.get(fw)
            if cell is None:
                if final:
                    values[fw] = dim(NOT_MEASURED)
                continue
            status = cell.status
            if status is ResultStatus.CANCELLED or (fw in not_run and status is ResultStatus.FAILED):
                values[fw] = dim("cancelled")
            else:
                values[fw] = Text(one_line(cell.text()), style=CELL_COLOURS.get(status, ""))
        return values

    def show_curves(self, records: list[Record]) -> None:
        self.curves.show(records)
