"""Issue 23 in the app: a third framework (JAX) at 80x24. Its box says "not installed" with the pip
command where JAX is missing (make_app's `installed`, the seam the app itself uses); a real run of the
three frameworks shows three columns and every pair's ratio with nothing cut off; a two-framework run
keeps its two columns; a framework with no path to the device reads "⊘ not supported" with its reason.
"""

from __future__ import annotations

import msgspec
from test_tui_80x24 import SAVED, saved_run, shown_lines
from test_tui_trust import save_run_file
from textual.widgets import Button, Checkbox, DataTable, Label, Select, Static
from tui_helpers import status_text, wait_for

from conftest import FIXTURES
from fwadvisor.paths import runs_dir
from fwadvisor.profiler.documents import RunDocument, WorkerSummary
from fwadvisor.profiler.records import unsupported_record
from fwadvisor.profiler.run_file import load_run
from fwadvisor.report.chart_axis import ratio_text
from fwadvisor.report.profile_table import rows
from fwadvisor.tui.app import FwAdvisorApp, make_app
from fwadvisor.tui.messages import ProcessFailed, RunFinished
from fwadvisor.tui.screens.row_details import RowDetailsScreen
from fwadvisor.tui.widgets.progress import ProgressPanel, RunControls
from fwadvisor.tui.widgets.ratio_chart import RatioChart

THREE_FRAMEWORKS = FIXTURES / "runs" / "real-tiny-cpu-3fw.json"


def everything_installed(framework: str) -> bool:
    return True


def all_but_jax(framework: str) -> bool:
    return framework != "jax"


def save_three_framework_run() -> int:
    """The real fixture as the last saved run; how many table rows it has."""
    folder = runs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SAVED).write_bytes(THREE_FRAMEWORKS.read_bytes())
    return len(rows(load_run(THREE_FRAMEWORKS)))


def unsupported_tensorflow(reason: str) -> RunDocument:
    """The fixture's run as it ends where TensorFlow has no path to the device: its worker "not_supported",
    each of its cases a record that says why (records.unsupported_record)."""
    document = load_run(THREE_FRAMEWORKS)
    results = [
        unsupported_record(r.benchmark, r.framework, reason, device=r.device, params=r.params, dtype=r.dtype)
        if r.framework == "tensorflow"
        else r
        for r in document.results
    ]
    workers = dict(document.workers)
    workers["tensorflow"] = WorkerSummary(status="not_supported", error=reason)
    return msgspec.structs.replace(document, results=results, workers=workers)


async def open_profiler(app: FwAdvisorApp, pilot, row_count: int) -> DataTable:
    await pilot.press("3")
    table = app.screen.query_one("#profiler-results", DataTable)
    assert await wait_for(pilot, lambda: table.row_count == row_count, 10), status_text(app)
    await pilot.pause(0.2)
    return table


def inside_the_screen(app: FwAdvisorApp, widget) -> bool:
    return widget.region.right <= app.size.width and widget.region.width > 0


async def test_without_jax_its_box_cannot_be_ticked_and_a_two_framework_run_keeps_two_columns():
    save_run_file(SAVED, saved_run())
    app = make_app(save_path=None, installed=all_but_jax)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_profiler(app, pilot, 4)
        controls = app.screen.query_one(RunControls)
        box = controls.checkbox("jax")
        assert not box.value and box.disabled
        assert "✗" in str(box.label) and "pip install 'fwadvisor[jax]'" in str(box.tooltip)
        assert controls.chosen_frameworks() == ["torch", "tensorflow"]
        # Beside the box, on JAX's progress line, whole at 80 columns.
        note = app.screen.query_one("#progress-note-jax", Label)
        assert inside_the_screen(app, note)
        assert "✗ not installed: pip install 'fwadvisor[jax]'" in "\n".join(shown_lines(note))
        # Asked for (the command palette's run names frameworks), it stays out.
        controls.choose(None, ["torch", "jax"])
        assert controls.chosen_frameworks() == ["torch"]
        # The saved two-framework run: its two columns and its one ratio, as before JAX.
        assert shown_lines(table)[0].split() == ["benchmark", "PyTorch", "TensorFlow", "ahead"]
        assert "TF 20.7x" in "\n".join(shown_lines(table)[1:3])


