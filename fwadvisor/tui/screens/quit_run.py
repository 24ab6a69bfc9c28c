"""Quitting while a profile runs: asked first, since it stops the run (what was measured is saved)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from fwadvisor.tui.widgets.too_small import TooSmallNotice

QUESTION = (
    "A profile is running. Quit now? The run is cancelled and what was measured so far is saved "
    "as a partial run (the report keeps a complete run unless you choose the partial one)."
)


class QuitDuringRunDialog(ModalScreen[bool]):
    """Quit (cancel and save the partial run) or keep running; Escape keeps running."""

    BINDINGS = [Binding("escape,n", "keep", "Keep running"), Binding("y", "quit_now", "Quit")]
    DEFAULT_CSS = """
    QuitDuringRunDialog { align: center middle; }
    QuitDuringRunDialog > Vertical { width: 90%; max-width: 76; height: auto; border: thick $warning;
        background: $surface; padding: 1 2; }
    QuitDuringRunDialog Horizontal { height: auto; margin-top: 1; }
    QuitDuringRunDialog Button { margin-right: 2; }
    """

    def compose(self) -> ComposeResult:
        yield TooSmallNotice()
        with Vertical():
            yield Static(QUESTION, markup=False)
            with Horizontal():
                yield Button("Quit (y)", id="quit", variant="warning")
                yield Button("Keep running (n)", id="keep", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    @on(Button.Pressed, "#quit")
    def action_quit_now(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#keep")
    def action_keep(self) -> None:
        self.dismiss(False)
