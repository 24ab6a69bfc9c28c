"""Small modal dialogs: evidence of a reason, a file name, a yes/no confirmation, a message."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Provider
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from fwadvisor.report.content import STRENGTH_NOTE, STRENGTH_WORDS
from fwadvisor.safe_text import clean, one_line
from fwadvisor.tui.screens.base import AdvisorHost, AdvisorScreen, host_of
from fwadvisor.tui.widgets.too_small import TooSmallNotice

ResultT = TypeVar("ResultT")
# Said under every dialog whose text may be longer than the screen.
CLOSE_HINT = "Esc closes · ↑ ↓ PgUp PgDn scroll"


class CloseLine(Horizontal):
    """A dialog's last line: the Close button and how to close and scroll from the keyboard."""

    DEFAULT_CSS = """
    CloseLine { height: 3; }
    CloseLine Button { margin-right: 2; }
    CloseLine .close-hint { height: 3; content-align-vertical: middle; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Button("Close", id="close", variant="primary")
        yield Label(CLOSE_HINT, classes="close-hint")


class ReadingDialog(ModalScreen[None]):
    """A dialog of text to read: its title, the text (which scrolls) and the Close line, which always show.

    The text has the focus, so the arrow keys and Page Up/Down scroll it at once. A subclass gives
    its text (`body`), its width and its keys.
    """

    DEFAULT_CSS = """
    ReadingDialog { align: center middle; }
    ReadingDialog > Vertical { height: auto; max-height: 100%; border: thick $primary; background: $surface;
        padding: 0 1; }
    ReadingDialog .dialog-title { margin-bottom: 0; }
    ReadingDialog VerticalScroll { height: auto; max-height: 70vh; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def body(self) -> ComposeResult:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        yield TooSmallNotice()
        with Vertical():
            yield Label(one_line(self.title_text), classes="dialog-title", markup=False)
            with VerticalScroll():
                yield from self.body()
            yield CloseLine()

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)


class EvidenceDialog(ReadingDialog):
    """The rule behind a reason: its full message and every source with the date it was checked."""

    BINDINGS = [Binding("escape,enter,e", "dismiss", "Close")]
    # The text scrolls between the title and the Close line: 70% of the rows leaves room for them (the
    # border, the title and the Close line take 6 of 24). At 80x24 a rule's sources once pushed the
    # Close button off the screen, and nothing could scroll to it. At 80 columns the box takes all of
    # them, so a source URL of up to 74 characters stays on one line (a URL broken in the middle
    # cannot be copied).
    DEFAULT_CSS = """
    EvidenceDialog > Vertical { width: 100%; max-width: 100; }
    """

    def __init__(self, title: str, message: str, evidence: list[tuple[str, str, str]]):
        super().__init__(title)
        self.message, self.evidence = message, evidence

    def body(self) -> ComposeResult:
        # Everything here comes from a rule file (maybe the person's own): cleaned, never markup.
        yield Static(clean(self.message), markup=False)
        yield Label("Evidence", classes="dialog-subtitle")
        for source, checked, strength in self.evidence:
            strength_text = STRENGTH_WORDS.get(strength, strength)
            yield Static(
                # The source alone on its line, with no bullet before it, so a URL is not broken.
                one_line(source) + "\n  " + one_line(f"checked {checked} ({strength}: {strength_text})"),
                markup=False,
            )
        yield Static(STRENGTH_NOTE, markup=False, classes="dialog-note")


