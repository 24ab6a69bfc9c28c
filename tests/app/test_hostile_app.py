"""The app under careless and hostile input (issue 10): tiny terminals, a data folder that cannot be
written, a damaged answers file, an unreadable newest run, control characters in outside text, and
the exit status after a crash. Pilot drives the app; the real CLI runs in a pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
import yaml
from textual.widgets import OptionList, Select, Static

from conftest import FIXTURES, REPO, record_data
from fwadvisor.profiler.documents import encode_run
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.tui.app import FwAdvisorApp, make_app
from fwadvisor.tui.screens.dialogs import EvidenceDialog, FileNameDialog
from fwadvisor.tui.screens.help import HelpScreen
from fwadvisor.tui.widgets.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallNotice

LAB = FIXTURES / "answers" / "good_research_lab.yaml"
SIZE = (100, 30)
# C0 and C1 controls a hostile file could carry: clear the screen, the CSI introducer, a bell, a NUL.
CONTROLS = ("\x1b", "\x9b", "\x07", "\x00")


def data_dir() -> Path:
    return Path(os.environ["FWADVISOR_DATA_DIR"])


def notice_shown(app: FwAdvisorApp) -> bool:
    """Whether the current screen shows the too-small notice and nothing else."""
    screen = app.screen
    notice = screen.query_one(TooSmallNotice)
    others = [child for child in screen.children if child is not notice and child.display]
    return bool(notice.display) and not others


def notification_texts(app: FwAdvisorApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


# ---- tiny terminals --------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(30, 8), (20, 5), (10, 3)], ids=["30x8", "20x5", "10x3"])
async def test_a_tiny_terminal_shows_a_notice_on_every_screen_and_dialog(size):
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert notice_shown(app)
        assert "Terminal too small" in " ".join(str(app.screen.query_one(TooSmallNotice).render()).split())
        for keys, screen_type in (
            (["2"], "RecommendationScreen"),
            (["e"], "EvidenceDialog"),
            (["escape", "4"], "ReportScreen"),
            (["m"], "FileNameDialog"),
            (["escape", "f1"], "HelpScreen"),
            (["escape", "3"], "ProfilerScreen"),
            (["1", "n", "space"], "InterviewScreen"),
        ):
            await pilot.press(*keys)
            await pilot.pause()
            assert type(app.screen).__name__ == screen_type
            assert notice_shown(app), screen_type
        # Large enough again: everything is back as it was.
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        assert not app.screen.query_one(TooSmallNotice).display
        assert app.screen.query_one("#question-prompt", Static).display
    assert app.return_code in (None, 0)


async def test_shrinking_any_screen_below_the_minimum_and_back_does_not_crash():
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        for keys in (["2"], ["e"], ["escape", "4"], ["m"], ["escape", "f1"], ["escape", "1"], ["ctrl+p"]):
            await pilot.press(*keys)
            await pilot.pause()
            for width, height in ((60, 20), (39, 10), (40, 9), (30, 8), (20, 5), (10, 3), (1, 1), SIZE):
                await pilot.resize_terminal(width, height)
                await pilot.pause()
            assert not app.screen.query(TooSmallNotice) or not notice_shown(app)
        await pilot.press("escape")  # the command palette
        await pilot.pause()
        assert app.current_mode == "interview" and app.screen.query_one("#question-prompt", Static).display
    assert app.return_code in (None, 0)


def _winsize(fd: int, rows: int, columns: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def run_app_in_terminal(
    args: list[str], rows: int, columns: int, *, type_when: str | None = None, timeout: float = 60
) -> tuple[int, str]:
    """Start `python <args>` in a pseudo-terminal of the given size; once its output shows
    `type_when`, type Ctrl+Q. Returns its exit status and everything it wrote."""
    master, slave = pty.openpty()
    _winsize(slave, rows, columns)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns), "LINES": str(rows)}
    process = subprocess.Popen(
        [sys.executable, *args], stdin=slave, stdout=slave, stderr=slave, cwd=REPO, env=env, close_fds=True
    )
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + timeout
    typed = type_when is None
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal: it has exited
                break
            if not chunk:
                break
            output.extend(chunk)
            if not typed and type_when is not None and type_when.encode() in output:
                time.sleep(0.5)  # the app is painting: its key handling is on by now
                os.write(master, b"\x11")
                typed = True
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return code, output.decode("utf-8", "replace")


def test_the_app_in_a_30x8_terminal_opens_and_quits_cleanly():
    code, output = run_app_in_terminal(["-m", "fwadvisor"], rows=8, columns=30, type_when="Terminal")
    assert "Traceback" not in output and "Error" not in output, output[-2000:]
    assert code == 0
    assert "Terminal" in output  # the notice, not the interview squeezed to nothing


def test_a_crash_in_the_app_exits_non_zero():
    """Textual sets the app's return code on an unhandled exception; the CLI must exit with it.

    No real input crashes the app any more, so one handler is made to fail here (the only thing
    changed: the app's own behaviour is what is under test in the other tests)."""
    script = (
        "import sys\n"
        "from fwadvisor.tui.app import FwAdvisorApp\n"
        "def fail(self): raise RuntimeError('injected failure')\n"
        "FwAdvisorApp.on_mount = fail\n"
        "from fwadvisor.cli import main\n"
        "sys.exit(main([]))\n"
    )
    code, output = run_app_in_terminal(["-c", script], rows=24, columns=80)
    assert "injected failure" in output
    assert code != 0


# ---- answers that cannot be saved, a damaged answers file --------------------------------------


@pytest.mark.parametrize("where", ["a file", "/proc"])
async def test_answers_that_cannot_be_saved_keep_the_app_alive(where, monkeypatch, tmp_path):
    if where == "a file":
        blocker = tmp_path / "data"
        blocker.write_text("not a folder\n")
        monkeypatch.setenv("FWADVISOR_DATA_DIR", str(blocker))
    else:
        monkeypatch.setenv("FWADVISOR_DATA_DIR", "/proc/fwadvisor-cannot-be-here")
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # primary_goal: research: the first answer, the first save
        await pilot.press("n", "down", "down", "space")  # domains: llm
        await pilot.pause()
        assert app.state.answers == {"primary_goal": "research", "domains": ["llm"]}
        told = [text for text in notification_texts(app) if "could not be saved" in text]
        assert len(told) == 1, notification_texts(app)  # said once, not at every answer
        await pilot.press("2")
        await pilot.pause()
        assert str(app.screen.query_one("#verdict", Static).render()).startswith("PyTorch")
    assert app.return_code in (None, 0)


async def test_an_answers_file_given_while_the_data_folder_cannot_be_written(monkeypatch, tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("not a folder\n")
    monkeypatch.setenv("FWADVISOR_DATA_DIR", str(blocker))
    app = make_app(LAB)  # nothing is written at start: the file's answers are a session of their own
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert app.state.answers["primary_goal"] == "research"
        assert not any("could not be saved" in text for text in notification_texts(app))
        # Saving them as the interview fails: said, not raised.
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert any("could not be saved" in text for text in notification_texts(app))
        assert app.state.answers_file == LAB  # still the file's session
    assert blocker.read_text() == "not a folder\n"


async def test_a_saved_answers_file_with_one_bad_value_keeps_the_rest_and_the_file():
    saved = data_dir() / "answers.yaml"
    saved.parent.mkdir(parents=True)
    good = yaml.safe_load(LAB.read_text())
    text = LAB.read_text().replace("serving_stack: vllm_or_sglang", "serving_stack: [not, a, choice]")
    saved.write_text(text)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        # Every valid answer is kept; the bad one is named, with its line, and the file is backed up.
        assert app.state.answers == {k: v for k, v in good.items() if k != "serving_stack"}
        warning = "\n".join(notification_texts(app))
        assert "serving_stack" in warning and "answers.yaml:5" in warning and "kept as" in warning
        backups = list(saved.parent.glob("answers.yaml.bad-*"))
        assert len(backups) == 1 and backups[0].read_text() == text
        # The next answer saves the valid answers (and the new one); the backup stays as it was.
        await pilot.press("enter")
        await pilot.pause()
        assert yaml.safe_load(saved.read_text()) == app.state.answers
        assert len(app.state.answers) == len(good) - 1
        assert backups[0].read_text() == text


async def test_a_saved_answers_file_with_an_impossible_date_starts_the_app_and_says_what_it_dropped():
    # YAML 1.1 reads 2026-02-30 as a date and PyYAML raised ValueError: the app did not start until
    # the file was edited by hand. Now it is text, and text that is not a choice.
    saved = data_dir() / "answers.yaml"
    saved.parent.mkdir(parents=True)
    saved.write_text("primary_goal: research\nteam_experience: 2026-02-30\ntraining_scale: 25:00\n")
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert app.state.answers == {"primary_goal": "research"}
        warning = "\n".join(notification_texts(app))
        assert "answers.yaml:2" in warning and "'2026-02-30'" in warning
        assert "answers.yaml:3" in warning and "'25:00'" in warning


async def test_a_saved_answers_fifo_is_never_written_to():
    saved = data_dir() / "answers.yaml"
    saved.parent.mkdir(parents=True)
    os.mkfifo(saved)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("enter")  # an answer: saving it would block on the FIFO for good
        await pilot.pause()
        assert app.state.answers == {"primary_goal": "research"}
        assert any("will not be saved" in text for text in notification_texts(app))
    assert saved.is_fifo()


# ---- an unreadable newest run --------------------------------------------------------------------


def _run(cpu: str, value: object) -> dict:
    """A small hand-made run document (the real profiler is tested elsewhere)."""
    return {
        "schema_version": 1,
        "kind": "fwadvisor-profile",
        "created": "2026-01-02T03:04:05+00:00",
        "suite": {"name": "quick", "device": "cpu", "threads": 1},
        "environment": {"cpu": {"model": cpu, "physical_cores": 4, "logical_cores": 8}, "frameworks": {}},
        "workers": {
            "torch": {"status": "ok", "error": None, "hint": None, "framework_version": "1.0"},
            "tensorflow": {"status": "ok", "error": None, "hint": None, "framework_version": "1.0"},
        },
        "results": [record_data("torch", value), record_data("tensorflow", value)],
    }


@pytest.mark.parametrize("bad", ['"fast"', "[1, 2]", "NaN", "Infinity"])
async def test_an_unreadable_newest_run_is_skipped_with_a_notice(bad):
    import json

    runs = data_dir() / "runs"
    runs.mkdir(parents=True)
    (runs / "profile-20260101-000000-quick.json").write_bytes(encode_run(run_from_data(_run("Older CPU", 100.0))))
    newest = json.dumps(_run("Bad CPU", 0.0), indent=2).replace('"value": 0.0', f'"value": {bad}')
    (runs / "profile-20260102-000000-quick.json").write_text(newest)
    app = make_app(LAB, save_path=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        priorities = str(app.screen.query_one("#priorities", Static).render())
        assert "profile-20260102-000000-quick.json could not be read" in priorities
        assert "using profile-20260101-000000-quick.json" in priorities
        await pilot.press("4")
        await pilot.pause()
        await pilot.pause()
        source = str(app.screen.query_one("#report-source").render())
        assert "could not be read" in source
        preview = app.screen.preview_text  # type: ignore[attr-defined]
        assert "Older CPU" in preview and "Bad CPU" not in preview
    assert app.return_code in (None, 0)


# ---- control characters and markup in outside text -----------------------------------------------

HOSTILE_RULE = r"""rules:
  - id: hostile-text
    area: team
    when: {question: team_experience, equals: pytorch}
    effect: favor
    framework: pytorch
    weight: 1
    message: "Cleared \e[2J\e[H the screen \x9b31m and [bold red]markup[/] [/usr/lib/x]\a end."
    evidence:
      - {source: "https://example.org/\e[2Jpage", checked: 2026-11-27}
    tests:
      - {answers: {team_experience: pytorch}, fires: true}
      - {answers: {}, fires: false}
"""


async def test_control_characters_and_markup_in_rule_text_never_reach_the_screen(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "hostile.yaml").write_text(HOSTILE_RULE)
    app = make_app(LAB, save_path=None, rules_dirs=[rules], load_last_profile=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert str(app.screen.query_one("#verdict", Static).render()).startswith("PyTorch")
        reasons = app.screen.query_one("#reasons", OptionList)
        ids = [reasons.get_option_at_index(i).id for i in range(reasons.option_count)]
        index = ids.index("reason:hostile-text")
        line = str(reasons.get_option_at_index(index).prompt)
        assert "[bold red]markup[/] [/usr/lib/x]" in line  # shown as written
        assert not any(c in line for c in CONTROLS) and "\ufffd" in line
        screen_svg = app.export_screenshot()
        assert not any(c in screen_svg for c in CONTROLS)
        reasons.highlighted = index
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, EvidenceDialog)
        shown = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "[bold red]markup[/]" in shown and "https://example.org/" in shown
        assert not any(c in shown for c in CONTROLS)
        assert not any(c in app.export_screenshot() for c in CONTROLS)


async def test_a_suite_file_name_with_control_characters_is_listed_cleaned(tmp_path):
    profiles = Path(os.environ["FWADVISOR_CONFIG_DIR"]) / "profiles"
    profiles.mkdir(parents=True)
    name = "evil\x1b[2J[red]suite"
    (profiles / f"{name}.yaml").write_text((FIXTURES / "suites" / "tiny.yaml").read_text())
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.pause()
        select = app.screen.query_one("#profiler-suite", Select)
        prompts = [str(prompt) for prompt, _ in app.screen.query_one("#profiler-controls").suites]  # type: ignore[attr-defined]
        assert any(prompt == "evil\ufffd[2J[red]suite" for prompt in prompts)
        assert not any(c in prompt for prompt in prompts for c in CONTROLS)
        select.value = name
        await pilot.pause()
        assert not any(c in app.export_screenshot() for c in CONTROLS)


async def test_a_report_path_with_markup_is_told_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, FileNameDialog)
        dialog_input = app.screen.query_one("Input")
        dialog_input.value = str(tmp_path / "[bold]missing" / "r\x1b[2J.md")  # type: ignore[attr-defined]
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        told = [n for n in app._notifications if "does not exist" in n.message]
        assert len(told) == 1 and not told[0].markup  # shown as written, not read as markup
        assert "[bold]missing does not exist" in told[0].message and "\x1b" not in told[0].message
    assert app.return_code in (None, 0)


async def test_at_the_minimum_size_the_screens_show_their_content():
    app = make_app(LAB, save_path=None, load_last_profile=False)
    async with app.run_test(size=(MIN_WIDTH, MIN_HEIGHT)) as pilot:
        await pilot.pause()
        assert not app.screen.query_one(TooSmallNotice).display
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and not app.screen.query_one(TooSmallNotice).display
    assert app.return_code in (None, 0)
