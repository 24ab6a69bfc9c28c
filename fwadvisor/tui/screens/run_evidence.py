"""Which run the advice uses: a partial run never takes a complete one's place without asking.

The profiler screen builds on this: when a run ends it calls `adopt_run`; a cancelled or partial
run (tui.saved_runs.partial_reason) while a complete run is the evidence waits in `pending_choice` and
the person is asked, in a dialog whose default keeps the complete run.
"""

from __future__ import annotations

from pathlib import Path

from textual.reactive import var

from fwadvisor.profiler.documents import RunDocument
from fwadvisor.tui.saved_runs import partial_reason, run_label
from fwadvisor.tui.screens.base import AdvisorScreen
from fwadvisor.tui.screens.dialogs import EvidenceChoiceDialog


class RunEvidenceScreen(AdvisorScreen[None]):
    """A screen that makes finished runs the evidence, and says which run that is (`evidence`)."""

    # Which saved run the advice uses, in words (a line the screen shows).
    evidence: var[str] = var("", init=False)

    def __init__(self) -> None:
        super().__init__()
        # A partial run waiting for the person to say whether it replaces the complete run as evidence.
        self.pending_choice: tuple[RunDocument, Path, str] | None = None

    def adopt_run(self, document: RunDocument, path: Path) -> bool:
        """Make a finished run the evidence, unless it is partial and a complete run is the evidence
        now: then the person is asked (keeping the complete run is the default). True when adopted."""
        state = self.state
        why = partial_reason(document)
        current: RunDocument | None = state.profile_document
        if why is None or current is None or partial_reason(current) is not None:
            state.use_run(document, path)
            self.evidence = state.evidence_line() or ""
            return True
        self.pending_choice = (document, path, why)
        self.evidence = state.evidence_line() or ""
        self.ask_which_evidence()
        return False

    def ask_which_evidence(self) -> None:
        """Ask now if this screen shows (else when it shows again, see on_screen_resume)."""
        if self.pending_choice is None or not self.is_current:
            return
        document, path, why = self.pending_choice
        self.pending_choice = None
        state = self.state
        kept, kept_path = state.profile_document, state.profile_path
        if kept is None or kept_path is None:  # nothing to keep after all
            state.use_run(document, path)
            self.evidence = state.evidence_line() or ""
            return

        def chosen(use_partial: bool | None) -> None:
            if use_partial:
                state.use_run(document, path)
            self.evidence = state.evidence_line() or ""

        dialog = EvidenceChoiceDialog(why, path.name, kept_path.name, run_label(kept))
        self.app.push_screen(dialog, chosen)
