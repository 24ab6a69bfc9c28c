"""The Profiler screen opens a fleet report: f lists the runs folder's fleet folders and saved runs,
space picks, m merges, and the fleet report reads at 80x24 (a hostile host name shown as text)."""

from __future__ import annotations

import json

from rich.cells import cell_len
from textual.widgets import Label, SelectionList, Static
from tui_helpers import wait_for

from conftest import FIXTURES
from fwadvisor.paths import runs_dir
from fwadvisor.profiler.documents import Metric, encode_run
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.tui.app import make_app
from fwadvisor.tui.screens.fleet import FleetPicker, FleetReportDialog

HOSTILE = "node[bold]\x1b[2J-c"


def _save_fleet() -> None:
    """A launcher's fleet folder of three nodes (the real tiny CPU run; node-b at half its speed), one
    of them with a hostile name, and a loose saved run beside it."""
    real = run_from_data(json.loads((FIXTURES / "runs" / "real-tiny-cpu.json").read_text()))
    fleet = runs_dir() / "fleet-20261207T180000Z"
    fleet.mkdir(parents=True)
    (fleet / "node-a.json").write_bytes(encode_run(real))
    for record in real.results:
        if record.metric.value:
            factor = 2.0 if record.metric.name == "us/op" else 0.5
            record.metric = Metric(record.metric.name, record.metric.value * factor)
    (fleet / "node-b.json").write_bytes(encode_run(real))
    (fleet / f"{HOSTILE}.json").write_text("{ truncated")
    (runs_dir() / "profile-20261207T170000Z-tiny.json").write_bytes(encode_run(real))


async def test_fleet_report_from_a_fleet_folder_at_80x24() -> None:
    _save_fleet()
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("f")
        assert await wait_for(pilot, lambda: isinstance(app.screen, FleetPicker), 5)
        choices = app.screen.query_one(SelectionList)
        assert choices.option_count == 2  # the fleet folder first, then the loose run
        assert "fleet-20261207T180000Z/ (3 runs)" in str(choices.get_option_at_index(0).prompt)
        await pilot.press("m")  # nothing picked: a notice, the picker stays
        await pilot.pause()
        assert isinstance(app.screen, FleetPicker)
        await pilot.press("space", "m")
        assert await wait_for(pilot, lambda: isinstance(app.screen, FleetReportDialog), 5)
        dialog = app.screen
        assert isinstance(dialog, FleetReportDialog)
        assert await wait_for(pilot, lambda: dialog.report is not None, 20)
        await pilot.pause()
        report = dialog.query_one("#fleet-report", Static)
        shown = str(report.content)
        title = str(dialog.query_one(".dialog-title", Label).content)
        assert title == "fwadvisor fleet report: 2 nodes, 1 missing" and title not in shown  # said once
        assert "node[bold]\ufffd[2J-c" in shown and "\x1b" not in shown  # the name as text, cleaned
        assert "straggler" in shown
        lines = shown.splitlines()
        assert max(cell_len(line) for line in lines) <= report.size.width <= 80
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FleetReportDialog)