class FormDialog(ModalScreen[ResultT]):
    """A dialog that asks: its question, then its field or its buttons in a row. A subclass gives
    its width and its border."""

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > Vertical { height: auto; background: $surface; padding: 1 2; }
    FormDialog Horizontal { height: auto; margin-top: 1; }
    FormDialog Button { margin-right: 2; }
    """


class FileNameDialog(FormDialog[Path | None]):
    """Ask where to save a file; Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    FileNameDialog > Vertical { width: 80%; max-width: 90; border: thick $primary; }
    """

    def __init__(self, prompt: str, default: str):
        super().__init__()
        self.prompt, self.default = prompt, default

    def compose(self) -> ComposeResult:
        yield TooSmallNotice()
        with Vertical():
            yield Label(self.prompt, classes="dialog-title")
            yield Input(value=self.default, id="file-name")
            with Horizontal():
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        text = self.query_one(Input).value.strip()
        if text.endswith("/") or text.rsplit("/", 1)[-1] in (".", ".."):
            # Path("newdir/") is "newdir": the report would become a file named like the folder meant.
            self.notify(
                f"{one_line(text)} names a folder (it ends in '/'): add a file name after it.",
                title="Not a file name",
                severity="error",
                markup=False,
            )
            return
        if text:
            self.dismiss(Path(text).expanduser())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(FormDialog[bool]):
    """A yes/no question; Escape means no (the default: No has the focus)."""

    BINDINGS = [Binding("escape,n", "no", "No"), Binding("y", "yes", "Yes")]
    DEFAULT_CSS = """
    ConfirmDialog > Vertical { width: 70%; max-width: 80; border: thick $warning; }
    """

    def __init__(self, question: str, yes_label: str = "Yes, overwrite", no_label: str = "No"):
        super().__init__()
        self.question, self.yes_label, self.no_label = question, yes_label, no_label

    def compose(self) -> ComposeResult:
        yield TooSmallNotice()
        with Vertical():
            yield Static(clean(self.question), markup=False, id="confirm-question")
            with Horizontal():
                yield Button(self.yes_label, id="yes", variant="warning")
                yield Button(self.no_label, id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)


class EvidenceChoiceDialog(ConfirmDialog):
    """After a cancelled or partial run: use it as the evidence (y), or keep the earlier complete run.

    Keeping is the default (Enter on the focused button, Escape, n): a partial run never takes a
    complete one's place unasked. Dismisses with True when the person chose the partial run.
    """

    def __init__(self, why_partial: str, partial_name: str, complete_name: str, complete_label: str):
        # Short labels: both buttons fit side by side at 80 columns; the question names the files.
        super().__init__(
            f"This run is partial. The run saved as {partial_name} is partial ({why_partial}). The advice "
            f"and the report use the earlier complete run {complete_name} ({complete_label}). Use the partial "
            "run as the evidence instead?",
            yes_label="Use the partial run",
            no_label="Keep the complete run",
        )


SAVE_AS_INTERVIEW = "Save these answers as my interview"
SAVE_AS_INTERVIEW_HELP = "Keep the answers opened with --answers as your saved interview (asks first)"


def ask_to_save_as_interview(app: App[Any], after: Callable[[], object] | None = None) -> None:
    """Offer to make an answers file's answers (as they are now) the saved interview, naming what that
    replaces; nothing is written unless the person says yes. The answer is told in a notification.

    `after` runs once the person has answered, whatever the answer (e.g. quitting the app, when the
    offer is made on quit: see AdvisorState.has_unsaved_answers).
    """
    state = host_of(app).state
    if state.answers_file is None:
        app.notify("These answers are your interview already: they are saved as they change.", title="Nothing to do")
        if after is not None:
            after()
        return
    count = len(state.answers)
    question = (
        f"Save the {count} answer{'' if count == 1 else 's'} shown (from {state.answers_file.name}) as your "
        f"interview? This replaces {state.saved_interview_summary()}."
    )

    def answered(yes: bool | None) -> None:
        save_if_yes(yes)
        if after is not None:
            after()

    def save_if_yes(yes: bool | None) -> None:
        if not yes:
            app.notify("Nothing was saved: your interview is as it was.", title="Not saved")
            return
        problem = state.save_as_interview()
        if problem:
            app.notify(clean(problem), title="Not saved", severity="error", timeout=10, markup=False)
            return
        app.notify(
            clean(f"These answers are now your interview, saved as they change, in {state.save_path}"),
            title="Saved",
            markup=False,
        )
        if isinstance(app.screen, AdvisorScreen):
            app.screen.show_answers_source()

    app.push_screen(ConfirmDialog(question, yes_label="Yes, save them"), answered)


class SaveAsInterviewCommands(Provider):
    """The palette's "Save these answers as my interview", offered while an answers file is shown."""

    def _offered(self) -> bool:
        return isinstance(self.app, AdvisorHost) and self.app.state.answers_file is not None

    def _run(self) -> None:
        ask_to_save_as_interview(self.app)

    async def discover(self) -> AsyncIterator[DiscoveryHit]:
        if self._offered():
            yield DiscoveryHit(SAVE_AS_INTERVIEW, self._run, help=SAVE_AS_INTERVIEW_HELP)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        if not self._offered():
            return
        matcher = self.matcher(query)
        score = matcher.match(SAVE_AS_INTERVIEW)
        if score > 0:
            yield Hit(score, matcher.highlight(SAVE_AS_INTERVIEW), self._run, help=SAVE_AS_INTERVIEW_HELP)
