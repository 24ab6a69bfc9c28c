"""The app at 80x24 (issue 19): dialogs and the chart scroll, the report reads from the keyboard at
once, the advice's top folds, toggles sent in a burst all count, a stand-alone choice can be undone,
and the evidence is the newest run of a whole suite, said by name."""

from __future__ import annotations

from test_tui_80x24 import SAVED, open_saved_run, saved_run
from test_tui_trust import run_document, save_run_file
from textual import events
from textual.containers import VerticalScroll
from textual.widgets import Button, OptionList, SelectionList, Static
from tui_helpers import status_text, wait_for

from conftest import FIXTURES
from fwadvisor.advisor.questionnaire import applies, load_answers, load_questionnaire, save_answers
from fwadvisor.paths import saved_answers_path
from fwadvisor.tui.app import make_app
from fwadvisor.tui.screens.dialogs import CLOSE_HINT, EvidenceDialog
from fwadvisor.tui.screens.row_details import RowDetailsScreen

SMALL = (80, 24)
LAB = FIXTURES / "answers" / "good_research_lab.yaml"


def inside_screen(app, widget) -> bool:
    region = widget.region
    return region.height > 0 and region.y >= 0 and region.bottom <= app.size.height


async def test_toggles_sent_in_a_burst_all_count():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("n")
        await pilot.pause()
        choices = app.screen.query_one("#choices", SelectionList)
        # All at once, as auto-repeat or keys sent together arrive: no pause between them.
        for key in ["space", "down", "space", "down", "space", "down", "space", "down", "space"]:
            event = events.Key(key, " " if key == "space" else None)
            event.set_sender(app)
            assert app._driver is not None  # the test app runs on its headless driver
            app._driver.send_message(event)
        await pilot.pause(0.5)
        expected = list(app.state.questionnaire.questions[1].choices)[:5]
        assert choices.selected == expected
        assert app.state.answers["domains"] == expected


async def test_the_report_preview_has_the_focus_and_scrolls_from_the_keyboard():
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("4")
        await pilot.pause(0.5)
        preview = app.screen.query_one("#report-preview", VerticalScroll)
        assert app.focused is preview
        assert preview.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert preview.scroll_y > 0


async def test_the_advice_top_folds_to_the_verdict_at_24_rows():
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("2")
        await pilot.pause(0.3)
        assert app.screen.query_one("#advice-top").region.height <= 3
        reasons = app.screen.query_one("#reasons", OptionList)
        # The margin and priorities lead the list (they scroll with it); a reason has the highlight.
        assert reasons.get_option_at_index(0).id == "summary"
        assert "Margin" in str(reasons.get_option_at_index(0).prompt)
        assert reasons.highlighted_option is not None
        assert str(reasons.highlighted_option.id).startswith(("reason:", "blocker:", "plan:"))
    tall = make_app(LAB, save_path=None, load_last_profile=False)
    async with tall.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause(0.3)
        assert tall.screen.query_one("#reasons", OptionList).get_option_at_index(0).id != "summary"


async def test_the_evidence_dialog_scrolls_and_keeps_its_close_line_at_80x24():
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("2")
        await pilot.pause(0.3)
        long_text = "A sentence of the rule's message that goes on. " * 40
        sources = [(f"https://example.org/source/{n}", "2026-11-27", "H") for n in range(8)]
        await app.push_screen(EvidenceDialog("a-rule", long_text, sources))
        await pilot.pause(0.3)
        dialog = app.screen
        scroll = dialog.query_one(VerticalScroll)
        assert app.focused is scroll
        assert inside_screen(app, dialog.query_one("#close", Button))
        assert CLOSE_HINT.startswith("Esc closes")
        assert str(dialog.query_one(".close-hint").render()) == CLOSE_HINT
        assert scroll.max_scroll_y > 0
        await pilot.press("end")
        assert await wait_for(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y, 3)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, EvidenceDialog)


async def test_the_chart_scrolls_and_row_details_fit_at_80x24():
    data = saved_run()
    for item in data["results"]:
        item.update(cold_s=0.25, threads=2)
    save_run_file(SAVED, data)
    app = make_app(save_path=None)
    async with app.run_test(size=SMALL) as pilot:
        table = await open_saved_run(app, pilot)
        box = app.screen.query_one("#profiler-chart-box", VerticalScroll)
        assert box.max_scroll_y > 0  # five rows for a taller chart: the rest is a scroll away
        box.focus()
        await pilot.press("end")
        assert await wait_for(pilot, lambda: box.scroll_y == box.max_scroll_y, 3)
        status_box = app.screen.query_one("#profiler-status-box", VerticalScroll)
        assert status_box.region.height >= 1 and "r runs again" in status_text(app)

        table.focus()
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, RowDetailsScreen)
        facts = str(app.screen.query_one("#row-facts", Static).render())
        assert "3 timed samples" in facts
        assert "first call (cold, not counted) 250 ms" in facts
        assert "2 CPU threads" in facts
        assert inside_screen(app, app.screen.query_one("#close", Button))
        assert app.focused is app.screen.query_one(VerticalScroll)


async def test_the_app_opens_on_the_advice_when_every_answer_is_saved():
    questionnaire = load_questionnaire()
    answers = dict(load_answers(LAB))
    for question in questionnaire.questions:  # answer the rest with their first choice
        if question.id not in answers and applies(question, answers):
            first = next(iter(question.choices))
            answers[question.id] = first if question.kind == "one" else [first]
    path = saved_answers_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    save_answers(path, answers)
    app = make_app(save_path=path, load_last_profile=False)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert app.current_mode == "advice"
    # One question left open: the interview.
    del answers["primary_goal"]
    save_answers(path, answers)
    partial = make_app(save_path=path, load_last_profile=False)
    async with partial.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert partial.current_mode == "interview"


async def test_a_newer_one_benchmark_or_one_thread_run_is_not_the_evidence():
    whole = run_document(created="2020-01-01T00:00:00+00:00")
    whole["environment"] = {"cpu": {"physical_cores": 2, "logical_cores": 4}}
    whole["suite"]["threads"] = 2
    save_run_file("profile-20200101T000000Z-quick.json", whole)
    one_benchmark = run_document(created="2020-01-02T00:00:00+00:00")
    one_benchmark["environment"] = {"cpu": {"physical_cores": 2, "logical_cores": 4}}
    one_benchmark["suite"].update(threads=2, benchmarks=["matmul"])
    save_run_file("profile-20200102T000000Z-quick.json", one_benchmark)
    one_thread = run_document(created="2020-01-03T00:00:00+00:00")
    one_thread["environment"] = {"cpu": {"physical_cores": 2, "logical_cores": 4}}
    one_thread["suite"]["threads"] = 1
    save_run_file("profile-20200103T000000Z-quick.json", one_thread)

    app = make_app(save_path=None)
    async with app.run_test(size=(80, 24)):
        await app.workers.wait_for_complete()  # the saved runs are read in a thread (issue 20)
    assert app.state.profile_document is not None
    assert app.state.profile_path is not None and app.state.profile_path.name == "profile-20200101T000000Z-quick.json"
    line = app.state.evidence_line()
    assert line is not None
    assert "profile-20200101T000000Z-quick.json" in line
    assert "profile-20200103T000000Z-quick.json is newer but not the whole suite (1 CPU thread of 2)" in line
    assert "2 newer runs passed over in all" in line
