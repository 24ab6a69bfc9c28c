"""Project advice in the app: it starts from a project folder and goes on with the rest of the questions."""

from __future__ import annotations

from project_advice_helpers import PROJECTS
from textual.widgets import SelectionList
from tui_helpers import wait_for

from fwadvisor.tui.app import make_app
from fwadvisor.tui.screens.interview import InterviewScreen


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
