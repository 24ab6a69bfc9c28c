"""The profiler's controls (suite, frameworks, Run, Cancel) and one progress bar per framework.

A framework that is not installed (frameworks.installed: looked up, never imported) cannot be ticked:
its box is marked ✗ and the progress line beside it says "not installed" with the pip command.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Label, ProgressBar, Select

from fwadvisor.frameworks import INSTALL_HINTS, PROFILER_IDS, display_name, installed
from fwadvisor.profiler.documents import WorkerSummary
from fwadvisor.profiler.suites import suite_paths
from fwadvisor.safe_text import one_line

DEFAULT_SUITE = "quick"
# The built-in suites in the order a person would try them; user suites follow, by name.
BUILTIN_ORDER = ("quick", "standard", "full", "practice", "cluster")
# How long each built-in suite takes, both frameworks, imports included, by kind of device. From the
# suites' own headers in profiles/*.yaml (measured on a 2-core CPU) and issue #13 (quick on an H200:
# about 20 s); cluster: 85 s for both frameworks on the 2-core dev VM over 2 ranks (issue #22).
# None: not measured on that kind of device yet, so no figure is given.
EXPECTED_TIME: dict[str, dict[str, str | None]] = {
    "cpu": {"quick": "~1 min", "standard": "<5 min", "full": "10+ min", "practice": "<2 min", "cluster": "<2 min"},
    "gpu": {"quick": "~20 s", "standard": None, "full": None, "practice": None, "cluster": None},
}
DEVICE_WORDS = {"cpu": "on a CPU", "gpu": "on a GPU"}

# What a worker's final status means to a person, next to its progress bar.
WORKER_NOTES = {
    "ok": "done",
    "failed": "done, some benchmarks failed",
    "missing_framework": "✗ not installed",
    "no_gpu": "✗ no GPU build",
    "setup_failed": "✗ could not start",
    "crashed": "✗ crashed",
    "timed_out": "✗ timed out",
    "cancelled": "cancelled",
    "not_supported": "⊘ not supported here",
}
NOT_INSTALLED = "not installed"
# After a framework's name on its box when it is not installed (the line beside it gives the pip command).
MISSING_MARK = " ✗"


def not_installed_text(framework: str) -> str:
    """ "✗ not installed: pip install 'fwadvisor[jax]'" """
    return f"✗ {NOT_INSTALLED}: {INSTALL_HINTS.get(framework, f'pip install {framework}')}"


def outcome_note(status: str, wall_s: float | None) -> str:
    """How a worker ended, with its time ("done in 2.0 s"); "not supported here" has no time to give."""
    words = WORKER_NOTES.get(status, status)
    return words if status == "not_supported" else f"{words} in {wall_s or 0:.1f} s"


def ordered_suites() -> list[str]:
    names = list(suite_paths())
    builtin = [name for name in BUILTIN_ORDER if name in names]
    return builtin + sorted(name for name in names if name not in builtin)


def expected_time(suite: str, device: str) -> str | None:
    return EXPECTED_TIME.get(device, {}).get(suite)


def suite_options(device: str = "cpu") -> list[tuple[Text, str]]:
    # A suite's name is a file name from the person's profiles folder: shown as written, never as markup.
    options = []
    for name in ordered_suites():
        prompt = Text(one_line(name))
        time = expected_time(name, device)
        if time:
            prompt.append(f" {time}", style="dim")
        options.append((prompt, name))
    return options


def suite_description(suite: str, device: str) -> str:
    """The suite's own description and how long it takes on this kind of device (plain text, cleaned)."""
    from fwadvisor.errors import InputError
    from fwadvisor.profiler.suites import load_suite

    try:
        description = load_suite(suite).description
    except InputError as exc:
        return one_line(f"Suite {suite} cannot be read: {exc}")
    time = expected_time(suite, device)
    took = f" Takes {time} {DEVICE_WORDS.get(device, device)}." if time else ""
    return one_line(f"Suite {suite}: {description}{took}")


def default_suite() -> str:
    names = ordered_suites()
    return DEFAULT_SUITE if DEFAULT_SUITE in names else names[0]


