"""The profiler screen and the app shell at 80x24 and beyond (issue #13): a results table that shows both
frameworks and the ratio, runs that survive switching screens, the last saved run on opening, quitting
mid-run only after asking, screenshots without ~/Downloads, frameworks that are not installed, footers
that fit 80 columns and one name per screen.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
import pytest
from test_tui_trust import hanging_torch, save_run_file, start_hanging_run
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, DataTable, Footer, Label, Select, Static
from tui_helpers import status_text, wait_for

from conftest import record_data
from fwadvisor.paths import runs_dir
from fwadvisor.profiler.run_environment import Environment, FrameworkInfo
from fwadvisor.profiler.run_file import load_run
from fwadvisor.tui.app import FwAdvisorApp, make_app
from fwadvisor.tui.messages import CaseStarted, EnvironmentChecked, RunFinished, RunStarted
from fwadvisor.tui.modes import MODE_TITLES
from fwadvisor.tui.screens.quit_run import QuitDuringRunDialog
from fwadvisor.tui.screens.row_details import RowDetailsScreen
from fwadvisor.tui.widgets.environment import EnvironmentPanel
from fwadvisor.tui.widgets.progress import ordered_suites

SIZES = [(80, 24), (120, 40)]
SIZE_IDS = ["80x24", "120x40"]
SAVED = "profile-20200101T000000Z-quick.json"
# A user suite with one tiny benchmark: the shortest real run in both frameworks.
MATMUL_ONLY = """\
name: matmul_only
description: Test suite - one tiny CPU matmul.
budget_s: 0.05
benchmarks:
  - benchmark: matmul
    cpu: {params: {m: 64, n: 64, k: 64}}
