"""The fwadvisor Textual app. `make_app()` builds it for the CLI and for the tests alike."""

from __future__ import annotations

import asyncio
import gc
import signal
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.worker import Worker

from fwadvisor.profiler.stop_signals import SIGNALS_TO_FORCE, STOP_SIGNALS, stop_signals_not_ignored
from fwadvisor.safe_text import clean, one_line
from fwadvisor.tui.machine_check import MachineCheck
from fwadvisor.tui.modes import MODE_SCREENS, MODE_TITLES, SCREEN_TOOLTIPS, SCREENS_GROUP
from fwadvisor.tui.profile_run import ProfileRun
from fwadvisor.tui.screens.base import AdvisorScreen
from fwadvisor.tui.state import AdvisorState, load_saved_answers, output_folder
from fwadvisor.tui.widgets import too_small
from fwadvisor.tui.worker_errors import GuardedWorkers

if TYPE_CHECKING:
    from fwadvisor.advisor.evidence import ProfileEvidence
    from fwadvisor.tui.saved_runs import ProfileLookup

# Bad answers listed when the app starts; the rest are counted (each is in the backed-up file).
MAX_LISTED_PROBLEMS = 5
# Quitting mid-run waits this long at most for the cancelled run to be saved (it takes well under a second).
QUIT_WAIT_S = 10.0


