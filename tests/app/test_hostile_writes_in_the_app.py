"""Hostile writes from the app: a read-only or private saved interview, an export name ending in a
slash, and two app windows on one data folder never lose or overwrite answers silently.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml
from hostile_writes_helpers import ANSWERS

from fwadvisor.tui.app import FwAdvisorApp, make_app

SIZE = (100, 30)


def _notifications(app: FwAdvisorApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def _saved() -> Path:
    return Path(os.environ["FWADVISOR_DATA_DIR"]) / "answers.yaml"


async def test_two_app_windows_on_one_data_folder_keep_each_others_answers():
    # Both windows open on the same (empty) saved interview before either saves anything.
    first, second = make_app(load_last_profile=False), make_app(load_last_profile=False)
    async with first.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # primary_goal: research
        await pilot.pause()
    assert yaml.safe_load(_saved().read_text()) == {"primary_goal": "research"}
    async with second.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("n", "down", "down", "space")  # domains: llm (primary_goal left alone)
        await pilot.pause()
        assert second.state.save_error is None, second.state.save_error
        # The other window's answer is in this one too now, so the next save keeps it as well.
        assert second.state.answers == {"primary_goal": "research", "domains": ["llm"]}
    assert yaml.safe_load(_saved().read_text()) == {"primary_goal": "research", "domains": ["llm"]}


async def test_two_app_windows_that_change_one_answer_differently_are_told_not_overwritten():
    first, second = make_app(load_last_profile=False), make_app(load_last_profile=False)
    async with first.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # primary_goal: research
        await pilot.pause()
    async with second.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("down", "enter")  # primary_goal: production, in the other window
        await pilot.pause()
        told = "\n".join(_notifications(second))
        assert "primary_goal" in told and "another fwadvisor" in told, told
        assert second.state.answers["primary_goal"] == "production"  # kept in this window
    assert yaml.safe_load(_saved().read_text()) == {"primary_goal": "research"}


async def test_the_app_does_not_write_over_a_read_only_saved_interview():
    saved = _saved()
    saved.parent.mkdir(parents=True)
    saved.write_text("primary_goal: research\n")
    saved.chmod(0o444)
    app = make_app(load_last_profile=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("n", "down", "down", "space")  # domains: llm
        await pilot.pause()
        assert app.state.answers == {"primary_goal": "research", "domains": ["llm"]}
        told = "\n".join(_notifications(app))
        assert "read-only" in told, told
    assert saved.read_text() == "primary_goal: research\n"


async def test_the_app_keeps_a_private_saved_interview_private():
    saved = _saved()
    saved.parent.mkdir(parents=True)
    saved.write_text("primary_goal: research\n")
    saved.chmod(0o600)
    app = make_app(load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("n", "down", "down", "space")  # domains: llm
        await pilot.pause()
    assert yaml.safe_load(saved.read_text()) == {"primary_goal": "research", "domains": ["llm"]}
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600


@pytest.mark.parametrize("typed", ["newdir/", "newdir/."])
async def test_the_app_export_refuses_a_name_ending_in_a_slash(tmp_path, monkeypatch, typed):
    from fwadvisor.tui.screens.dialogs import FileNameDialog

    monkeypatch.chdir(tmp_path)
    app = make_app(ANSWERS, save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, FileNameDialog)
        app.screen.query_one("Input").value = f"{tmp_path}/{typed}"  # type: ignore[attr-defined]
        await pilot.press("enter")
        # The export's worker waits on the dialog, which must stay open: no wait_for_complete here.
        await pilot.pause()
        await pilot.pause()
        told = "\n".join(_notifications(app))
        assert "folder" in told, told
        assert isinstance(app.screen, FileNameDialog), "the dialog closed on a name that is not a file's"
    assert not (tmp_path / "newdir").exists(), "a file named like the folder was written"
