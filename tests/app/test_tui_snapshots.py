"""Layout snapshots at the smallest supported size and a large one (Textual is pinned in the dev extra).

Only layout is checked here; behaviour is tested with Pilot in test_tui*.py. Review the SVG report
(`pytest --snapshot-report`) before updating with `pytest --snapshot-update`.
"""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from conftest import FIXTURES
from fwadvisor.profiler.run_environment import CpuInfo, Environment, FrameworkInfo
from fwadvisor.tui.app import make_app

LAB = FIXTURES / "answers" / "good_research_lab.yaml"


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_interview_layout(snap_compare, size, facts_today):
    app = make_app(LAB, save_path=None, load_last_profile=False)
    assert snap_compare(app, press=["n"], terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_recommendation_layout(snap_compare, size, facts_today):
    app = make_app(LAB, save_path=None, load_last_profile=False)
    assert snap_compare(app, press=["2"], terminal_size=size)


# The profiler with the last saved run (hand-made, so the numbers stay put), and a fixed machine: the
# snapshot must not depend on the computer it is taken on.
FIXED_MACHINE = Environment(
    cpu=CpuInfo(model="Test CPU", physical_cores=2, logical_cores=4),
    memory_gb=16,
    frameworks={
        "torch": FrameworkInfo(installed=True, version="2.0.0", gpu_available=False),
        "tensorflow": FrameworkInfo(installed=True, version="2.16.0", gpu_available=False),
    },
)


def every_framework_installed(framework: str) -> bool:
    return True


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_profiler_layout_with_results(snap_compare, size, facts_today):
    from test_tui_80x24 import SAVED, saved_run
    from test_tui_trust import save_run_file

    from fwadvisor.tui.messages import EnvironmentChecked
    from fwadvisor.tui.widgets.environment import EnvironmentPanel

    save_run_file(SAVED, saved_run())
    # JAX installed (as in CI) whatever this computer has: its box and line are in the picture.
    app = make_app(save_path=None, installed=every_framework_installed)

    async def open_profiler(pilot) -> None:
        await pilot.press("3")
        panel = app.screen.query_one(EnvironmentPanel)
        for _ in range(600):
            if app.machine_check.known.is_set():
                break
            await pilot.pause(0.05)
        panel.post_message(EnvironmentChecked(FIXED_MACHINE))
        await pilot.pause(0.5)

    assert snap_compare(app, run_before=open_profiler, terminal_size=size)


# Issue 19: at 80x24 the dialogs keep their Close line and say "Esc closes"; the Report's preview has
# the focus (its scrollbar is the focused colour, no button is).
def test_evidence_dialog_at_80x24(snap_compare, facts_today):
    app = make_app(LAB, save_path=None, load_last_profile=False)
    assert snap_compare(app, press=["2", "enter"], terminal_size=(80, 24))


def test_row_details_at_80x24(snap_compare, facts_today):
    from test_tui_80x24 import SAVED, saved_run
    from test_tui_trust import save_run_file

    data = saved_run()
    for item in data["results"]:
        item.update(cold_s=0.25, threads=2)
    save_run_file(SAVED, data)
    app = make_app(save_path=None, installed=every_framework_installed)

    async def open_details(pilot) -> None:
        await pilot.press("3")
        table = app.screen.query_one("#profiler-results", DataTable)
        for _ in range(100):
            if table.row_count == 4:
                break
            await pilot.pause(0.05)
        table.focus()
        await pilot.press("enter")
        await pilot.pause(0.3)

    assert snap_compare(app, run_before=open_details, terminal_size=(80, 24))


def test_report_focus_at_80x24(snap_compare, facts_today):
    app = make_app(LAB, save_path=None, load_last_profile=False)
    assert snap_compare(app, press=["4", "pagedown"], terminal_size=(80, 24))
