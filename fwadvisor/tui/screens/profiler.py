"""The profiler: this machine, a suite and frameworks to pick, a live run, its table and its chart.

The frameworks run in worker processes started by fwadvisor.profiler (this process never imports
them). The blocking parts sit in thread workers that only post the messages of tui.messages; the
handlers here keep the screen's state (reactive) and hand each area's part to its widget.
"""

from __future__ import annotations

import time
from typing import ClassVar

import msgspec
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.events import Resize
from textual.reactive import var
from textual.widgets import Button, Checkbox, Footer, Header, Select, Static

from fwadvisor.advisor.cluster_evidence import plumbing_note
from fwadvisor.frameworks import display_name
from fwadvisor.profiler.catalog import CURVE_BENCHMARKS
from fwadvisor.profiler.documents import STATUS_MARKS, Record, ResultStatus, RunDocument
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.run_environment import Environment
from fwadvisor.report.profile_model import busy_sentences
from fwadvisor.report.profile_table import problems
from fwadvisor.safe_text import clean, one_line
from fwadvisor.tui.messages import (
    CaseStarted,
    EnvironmentChecked,
    MachineSampled,
    ProcessEnded,
    ProcessFailed,
    ProcessReady,
    ProcessStarted,
    ResultArrived,
    RunFailed,
    RunFinished,
    RunStarted,
)
from fwadvisor.tui.profile_run import RunRequest, finish_notice, unsupported_sentences
from fwadvisor.tui.saved_runs import saved_run_label
from fwadvisor.tui.screens.profiler_help import PROFILER_HELP
from fwadvisor.tui.screens.run_evidence import RunEvidenceScreen
from fwadvisor.tui.widgets.environment import EnvironmentPanel
from fwadvisor.tui.widgets.machine_line import BUSY_COLOUR, MachineLine
from fwadvisor.tui.widgets.progress import ProgressPanel, RunControls, suite_description
from fwadvisor.tui.widgets.results import ResultsView
from fwadvisor.tui.widgets.too_small import TooSmallNotice

WIDE_CONTROLS = 100  # columns: below this the controls are compact whatever the height
SHORT_HEIGHT = 32  # rows: below this the controls are compact and the curves view hides the machine's lines