class FwAdvisorApp(App[None]):
    """Interview -> recommendation -> profiler -> report, all from the keyboard or the mouse."""

    TITLE = "fwadvisor"
    SUB_TITLE = "TensorFlow or PyTorch, for your project"
    CSS_PATH = "fwadvisor.tcss"
    # Screens are imported when first shown, so the first paint pays only for the interview.
    MODES = MODE_SCREENS
    DEFAULT_MODE = "interview"
    BINDINGS = [
        *(
            Binding(
                str(number),
                f"switch_mode('{mode}')",
                title,
                tooltip=f"{number} {title}: {SCREEN_TOOLTIPS[mode]}",
                group=SCREENS_GROUP,
            )
            for number, (mode, title) in enumerate(MODE_TITLES.items(), start=1)
        ),
        Binding("f1,question_mark", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, state: AdvisorState, project: Path | None = None):
        # Every question of the saved interview answered: the person came back for the advice, so the
        # app opens on it (the interview is a key away, 1). An answers file or a project folder to
        # scan opens on the interview, where their answers are shown.
        if project is None and state.answers_file is None and state.answers and state.all_answered():
            self.DEFAULT_MODE = "advice"  # type: ignore[misc]
        super().__init__()
        self.state = state
        self.start_project = project  # `fwadvisor --project PATH`: scan it as the app opens
        # The header's sub-title while no profile runs (a run shows its progress there on every screen).
        self.idle_sub_title = self.SUB_TITLE
        # The profile run, one at a time: it goes on while any screen shows, and quitting cancels it.
        # The screens' workers run on the App, so that its one handler hears how each ended.
        self.guarded = GuardedWorkers(self)
        self.profile_run = ProfileRun(self.guarded, state.worker_env)
        self.machine_check = MachineCheck(self.guarded)
        # The first stop signal (SIGHUP, SIGTERM, SIGINT) and how many came: see catch_stop_signals.
        self.stopped_by: signal.Signals | None = None
        self.stop_signals_received = 0
        # The saved runs are read in a thread from the start (load_saved_runs); until then, no run.
        self.loading_saved_runs = state.begin_loading_runs()

    def show_run_progress(self, text: str | None) -> None:
        """How far the profile run is, in every screen's header; None once it ended."""
        self.sub_title = self.idle_sub_title if text is None else text

    async def action_quit(self) -> None:
        """Quit; while a profile runs, ask first: quitting cancels it and saves what was measured."""
        if not self.profile_run.running:
            self.exit()
            return
        from fwadvisor.tui.screens.quit_run import QuitDuringRunDialog

        def chosen(quit_now: bool | None) -> None:
            if quit_now:
                self.cancel_run_and_exit()

        await self.push_screen(QuitDuringRunDialog(), chosen)

    def catch_stop_signals(self) -> None:
        """SIGHUP (the terminal closed), SIGTERM and SIGINT end the app as quitting with its dialog
        does: a running profile is cancelled and what it measured is saved, then the app exits with
        128 + the signal's number, as `fwadvisor profile` does. A signal the app was started ignoring
        (nohup) stays ignored; the third one ends it at once."""
        if self.is_headless:
            return  # a test drives the app in its own process: the signals are the test runner's
        loop = asyncio.get_running_loop()
        for signum in stop_signals_not_ignored():
            loop.add_signal_handler(signum, self.stop_on_signal, signum)

    def stop_on_signal(self, signum: signal.Signals) -> None:
        self.stop_signals_received += 1
        if self.stopped_by is None:
            self.stopped_by = signum
            code = STOP_SIGNALS[signum][0]
            if self.profile_run.running:
                self.cancel_run_and_exit(code)
            else:
                self.exit(return_code=code)
        elif self.stop_signals_received >= SIGNALS_TO_FORCE:
            asyncio.get_running_loop().remove_signal_handler(signum)  # back to the default: it ends the app
            signal.raise_signal(signum)

    @work(exclusive=True, group="quit", description="Cancel the run, save it and quit")
    async def cancel_run_and_exit(self, return_code: int = 0) -> None:
        self.notify("Stopping the run and saving what was measured ...", markup=False)
        self.profile_run.cancel()  # sets the event the runner polls: its framework process is killed at once
        # The run's thread saves the partial run, then the profiler screen hears that it ended.
        deadline = time.monotonic() + QUIT_WAIT_S
        while self.profile_run.running and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        self.exit(return_code=return_code)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        # Textual saves to ~/Downloads, which a machine reached over SSH often lacks ("Failed to save").
        try:
            folder = Path(path) if path else output_folder()  # where the report's exports go too
            name = filename or f"fwadvisor-{datetime.now().strftime(time_format or '%Y-%m-%dT%H_%M_%S')}.svg"
            target = folder / name
            target.write_text(self.export_screenshot(), encoding="utf-8")
        except OSError as exc:
            self.notify(
                f"Could not save the screenshot: {one_line(exc)}", title="Screenshot", severity="error", markup=False
            )
            return None
        self.notify(f"Saved to {one_line(target)}", title="Screenshot", markup=False)
        return str(target)

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        self.deliver_screenshot(filename, path)

    async def on_event(self, event: events.Event) -> None:
        # The first screen is laid out as the app composes, before the first Resize event arrives:
        # the size class must be set by then (the terminal's size is known from here on).
        if isinstance(event, events.Compose):
            self._follow_size(self.size)
        await super().on_event(event)

    def on_mount(self) -> None:
        self.title = "fwadvisor"
        self.catch_stop_signals()
        self.tell_startup_problems()
        if self.loading_saved_runs:
            self.load_saved_runs()
        if self.start_project is not None:
            self.action_start_from_project(self.start_project, scan_now=True)

    @work(thread=True, exclusive=True, group="saved-runs", description="Read the saved profile runs")
    def load_saved_runs(self) -> None:
        """Read the saved runs and compute the evidence of the one the advice uses, off the event loop:
        a large run costs seconds, and the app must answer keys meanwhile (issue 20)."""
        lookup, evidence = self.state.read_saved_runs()
        try:
            self.call_from_thread(self.saved_runs_loaded, lookup, evidence)
        except RuntimeError:  # the app closed while the runs were read
            pass

    def saved_runs_loaded(self, lookup: ProfileLookup, evidence: ProfileEvidence | None) -> None:
        """Take the saved run found (on the event loop) and show it on the screen that is up."""
        self.loading_saved_runs = False
        if not self.state.finish_loading_runs(lookup, evidence):
            return
        # The advice, the profiler's saved run, the report's source line and preview: whichever is up
        # (the others recompute when they are shown again), once it has painted (a screen that has
        # just been mounted has no table columns yet). Showing the run twice is harmless.
        if isinstance(self.screen, AdvisorScreen):
            self.screen.call_after_refresh(self.screen.show_saved_runs)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one handler of the workers' ends: an unexpected error is told (see worker_errors.py)."""
        self.guarded.state_changed(event)

    def tell_startup_problems(self) -> None:
        """What went wrong with the saved answers before the first screen showed (as plain text)."""
        problems = self.state.load_problems
        if problems:
            # The backup line (the last) always shows; a long list of bad answers is cut short.
            listed = problems[:-1][:MAX_LISTED_PROBLEMS]
            more = len(problems) - 1 - len(listed)
            lines = [*listed, *([f"... and {more} more"] if more > 0 else []), problems[-1]]
            self.notify(
                "\n".join(clean(line) for line in lines),
                title="Saved answers: some were left out",
                severity="warning",
                timeout=30,
                markup=False,
            )
        if self.state.save_error:
            self.notify(clean(self.state.save_error), title="Not saved", severity="error", timeout=30, markup=False)

    def on_resize(self, event: events.Resize) -> None:
        self._follow_size(event.size)

    def _follow_size(self, size: Size) -> None:
        """Below the minimum size every screen shows only a notice (widgets/too_small.py)."""
        too_small_now = too_small.is_too_small(size.width, size.height)
        if too_small_now == self.has_class("-too-small"):
            return
        self.set_class(too_small_now, "-too-small")
        # Textual restyles only the screens that show through from the top; a screen under a dialog
        # is laid out again at the new size too, so it must have its new styles first. (Screens of
        # other modes are restyled when they are shown again.)
        for screen in self.screen_stack:
            screen.update_node_styles(animate=False)

    def action_help(self) -> None:
        from fwadvisor.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.current_mode))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, title in MODE_TITLES.items():
            yield SystemCommand(
                f"Go to {title}", f"Show the {title.lower()} screen", lambda mode=mode: self.switch_mode(mode)
            )
        yield SystemCommand(
            "Run the quick profile", "Benchmark the frameworks on this machine", self._run_quick_profile
        )
        for fmt, name, article in (("md", "Markdown", "a"), ("html", "HTML", "an"), ("json", "JSON", "a")):
            yield SystemCommand(
                f"Export report as {name}",
                f"Save the report as {article} {name} file",
                lambda fmt=fmt: self.export_report(fmt),
            )
        yield SystemCommand(
            "Start from a project folder",
            "Read answers from a project's code and dependencies, then go on with the rest",
            self.action_start_from_project,
        )
        yield SystemCommand(
            "Open a fleet report", "Merge saved runs of many machines (profile merge)", self.open_fleet_report
        )
        yield SystemCommand("Help and FAQ", "What each screen does, and common questions", self.action_help)

    def open_fleet_report(self) -> None:
        from fwadvisor.paths import runs_dir
        from fwadvisor.tui.screens.fleet import open_fleet_report

        open_fleet_report(self, runs_dir())

    def action_start_from_project(self, folder: Path | None = None, scan_now: bool = False) -> None:
        """Scan a project folder, let the person tick the answers to keep, then continue the interview."""
        from fwadvisor.tui.screens.interview import InterviewScreen
        from fwadvisor.tui.screens.project import ProjectAnswers, ProjectDialog

        async def kept(result: ProjectAnswers | None) -> None:
            if result is None:
                return
            added = self.state.take_project_answers(result.result, result.keep)
            self.notify(
                f"{len(added)} answers taken from {one_line(result.folder)}; the interview goes on with the rest.",
                title="Project folder",
                markup=False,
            )
            await self.switch_mode("interview")
            if isinstance(self.screen, InterviewScreen):
                self.screen.go_to_first_unanswered()

        self.push_screen(ProjectDialog(folder, dict(self.state.answers), scan_now), kept)

    async def _run_quick_profile(self) -> None:
        from fwadvisor.tui.screens.profiler import ProfilerScreen

        await self.switch_mode("profiler")
        if isinstance(self.screen, ProfilerScreen):
            self.screen.run_profile(suite="quick")

    async def export_report(self, fmt: str) -> None:
        from fwadvisor.tui.screens.report import ReportScreen

        await self.switch_mode("report")
        if isinstance(self.screen, ReportScreen):
            self.screen.export(fmt)