"""


def record(framework: str, value: float, benchmark: str, params: dict, unit: str, **extra: object) -> dict:
    data = record_data(framework, value, benchmark=benchmark)
    # Samples around the median: each row gets its 95% interval, as a real run's rows do.
    median = data["median_s"]
    data.update(params=params, metric={"name": unit, "value": value}, samples_s=[median * f for f in (0.99, 1, 1.01)])
    data.update(extra)
    return data


def saved_run(*, gpu: bool = False) -> dict:
    """A hand-made run of both frameworks over four benchmarks, every worker ok (on a GPU with % of peak)."""
    peak = {"percent_of_peak": 61.0} if gpu else {}
    shapes = [
        ("matmul", {"m": 512, "n": 512, "k": 512}, "GFLOP/s", 8.4, 173.9),
        (
            "conv2d",
            {"batch": 8, "height": 32, "width": 32, "channels_in": 32, "channels_out": 64, "kernel": 3},
            "GFLOP/s",
            10.8,
            197.4,
        ),
        ("bandwidth", {"megabytes": 128}, "GB/s", 20.3, 22.6),
        ("eager_overhead", {"ops": 100, "size": 8}, "us/op", 3.1, 74.0),
    ]
    results = []
    for benchmark, params, unit, torch_value, tf_value in shapes:
        results.append(record("torch", torch_value, benchmark, params, unit, **peak))
        results.append(record("tensorflow", tf_value, benchmark, params, unit, **peak))
    return {
        "kind": "fwadvisor-profile",
        "schema_version": 2,
        "created": "2020-01-01T00:00:00+00:00",
        "suite": {"name": "quick", "device": "cuda" if gpu else "cpu", "threads": 1},
        "environment": {"cpu": {"model": "Test CPU"}},
        "workers": {"torch": {"status": "ok", "wall_s": 2.0}, "tensorflow": {"status": "ok", "wall_s": 3.0}},
        "cancelled": False,
        "results": results,
    }


def shown_lines(widget) -> list[str]:
    """The lines a widget really draws (what the person sees, cut to its region)."""
    return [widget.render_line(y).text for y in range(widget.size.height)]


async def open_saved_run(app: FwAdvisorApp, pilot) -> DataTable:
    await pilot.press("3")
    table = app.screen.query_one("#profiler-results", DataTable)
    assert await wait_for(pilot, lambda: table.row_count == 4, 5), status_text(app)
    await pilot.pause(0.2)
    return table


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_the_table_shows_both_frameworks_and_the_ratio_of_every_row(size):
    save_run_file(SAVED, saved_run())
    app = make_app(save_path=None)
    async with app.run_test(size=size) as pilot:
        table = await open_saved_run(app, pilot)
        lines = shown_lines(table)
        header = lines[0]
        for column in ("benchmark", "PyTorch", "TensorFlow", "ahead"):
            assert column in header, header
        # Every column fits the table's width: nothing is off to the right.
        assert table.virtual_size.width <= table.size.width, (table.virtual_size, table.size)
        # At least three rows (two lines each) show, not one; each with both numbers and the ratio.
        assert table.size.height >= 7, table.size
        body = "\n".join(lines[1:7])
        for value, ratio in (("8.4", "TF 20.7x"), ("10.8", "TF 18.3x"), ("20.3", "TF 1.11x")):
            assert value in body and ratio in body, body
        assert "173.9" in body and "197.4" in body
        assert "(" in body  # the ratio's interval shows (under the ratio when narrow)
        if size == (80, 24):
            assert "GFLOP/s" in body and "512×512 @ 512×512" in body  # metric and shape on the second lines


async def test_on_a_gpu_percent_of_peak_is_a_column_where_there_is_room_and_always_in_the_details():
    save_run_file(SAVED, saved_run(gpu=True))
    app = make_app(save_path=None)
    async with app.run_test(size=(120, 40)) as pilot:
        table = await open_saved_run(app, pilot)
        assert "% of peak" in shown_lines(table)[0]
        assert "61%" in "\n".join(shown_lines(table))
    app = make_app(save_path=None)
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_saved_run(app, pilot)
        assert "% of peak" not in shown_lines(table)[0]  # no room: the details view has it
        table.focus()
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, RowDetailsScreen)
        facts = str(app.screen.query_one("#row-facts", Static).content)
        assert "PyTorch: 8.4" in facts and "TensorFlow: 173.9" in facts
        assert "61% of the device's peak" in facts
        assert "95% interval" in facts and "TF 20.7x" in facts
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RowDetailsScreen)


async def test_the_profiler_opens_with_the_last_saved_run_labelled_with_its_date_and_machine():
    save_run_file(SAVED, saved_run())
    app = make_app(save_path=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_saved_run(app, pilot)
        status = status_text(app)
        assert "Last saved run: suite quick, 2020-01-01 00:00, cpu (Test CPU)" in status, status
        assert "r runs again" in status and SAVED in status
        notes = {str(label.id): str(label.content) for label in app.screen.query(".progress-note").results(Label)}
        # One per framework, each a Label: the run's two say how they ended, a third says it was not in it.
        ran = [notes["progress-note-torch"], notes["progress-note-tensorflow"]]
        assert all(note.startswith("done in") for note in ran), notes
        assert notes["progress-note-jax"] in ("not in this run", "✗ not installed: pip install 'fwadvisor[jax]'")
        assert "not run yet" not in " ".join(notes.values())


def install_matmul_only() -> None:
    profiles = Path(os.environ["FWADVISOR_CONFIG_DIR"]) / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    (profiles / "matmul_only.yaml").write_text(MATMUL_ONLY, encoding="utf-8")


async def test_a_run_goes_on_while_another_screen_shows_with_its_progress_in_the_header():
    install_matmul_only()
    messages: list[Message] = []
    headers: list[str] = []
    # The two frameworks this test has always run: JAX's worker would add a minute on a loaded machine.
    app = make_app(save_path=None, load_last_profile=False, installed=lambda fw: fw != "jax")
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await pilot.press("3")
        await pilot.pause()
        app.screen.query_one("#profiler-suite", Select).value = "matmul_only"
        await pilot.pause()
        await pilot.press("r")
        await pilot.press("2")  # the advice, at once: the run must not stop
        assert app.current_mode == "advice"

        def finished() -> bool:
            if any(isinstance(m, CaseStarted) for m in messages):
                headers.append(app.sub_title)
            return any(isinstance(m, RunFinished) for m in messages)

        assert await wait_for(pilot, finished, 120)
        await pilot.pause(0.3)
        assert app.current_mode == "advice"
        document = next(m for m in messages if isinstance(m, RunFinished)).document
        assert not document.cancelled
        assert sorted(r.framework for r in document.results if r.error is None) == ["tensorflow", "torch"]
        assert any(h.startswith("Profiling ") for h in headers), headers  # every screen's header says how far
        assert not app.sub_title.startswith("Profiling")  # and stops saying it once the run ended
        titles = [n.title for n in app._notifications]
        assert "Profile finished and saved" in titles, titles
        assert app.state.profile_document is document
        # Back on the profiler, Enter opens the first row's details: it never starts another run.
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, RowDetailsScreen)
        assert len({id(m) for m in messages if isinstance(m, RunStarted)}) == 1  # no second run began


async def test_quitting_during_a_run_asks_first_then_cancels_and_saves_the_partial_run(tmp_path):
    messages: list[Message] = []
    app = make_app(save_path=None, load_last_profile=False, worker_env=hanging_torch(tmp_path))
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await start_hanging_run(app, pilot, messages)
        await pilot.press("2")
        await pilot.press("ctrl+q")
        await pilot.pause(0.2)
        assert isinstance(app.screen, QuitDuringRunDialog)
        await pilot.press("n")  # keep running
        await pilot.pause(0.2)
        assert app.is_running and app.profile_run.running
        await pilot.press("ctrl+q")
        await pilot.pause(0.2)
        await pilot.press("y")
        assert await wait_for(pilot, lambda: not app.is_running, 10)
    saved = list(runs_dir().glob("profile-*-three_cases.json"))
    assert len(saved) == 1 and load_run(saved[0]).cancelled


async def test_a_screenshot_without_downloads_goes_to_the_working_directory(tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_screenshot()
        assert await wait_for(pilot, lambda: list(work.glob("*.svg")), 5)
        await pilot.pause(0.2)
        shot = next(work.glob("*.svg"))
        assert shot.read_text(encoding="utf-8").startswith("<svg")
        messages = [str(n.message) for n in app._notifications]
        assert any(str(shot) in message for message in messages), messages
        assert not any("Failed" in message for message in messages)


async def test_a_framework_that_is_not_installed_cannot_be_ticked_and_says_so():
    # Every package found (JAX too, whatever this computer has); then the machine check finds no TensorFlow.
    app = make_app(save_path=None, load_last_profile=False, installed=lambda fw: True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        panel = app.screen.query_one(EnvironmentPanel)
        # The check starts a process per framework: on a loaded 2-core machine that took over 30 s.
        assert await wait_for(pilot, app.machine_check.known.is_set, 90)
        await pilot.pause(0.2)
        environment = msgspec.structs.replace(
            app.machine_check.environment or Environment(),
            frameworks={
                "torch": FrameworkInfo(installed=True, version="2.0", gpu_available=False),
                "tensorflow": FrameworkInfo(installed=False, version=None, hint="pip install 'fwadvisor[tensorflow]'"),
            },
        )
        panel.post_message(EnvironmentChecked(environment))  # what the check reports without TensorFlow
        await pilot.pause(0.2)
        box = app.screen.query_one("#profiler-use-tensorflow", Checkbox)
        assert box.disabled and not box.value
        await pilot.click("#profiler-use-tensorflow")
        assert not box.value
        note = str(app.screen.query_one("#progress-note-tensorflow").content)  # type: ignore[attr-defined]
        assert note.startswith("✗ not installed: pip install 'fwadvisor[tensorflow]'"), note
        assert "not chosen" not in note
        assert app.screen.controls.chosen_frameworks() == ["torch", "jax"]  # type: ignore[attr-defined]


async def test_the_footer_fits_80_columns_and_every_screen_has_one_name():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("1", "2", "3", "4"):
            await pilot.press(key)

            def footer_words() -> tuple[list[Widget], str]:
                shown = [w for w in app.screen.query_one(Footer).query("FooterKey, FooterLabel") if w.region.width]
                return shown, " ".join(str(getattr(w, "description", "") or w.render()) for w in shown)

            # The footer is drawn a few frames after the switch: a loaded machine took more than 0.2 s.
            await wait_for(pilot, lambda: "Screens" in footer_words()[1], 10)
            shown, words = footer_words()
            assert "Help" in words and "Quit" in words and "Screens" in words, (key, words)
            # Every key is drawn inside the 80 columns (none cut off at the right edge).
            assert all(w.region.right <= 80 for w in shown), (key, [(words, w.region) for w in shown])
        assert MODE_TITLES["advice"] == "Advice"
        commands = [command.title for command in app.get_system_commands(app.screen)]
        assert "Go to Advice" in commands and not any("Recommendation" in title for title in commands)


async def test_suites_are_listed_quick_standard_full_practice_cluster_with_their_time_and_description():
    install_matmul_only()
    assert ordered_suites()[:5] == ["quick", "standard", "full", "practice", "cluster"]
    assert ordered_suites()[5:] == ["matmul_only"]
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        select = app.screen.query_one("#profiler-suite", Select)
        prompts = [str(prompt) for prompt, _ in select._options]
        assert prompts[0].startswith("quick ~1 min") and prompts[1].startswith("standard")
        select.value = "practice"
        await pilot.pause(0.2)
        status = status_text(app)
        assert "Suite practice: Train a small CNN and LSTM" in status and "on a CPU" in status, status
