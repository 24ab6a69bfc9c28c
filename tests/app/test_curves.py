"""Training curves of the practice suite in the app: the curves panel and its plots.

The runs are built by hand (practice_runs); the report's side of the same runs is in test_report_practice.
"""

from __future__ import annotations

import copy

import pytest
from practice_runs import practice_document, quick_document
from textual.widgets import DataTable

from fwadvisor.tui.app import make_app
from fwadvisor.tui.messages import ResultArrived, RunFinished
from fwadvisor.tui.screens.profiler import ProfilerScreen
from fwadvisor.tui.widgets.curves import DARK_COLOURS, LIGHT_COLOURS, CurvePlot, CurvesPanel
from fwadvisor.tui.widgets.ratio_chart import RatioChart

# TUI --------------------------------------------------------------------------------------------------


async def test_profiler_shows_the_curves_when_a_finished_run_has_practice_records():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProfilerScreen)
        panel = screen.query_one(CurvesPanel)
        assert not panel.display and not screen.showing_curves
        assert screen.check_action("toggle_view", ()) is False  # no curves: the footer offers no v

        screen.post_message(RunFinished(practice_document(), None, "not saved in this test"))
        await pilot.pause(0.3)
        assert screen.showing_curves and panel.display
        assert panel.models == ["practice_cnn", "practice_rnn"]
        assert panel.region.height >= 10 and panel.region.width == 80  # room for the plots at 80x24
        assert not screen.query_one("#profiler-results", DataTable).display
        cnn = screen.query_one("#curves-practice_cnn", CurvePlot)
        assert cnn.display and set(cnn.by_fw) == {"torch", "tensorflow"}
        assert cnn.region.height >= 5 and cnn.region.width >= 30
        drawn = cnn.render()
        assert "epoch" in str(drawn) and "100%" in str(drawn)
        notes = panel.plain_notes()
        assert "CNN test accuracy: PyTorch 96.4% · TensorFlow 90.9% · 5.5 pts apart: a finding" in notes
        assert "LSTM test accuracy: PyTorch 88.0% · TensorFlow ✗ failed" in notes
        assert all(len(line) <= 80 for line in notes.splitlines())
        assert screen.check_action("toggle_view", ()) is True

        # v goes back to the table, where the practice rows compare the right way round.
        await pilot.press("v")
        await pilot.pause()
        assert not screen.showing_curves and not panel.display
        table = screen.query_one("#profiler-results", DataTable)
        assert table.display
        column = table.get_column_index("ahead")
        ahead = {
            str(table.get_cell_at((i, 0))).split()[0]: str(table.get_cell_at((i, column)))
            for i in range(table.row_count)
        }
        assert ahead["practice_cnn"] == "torch +5.5 pts"
        assert ahead["export_roundtrip"] == "-"  # TensorFlow's reload did not match: no comparison
        assert not screen.query_one(RatioChart).display  # accuracies are not speed ratios
        await pilot.press("v")
        await pilot.pause()
        assert screen.showing_curves


async def test_the_saved_run_in_the_state_shows_its_curves_when_the_profiler_opens():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(120, 40)) as pilot:
        doc = practice_document()
        doc.results = [r for r in doc.results if r.benchmark == "practice_rnn"]
        app.state.profile_document = doc
        await pilot.press("3")
        await pilot.pause(0.3)
        panel = app.screen.query_one(CurvesPanel)
        assert panel.display and panel.models == ["practice_rnn"]
        assert not app.screen.query_one("#curves-practice_cnn", CurvePlot).display
        assert app.screen.query_one("#curves-practice_rnn", CurvePlot).region.width > 100  # alone: full width


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_a_quick_run_shows_no_curves_and_keeps_its_layout(theme):
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProfilerScreen)
        screen.post_message(RunFinished(quick_document(), None, "not saved in this test"))
        await pilot.pause(0.3)
        assert not screen.query_one(CurvesPanel).display and not screen.showing_curves
        assert screen.query_one("#profiler-results", DataTable).display
        assert screen.query_one(RatioChart).display
        assert screen.check_action("toggle_view", ()) is False
        assert "matmul" in screen.query_one(RatioChart).chart(80).plain
        await pilot.press("v")  # nothing to switch to
        await pilot.pause()
        assert not screen.showing_curves

        # A later practice run in the same session brings the curves, drawn for the current theme.
        screen.post_message(RunFinished(copy.deepcopy(practice_document()), None, "not saved"))
        await pilot.pause(0.3)
        assert screen.showing_curves
        plot = screen.query_one("#curves-practice_cnn", CurvePlot)
        assert plot.render()


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _styles(plot: CurvePlot) -> str:
    """Every colour the plot's rendering uses, as text."""
    return " ".join(str(span.style) for span in plot.render().spans)  # type: ignore[union-attr]


async def test_curves_fill_in_as_practice_results_arrive_and_follow_the_theme():
    document = practice_document()
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(120, 40)) as pilot:
        app.theme = "textual-dark"
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProfilerScreen)
        panel = screen.query_one(CurvesPanel)
        for record in document.results[:1]:
            screen.post_message(ResultArrived(record.framework, 0, record))
        await pilot.pause(0.3)
        assert screen.showing_curves and panel.models == ["practice_cnn"]
        cnn = screen.query_one("#curves-practice_cnn", CurvePlot)
        assert set(cnn.by_fw) == {"torch"}
        assert not screen.query_one("#curves-practice_rnn", CurvePlot).display
        screen.post_message(ResultArrived("tensorflow", 0, document.results[1]))
        await pilot.pause(0.3)
        assert set(cnn.by_fw) == {"torch", "tensorflow"}
        assert "5.5 pts apart: a finding" in panel.plain_notes()

        assert hex_colour(DARK_COLOURS["torch"]) in _styles(cnn)
        app.theme = "textual-light"
        await pilot.pause(0.3)
        light = _styles(cnn)
        assert hex_colour(LIGHT_COLOURS["torch"]) in light and hex_colour(DARK_COLOURS["torch"]) not in light
