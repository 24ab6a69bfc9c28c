"""The app driven with Pilot as a person would: keyboard walk, answers saved, advice updates, help, palette."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import yaml
from textual.widgets import OptionList, SelectionList, Static

from conftest import FIXTURES, REPO
from fwadvisor.tui.app import make_app
from fwadvisor.tui.screens.dialogs import EvidenceDialog
from fwadvisor.tui.screens.help import HelpScreen
from fwadvisor.tui.screens.interview import InterviewScreen, OneChoiceList

SIZE = (120, 40)


async def test_keyboard_walk_answers_are_saved_and_advice_follows(tmp_path):
    saved = tmp_path / "answers.yaml"
    app = make_app(save_path=saved, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert type(app.screen.query_one("#choices")) is OneChoiceList  # one choice: radio marks
        await pilot.press("enter")  # primary_goal: the first choice, research
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen.query_one("#choices"), SelectionList)
        await pilot.press("down", "down", "space")  # domains: llm
        # Skip through to model_sources; on_device_work is passed over (no device target answered).
        await pilot.press("n", "s", "s", "s", "s", "s", "s", "s", "s")
        await pilot.pause()
        # Counted among the questions that apply, as the answered count beside the buttons is.
        assert "Question 11 of 13" in str(app.screen.query_one("#question-position", Static).render())
        assert "of 13 answered" in str(app.screen.query_one("#answered-progress", Static).render())
        await pilot.press("space", "n")  # model_sources: huggingface
        await pilot.pause()
        assert app.state.answers == {"primary_goal": "research", "domains": ["llm"], "model_sources": ["huggingface"]}
        assert yaml.safe_load(saved.read_text()) == app.state.answers  # saved as they go
        await pilot.press("n", "n")  # past key_libraries and priorities, the last questions: the advice
        await pilot.pause()
        assert app.current_mode == "advice"
        verdict = str(app.screen.query_one("#verdict", Static).render())
        assert verdict.startswith("PyTorch")
        options = app.screen.query_one("#reasons", OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "reason:hf-transformers-v5-pytorch-only" in ids

        # Change an answer and come back: the advice changes at once.
        await pilot.press("1")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        await screen.show_question(10)  # existing_codebase
        await pilot.press("down", "enter")  # tensorflow
        await screen.show_question(9)  # team_experience
        await pilot.press("enter")  # tensorflow
        await pilot.press("2")
        await pilot.pause()
        assert app.state.answers["existing_codebase"] == "tensorflow"
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        # TF2 code weighs less when the work (LLMs from Hugging Face) needs PyTorch-only libraries.
        assert "reason:existing-tensorflow-codebase-outweighed" in ids


async def test_space_picks_a_one_answer_choice_as_enter_does():
    """The help says "space or enter" for every question; space once did nothing on a one-answer one."""
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "space")
        await pilot.pause()
        assert app.state.answers == {"primary_goal": "prototyping"}
        await pilot.press("up", "enter")
        await pilot.pause()
        assert app.state.answers == {"primary_goal": "production"}


async def test_evidence_is_one_keypress_away():
    app = make_app(FIXTURES / "answers" / "good_research_lab.yaml", save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EvidenceDialog)
        text = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "checked 2026-" in text and "https://" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, EvidenceDialog)


async def test_answers_file_opens_filled_in_and_resume_from_saved(tmp_path):
    """An answers file opens filled in, as a session of its own: the saved interview comes back next time."""
    saved = tmp_path / "answers.yaml"
    saved.write_text("primary_goal: learning\n")
    app = make_app(FIXTURES / "answers" / "good_research_lab.yaml", save_path=saved, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.state.answers["primary_goal"] == "research"
    resumed = make_app(save_path=saved, load_last_profile=False)
    assert resumed.state.answers == {"primary_goal": "learning"}


async def test_help_and_faq_and_command_palette():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Go to Advice")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.current_mode == "advice"


async def test_nothing_answered_shows_either_and_says_how_to_start():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert str(app.screen.query_one("#verdict", Static).render()).startswith("Either framework")


async def test_light_theme_renders():
    app = make_app(FIXTURES / "answers" / "good_research_lab.yaml", save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "textual-light"
        await pilot.press("2")
        await pilot.pause()
        assert app.screen.query_one("#verdict", Static).render()


def test_app_starts_without_the_frameworks_installed(tmp_path):
    """Frameworks made to fail on import: the app starts, every screen opens, nothing imports them."""
    fake = tmp_path / "fake"
    for name in ("torch", "tensorflow"):
        (fake / name).mkdir(parents=True)
        (fake / name / "__init__.py").write_text(f"raise ImportError('simulated: {name} is not installed')\n")
    script = textwrap.dedent("""
        import asyncio, sys
        from fwadvisor.tui.app import make_app

        async def main():
            app = make_app(save_path=None, load_last_profile=False)
            async with app.run_test(size=(100, 30)) as pilot:
                for key in ("2", "3", "4", "1"):
                    await pilot.press(key)
                    await pilot.pause(0.2)
            print("modules:", [m for m in ("torch", "tensorflow") if m in sys.modules])

        asyncio.run(main())
    """)
    env = {**os.environ, "PYTHONPATH": f"{fake}{os.pathsep}{REPO}"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "modules: []" in result.stdout


async def test_answers_that_contradict_each_other_are_refused_as_you_pick():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, InterviewScreen)
        ids = [q.id for q in app.state.questionnaire.questions]
        await screen.show_question(ids.index("priorities"))
        await pilot.press("space", "down", "space", "down", "space", "down", "space")  # a fourth one
        await pilot.pause()
        assert len(app.state.answers["priorities"]) == 3
        assert len(screen.query_one("#choices", SelectionList).selected) == 3
        assert "At most 3" in str(screen.query_one("#question-help", Static).render())

        # "Nowhere yet" stands alone, and the serving question goes with it.
        await screen.show_question(ids.index("deploy_targets"))
        await pilot.press("space")  # cloud_server
        await pilot.pause()
        app.state.set_answer("serving_stack", "triton")
        await pilot.press(*["down"] * 7, "space")  # none
        await pilot.pause()
        assert app.state.answers["deploy_targets"] == ["none"]
        assert "serving_stack" not in app.state.answers  # no longer applies: put aside
        # A slip: unpicking "Nowhere yet" picks the targets it unpicked again, and the serving
        # answer put aside comes back with them (the person has not left the question).
        await pilot.press("space")
        await pilot.pause()
        assert app.state.answers["deploy_targets"] == ["cloud_server"]
        assert app.state.answers["serving_stack"] == "triton"
        await pilot.press("space")  # "Nowhere yet" again; this time the person moves on
        await pilot.pause()
        assert app.state.answers["deploy_targets"] == ["none"]
        # Next passes over the serving and on-device questions, which do not apply now.
        await pilot.press("n")
        await pilot.pause()
        assert screen.index == ids.index("accelerators")
        await pilot.press("b")
        await pilot.pause()
        assert screen.index == ids.index("deploy_targets")


async def test_advice_shows_the_split_plan_alternatives_and_fact_dates():
    app = make_app(
        REPO / "tests" / "scenarios" / "tf_serving_estate_adds_llm.yaml", save_path=None, load_last_profile=False
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        options = app.screen.query_one("#reasons", OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "plan:0" in ids and "plan:1" in ids and "plan:meet" in ids
        assert re.search(r"checked (on|between) 2026-", str(app.screen.query_one("#priorities", Static).render()))
        whatifs = [i for i in ids if i and i.startswith("whatif:")]
        assert 0 < len(whatifs) <= 5  # reachable by keyboard: enabled options
        options.highlighted = ids.index("plan:meet")
        await pilot.press("e")
        await pilot.pause()
        text = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "H = primary source quoted" in text
    tpu = make_app(
        REPO / "tests" / "scenarios" / "tpu_first_llm_research.yaml", save_path=None, load_last_profile=False
    )
    async with tpu.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        options = tpu.screen.query_one("#reasons", OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "alternative:jax-maxtext-tpu-and-large-scale" in ids
