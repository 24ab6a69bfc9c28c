"""Issue 13 in the screens around the profiler: the size notice below 80x24, an answers file opened as a
session of its own (the saved interview kept unless the person saves over it, after asking), exports
that never need ~/Downloads, and the wording fixes. Pilot drives the app as a person would."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from textual.widgets import Footer, OptionList, Static

from conftest import FIXTURES
from fwadvisor.advisor.questionnaire import applies
from fwadvisor.tui.app import FwAdvisorApp, make_app
from fwadvisor.tui.screens.dialogs import ConfirmDialog, FileNameDialog
from fwadvisor.tui.screens.help import HelpScreen
from fwadvisor.tui.widgets.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallNotice

LAB = FIXTURES / "answers" / "good_research_lab.yaml"
SIZE = (80, 24)
# The saved interview of the answers-file tests: one answer, unlike any of the lab file's.
SAVED_INTERVIEW = "primary_goal: learning\n"


def notices(app: FwAdvisorApp) -> str:
    notice = app.screen.query_one(TooSmallNotice)
    return " ".join(str(notice.render()).split()) if notice.display else ""


def notification_texts(app: FwAdvisorApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def shown_text(app: FwAdvisorApp) -> str:
    """What the terminal shows, as plain text (the screenshot's text, without the SVG)."""
    svg = app.export_screenshot()
    return re.sub(r"<[^>]+>", "", svg).replace("&#160;", " ")


# ---- below 80x24: a notice with the size needed and the size now ---------------------------------


async def test_at_60x20_every_screen_says_the_terminal_is_too_small_and_how_large_it_must_be():
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        for key in ("1", "2", "3", "4", "f1"):
            await pilot.press(key)
            await pilot.pause()
            text = notices(app)
            assert f"needs at least {MIN_WIDTH}x{MIN_HEIGHT}" in text, type(app.screen).__name__
            assert "it is 60x20" in text
            others = [child for child in app.screen.children if child.display and not isinstance(child, TooSmallNotice)]
            assert not others, type(app.screen).__name__
            await pilot.press("escape")
        # The notice follows the terminal; at 80x24 the screen is back.
        await pilot.resize_terminal(70, 22)
        await pilot.pause()
        assert "it is 70x22" in notices(app)
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert notices(app) == ""
    assert app.return_code in (None, 0)


@pytest.mark.parametrize("size", [(30, 8), (10, 4), (1, 1), (79, 24), (80, 23)])
async def test_any_size_below_the_minimum_shows_the_notice_without_a_crash(size):
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=size) as pilot:
        for key in ("2", "4", "m", "escape", "1", "ctrl+s"):
            await pilot.press(key)
            await pilot.pause()
        assert app.screen.query_one(TooSmallNotice).display
        if size[0] >= 30:
            assert "Terminal too small" in notices(app)
    assert app.return_code in (None, 0)


# ---- --answers: a session of its own -------------------------------------------------------------


