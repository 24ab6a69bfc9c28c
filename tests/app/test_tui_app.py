"""Issue 21 in the app: the advice drawn from the report model, one handler for a worker's unexpected
error, the machine sample that collapses a backlog, and the profile run the App owns. Pilot drives the
real app; the only stand-ins are the workers a test starts itself, to make an error happen."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList
from tui_helpers import wait_for

from conftest import FIXTURES, REPO
from fwadvisor.profiler.telemetry import MachineSample
from fwadvisor.report.advice_model import build_report
from fwadvisor.report.model import Section
from fwadvisor.safe_text import one_line
from fwadvisor.tui.app import FwAdvisorApp, make_app
from fwadvisor.tui.messages import MachineSampled, ProcessStarted
from fwadvisor.tui.screens.base import host_of
from fwadvisor.tui.screens.recommendation import LISTED_SECTIONS
from fwadvisor.tui.widgets.environment import EnvironmentPanel

LAB = FIXTURES / "answers" / "good_research_lab.yaml"
# Answers with blockers, a split plan, caveats and what-ifs between them.
SCENARIOS = ["tf_serving_estate_adds_llm.yaml", "tpu_first_llm_research.yaml", "mac_only_llm_tinkering.yaml"]


def option_rows(app: FwAdvisorApp) -> list[str]:
    options = app.screen.query_one("#reasons", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def notification_texts(app: FwAdvisorApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def test_a_newer_machine_sample_replaces_a_queued_one_of_the_same_framework_only():
    first = MachineSampled("torch", MachineSample())
    newer = MachineSampled("torch", MachineSample(utilization_percent=50.0))
    assert first.can_replace(newer)
    assert not first.can_replace(MachineSampled("tensorflow", MachineSample()))
    assert not first.can_replace(ProcessStarted("torch"))  # every other message is kept


@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_the_advice_screen_says_what_the_reports_say(scenario):
    """Every item of the advice's sections, as the report model has it, is a row of the screen."""
    app = make_app(REPO / "tests" / "scenarios" / scenario, save_path=None, load_last_profile=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        rows = "\n".join(option_rows(app))
        report = build_report(app.state.recommendation())
        sections = [s for s in report.sections if isinstance(s, Section) and s.key in LISTED_SECTIONS]
        assert len(sections) >= 4
        for section in sections:
            for item in section.items + [item for group in section.groups for item in group.items]:
                assert one_line(item.body) in rows, (section.key, item.body)
            for group in section.groups:
                assert one_line(group.title) in rows


async def test_a_worker_that_stops_on_an_unexpected_error_is_told_in_words():
    app = make_app(LAB, save_path=None, load_last_profile=False)

    def fails() -> None:
        raise RuntimeError("disk on fire")

    async with app.run_test(size=(80, 24)) as pilot:
        app.guarded.run(fails, group="tidy", description="Tidy the cache", thread=True)
        assert await wait_for(pilot, lambda: notification_texts(app), 10)
        assert notification_texts(app) == ["Something went wrong: Tidy the cache stopped: disk on fire"]
        assert app.is_running


async def test_the_machine_check_says_why_it_failed_through_the_apps_handler():
    app = make_app(LAB, save_path=None, load_last_profile=False)

    def probe_fails() -> None:
        raise OSError("no /proc here")

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        panel = app.screen.query_one(EnvironmentPanel)
        assert await wait_for(pilot, app.machine_check.known.is_set, 60)
        # The check's own wiring, with a probe that fails: the App's handler hands the error to the panel.
        app.guarded.run(probe_fails, group="env", description="Check", thread=True, on_error=app.machine_check.failed)
        assert await wait_for(pilot, lambda: "Could not check this machine" in str(panel.render()), 10)
        assert "OSError: no /proc here" in str(panel.render())
        assert not notification_texts(app)  # said where it belongs, not twice


async def test_the_app_owns_the_profile_run_and_screens_reach_it_typed():
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        host = host_of(app)
        assert host.profile_run is app.profile_run and not host.profile_run.running
        assert host.state is app.state


def test_a_screen_in_another_app_is_refused_in_words():
    from textual.app import App

    with pytest.raises(TypeError, match="not fwadvisor's app"):
        host_of(App())
