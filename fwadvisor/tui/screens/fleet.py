"""A fleet report in the app: pick saved runs or a fleet folder, see them merged (`profile merge`'s report).

The picker lists the runs folder's fleet folders (`fleet-<stamp>/`, as the launchers save them) and
saved runs, newest first; space picks, m (or Merge) merges. The report reads the runs in a thread
(a large run never freezes the app) and shows the fleet report's own text lines, drawn again at the
dialog's width when the terminal is resized. File names, host names and errors are text, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Button, Label, SelectionList, Static

from fwadvisor.errors import InputError
from fwadvisor.fleet.merge import FLEET_FOLDER_PREFIX, load_runs_leniently, merge_runs, run_files
from fwadvisor.fleet.model import FleetReport
from fwadvisor.report.fleet_text import fleet_lines
from fwadvisor.report.fleet_view import fleet_view
from fwadvisor.safe_text import one_line
from fwadvisor.tui.screens.base import host_of
from fwadvisor.tui.screens.dialogs import ReadingDialog
from fwadvisor.tui.widgets.too_small import TooSmallNotice

PICK_HINT = "Space picks a fleet folder or runs (two or more), m merges them, Esc closes."
# The fewest columns the report is drawn at (a narrower dialog scrolls sideways rather than squeeze it).
MIN_REPORT_COLUMNS = 40


def fleet_choices(runs: Path) -> list[tuple[str, str]]:
    """(what the list shows, the path) for each fleet folder and saved run in `runs`, newest first."""
    try:
        entries = sorted(runs.iterdir(), key=lambda p: p.name, reverse=True)
    except OSError:
        return []
    choices = []
    for entry in entries:
        if entry.is_dir() and entry.name.startswith(FLEET_FOLDER_PREFIX):
            count = len(list(entry.glob("*.json")))
            choices.append((f"{one_line(entry.name)}/ ({count} run{'' if count == 1 else 's'})", str(entry)))
        elif entry.is_file() and entry.name.startswith("profile-") and entry.suffix == ".json":
            choices.append((one_line(entry.name), str(entry)))
    # Fleet folders first: they are what a launcher made to be merged.
    return sorted(choices, key=lambda choice: not choice[0].startswith(FLEET_FOLDER_PREFIX))


class FleetPicker(ModalScreen[list[Path] | None]):
    """Which saved runs to merge: the runs folder's fleet folders and runs, several at once."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close"),
        Binding("m", "merge", "Merge"),
    ]
    DEFAULT_CSS = """
    FleetPicker { align: center middle; }
    FleetPicker > Vertical { width: 95%; max-width: 100; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1; }
    FleetPicker SelectionList { height: auto; max-height: 14; }
    FleetPicker .fleet-hint { color: $text-muted; }
    FleetPicker Horizontal { height: 3; }
    FleetPicker Button { margin-right: 2; }
    """

    def __init__(self, runs: Path) -> None:
        super().__init__()
        self.runs = runs
        self.choices = fleet_choices(runs)

    def compose(self) -> ComposeResult:
        yield TooSmallNotice()
        with Vertical():
            yield Label("Merge saved runs into a fleet report", classes="dialog-title")
            if self.choices:
                yield Static(PICK_HINT, classes="fleet-hint", markup=False)
                yield SelectionList[str](*((Text(label), path) for label, path in self.choices), id="fleet-choices")
            else:
                yield Static(
                    f"No saved runs in {one_line(self.runs)}: `fwadvisor profile` saves runs there, and the fleet "
                    "launchers save fleet-<stamp> folders there.",
                    id="fleet-none",
                    markup=False,
                )
            with Horizontal():
                yield Button("Merge", id="fleet-merge", variant="primary", disabled=not self.choices)
                yield Button("Close", id="fleet-close")

    def on_mount(self) -> None:
        if self.choices:
            self.query_one(SelectionList).focus()

    @property
    def picked(self) -> list[Path]:
        if not self.choices:
            return []
        return [Path(value) for value in self.query_one(SelectionList).selected]

    def action_merge(self) -> None:
        picked = self.picked
        folders = [path for path in picked if path.is_dir()]
        if not folders and len(picked) < 2:
            self.notify("Pick a fleet folder, or two or more runs, first (space).", severity="warning", markup=False)
            return
        self.dismiss(picked)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#fleet-merge")
    def _merge_pressed(self) -> None:
        self.action_merge()

    @on(Button.Pressed, "#fleet-close")
    def _close_pressed(self) -> None:
        self.action_cancel()


class FleetReportDialog(ReadingDialog):
    """The fleet report of the picked runs: nodes, warnings, and every case's nodes, median and straggler."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    FleetReportDialog > Vertical { width: 95%; max-width: 110; }
    """

    def __init__(self, paths: Sequence[Path]) -> None:
        super().__init__("Fleet report")
        self.paths = list(paths)
        self.report: FleetReport | None = None

    def body(self) -> ComposeResult:
        yield Static("Reading the saved runs ...", id="fleet-report", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        host_of(self.app).guarded.run(
            self.read_and_merge, group="fleet-merge", description="Merge the saved runs", thread=True
        )

    def read_and_merge(self) -> None:
        """In a thread: read the runs (an unreadable one is a missing node) and merge them."""
        try:
            runs, sources, missing = load_runs_leniently(run_files(self.paths))
        except InputError as problem:  # a folder with no run in it
            self.app.call_from_thread(self.show_problem, str(problem))
            return
        if not runs:
            reasons = "; ".join(node.missing_reason or node.label for node in missing)
            self.app.call_from_thread(self.show_problem, f"No saved run could be read: {reasons}")
            return
        report = merge_runs(runs, sources=sources, missing=missing)
        self.app.call_from_thread(self.show_report, report)

    def show_problem(self, message: str) -> None:
        self.query_one("#fleet-report", Static).update(Text(one_line(message), style="red"))

    def show_report(self, report: FleetReport) -> None:
        self.report = report
        self.query_one(".dialog-title", Label).update(Text(one_line(fleet_view(report).title)))
        self.draw()

    def draw(self) -> None:
        if self.report is None:
            return
        shown = self.query_one("#fleet-report", Static)
        scroll = self.query_one(VerticalScroll)
        # The scrollbar's columns are kept free: the report's length brings it in after the first draw.
        room = scroll.size.width - scroll.styles.scrollbar_size_vertical
        width = max(MIN_REPORT_COLUMNS, room if scroll.size.width else self.app.size.width - 8)
        text = Text()
        for index, (line, style) in enumerate(fleet_lines(self.report, width, title=False)):
            text.append(("\n" if index else "") + line, style=style)
        shown.update(text)

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self.draw)


def open_fleet_report(app: App[None], runs: Path) -> None:
    """Ask which saved runs to merge (from `runs`), then show their fleet report."""

    def picked(paths: list[Path] | None) -> None:
        if paths:
            app.push_screen(FleetReportDialog(paths))

    app.push_screen(FleetPicker(runs), picked)
