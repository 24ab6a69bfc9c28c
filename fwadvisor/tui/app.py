"""The fwadvisor Textual app. `make_app()` builds it for the CLI and for the tests alike."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen

from fwadvisor.safe_text import clean
from fwadvisor.tui.state import AdvisorState, load_saved_answers
from fwadvisor.tui.widgets import too_small

# Bad answers listed when the app starts; the rest are counted (each is in the backed-up file).
MAX_LISTED_PROBLEMS = 5
MODE_TITLES = {"interview": "Interview", "advice": "Recommendation", "profiler": "Profiler", "report": "Report"}


def _interview() -> Screen:
    from fwadvisor.tui.screens.interview import InterviewScreen

    return InterviewScreen()


def _advice() -> Screen:
    from fwadvisor.tui.screens.recommendation import RecommendationScreen

    return RecommendationScreen()


def _profiler() -> Screen:
    from fwadvisor.tui.screens.profiler import ProfilerScreen

    return ProfilerScreen()


def _report() -> Screen:
    from fwadvisor.tui.screens.report import ReportScreen

    return ReportScreen()


class FwAdvisorApp(App[None]):
    """Interview -> recommendation -> profiler -> report, all from the keyboard or the mouse."""

    TITLE = "fwadvisor"
    SUB_TITLE = "TensorFlow or PyTorch, for your project"
    CSS_PATH = "fwadvisor.tcss"
    # Screens are imported when first shown, so the first paint pays only for the interview.
    MODES = {"interview": _interview, "advice": _advice, "profiler": _profiler, "report": _report}
    DEFAULT_MODE = "interview"
    BINDINGS = [
        Binding("1", "switch_mode('interview')", "Interview", tooltip="Answer questions about your project"),
        Binding("2", "switch_mode('advice')", "Advice", tooltip="The recommendation and its reasons"),
        Binding("3", "switch_mode('profiler')", "Profiler", tooltip="Benchmark both frameworks here"),
        Binding("4", "switch_mode('report')", "Report", tooltip="Preview and export the report"),
        Binding("f1,question_mark", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, state: AdvisorState):
        super().__init__()
        self.state = state

    async def on_event(self, event: events.Event) -> None:
        # The first screen is laid out as the app composes, before the first Resize event arrives:
        # the size class must be set by then (the terminal's size is known from here on).
        if isinstance(event, events.Compose):
            self._follow_size(self.size)
        await super().on_event(event)

    def on_mount(self) -> None:
        self.title = "fwadvisor"
        self.tell_startup_problems()

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
            "Run the quick profile", "Benchmark both frameworks on this machine", self._run_quick_profile
        )
        for fmt, name in (("md", "Markdown"), ("html", "HTML"), ("json", "JSON")):
            yield SystemCommand(
                f"Export report as {name}", f"Save the report as a {name} file", lambda fmt=fmt: self.export_report(fmt)
            )
        yield SystemCommand("Help and FAQ", "What each screen does, and common questions", self.action_help)

    async def _run_quick_profile(self) -> None:
        await self.switch_mode("profiler")
        self.screen.run_profile(suite="quick")  # type: ignore[attr-defined]

    async def export_report(self, fmt: str) -> None:
        await self.switch_mode("report")
        self.screen.export(fmt)  # type: ignore[attr-defined]


def make_app(
    answers_file: Path | None = None,
    *,
    save_path: Path | bool | None = True,
    rules_dirs: list[Path] | None = None,
    worker_env: dict[str, str] | None = None,
    load_last_profile: bool = True,
) -> FwAdvisorApp:
    """Build the app: answers from `answers_file`, else those saved last time.

    save_path True means the user data folder; None or False keeps answers in memory only.
    """
    from fwadvisor.advisor.questionnaire import load_answers
    from fwadvisor.paths import runs_dir, saved_answers_path

    target = saved_answers_path() if save_path is True else (save_path or None)
    answers: dict[str, Any] = {}
    problems: list[str] = []
    if answers_file is not None:
        answers = load_answers(answers_file)
    elif target is not None:
        # A damaged save must not stop the app, nor be lost: the valid answers are kept, the rest is
        # listed, and the file is only written over once a copy of it is safe.
        answers, problems, keep_saving = load_saved_answers(target)
        if not keep_saving:
            target = None
    state = AdvisorState.create(
        answers, target, rules_dirs, worker_env, runs_folder=runs_dir() if load_last_profile else None
    )
    state.load_problems = problems
    if target is not None and answers_file is not None:
        state.save()  # the file's answers become the saved ones, as if typed in (a failure is told on mount)
    return FwAdvisorApp(state)
