"""The case key in the app: two cases that read alike stay in two rows of the profiler table."""

from __future__ import annotations

from case_key_helpers import ALIKE, REORDERED, SHAPE, _records
from textual.widgets import DataTable

from fwadvisor.profiler.protocol import Case
from fwadvisor.tui.app import make_app
from fwadvisor.tui.widgets.results import ResultsView


async def test_the_app_keeps_two_cases_that_read_alike_in_two_rows():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        view = app.screen.query_one(ResultsView)
        view.prepare([Case("matmul", SHAPE, "fp32", 0.1), Case("matmul", ALIKE, "fp32", 0.1)], ["torch", "tensorflow"])
        view.show_records(_records(), final=True)
        await pilot.pause()
        assert view.query_one("#profiler-results", DataTable).row_count == 2
        by_shape = [{fw: record.params for fw, record in entry.records.items()} for entry in view.entries.values()]
        assert by_shape == [{"torch": SHAPE, "tensorflow": REORDERED}, {"torch": ALIKE, "tensorflow": ALIKE}]
