"""The Report screen: the preview follows the answers and the profile, export asks before it overwrites."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Input

from conftest import record_data
from fwadvisor.profiler.documents import RunDocument
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.report import content
from fwadvisor.report.profile_model import OTHER_MACHINE_TITLE, TITLE
from fwadvisor.tui.app import FwAdvisorApp, make_app
from fwadvisor.tui.screens.dialogs import ConfirmDialog, FileNameDialog
from fwadvisor.tui.screens.report import ReportScreen

# The hand-made run below names a CPU this machine does not have: its section says whose machine it was.
OTHER_MACHINE = OTHER_MACHINE_TITLE.split("{")[0]

SIZE = (120, 40)


def _profile_document() -> RunDocument:
    """A small hand-made run (the real profiler is tested elsewhere; here only the report matters)."""

    return run_from_data(
        {
            "schema_version": 1,
            "kind": "fwadvisor-profile",
            "created": "2026-01-02T03:04:05+00:00",
            "suite": {"name": "quick", "device": "cpu", "threads": 1},
            "environment": {
                "cpu": {"model": "Test CPU 9000", "physical_cores": 4, "logical_cores": 8},
                "frameworks": {},
            },
            "workers": {
                "torch": {"status": "ok", "error": None, "hint": None, "framework_version": "2.9.0"},
                "tensorflow": {"status": "ok", "error": None, "hint": None, "framework_version": "2.20.0"},
            },
            "results": [
                record_data("torch", 123.4, benchmark="matmul", version="2.9.0"),
                record_data("tensorflow", 61.7, benchmark="matmul", version="2.20.0"),
            ],
        }
    )


def _app() -> FwAdvisorApp:
    return make_app(save_path=None, load_last_profile=False)


async def _show_report(pilot) -> ReportScreen:
    await pilot.press("4")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ReportScreen)
    return screen


async def _export(pilot, key: str, target: str) -> None:
    """Press the export key and type `target` over the default file name.

    Names are typed relative to the current folder (tmp_path): every key press is a round trip.
    """
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(pilot.app.screen, FileNameDialog)
    # The dialog's Input starts with a default name and the cursor at its end: ctrl+u clears it.
    await pilot.press("ctrl+u")
    await pilot.press(*target)
    await pilot.press("enter")
    await pilot.pause()


def _messages(app: FwAdvisorApp) -> list[tuple[str, str]]:
    """The toasts on screen as (message, severity), through public widgets only (run_test(notifications=True)).

    A toast with a title renders it on its first line; the messages these tests check are one line each,
    so the message is the last line.
    """
    found = []
    for toast in app.screen.query("Toast"):  # Textual's notification widget, found by its type name
        severity = next(s for s in ("information", "warning", "error") if toast.has_class(f"-{s}"))
        found.append((str(toast.render()).splitlines()[-1], severity))
    return found


@pytest.mark.asyncio
async def test_preview_shows_the_verdict_and_follows_changed_answers():
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _show_report(pilot)
        rec = app.state.recommendation()
        assert content.verdict_title(rec) in screen.preview_text
        assert "No profile run yet" in str(screen.query_one("#report-source").render())
        assert TITLE not in screen.preview_text
        # A changed answer shows the next time the screen is shown.
        await pilot.press("1")
        app.state.set_answer("existing_codebase", "tensorflow")
        app.state.set_answer("deploy_targets", ["browser", "microcontroller"])
        changed = app.state.recommendation()
        assert changed.summary != rec.summary
        await _show_report(pilot)
        assert changed.summary in screen.preview_text


@pytest.mark.asyncio
async def test_export_markdown_then_confirm_before_overwriting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "my report.md"
    app = _app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await _show_report(pilot)
        await _export(pilot, "m", "my report.md")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target.read_text(encoding="utf-8") == screen.preview_text
        assert (f"Report saved to {target}", "information") in _messages(app)

        # Again to the same file: it asks, and "n" leaves the old content.
        target.write_text("old content", encoding="utf-8")
        await _export(pilot, "m", "my report.md")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target.read_text(encoding="utf-8") == "old content"
        assert isinstance(app.screen, ReportScreen)

        # And "y" replaces it.
        await _export(pilot, "m", "my report.md")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target.read_text(encoding="utf-8").startswith("# fwadvisor recommendation")
        assert list(tmp_path.iterdir()) == [target]  # no temp file left behind


@pytest.mark.asyncio
async def test_export_into_a_missing_folder_is_an_error_in_plain_words(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "nope" / "r.html"
    app = _app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await _show_report(pilot)
        await _export(pilot, "h", "nope/r.html")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not target.parent.exists()
        errors = [m for m, severity in _messages(app) if severity == "error"]
        assert errors == [f"The folder {target.parent} does not exist. Create it first or choose another place."]
        assert isinstance(app.screen, ReportScreen)


@pytest.mark.asyncio
async def test_cancel_and_the_default_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await _show_report(pilot)
        await pilot.press("j")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FileNameDialog)
        assert dialog.query_one("Input", Input).value == str(tmp_path / "fwadvisor-report.json")
        await pilot.press("enter")  # the default as it is
        await app.workers.wait_for_complete()
        await pilot.pause()
        saved = json.loads((tmp_path / "fwadvisor-report.json").read_text(encoding="utf-8"))
        assert saved["recommendation"] == app.state.recommendation().recommendation
        await pilot.press("h")
        await pilot.pause()
        await pilot.press("escape")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not (tmp_path / "fwadvisor-report.html").exists()
        assert isinstance(app.screen, ReportScreen)


@pytest.mark.asyncio
async def test_a_profile_run_shows_in_the_preview_and_the_exported_html(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await _show_report(pilot)
        assert TITLE not in screen.preview_text
        # A new run arrives (as the profiler screen would store it); the preview shows it when shown again.
        await pilot.press("2")
        app.state.profile_document = _profile_document()
        app.state.profile_path = tmp_path / "profile-20260102-quick.json"
        await _show_report(pilot)
        assert OTHER_MACHINE in screen.preview_text and TITLE not in screen.preview_text
        assert "Test CPU 9000" in screen.preview_text and "torch 2.00x" in screen.preview_text
        assert "profile-20260102-quick.json" in str(screen.query_one("#report-source").render())
        target = tmp_path / "r.html"
        await _export(pilot, "h", "r.html")
        await app.workers.wait_for_complete()
        await pilot.pause()
        page = target.read_text(encoding="utf-8")
        assert f"<h2>{OTHER_MACHINE}" in page and "Test CPU 9000" in page and "<svg" in page and "123.4" in page


@pytest.mark.asyncio
async def test_command_palette_export_goes_through_the_report_screen(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "p.md"
    app = _app()
    async with app.run_test(size=SIZE) as pilot:
        await app.export_report("md")  # what the "Export report as Markdown" command runs
        await pilot.pause()
        assert isinstance(app.screen, FileNameDialog)
        await pilot.press("ctrl+u", *"p.md", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target.read_text(encoding="utf-8").startswith("# fwadvisor recommendation")
