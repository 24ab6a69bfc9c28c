"""The report: a preview of exactly what gets exported, and export to Markdown, HTML or JSON."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import ClassVar

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Label, Markdown

from fwadvisor.atomic import write_atomic
from fwadvisor.report.render import SUFFIXES, render
from fwadvisor.safe_text import one_line
from fwadvisor.tui.screens.base import AdvisorScreen
from fwadvisor.tui.screens.dialogs import (
    ConfirmDialog,
    FileNameDialog,
    SaveAsInterviewCommands,
    ask_to_save_as_interview,
)
from fwadvisor.tui.screens.interview import KEEP_HINT
from fwadvisor.tui.state import output_folder
from fwadvisor.tui.widgets.too_small import TooSmallNotice

FORMAT_NAMES = {"md": "Markdown", "html": "HTML", "json": "JSON"}
LINE_BREAKS = ("<br>", "<br/>", "<br />")


def br_as_line_break(state: StateCore) -> None:
    """A table cell's "<br>" (the ahead cell's pairs with three frameworks) as the line break GitHub
    shows; Textual's Markdown drops inline HTML, which ran the pairs together."""
    for token in state.tokens:
        for child in token.children or ():
            if child.type == "html_inline" and child.content.strip().lower() in LINE_BREAKS:
                child.type, child.content = "hardbreak", ""


def markdown_parser() -> MarkdownIt:
    """Textual's own parser ("gfm-like") with <br> as a line break: the preview shows what is exported."""
    parser = MarkdownIt("gfm-like")
    parser.core.ruler.push("br_as_line_break", br_as_line_break)
    return parser


DEFAULT_STEM = "fwadvisor-report"


