"""The run as a Rich table for `fwadvisor profile`: PyTorch and TensorFlow (and JAX when it ran) side by
side, the ratio and its interval (one named pair per line with three), every mark of the one
classification (profile_table), every name and error as data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from fwadvisor.frameworks import identity
from fwadvisor.profiler.catalog import LOWER_IS_BETTER
from fwadvisor.profiler.documents import ResultStatus, RunDocument
from fwadvisor.report.columns import legend, shown_frameworks
from fwadvisor.report.profile_table import Row, device_label, rows
from fwadvisor.safe_text import one_line

# A cell's colour on a terminal by its status (`profile`'s table and the fleet report's rows).
STATUS_STYLES: Final = {
    ResultStatus.FAILED: "red",
    ResultStatus.WRONG: "red",
    ResultStatus.WIDE_SPREAD: "yellow",
    ResultStatus.BUSY: "magenta",
    ResultStatus.SKIPPED: "dim",
    ResultStatus.UNSUPPORTED: "dim",
    ResultStatus.CANCELLED: "dim",
}

if TYPE_CHECKING:
    from rich.table import Table

# From this many columns the CLI table puts a ratio and its interval on one line (and from this many
# more, a GPU run's share of the peak in a column of its own).
WIDE_COLUMNS = 100
PEAK_COLUMNS = 20
# Three frameworks below this many columns: the metric goes under the shape and the columns take the
# frameworks' short names ("torch", "TF", "JAX"), so that a 60-column terminal still holds the table.
TIGHT_COLUMNS = 78


def render_rich_table(run: RunDocument, width: int | None = None) -> Table:
    """The run as a Rich table for `fwadvisor profile`; every name and error in it is data, never markup.

    `width`: the terminal's columns. Below WIDE_COLUMNS a row takes two lines (the shape under the
    benchmark, the interval under the ratio) so that both frameworks and the ratio fit in 80 columns; with
    three frameworks a number's spread and mark go under it too, and each pair's ratio takes a line."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table_rows = rows(run)
    frameworks = shown_frameworks(run)
    stacked = len(frameworks) > 2
    with_peak = any(c.percent_of_peak is not None for r in table_rows for c in r.cells.values())
    narrow = width is not None and width < WIDE_COLUMNS + (PEAK_COLUMNS if with_peak else 0)
    # Narrow: a number's share of the peak goes under it, not in a column of its own.
    peak_column = with_peak and not narrow
    threads = f"{run.suite.threads} CPU thread{'' if run.suite.threads == 1 else 's'}"
    title = f"fwadvisor profile · suite {run.suite.name} · {device_label(run)} · {threads}"
    table = Table(
        title=Text(one_line(title)),
        title_justify="left",
        caption=Text(legend(frameworks, table_rows, intervals_shown=not (narrow and stacked))),
        caption_justify="left",
        # Narrow: no outer frame, so its four columns go to the numbers.
        box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD,
        show_edge=not narrow,
        pad_edge=not narrow,
        # Narrow with three frameworks: a space before each column and the rule between, not a space each side.
        padding=(0, 0, 0, 1) if narrow and stacked else (0, 1),
    )
    ratio = None if narrow else 2
    # Narrow: the metric wraps ("lower is better" under "us/op") before the benchmark's name does.
    table.add_column("benchmark", min_width=17 if narrow else None, ratio=None if narrow else 5)
    table.add_column("metric", min_width=7, max_width=9 if narrow else None, ratio=ratio)
    stacked = narrow and stacked
    tight = stacked and width is not None and width < TIGHT_COLUMNS
    if tight:
        table.columns.pop()  # the metric goes under the shape
        table.columns[0].min_width = 14
    for fw in frameworks:
        name = identity(fw).short if tight else identity(fw).name
        table.add_column(name, justify="right", no_wrap=True, ratio=ratio)
    table.add_column("ahead", justify="right", no_wrap=True, ratio=ratio)
    if peak_column:
        table.add_column("% of peak", justify="right", ratio=ratio)
    for row in table_rows:

        def show(fw: str, row: Row = row) -> Text:
            c = row.cells.get(fw)
            if c is None:
                return Text("-")
            shown = Text(c.text(stacked=stacked), style=STATUS_STYLES.get(c.status, ""))
            if narrow and c.percent_of_peak is not None:
                shown.append(f"\n{c.percent_of_peak:.0f}% of peak")
            if c.throttled:
                shown.append("\nthrottled" if narrow else " throttled", style="yellow")
            return shown

        unit = Text(one_line(row.unit))
        if row.unit in LOWER_IS_BETTER:
            unit.append("\nlower is better" if narrow else " (lower is better)", style="dim")
        label = Text(one_line(f"{row.benchmark} {row.dtype}") + "\n")
        label.append(one_line(row.params), style="dim")
        ahead = Text(row.faster_text(short=True, narrow=narrow), style="dim" if row.within_noise or row.busy else "")
        if tight:
            label.append("\n")
            label.append_text(unit)
        cells = [label, *([] if tight else [unit]), *(show(fw) for fw in frameworks), ahead]
        table.add_row(*cells, *([Text(row.peak_text())] if peak_column else []))
    return table