class ProfilerScreen(RunEvidenceScreen):
    """Benchmark the frameworks here; the finished run becomes evidence in the report."""

    HELP = PROFILER_HELP
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run", tooltip="Run the chosen suite in the chosen frameworks"),
        Binding("c", "cancel", "Cancel", tooltip="Stop the run now; what was measured is kept"),
        Binding(
            "v",
            "toggle_view",
            "Table/Curves",
            tooltip="Switch between the results table and the training curves of the practice suite",
        ),
        # Not in the footer (its 80 columns are taken); the help and the command palette name it.
        Binding("f", "fleet", "Fleet report", show=False, tooltip="Merge saved runs of many machines"),
    ]
    DEFAULT_CSS = """
    /* The table keeps room for three rows whatever the chart needs; on a short terminal the chart
       takes a few lines (its mouse wheel scrolls it) and every line above the table is kept short. */
    ProfilerScreen #profiler-results { min-height: 7; }
    ProfilerScreen #profiler-chart-box, ProfilerScreen #profiler-status-box { height: auto; }
    ProfilerScreen #profiler-chart-box { max-height: 50%; }
    ProfilerScreen.-short #profiler-chart-box { max-height: 5; }
    ProfilerScreen.-short #profiler-status-box { max-height: 3; }
    /* The curves take the place of the table and the chart (the v key), so 80x24 still has room. */
    ProfilerScreen #profiler-curves { display: none; }
    ProfilerScreen.-curves #profiler-curves { display: block; }
    ProfilerScreen.-curves #profiler-results, ProfilerScreen.-curves #profiler-chart-box { display: none; }
    /* On a short terminal the machine's lines give their rows to the curves (they are back with v). */
    ProfilerScreen.-curves.-short #profiler-env { display: none; }
    """

    # A run is going / Cancel was pressed: the controls and the footer's keys follow these.
    profiling: var[bool] = var(False, init=False, bindings=True)
    cancelling: var[bool] = var(False, init=False, bindings=True)
    # The line under the progress bars, and the problems listed under it (each with its fix).
    status: var[str] = var("", init=False)
    problems: var[list[str]] = var(list, init=False)
    # The frameworks whose run was busy (said under the status, with the evidence line).
    busy_notes: var[list[str]] = var(list, init=False)
    # Frameworks with no path to the run's device, with the reason: a result, not a problem.
    unsupported: var[list[str]] = var(list, init=False)
    # A CPU run of the cluster suite: what its numbers do and do not say (every report says it too).
    cluster_note: var[str] = var("", init=False)
    showing_curves: var[bool] = var(False, init=False, toggle_class="-curves")
    short: var[bool] = var(False, init=False, toggle_class="-short")
    # Below WIDE_CONTROLS columns the suite, the three boxes and the buttons fit on one line only compact.
    narrow_controls: var[bool] = var(False, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.records: list[Record] = []
        self.cases: dict[str, list[Case]] = {}
        self.chosen: list[str] = []
        self.started = 0.0
        # Whether the person pressed v during this run: then a new curve does not switch views for them.
        self.view_chosen = False
        # The areas each handler hands its part to (made here, so they are typed attributes, not queries).
        self.machine = EnvironmentPanel(id="profiler-env")
        # The app's answer to "is it installed" (make_app's `installed`), asked once the screen is in the app.
        self.controls = RunControls(lambda fw: self.state.framework_installed(fw), id="profiler-controls")
        self.progress = ProgressPanel(id="profiler-progress")
        self.machine_line = MachineLine(id="profiler-machine")
        self.results = ResultsView(id="profiler-results-view")

    def compose(self) -> ComposeResult:
        yield TooSmallNotice()
        yield Header()
        yield self.machine
        yield self.controls
        yield self.progress
        yield self.machine_line
        # Scrolls (Tab to it, then the arrow keys) where a short terminal gives it three rows.
        with VerticalScroll(id="profiler-status-box"):
            yield Static(id="profiler-status")
        yield self.results
        yield Footer()

    def on_mount(self) -> None:
        self.progress.not_installed(self.controls.missing)
        self.results.show_frameworks(self.controls.chosen_frameworks())
        self.status = "Pick a suite and the frameworks, then press r (or Run)."
        # After the first paint: looking up the last saved run reads a file (see AdvisorState).
        self.call_after_refresh(self.show_saved_runs)

    def show_saved_runs(self) -> None:
        """The run the advice uses (the last saved one): its table, chart and curves, with its date and
        machine; r runs again."""
        saved: RunDocument | None = self.state.profile_document
        self.evidence = self.state.evidence_line() or ""
        if self.profiling or saved is None:
            return
        stopped = {fw for fw, worker in saved.workers.items() if worker.status == "cancelled"}
        self.results.show_records(saved.results, final=True, not_run=stopped, frameworks=saved.workers)
        self.show_curves(saved.results)
        self.progress.show_outcomes(saved.workers, self.controls.missing)
        self.cluster_note = plumbing_note(saved)
        self.unsupported = unsupported_sentences(saved)
        self.status = f"Last saved run: {saved_run_label(saved)}. r runs again."

    def on_resize(self, event: Resize) -> None:
        self.short = event.size.height < SHORT_HEIGHT
        self.narrow_controls = event.size.width < WIDE_CONTROLS

    def watch_short(self) -> None:
        self.controls.set_compact(self.short or self.narrow_controls)

    watch_narrow_controls = watch_short

    def on_environment_checked(self, message: EnvironmentChecked) -> None:
        """Frameworks that are not installed cannot be ticked; the suites' times follow the device."""
        environment = message.environment or Environment()
        missing = {fw for fw, info in environment.frameworks.items() if not info.installed}
        device = "gpu" if environment.gpu.gpus else "cpu"
        self.controls.set_machine(missing, device)
        if not self.profiling:
            self.progress.not_installed(self.controls.missing)
            if not self.results.has_rows:
                self.status = suite_description(self.controls.chosen_suite, self.controls.device)

    @on(Checkbox.Changed)
    def frameworks_chosen(self) -> None:
        if not self.profiling:
            self.results.show_frameworks(self.controls.chosen_frameworks())

    @on(Select.Changed, "#profiler-suite")
    def suite_chosen(self) -> None:
        if not self.profiling:
            self.status = suite_description(self.controls.chosen_suite, self.controls.device)

    def on_screen_resume(self) -> None:
        # A suite saved since the screen was built shows up without a restart.
        if not self.profiling:
            self.controls.refresh_suites()
        if self.pending_choice is not None:  # the run ended while the person was elsewhere
            self.call_after_refresh(self.ask_which_evidence)

    # ---- state shown -------------------------------------------------------------------------

    def watch_profiling(self) -> None:
        self.controls.set_running(self.profiling, self.cancelling)

    watch_cancelling = watch_profiling

    def watch_status(self) -> None:
        # Suite and benchmark names, worker errors and hints are outside text: cleaned, never markup.
        text = Text(clean(self.status))
        if self.evidence:
            text.append("\n" + clean(self.evidence), style="dim")
        if self.cluster_note:
            text.append("\n" + self.cluster_note, style="dim")
        for line in self.problems:
            text.append("\n✗ " + clean(line), style="red")
        for line in self.busy_notes:
            text.append("\n" + clean(line), style=BUSY_COLOUR)
        for line in self.unsupported:
            text.append(f"\n{STATUS_MARKS[ResultStatus.UNSUPPORTED]} " + clean(line), style="dim")
        self.query_one("#profiler-status", Static).update(text)

    watch_problems = watch_evidence = watch_busy_notes = watch_cluster_note = watch_unsupported = watch_status

    @property
    def has_curves(self) -> bool:
        return self.results.has_curves

    def show_curves(self, records: list[Record]) -> None:
        """Draw the practice records' curves; the first ones switch the view to them (unless v was used)."""
        had = self.has_curves
        self.results.show_curves(records)
        if not self.has_curves:
            self.showing_curves = False
        elif not had and not self.view_chosen:
            self.showing_curves = True
        if had != self.has_curves:
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None greys the key out in the footer instead of hiding it.
        if action == "toggle_view":
            return self.has_curves  # hidden without curves: the quick suite's footer stays as it was
        if action == "run":
            return None if self.profiling else True
        if action == "cancel":
            return True if self.profiling and not self.cancelling else None
        return True

    # ---- starting and stopping a run ----------------------------------------------------------

    def run_profile(
        self, suite: str | None = None, frameworks: list[str] | None = None, benchmarks: list[str] | None = None
    ) -> bool:
        """Start a run (the r key, the Run button and the command palette all come here).

        `suite` and `frameworks` default to what the controls show; given, the controls follow them.
        Returns False when no run was started (one is running, or no framework is chosen).
        """
        if self.profiling:
            self.notify("A profile is already running: cancel it first (c).", severity="warning", markup=False)
            return False
        controls = self.controls
        controls.choose(suite, frameworks)
        chosen = controls.chosen_frameworks()
        if not chosen:
            self.notify("Tick at least one framework first.", severity="warning", markup=False)
            return False
        self.records, self.cases, self.chosen = [], {}, chosen
        self.started = time.monotonic()
        self.cancelling = False
        self.profiling = True
        self.progress.waiting(chosen, controls.missing)
        waiting = "" if self.host.machine_check.known.is_set() else " (waiting for the machine check to finish)"
        self.problems, self.busy_notes, self.cluster_note, self.unsupported = [], [], "", []
        self.status = f"Starting suite {controls.chosen_suite}{waiting} ..."
        self.app_progress(f"Profiling: starting suite {controls.chosen_suite}")
        # The App owns the run (it goes on while another screen shows); this screen hears how it goes.
        self.host.profile_run.start(
            self, RunRequest(controls.chosen_suite, chosen, benchmarks, self.host.machine_check)
        )
        return True

    def action_run(self) -> None:
        self.run_profile()

    def action_cancel(self) -> None:
        if not self.profiling or self.cancelling:
            return
        self.cancelling = True
        self.host.profile_run.cancel()
        self.status = "Cancelling: stopping the worker ..."

    def action_fleet(self) -> None:
        from fwadvisor.paths import runs_dir
        from fwadvisor.tui.screens.fleet import open_fleet_report

        open_fleet_report(self.app, runs_dir())

    def action_toggle_view(self) -> None:
        if self.has_curves:
            self.view_chosen = True
            self.showing_curves = not self.showing_curves

    @on(Button.Pressed, "#profiler-run")
    def run_pressed(self) -> None:
        self.run_profile()

    @on(Button.Pressed, "#profiler-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    # ---- live progress ------------------------------------------------------------------------

    def on_run_started(self, message: RunStarted) -> None:
        plan = message.plan
        cases, frameworks = list(plan.cases), list(plan.frameworks)
        self.machine_line.hide()  # until this run's first sample
        self.cases = {fw: cases for fw in frameworks}
        self.results.prepare(cases, frameworks)
        self.progress.begin(frameworks, len(cases))
        self.view_chosen = False
        self.show_curves([])
        self.status = (
            f"Suite {plan.suite.name} on the {plan.device.upper()}: {len(cases)} "
            f"benchmarks in {' then '.join(display_name(fw) for fw in frameworks)}."
        )

    def on_process_started(self, message: ProcessStarted) -> None:
        self.progress.note(message.framework, "starting the framework ...")

    def on_process_ready(self, message: ProcessReady) -> None:
        self.progress.note(message.framework, f"{message.framework_version} on {message.device}")

    def on_case_started(self, message: CaseStarted) -> None:
        fw = message.framework
        cases = self.cases.get(fw, [])
        # How far this framework is: its results so far, not the case's place in the plan (the cluster
        # suite runs its one-device cases first, whatever their place in the table).
        position = sum(1 for record in self.records if record.framework == fw) + 1
        self.status = (
            f"Running {display_name(fw)}: {message.benchmark} {message.dtype or ''} ({position} of {len(cases)})"
        )
        # Every screen's header says how far the run is (it goes on while another screen shows).
        total = sum(len(cases) for cases in self.cases.values())
        self.app_progress(f"Profiling {len(self.records)}/{total} done, {display_name(fw)} {position}/{len(cases)}")
        if 0 <= message.index < len(cases):
            self.results.mark_running(cases[message.index], fw)

    def on_result_arrived(self, message: ResultArrived) -> None:
        self.records.append(message.record)
        self.machine_line.mark_busy(message.framework, message.record.machine_busy)
        self.progress.advance(message.framework)
        self.results.show_records(self.records)
        if message.record.benchmark in CURVE_BENCHMARKS:
            self.show_curves(self.records)

    def on_machine_sampled(self, message: MachineSampled) -> None:
        if self.profiling:  # a sample that arrives after the run ended is about no run
            self.machine_line.show(message.framework, message.sample)

    def on_process_failed(self, message: ProcessFailed) -> None:
        if message.kind == "not_supported":  # not a failure: the reason is said, without a fix
            self.unsupported = [*self.unsupported, f"{display_name(message.framework)}: {message.error}"]
            return
        # Say it now, not at the end: the other framework may still take a minute.
        hint = f" Fix: {message.hint}" if message.hint else ""
        self.problems = [*self.problems, f"{display_name(message.framework)}: {message.error}.{hint}"]

    def on_process_ended(self, message: ProcessEnded) -> None:
        self.progress.process_ended(message.framework, message.summary)

    def app_progress(self, text: str | None) -> None:
        self.host.show_run_progress(text)

    def run_ended(self) -> None:
        """The run is over (finished, failed or cancelled): the controls, the header and the App follow."""
        self.profiling = self.cancelling = False
        self.host.profile_run.ended()
        self.app_progress(None)
        self.machine_line.hide()

    def on_run_finished(self, message: RunFinished) -> None:
        document = message.document
        self.run_ended()
        # A cancelled framework's empty cells are not failures: say "not run" and keep them out of
        # the problems, so the lines left there are the ones that need a fix.
        stopped = {fw for fw, worker in document.workers.items() if worker.status == "cancelled"}
        self.results.show_records(document.results, final=True, not_run=stopped, frameworks=document.workers)
        # The numbers have the focus now: Enter opens a row's details; it must not start another run
        # from the Run button that still had the focus.
        self.results.table.focus()
        self.show_curves(document.results)
        self.progress.show_outcomes(document.workers, self.controls.missing)
        adopted = message.path is not None and self.adopt_run(document, message.path)
        took = time.monotonic() - self.started
        # The file's name here (the notification gives the whole path): the status stays short at 80 columns.
        where = f"Saved to {message.path.name}" if message.path else f"Could not save the run: {message.save_error}"
        self.problems = problems(
            msgspec.structs.replace(
                document,
                workers={fw: w for fw, w in document.workers.items() if fw not in stopped},
                results=[r for r in document.results if r.framework not in stopped],
            )
        )
        self.busy_notes = busy_sentences(document)
        self.unsupported = unsupported_sentences(document)
        self.cluster_note = plumbing_note(document)
        if document.cancelled:
            self.status = (
                f"Cancelled after {took:.0f} s: the workers were stopped and what was measured is kept. {where}."
            )
        elif self.problems:
            self.status = f"Finished in {took:.0f} s with problems (below). {where}."
        else:
            self.status = f"Finished in {took:.0f} s: every benchmark ran. {where}."
        notice = finish_notice(message.path, adopted, asked_later=self.pending_choice is not None)
        if notice is not None:
            self.notify(notice[1], title=notice[0], timeout=8, markup=False)
        elif message.path is None:
            self.notify(one_line(where), severity="error", markup=False)

    def on_run_failed(self, message: RunFailed) -> None:
        self.run_ended()
        if message.cancelled:
            self.status = "Cancelled before the run started: nothing was measured."
        else:
            self.problems = [message.error]
            self.status = "The run did not start or stopped early:"
        self.progress.not_run(self.chosen)