async def test_a_real_three_framework_run_shows_three_columns_and_every_pair_whole_at_80x24():
    row_count = save_three_framework_run()
    first = rows(load_run(THREE_FRAMEWORKS))[0]
    app = make_app(save_path=None, installed=everything_installed)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_profiler(app, pilot, row_count)
        # JAX installed: its box is ticked, and every control fits 80 columns.
        controls = app.screen.query_one(RunControls)
        box = controls.checkbox("jax")
        assert box.value and not box.disabled and str(box.label) == "JAX"
        assert controls.chosen_frameworks() == ["torch", "tensorflow", "jax"]
        widgets = [controls.query_one(Select), *controls.query(Checkbox), *controls.query(Button)]
        assert await wait_for(pilot, lambda: all(inside_the_screen(app, w) for w in widgets), 5), [
            (w, w.region) for w in widgets
        ]
        lines = shown_lines(table)
        assert lines[0].split() == ["benchmark", "PyTorch", "TensorFlow", "JAX", "ahead"], lines[0]
        # Nothing is off to the right: every column fits the table's width.
        assert table.virtual_size.width <= table.size.width, (table.virtual_size, table.size)
        # The first row in full: its three numbers and a line per pair, each naming its pair.
        body = "\n".join(lines[1:4])
        for cell in first.cells.values():
            assert f"{cell.value:.4g}" in body, body
        leads = first.pair_leads()
        assert len(leads) == 3
        for lead in leads:
            assert f"{lead.label()} {ratio_text(lead.ratio)}" in body, body
        # The chart: a bar per pair, inside its width.
        chart = app.screen.query_one(RatioChart)
        drawn = chart.chart(chart.size.width).plain.splitlines()
        assert any("torch|JAX" in line for line in drawn) and any("TF|JAX" in line for line in drawn)
        assert max(len(line) for line in drawn) <= chart.size.width
        # Each framework's worker said how it ended.
        progress = app.screen.query_one(ProgressPanel)
        for fw in ("torch", "tensorflow", "jax"):
            assert "done" in str(progress.query_one(f"#progress-note-{fw}", Label).content)
        # Enter on the row: each pair's lead with its interval.
        table.focus()
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, RowDetailsScreen)
        facts = str(app.screen.query_one("#row-facts", Static).content)
        assert "JAX: " in facts and facts.count("95% interval") == 3, facts
        await pilot.press("escape")
        await pilot.pause(0.2)

        # The same run had TensorFlow no path to the device (as the session records it): it ends so.
        reason = "TensorFlow has no maintained GPU path on Apple silicon (test)"
        # Said as the worker says it, never as a problem to fix.
        app.screen.post_message(ProcessFailed("tensorflow", reason, None, kind="not_supported"))
        await pilot.pause(0.3)
        assert f"⊘ TensorFlow: {reason}" in status_text(app) and "✗" not in status_text(app)
        app.screen.post_message(RunFinished(unsupported_tensorflow(reason), None, "not saved in this test"))
        await pilot.pause(0.5)
        status = status_text(app)
        assert f"⊘ TensorFlow: {reason}" in status and "✗" not in status, status
        note = str(app.screen.query_one("#progress-note-tensorflow", Label).content)
        assert note == "⊘ not supported here", note
        table.focus()
        table.move_cursor(row=1)  # conv2d, the second row
        await pilot.pause(0.2)
        assert "⊘ not supported" in "\n".join(shown_lines(table))
        assert table.virtual_size.width <= table.size.width
        drawn_text = app.screen.query_one(RatioChart).chart(80).plain
        assert "⊘ TensorFlow not supported here" in drawn_text and "✗" not in drawn_text
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, RowDetailsScreen)
        facts = str(app.screen.query_one("#row-facts", Static).content)
        assert "TensorFlow: ⊘ not supported here" in facts and reason in facts, facts
