"""Start from a project folder: scan it (fwadvisor scan), show each inferred answer as a proposal with its
evidence, and keep the ones the person ticks; the interview then goes on with what is left."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from fwadvisor.safe_text import clean, one_line
from fwadvisor.tui.widgets.too_small import TooSmallNotice

if TYPE_CHECKING:
    from fwadvisor.scan import ScanResult


@dataclass
class ProjectAnswers:
    """What the person kept from a scan: the folder, the scan, and the questions whose answers were ticked."""

    folder: Path
    result: ScanResult
    keep: set[str] = field(default_factory=set)


class ProjectDialog(ModalScreen[ProjectAnswers | None]):
    """A folder to scan, then the answers it suggests, each ticked unless you already answered it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ProjectDialog { align: center middle; }
    ProjectDialog > Vertical { width: 96%; max-width: 110; height: 90%; border: thick $primary;
        background: $surface; padding: 0 1; }
    ProjectDialog #project-row { height: 3; }
    ProjectDialog #project-path { width: 1fr; }
    ProjectDialog #proposals { height: 1fr; min-height: 4; }
    ProjectDialog #proposal-detail { height: auto; max-height: 6; color: $text-muted; }
    ProjectDialog #project-status { height: auto; max-height: 4; }
    ProjectDialog #project-buttons { height: 3; }
    """

    def __init__(self, folder: Path | None = None, answered: dict[str, object] | None = None, scan_now: bool = False):
        super().__init__()
        self.folder = folder or Path.cwd()
        self.answered = dict(answered or {})
        self.scan_now = scan_now
        self.result: ScanResult | None = None

    def compose(self) -> ComposeResult:
        yield TooSmallNotice()
        with Vertical():
            yield Label("Start from a project folder", classes="dialog-title")
            with Horizontal(id="project-row"):
                yield Input(str(self.folder), id="project-path", placeholder="a project folder")
                yield Button("Scan", id="scan", variant="primary")
            yield Static(
                "Reads dependency files, notebooks and Python source (never runs anything). Tick the answers "
                "to keep; Esc cancels.",
                id="project-status",
                markup=False,
            )
            yield SelectionList[str](id="proposals")
            yield Static(id="proposal-detail", markup=False)
            with Horizontal(id="project-buttons"):
                yield Button("Keep ticked", id="keep", variant="success", disabled=True)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.scan_now:
            self.start_scan()
        else:
            self.query_one("#project-path", Input).focus()

    @on(Button.Pressed, "#scan")
    @on(Input.Submitted, "#project-path")
    def start_scan(self) -> None:
        text = self.query_one("#project-path", Input).value.strip()
        self.folder = Path(text).expanduser() if text else Path.cwd()
        self.query_one("#project-status", Static).update(f"Scanning {one_line(self.folder)} ...")
        self.query_one("#keep", Button).disabled = True
        self._scan(self.folder)

    @work(thread=True, exclusive=True, exit_on_error=False, group="scan", description="Scan a project folder")
    def _scan(self, folder: Path) -> None:
        from fwadvisor.errors import InputError
        from fwadvisor.scan import scan_project

        try:
            result = scan_project(folder)
        except InputError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        except OSError as exc:
            self.app.call_from_thread(self._failed, f"{folder}: {exc.strerror or exc}")
            return
        self.app.call_from_thread(self._show, result)

    def _failed(self, why: str) -> None:
        self.query_one("#project-status", Static).update(clean(f"Could not scan: {why}"))

    def _show(self, result: ScanResult) -> None:
        from fwadvisor.advisor.questionnaire import load_questionnaire

        self.result = result
        questions = load_questionnaire().by_id()
        proposals = self.query_one("#proposals", SelectionList)
        proposals.clear_options()
        for qid, inferred in result.answers.items():
            question = questions.get(qid)
            values = inferred.value if isinstance(inferred.value, list) else [inferred.value]
            shown = ", ".join(question.label(v) if question else v for v in values)
            first = inferred.evidence[0] if inferred.evidence else None
            where = f" ({first.file}:{first.line})" if first else ""
            mine = f" You answered: {self.answered[qid]}." if qid in self.answered else ""
            prompt = one_line(f"{qid}: {shown} - {inferred.why}{where}{mine}")
            # Text, never markup: file names and lines from the project are outside text.
            proposals.add_option(Selection(Text(prompt), qid, qid not in self.answered))
        notes = " ".join(result.notes)
        count = len(result.answers)
        status = (
            f"{count} answers from {result.files_read} files ({result.python_files} Python). {notes}"
            if count
            else f"Nothing to infer from {result.files_read} files. {notes}"
        )
        self.query_one("#project-status", Static).update(clean(status.strip()))
        self.query_one("#keep", Button).disabled = count == 0
        if count:
            proposals.focus()

    @on(SelectionList.SelectionHighlighted, "#proposals")
    def _detail(self, event: SelectionList.SelectionHighlighted) -> None:
        """The highlighted proposal in full: why it follows, and where the project shows it."""
        if self.result is None:
            return
        inferred = self.result.answers.get(str(event.selection.value))
        if inferred is None:
            return
        places = [f"{e.file}:{e.line}  {e.text}" for e in inferred.evidence[:3]]
        self.query_one("#proposal-detail", Static).update(clean("\n".join([inferred.why, *places])))

    @on(Button.Pressed, "#keep")
    def _keep(self) -> None:
        if self.result is None:
            return
        ticked = set(self.query_one("#proposals", SelectionList).selected)
        kept = ProjectAnswers(self.folder, self.result, ticked)
        self.dismiss(kept)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