class RunControls(Horizontal):
    """The suite to run, the frameworks to run it in, and the Run and Cancel buttons."""

    def __init__(self, is_installed: Callable[[str], bool] = installed, **kwargs: Any) -> None:
        """`is_installed`: whether a framework's package is there (frameworks.installed; the app's tests
        pass another to see a machine without JAX)."""
        super().__init__(**kwargs)
        self.device = "cpu"  # until the machine check says there is a GPU
        self.suites = suite_options(self.device)
        self.is_installed = is_installed
        # Frameworks that are not installed (looked up as the boxes are made, then the machine check's
        # word): their boxes cannot be ticked.
        self.missing: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Select(
            self.suites,
            value=default_suite(),
            allow_blank=False,
            id="profiler-suite",
            tooltip="The benchmark suite to run, with how long it takes here",
        )
        self.missing |= {fw for fw in PROFILER_IDS if not self.is_installed(fw)}
        for fw in PROFILER_IDS:
            box = Checkbox(display_name(fw), value=True, id=f"profiler-use-{fw}")
            if fw in self.missing:
                self.mark_missing(box, fw)
            yield box
        yield Button("Run", variant="primary", id="profiler-run")
        yield Button("Cancel", variant="error", id="profiler-cancel", disabled=True)

    @property
    def chosen_suite(self) -> str:
        return str(self.query_one("#profiler-suite", Select).value)

    def checkbox(self, framework: str) -> Checkbox:
        return self.query_one(f"#profiler-use-{framework}", Checkbox)

    def choose(self, suite: str | None, frameworks: list[str] | None) -> None:
        """Set the controls (the command palette's "Run the quick profile" comes here)."""
        if suite is not None:
            self.query_one("#profiler-suite", Select).value = suite
        if frameworks is not None:
            for fw in PROFILER_IDS:
                self.checkbox(fw).value = fw in frameworks and fw not in self.missing

    def chosen_frameworks(self) -> list[str]:
        return [fw for fw in PROFILER_IDS if self.checkbox(fw).value and fw not in self.missing]

    @staticmethod
    def mark_missing(box: Checkbox, framework: str) -> None:
        box.value = False
        box.disabled = True
        box.label = display_name(framework) + MISSING_MARK
        box.tooltip = f"{display_name(framework)} is not installed: {INSTALL_HINTS.get(framework, '')}"

    def set_machine(self, missing: Collection[str], device: str) -> None:
        """What the machine check found: frameworks that are not installed (besides the optional ones
        found missing already, which it does not look for), and whether there is a GPU."""
        self.missing |= set(missing)
        for fw in PROFILER_IDS:
            if fw in self.missing:
                self.mark_missing(self.checkbox(fw), fw)
        if device != self.device:
            self.device = device
            self.suites = []  # the expected times changed: list them again
            self.refresh_suites()

    def refresh_suites(self) -> None:
        """List the suites saved since (the chosen one stays chosen while it is still there)."""
        suites = suite_options(self.device)
        if suites == self.suites:
            return
        select = self.query_one("#profiler-suite", Select)
        current = select.value
        self.suites = suites
        select.set_options(suites)
        select.value = current if any(value == current for _, value in suites) else default_suite()

    def set_compact(self, compact: bool) -> None:
        """One line instead of three on a short terminal: the rows go to the results table."""
        for widget in (self.query_one(Select), *self.query(Checkbox), *self.query(Button)):
            widget.compact = compact

    def set_running(self, profiling: bool, cancelling: bool) -> None:
        """Nothing to change while a run is going; Cancel only until it was pressed."""
        self.query_one("#profiler-run", Button).disabled = profiling
        self.query_one("#profiler-cancel", Button).disabled = not profiling or cancelling
        self.query_one("#profiler-suite", Select).disabled = profiling
        for fw in PROFILER_IDS:
            self.checkbox(fw).disabled = profiling or fw in self.missing


class ProgressPanel(Vertical):
    """Per framework: a bar that fills as its results arrive, and a note on its worker."""

    DEFAULT_CSS = """
    ProgressPanel .progress-row { height: 1; }
    ProgressPanel .progress-name { width: 12; }
    ProgressPanel .progress-row ProgressBar { width: 40; }
    ProgressPanel .progress-note { width: 1fr; margin-left: 1; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        for fw in PROFILER_IDS:
            with Horizontal(classes="progress-row", id=f"progress-row-{fw}"):
                yield Label(display_name(fw), classes="progress-name")
                yield ProgressBar(total=1, show_eta=False, id=f"progress-{fw}")
                yield Label("not run yet", classes="progress-note", id=f"progress-note-{fw}")

    def bar(self, framework: str) -> ProgressBar:
        return self.query_one(f"#progress-{framework}", ProgressBar)

    def note(self, framework: str, text: str) -> None:
        # Versions and devices come from the workers: shown as they are, never as markup.
        self.query_one(f"#progress-note-{framework}", Label).update(Text(one_line(text)))

    def waiting(self, chosen: list[str], missing: set[str]) -> None:
        """A run is starting: the bars pulse until the number of cases is known."""
        for fw in PROFILER_IDS:
            if fw in missing:
                self.show_missing(fw)
                continue
            self.bar(fw).update(total=None if fw in chosen else 1, progress=0)
            self.note(fw, "waiting" if fw in chosen else "not chosen")

    def begin(self, frameworks: list[str], cases: int) -> None:
        for fw in frameworks:
            self.bar(fw).update(total=cases, progress=0)

    def advance(self, framework: str) -> None:
        self.bar(framework).advance(1)

    def process_ended(self, framework: str, summary: WorkerSummary) -> None:
        bar = self.bar(framework)
        bar.update(total=bar.total or 1, progress=bar.total or 1)
        self.note(framework, outcome_note(summary.status, summary.wall_s))

    def show_outcomes(self, workers: dict[str, WorkerSummary], missing: Collection[str] = ()) -> None:
        """How each worker of a finished run ended; one cancelled before it began was not run at all.
        A framework the run did not have says so (or how to install it, when it is `missing`)."""
        for fw in PROFILER_IDS:
            if fw in missing:
                self.show_missing(fw)
            elif fw not in workers:
                self.note(fw, "not in this run")
                self.bar(fw).update(total=1, progress=0)
        for fw, worker in workers.items():
            note = outcome_note(worker.status, worker.wall_s)
            if worker.status == "cancelled" and not worker.returncode and not worker.wall_s:
                note = "not run (cancelled)"
            self.note(fw, note)
            bar = self.bar(fw)
            if bar.total is None or not bar.progress:  # a saved run, or one shown again: the bar says it ended
                bar.update(total=1, progress=0 if worker.status == "cancelled" else 1)

    def not_installed(self, missing: Collection[str]) -> None:
        for fw in missing:
            self.show_missing(fw)

    def show_missing(self, framework: str) -> None:
        # No run can fill its bar: the line gives the bar's room to the pip command, whole at 80 columns.
        self.bar(framework).display = False
        self.note(framework, not_installed_text(framework))

    def not_run(self, frameworks: list[str]) -> None:
        for fw in frameworks:
            self.note(fw, "not run")
            self.bar(fw).update(total=1, progress=0)
