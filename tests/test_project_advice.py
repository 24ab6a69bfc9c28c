"""Advice from the project itself: `recommend --project` and the app's "Start from a project folder"."""

from __future__ import annotations

import json

from textual.widgets import SelectionList
from tui_helpers import wait_for

from conftest import FIXTURES, run_cli
from fwadvisor.tui.app import make_app
from fwadvisor.tui.screens.interview import InterviewScreen

PROJECTS = FIXTURES / "projects"


def test_recommend_project_fills_the_gaps_and_your_answers_win(tmp_path):
    project = str(PROJECTS / "whisper_asr_service")
    data = json.loads(run_cli("recommend", "--project", project, "--format", "json").stdout)
    inferred = {item["question"]: item for item in data["inferred"]}
    assert inferred["existing_codebase"]["value"] == "pytorch"
    assert any(e.startswith("app/config.py:3: import torch") for e in inferred["existing_codebase"]["evidence"])
    assert data["answers"]["existing_codebase"] == "pytorch"
    rows = {row["id"]: row for row in data["libraries"]}
    assert {"openai-whisper", "torchaudio"} <= set(rows) and rows["openai-whisper"]["share"] > 0
    mine = tmp_path / "mine.yaml"
    mine.write_text("existing_codebase: none\ndeploy_targets: [none]\n", encoding="utf-8")
    data = json.loads(run_cli("recommend", "--project", project, "--answers", str(mine), "--format", "json").stdout)
    assert data["answers"]["existing_codebase"] == "none"  # given answers win
    assert "existing_codebase" not in {item["question"] for item in data["inferred"]}
    text = run_cli("recommend", "--project", project, "--format", "md").stdout
    assert "## Answers read from the project" in text and "app/config.py:3" in text


def test_recommend_project_refuses_a_missing_folder(tmp_path):
    result = run_cli("recommend", "--project", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "nowhere" in result.stderr and "Traceback" not in result.stderr


async def test_the_app_starts_from_a_project_folder_and_goes_on_with_the_rest():
    app = make_app(save_path=None, load_last_profile=False, project=PROJECTS / "keras_rs_keras3")
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_for(
            pilot,
            lambda: bool(app.screen.query(SelectionList)) and app.screen.query_one(SelectionList).option_count,
            30,
        )
        proposals = app.screen.query_one(SelectionList)
        assert set(proposals.selected) == {"existing_codebase", "code_users", "key_libraries"}
        proposals.deselect("code_users")  # the person does not take this one
        await pilot.click("#keep")
        assert await wait_for(pilot, lambda: "existing_codebase" in app.state.answers, 10)
        assert app.state.answers["existing_codebase"] == "tensorflow_keras3"
        assert "code_users" not in app.state.answers
        assert app.state.library_shares["keras"] > 0
        rec = app.state.recommendation()
        assert {item.question for item in rec.inferred} == {"existing_codebase", "key_libraries"}
        # the interview goes on at the first question still open
        first_open = next(q for q in app.state.questionnaire.questions if q.id not in app.state.answers)
        assert await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, InterviewScreen)
                and app.screen.index == app.state.questionnaire.questions.index(first_open)
            ),
            10,
        )
