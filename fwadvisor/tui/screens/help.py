"""Help: what the current screen does, the keys, and a short FAQ from the checked facts."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Markdown

from fwadvisor.advisor.engine import load_guidance
from fwadvisor.tui.widgets.too_small import TooSmallNotice

SCREEN_HELP = {
    "interview": "InterviewScreen",
    "advice": "RecommendationScreen",
    "profiler": "ProfilerScreen",
    "report": "ReportScreen",
}
# Plain words, no code spans: a key and its screen must never run together ("1interview").
GENERAL = """\
**Moving around:** press 1 for the Interview, 2 for the Advice, 3 for the Profiler, 4 for the
Report. Ctrl+P opens the command palette (every main action, and the theme), F1 this help,
Ctrl+Q quits. Everything works with the mouse too.

Your answers are saved as you go and come back next time. Answers opened from a file with
--answers are kept apart: your saved interview stays as it was unless you save them over it
(Ctrl+S, or "Save these answers as my interview" in the palette; it asks first).

The screens are made for a terminal of at least 80x24; below that they say so.
"""


def _screen_help(mode: str) -> str:
    from importlib import import_module

    module = {"interview": "interview", "advice": "recommendation", "profiler": "profiler", "report": "report"}[mode]
    screen = getattr(import_module(f"fwadvisor.tui.screens.{module}"), SCREEN_HELP[mode])
    return screen.HELP


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,question_mark,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 95%; max-width: 110; height: 90%; border: thick $primary;
        background: $surface; padding: 0 1; }
    HelpScreen VerticalScroll { height: 1fr; }
    """

    def __init__(self, mode: str):
        super().__init__()
        self.mode = mode

    def compose(self) -> ComposeResult:
        faq = "\n\n".join(
            f"### {entry.question}\n\n{' '.join(entry.answer.split())}\n\n"
            + "Sources: "
            + ", ".join(f"<{e.source}> (checked {e.checked})" for e in entry.evidence)
            for entry in load_guidance().faq
        )
        text = f"## This screen\n\n{_screen_help(self.mode)}\n\n{GENERAL}\n## Questions people ask\n\n{faq}"
        yield TooSmallNotice()
        with Vertical():
            yield Label("fwadvisor help (Esc to close)", classes="dialog-title")
            with VerticalScroll():
                yield Markdown(text)
            yield Button("Close", variant="primary", action="screen.dismiss")
