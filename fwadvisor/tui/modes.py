"""The app's four screens (its modes): one name each everywhere, what each is for, and how each is built.

Screens are imported when first shown, so the first paint pays only for the interview.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding
from textual.screen import Screen

# One name per screen everywhere: the footer's tooltips, the palette, the help.
MODE_TITLES = {"interview": "Interview", "advice": "Advice", "profiler": "Profiler", "report": "Report"}
# The four screens share one footer entry ("1234 Screens") so that a screen's own keys fit 80 columns.
SCREENS_GROUP = Binding.Group("Screens", compact=True)
SCREEN_TOOLTIPS = {
    "interview": "Answer questions about your project",
    "advice": "The recommendation and its reasons",
    "profiler": "Benchmark the frameworks here",
    "report": "Preview and export the report",
}


def interview() -> Screen:
    from fwadvisor.tui.screens.interview import InterviewScreen

    return InterviewScreen()


def advice() -> Screen:
    from fwadvisor.tui.screens.recommendation import RecommendationScreen

    return RecommendationScreen()


def profiler() -> Screen:
    from fwadvisor.tui.screens.profiler import ProfilerScreen

    return ProfilerScreen()


def report() -> Screen:
    from fwadvisor.tui.screens.report import ReportScreen

    return ReportScreen()


# What App.MODES takes: each mode's name and how its screen is built.
MODE_SCREENS: dict[str, str | Callable[[], Screen]] = {
    "interview": interview,
    "advice": advice,
    "profiler": profiler,
    "report": report,
}