def make_app(
    answers_file: Path | None = None,
    *,
    save_path: Path | bool | None = True,
    rules_dirs: list[Path] | None = None,
    worker_env: dict[str, str] | None = None,
    load_last_profile: bool = True,
    project: Path | None = None,
    installed: Callable[[str], bool] | None = None,
) -> FwAdvisorApp:
    """Build the app: answers from `answers_file`, else those saved last time.

    save_path True means the user data folder; None or False keeps answers in memory only.
    `installed`: whether a framework is installed (frameworks.installed when None); the profiler's boxes
    follow it.
    """
    from fwadvisor.advisor.questionnaire import Answers, load_answers
    from fwadvisor.paths import runs_dir, saved_answers_path

    target = saved_answers_path() if save_path is True else (save_path or None)
    answers: Answers = {}
    problems: list[str] = []
    if answers_file is not None:
        answers = load_answers(answers_file)
    elif target is not None:
        # A damaged save must not stop the app, nor be lost: the valid answers are kept, the rest is
        # listed, and the file is only written over once a copy of it is safe.
        answers, problems, keep_saving = load_saved_answers(target)
        if not keep_saving:
            target = None
    # An answers file opens as a session of its own: the saved interview is kept (nothing is written)
    # unless the person chooses to save these answers over it. `interview_path` says where that is.
    state = AdvisorState.create(
        answers,
        None if answers_file is not None else target,
        rules_dirs,
        worker_env,
        runs_folder=runs_dir() if load_last_profile else None,
    )
    state.load_problems = problems
    state.answers_file = answers_file
    state.interview_path = target
    if installed is not None:
        state.framework_installed = installed
    app = FwAdvisorApp(state, project)
    _freeze_startup_objects()
    return app


_startup_frozen = False


def _freeze_startup_objects() -> None:
    """Keep the modules, rules and app built so far out of the garbage collector's full passes.

    They live as long as the process. Without this, the first full collection falls during the first
    paint and walks every object the imports made (about 14 ms of the ~80 ms to the first frame).
    Frozen objects are still freed when their reference count drops to zero; done once per process.
    """
    global _startup_frozen
    if not _startup_frozen:
        _startup_frozen = True
        gc.freeze()
