"""Quitting while a profile runs: asked first, since it stops the run (what was measured is saved)."""

from __future__ import annotations

from fwadvisor.tui.screens.dialogs import ConfirmDialog

QUESTION = (
    "A profile is running. Quit now? The run is cancelled and what was measured so far is saved "
    "as a partial run (the report keeps a complete run unless you choose the partial one)."
)


class QuitDuringRunDialog(ConfirmDialog):
    """Quit (cancel and save the partial run) with y, or keep running with n or Escape (the default)."""

    def __init__(self) -> None:
        super().__init__(QUESTION, yes_label="Quit (y)", no_label="Keep running (n)")