async def test_an_answers_file_leaves_the_saved_interview_unchanged_after_quitting(tmp_path):
    saved = tmp_path / "answers.yaml"
    saved.write_text(SAVED_INTERVIEW)
    app = make_app(LAB, save_path=saved, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.state.answers["primary_goal"] == "research"
        # The app says which answers these are, on the interview, the advice and the report.
        line = str(app.screen.query_one("#answers-source", Static).render())
        assert app.screen.query_one("#answers-source").display
        assert "good_research_lab.yaml" in line and "not saved" in line and "ctrl+s" in line
        await pilot.press("down", "enter")  # an answer changed: production
        await pilot.pause()
        assert app.state.answers["primary_goal"] == "production"
        await pilot.press("2")
        await pilot.pause()
        assert "good_research_lab.yaml, not saved" in str(app.screen.query_one("#priorities", Static).render())
        await pilot.press("4")
        await pilot.pause()
        assert "good_research_lab.yaml, not saved" in str(app.screen.query_one("#report-source").render())
        await pilot.press("ctrl+q")
    assert saved.read_text() == SAVED_INTERVIEW
    assert make_app(save_path=saved, load_last_profile=False).state.answers == {"primary_goal": "learning"}


async def test_the_answers_are_saved_over_the_interview_only_after_confirming(tmp_path):
    saved = tmp_path / "answers.yaml"
    saved.write_text(SAVED_INTERVIEW)
    lab = yaml.safe_load(LAB.read_text())
    app = make_app(LAB, save_path=saved, load_last_profile=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        question = " ".join(str(app.screen.query_one("#confirm-question", Static).render()).split())
        # It names what would be replaced: the saved interview, its size and where it is.
        assert f"Save the {len(lab)} answers shown (from good_research_lab.yaml)" in question
        assert f"1 answer in {saved}" in question
        await pilot.press("escape")  # no
        await pilot.pause()
        assert saved.read_text() == SAVED_INTERVIEW
        assert any("Nothing was saved" in text for text in notification_texts(app))

        # From the palette, on another screen; this time yes.
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Save these answers")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert yaml.safe_load(saved.read_text()) == lab
        assert any(f"now your interview, saved as they change, in {saved}" in text for text in notification_texts(app))
        assert "not saved" not in str(app.screen.query_one("#priorities", Static).render())
        # It is the interview now: the next change is saved as it is made.
        await pilot.press("1")
        await pilot.pause()
        assert not app.screen.query_one("#answers-source").display
        await pilot.press("down", "enter")
        await pilot.pause()
        assert yaml.safe_load(saved.read_text())["primary_goal"] == "production"


async def test_saving_from_the_report_screen_updates_what_it_says(tmp_path):
    saved = tmp_path / "answers.yaml"
    app = make_app(LAB, save_path=saved, load_last_profile=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("4")
        await pilot.pause()
        assert "not saved" in str(app.screen.query_one("#report-source").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        # Nothing saved yet: the dialog says so instead of a count.
        assert "no saved interview yet" in str(app.screen.query_one("#confirm-question", Static).render())
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
        assert "not saved" not in str(app.screen.query_one("#report-source").render())
    assert yaml.safe_load(saved.read_text()) == yaml.safe_load(LAB.read_text())


async def test_the_palette_offers_saving_only_for_an_answers_file(tmp_path):
    app = make_app(save_path=tmp_path / "answers.yaml", load_last_profile=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert any("your interview already" in text for text in notification_texts(app))
        assert not app.screen.query_one("#answers-source").display


# ---- exports: a folder that exists, the full path told -------------------------------------------


async def _export_markdown(pilot) -> Path:
    app = pilot.app
    await pilot.press("4")
    await pilot.pause()
    await pilot.press("m")
    await pilot.pause()
    assert isinstance(app.screen, FileNameDialog)
    target = Path(app.screen.query_one("#file-name").value)  # type: ignore[attr-defined]
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return target


async def test_an_export_without_downloads_goes_to_the_working_directory(tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        target = await _export_markdown(pilot)
        assert target == work / "fwadvisor-report.md" and target.is_file()
        assert any(f"Report saved to {target}" in text for text in notification_texts(app))
    assert list(home.iterdir()) == []


async def test_an_export_from_a_removed_working_directory_goes_to_the_data_folder(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "no-home"))
    monkeypatch.chdir(gone)
    gone.rmdir()
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        target = await _export_markdown(pilot)
        data = Path(os.environ["FWADVISOR_DATA_DIR"])
        assert target == data / "fwadvisor-report.md" and target.is_file()
        assert any(f"Report saved to {target}" in text for text in notification_texts(app))


async def test_a_screenshot_from_a_removed_working_directory_goes_where_exports_go(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "no-home"))
    monkeypatch.chdir(gone)
    gone.rmdir()
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        saved = app.deliver_screenshot("shot.svg")
        await pilot.pause()
        data = Path(os.environ["FWADVISOR_DATA_DIR"])
        assert saved == str(data / "shot.svg"), notification_texts(app)
        assert (data / "shot.svg").read_text(encoding="utf-8").startswith("<svg")
        assert any(f"Saved to {saved}" in text for text in notification_texts(app))


# ---- wording ---------------------------------------------------------------------------------------


async def test_one_point_is_one_point(tmp_path):
    answers = tmp_path / "android.yaml"
    answers.write_text("deploy_targets: [android]\n")  # one rule, 1 point for TensorFlow
    app = make_app(answers, save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        bars = str(app.screen.query_one("#scores", Static).render())
        assert " 1 point\n" in bars + "\n" and "0 points" in bars and "1 points" not in bars
        assert str(app.screen.query_one("#priorities", Static).render()).startswith("Margin 1 point.")


async def test_the_question_header_names_the_area_as_an_area():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # The questions that apply to no answers yet (the answered count beside the buttons counts them too).
        total = sum(1 for q in app.state.questionnaire.questions if applies(q, {}))
        header = str(app.screen.query_one("#question-position", Static).render())
        assert header == f"Question 1 of {total} · area: research · choose one"
        await pilot.press("n")
        await pilot.pause()
        assert str(app.screen.query_one("#question-position", Static).render()).endswith("choose all that apply")


async def test_the_help_keeps_a_space_between_each_key_and_its_screen():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        paragraphs = " ".join(" ".join(str(p.render()).split()) for p in app.screen.query("MarkdownParagraph"))
        assert "press 1 for the Interview, 2 for the Advice, 3 for the Profiler, 4 for the Report" in paragraphs
        assert not re.search(r"\b[1-4](interview|advice|profiler|report)\b", paragraphs, re.IGNORECASE)


async def test_the_what_would_change_list_can_be_reached_by_keyboard():
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        reasons = app.screen.query_one("#reasons", OptionList)
        last = reasons.get_option_at_index(reasons.option_count - 1)
        # No single change flips this lab's verdict: the list ends with the movers' "… and N more" line.
        assert last.id == "more-movers" and "more changes towards" in str(last.prompt) and not last.disabled
        await pilot.press("end")
        await pilot.pause()
        assert reasons.highlighted == reasons.option_count - 1


async def test_a_confident_verdict_shows_what_moves_it_most_and_what_it_would_take():
    answers = FIXTURES.parent / "scenarios" / "amd_rocm_research.yaml"
    app = make_app(answers, save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        reasons = app.screen.query_one("#reasons", OptionList)
        rows = [str(reasons.get_option_at_index(i).prompt) for i in range(reasons.option_count)]
        assert not any("No single change of one answer would change the advice" in row for row in rows)
        intro = next(i for i, row in enumerate(rows) if row.startswith("No single change of one answer would"))
        assert "towards TensorFlow" in rows[intro]
        assert rows[intro + 1].startswith("• If you") and "points towards TensorFlow" in rows[intro + 1]
        assert any(row.startswith("→ What it would take for TensorFlow") for row in rows[intro:])


@pytest.mark.parametrize(
    ("key", "needed"), [("1", ["n Next", "x Clear"]), ("2", ["e Evidence"]), ("4", ["m Markdown", "h HTML", "j JSON"])]
)
async def test_each_screens_own_footer_keys_leave_room_for_the_apps_at_80_columns(key, needed):
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
        own = [b for b in app.screen.active_bindings.values() if b.node is app.screen and b.binding.show]
        # Half the footer at most: the app's keys (screens, help, quit) need the rest.
        width = sum(len(b.binding.key_display or b.binding.key) + len(b.binding.description) + 3 for b in own)
        assert width <= 40, [b.binding.description for b in own]
        footer_row = [line for line in shown_text(app).splitlines() if line.strip()][-1]
        assert app.screen.query_one(Footer).display
        for words in needed:
            assert words in footer_row, footer_row