class ReportScreen(AdvisorScreen[None]):
    """Re-rendered every time it is shown, so changed answers or a new profile run show at once."""

    HELP = (
        "The full report for your answers, as it will be saved. It includes the evidence from "
        "this machine when a profile has been run (press 3 for the profiler). Export it with m "
        "(Markdown), h (HTML, one "
        "self-contained page to share) or j (JSON, for scripts); you choose the file name (it "
        "starts in the working directory, or in your data folder when that cannot be written), and "
        "an existing file is only replaced after you confirm."
    )
    COMMANDS = {SaveAsInterviewCommands}
    # The preview has the focus whenever the screen shows, so the arrow keys and Page Up/Down scroll
    # the report at once (the first button had it: three Tabs before the keyboard could read on);
    # m, h and j export from anywhere on the screen.
    AUTO_FOCUS = "#report-preview"
    # The stylesheet styles the two areas; the evidence line has a row of its own under the buttons
    # (beside them, it was cut after a few words at 80 columns).
    DEFAULT_CSS = """
    ReportScreen #report-source { width: 1fr; height: auto; padding: 0 1; color: $text-muted; }
    """
    # Short footer words: the three fit at 80 columns beside the app's keys; the buttons say the rest.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "export('md')", "Markdown", tooltip="Export the report as Markdown"),
        Binding("h", "export('html')", "HTML", tooltip="Export the report as one HTML page"),
        Binding("j", "export('json')", "JSON", tooltip="Export the report as JSON"),
        Binding("ctrl+s", "save_as_interview", "Save as interview", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield TooSmallNotice()
        yield Header()
        with Horizontal(id="report-actions"):
            yield Button("Export Markdown (m)", id="export-md", variant="primary")
            yield Button("Export HTML (h)", id="export-html")
            yield Button("Export JSON (j)", id="export-json")
        yield Label(id="report-source")
        with VerticalScroll(id="report-preview"):
            yield Markdown(id="report-markdown", parser_factory=markdown_parser)
        yield Footer()

    async def on_mount(self) -> None:
        await self.refresh_preview()

    async def on_screen_resume(self) -> None:
        self.query_one("#report-preview", VerticalScroll).focus()
        await self.refresh_preview()

    def report_text(self, fmt: str) -> str:
        """The report in `fmt`, with the state's profile as evidence when there is one."""
        state = self.state
        return render(
            state.recommendation(),
            fmt,
            profile=state.profile_document,
            profile_path=state.profile_path,
            replaced=state.ruleset.replaced,
        )

    async def refresh_preview(self) -> None:
        state = self.state
        try:
            text = self.report_text("md")
        except Exception as exc:  # a damaged profile must not take the report down with it
            text = render(state.recommendation(), "md", replaced=state.ruleset.replaced)
            self.notify(
                f"The profile run could not be shown in the report: {one_line(exc)}", severity="warning", markup=False
            )
        source = (
            f"Evidence: {one_line(state.profile_path.name)}"
            if state.profile_document is not None and state.profile_path
            else "Evidence: the profile run in memory"
            if state.profile_document is not None
            else "No profile run yet: run one in the profiler (press 3) to add measured evidence."
        )
        answers = state.answers_source()
        if answers:  # an answers file, not the saved interview
            source += f"\n{answers} ({KEEP_HINT})."
        notice = state.profile_notice()
        if notice:  # the newest saved run could not be read: it was skipped, and the person is told why
            source += "\n" + one_line(notice)
        self.query_one("#report-source", Label).update(Text(source))  # file names: never markup
        preview = self.query_one("#report-markdown", Markdown)
        if preview.source != text:  # re-mounting every block is the slow part; skip it when nothing changed
            await preview.update(text)

    def show_answers_source(self) -> None:
        self.call_later(self.refresh_preview)

    def action_save_as_interview(self) -> None:
        ask_to_save_as_interview(self.app)

    @property
    def preview_text(self) -> str:
        """The Markdown shown in the preview (what an export to .md would write)."""
        return self.query_one("#report-markdown", Markdown).source

    @on(Button.Pressed, "#export-md")
    def _export_md(self) -> None:
        self.export("md")

    @on(Button.Pressed, "#export-html")
    def _export_html(self) -> None:
        self.export("html")

    @on(Button.Pressed, "#export-json")
    def _export_json(self) -> None:
        self.export("json")

    def action_export(self, fmt: str) -> None:
        self.export(fmt)

    def export(self, fmt: str) -> None:
        """Export in a worker of the App (it waits for the person's answers in dialogs); whatever goes
        wrong is told in a notification, and the app stays up."""
        export = partial(self.ask_and_export, fmt)
        self.host.guarded.run(
            export, group="report-export", description="Export the report", on_error=self.export_failed
        )

    async def ask_and_export(self, fmt: str) -> None:
        """Ask for a file name, confirm before replacing a file, then write the report atomically."""
        name = FORMAT_NAMES[fmt]
        # A folder that exists and can be written (the working directory, else the data folder):
        # the default never fails for want of a folder such as ~/Downloads.
        folder = output_folder()
        default = folder / f"{DEFAULT_STEM}{SUFFIXES[fmt]}"
        chosen = await self.app.push_screen_wait(FileNameDialog(f"Save the report as {name} to:", str(default)))
        if chosen is None:
            return
        path = chosen if chosen.is_absolute() else folder / chosen
        problem = self._cannot_write(path)
        # The path is what the person typed: shown as written (cleaned), never as markup.
        shown = one_line(path)
        if problem:
            self.notify(problem, title="Not saved", severity="error", markup=False)
            return
        if path.exists() and not await self.app.push_screen_wait(ConfirmDialog(f"{shown} exists. Overwrite it?")):
            self.notify(f"Not saved: {shown} was left as it was.", markup=False)
            return
        try:
            text = self.report_text(fmt)
            write_atomic(path, text)
        except OSError as exc:
            reason = one_line(exc.strerror or exc)
            self.notify(
                f"Could not save the report to {shown}: {reason}.", title="Not saved", severity="error", markup=False
            )
            return
        self.notify(f"Report saved to {shown}", title="Saved", markup=False)

    def export_failed(self, error: BaseException) -> None:
        """An export stopped on an error nobody expected (the App's worker handler calls this)."""
        self.notify(f"Could not make the report: {one_line(error)}", title="Not saved", severity="error", markup=False)

    @staticmethod
    def _cannot_write(path: Path) -> str | None:
        """Why `path` cannot take the report, in plain words; None when it can.

        write_atomic would create missing folders, but a folder that does not exist is far more
        often a typing mistake than a wish, so the person is told instead.
        """
        shown, folder = one_line(path), one_line(path.parent)
        if path.is_dir():
            return f"{shown} is a folder: add a file name, such as {one_line(path / (DEFAULT_STEM + '.md'))}."
        if not path.parent.exists():
            return f"The folder {folder} does not exist. Create it first or choose another place."
        if not path.parent.is_dir():
            return f"{folder} is a file, not a folder."
        return None
