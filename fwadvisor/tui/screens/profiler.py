"""The profiler: this machine, a suite and frameworks to pick, a live run, its table and its chart.

The frameworks run in worker processes started by fwadvisor.profiler (this process never imports
them). The blocking run sits in a thread worker that only posts messages; the handlers below turn
them into progress, table cells and the chart, so the UI stays responsive throughout.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Checkbox, DataTable, Footer, Header, Label, ProgressBar, Select, Static
from textual.worker import get_current_worker

from fwadvisor.errors import InputError
from fwadvisor.profiler.records import FRAMEWORKS
from fwadvisor.profiler.suites import Case, suite_paths
from fwadvisor.report.profile_section import EXPORT_BENCHMARK, PRACTICE_BENCHMARKS, PRACTICE_MODELS
from fwadvisor.report.profile_table import LOWER_IS_BETTER, NAMES, Row, params_text, problems, rows
from fwadvisor.tui.widgets.curves import CurvesPanel
from fwadvisor.tui.widgets.ratio_chart import RatioChart

DEFAULT_SUITE = "quick"
SHORT_HEIGHT = 32  # rows: below this the curves view hides the machine's lines to give the plots room
CELL_COLOURS = {"failed": "red", "wrong": "red", "wide": "yellow", "skipped": "dim"}
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
}


class EnvironmentChecked(Message):
    """The machine as the profiler sees it (or why it could not be checked)."""

    def __init__(self, environment: dict[str, Any] | None, error: str | None = None) -> None:
        super().__init__()
        self.environment = environment
        self.error = error


class ProfileStarted(Message):
    """The run is about to start its first worker: these cases, in these frameworks."""

    def __init__(self, suite: str, device: str, frameworks: list[str], cases: list[Case]) -> None:
        super().__init__()
        self.suite = suite
        self.device = device
        self.frameworks = frameworks
        self.cases = cases


class ProfileEvent(Message):
    """One event from the runner (worker_started, start, result, fatal, worker_finished ...)."""

    def __init__(self, event: dict[str, Any]) -> None:
        super().__init__()
        self.event = event


class ProfileFinished(Message):
    """The run ended (done, failed or cancelled) and its document was saved to `path`."""

    def __init__(self, document: dict[str, Any], path: Path | None, save_error: str | None = None) -> None:
        super().__init__()
        self.document = document
        self.path = path
        self.save_error = save_error


class ProfileFailed(Message):
    """The run ended without a document: a bad suite file, say, or a cancel before it started."""

    def __init__(self, error: str, cancelled: bool = False) -> None:
        super().__init__()
        self.error = error
        self.cancelled = cancelled


def row_key(benchmark: str, dtype: str, params: str) -> str:
    return f"{benchmark}|{dtype}|{params}"


def ahead_text(row: Row) -> str:
    """The table's "ahead" cell, worded as in every report (profile_table.Row.faster_text)."""
    return row.faster_text()


def environment_lines(env: dict[str, Any]) -> Text:
    """A few lines on the CPU, the GPU and each framework, with the fix for a missing one."""
    text = Text()
    cpu = env.get("cpu", {})
    text.append("CPU  ", style="bold")
    text.append(
        f"{cpu.get('model', '?')}: {cpu.get('physical_cores')} cores, {cpu.get('logical_cores')} "
        f"threads; {env.get('memory_gb', '?')} GB memory\n"
    )
    gpus = env.get("gpu", {}).get("gpus") or []
    text.append("GPU  ", style="bold")
    if gpus:
        text.append(
            ", ".join(f"{g['name']} ({g.get('memory_total_gb')} GB)" for g in gpus)
            + f"; driver {env['gpu'].get('driver')}: runs on the GPU\n"
        )
    else:
        text.append("no NVIDIA GPU: runs on the CPU\n")
    # Both frameworks on one line: the screen's top must stay short on an 80x24 terminal.
    for index, (fw, info) in enumerate(env.get("frameworks", {}).items()):
        text.append(" · " if index else "")
        text.append(f"{NAMES.get(fw, fw)} ", style="bold")
        if not info.get("installed"):
            text.append("not installed", style="red")
            text.append(f" - fix: {info.get('hint')}")
        elif info.get("error"):
            text.append(f"{info.get('version')}: ")
            text.append(str(info["error"]), style="red")
            text.append(f" - fix: {info['hint']}" if info.get("hint") else "")
        elif info.get("gpu_available"):
            text.append(f"{info.get('version')}, sees a GPU: {', '.join(info.get('gpu_devices') or [])}")
        else:
            text.append(f"{info.get('version')}, CPU only")
    text.rstrip()
    return text


class ProfilerScreen(Screen):
    """Benchmark both frameworks here; the finished run becomes evidence in the report."""

    HELP = (
        "Benchmark PyTorch and TensorFlow on this machine (the GPU when there is one, else the CPU). "
        "The top lines show what was found. Pick a suite (quick takes about a minute on a small CPU; "
        "your own suites from the profiles folder of your config directory are listed too) and the "
        "frameworks, then press r or Run. Progress, the results table and the chart of which framework "
        "is ahead fill in as numbers arrive; c or Cancel stops the workers at once and keeps what was "
        "measured. Every finished run is saved in your data folder and the report uses it as evidence. "
        "In the table ± is half the p20-p80 spread, ~ a spread over 10% (not used as evidence), "
        "≠ a result that did not match the NumPy reference and ✗ a failure; the message under the "
        "progress bars says what went wrong and how to fix it. "
        "A run with the practice suite trains a small CNN and an LSTM in both frameworks: as their results "
        "arrive, the training curves take the place of the table and the chart: one plot per model, "
        "the training loss per epoch as a line on the left axis, the test accuracy as a line with a point "
        "per epoch (● PyTorch, ■ TensorFlow) on the right axis, PyTorch orange and TensorFlow gold. Under "
        "them are the final accuracies; a gap of more than 3 points is called out as a finding. Press v to "
        "switch between the curves and the table (the key is offered only when there are curves); on a "
        "short terminal the curves also take the machine's lines at the top. The last saved run's curves "
        "are shown when the screen opens."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run", tooltip="Run the chosen suite in the chosen frameworks"),
        Binding("c", "cancel", "Cancel", tooltip="Stop the run now; what was measured is kept"),
        Binding(
            "v",
            "toggle_view",
            "Table/Curves",
            tooltip="Switch between the results table and the training curves of the practice suite",
        ),
    ]
    DEFAULT_CSS = """
    /* Narrower than the defaults so that every control fits an 80-column terminal. */
    ProfilerScreen #profiler-controls Button { min-width: 8; }
    ProfilerScreen #profiler-controls Checkbox { padding: 0; }
    ProfilerScreen .progress-row { height: 1; }
    ProfilerScreen .progress-name { width: 12; }
    ProfilerScreen .progress-row ProgressBar { width: 40; }
    ProfilerScreen .progress-note { width: 1fr; margin-left: 1; color: $text-muted; }
    /* The curves take the place of the table and the chart (the v key), so 80x24 still has room. */
    ProfilerScreen #profiler-curves { display: none; }
    ProfilerScreen.-curves #profiler-curves { display: block; }
    ProfilerScreen.-curves #profiler-results, ProfilerScreen.-curves #profiler-chart { display: none; }
    /* On a short terminal the machine's lines give their rows to the curves (they are back with v). */
    ProfilerScreen.-curves.-short #profiler-env { display: none; }
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[str, Any] | None = None
        self._environment_ready = threading.Event()
        self._profiling = False
        self._cancelling = False
        self._records: list[dict[str, Any]] = []
        self._cases: dict[str, list[Case]] = {}
        self._chosen: list[str] = []
        self._status = ""
        self._problems: list[str] = []
        self._started = 0.0
        self._suite_choices = self._suite_options()
        # Whether the person pressed v during this run: then a new curve does not switch views for them.
        self._view_chosen = False

    # ---- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Checking this machine: CPU, GPU and the frameworks ...", style="italic"), id="profiler-env")
        with Horizontal(id="profiler-controls"):
            yield Select(
                self._suite_choices,
                value=self._default_suite(),
                allow_blank=False,
                id="profiler-suite",
                tooltip="The benchmark suite to run",
            )
            for fw in FRAMEWORKS:
                yield Checkbox(NAMES[fw], value=True, id=f"profiler-use-{fw}")
            yield Button("Run", variant="primary", id="profiler-run")
            yield Button("Cancel", variant="error", id="profiler-cancel", disabled=True)
        with Vertical(id="profiler-progress"):
            for fw in FRAMEWORKS:
                with Horizontal(classes="progress-row", id=f"progress-row-{fw}"):
                    yield Label(NAMES[fw], classes="progress-name")
                    yield ProgressBar(total=1, show_eta=False, id=f"progress-{fw}")
                    yield Label("not run yet", classes="progress-note", id=f"progress-note-{fw}")
        yield Static(id="profiler-status")
        table: DataTable[Text | str] = DataTable(id="profiler-results", cursor_type="row", zebra_stripes=True)
        yield table
        yield RatioChart(id="profiler-chart")
        yield CurvesPanel(id="profiler-curves")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#profiler-results", DataTable)
        table.add_column("benchmark", key="benchmark")
        table.add_column("metric", key="metric")
        for fw in FRAMEWORKS:
            table.add_column(NAMES[fw], key=fw)
        table.add_column("ahead", key="ahead")
        self._set_status("Pick a suite and the frameworks, then press r (or Run).")
        self._check_environment()
        # After the first paint: looking up the last saved run reads a file (see AdvisorState).
        self.call_after_refresh(self._show_saved_curves)

    def _show_saved_curves(self) -> None:
        """The curves of the run the advice uses, when it has them (the table stays for new runs)."""
        document = self.app.state.profile_document  # type: ignore[attr-defined]
        if self._profiling or not document:
            return
        self._show_curves(document.get("results", []))

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.height < SHORT_HEIGHT, "-short")

    def on_screen_resume(self) -> None:
        # A suite saved since the screen was built shows up without a restart.
        options = self._suite_options()
        if options != self._suite_choices and not self._profiling:
            select = self.query_one("#profiler-suite", Select)
            current = select.value
            self._suite_choices = options
            select.set_options(options)
            select.value = current if (current, current) in options else self._default_suite()

    def on_unmount(self) -> None:
        # Leaving the screen ends the run (design.md: no orphan workers). Cancelling the worker sets
        # the event the runner polls, so the framework's process is killed within a fraction of a second.
        self.workers.cancel_node(self)

    def on_screen_suspend(self) -> None:
        # Switching to another screen is leaving it too (design.md's process model): stop a run in
        # progress and say so. A dialog or the help on top of this screen is not leaving it, and the
        # mode has not changed yet when this runs, hence the check once the switch is done.
        if self._profiling:
            self.app.call_after_refresh(self._cancel_if_left)

    def _cancel_if_left(self) -> None:
        if self._profiling and self.app.current_mode != "profiler":
            self.workers.cancel_group(self, "profile")
            self.notify(
                "The profile was cancelled because you left the profiler; what was measured is kept.",
                severity="warning",
            )

    @staticmethod
    def _suite_options() -> list[tuple[str, str]]:
        return [(name, name) for name in suite_paths()]

    @staticmethod
    def _default_suite() -> str:
        names = list(suite_paths())
        return DEFAULT_SUITE if DEFAULT_SUITE in names else names[0]

    # ---- the environment ----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="env", exit_on_error=False, description="Check the environment")
    def _check_environment(self) -> None:
        from fwadvisor.profiler.environment import collect_environment

        try:
            environment = collect_environment(probe_frameworks=True)
        except Exception as exc:  # a failed probe must not stop profiling; say why
            self._environment_ready.set()
            self.post_message(EnvironmentChecked(None, f"{type(exc).__name__}: {exc}"))
            return
        self._environment = environment
        self._environment_ready.set()
        self.post_message(EnvironmentChecked(environment))

    def on_environment_checked(self, message: EnvironmentChecked) -> None:
        env_view = self.query_one("#profiler-env", Static)
        if message.environment is None:
            env_view.update(
                Text(
                    f"Could not check this machine ({message.error}); the profiler still runs "
                    "and records what it finds.",
                    style="yellow",
                )
            )
        else:
            env_view.update(environment_lines(message.environment))

    # ---- starting and stopping a run ----------------------------------------------------------

    def run_profile(
        self, suite: str | None = None, frameworks: list[str] | None = None, benchmarks: list[str] | None = None
    ) -> bool:
        """Start a run (the r key, the Run button and the command palette all come here).

        `suite` and `frameworks` default to what the controls show; given, the controls follow them.
        Returns False when no run was started (one is running, or no framework is chosen).
        """
        if self._profiling:
            self.notify("A profile is already running: cancel it first (c).", severity="warning")
            return False
        select = self.query_one("#profiler-suite", Select)
        if suite is not None:
            select.value = suite
        if frameworks is not None:
            for fw in FRAMEWORKS:
                self.query_one(f"#profiler-use-{fw}", Checkbox).value = fw in frameworks
        chosen = [fw for fw in FRAMEWORKS if self.query_one(f"#profiler-use-{fw}", Checkbox).value]
        if not chosen:
            self.notify("Tick PyTorch, TensorFlow or both first.", severity="warning")
            return False
        self._profiling, self._cancelling = True, False
        self._records, self._cases, self._problems, self._chosen = [], {}, [], chosen
        self._started = time.monotonic()
        self._refresh_controls()
        for fw in FRAMEWORKS:
            self.query_one(f"#progress-{fw}", ProgressBar).update(total=None, progress=0)
            self.query_one(f"#progress-note-{fw}", Label).update("waiting" if fw in chosen else "not chosen")
        waiting = "" if self._environment_ready.is_set() else " (waiting for the machine check to finish)"
        self._set_status(f"Starting suite {select.value}{waiting} ...")
        self._profile(str(select.value), chosen, benchmarks)
        return True

    @work(thread=True, exclusive=True, group="profile", exit_on_error=False, description="Profile run")
    def _profile(self, suite_name: str, frameworks: list[str], benchmarks: list[str] | None) -> None:
        from fwadvisor.profiler import session
        from fwadvisor.profiler.suites import load_suite, resolve_cases

        # Textual sets this event when the worker is cancelled: by Cancel, by leaving the screen or
        # by quitting the app. The runner polls it and kills the framework's worker at once.
        cancel = get_current_worker().cancelled_event
        try:
            suite = load_suite(suite_name)
            # Wait for the probe (a few seconds): its framework processes would disturb the numbers,
            # and its findings (framework versions, GPUs) belong in the saved document.
            while not self._environment_ready.wait(0.1):
                if cancel.is_set():
                    self.post_message(ProfileFailed("cancelled before the run started", cancelled=True))
                    return
            environment = self._environment
            if environment is None:
                from fwadvisor.profiler.environment import collect_environment

                environment = collect_environment(probe_frameworks=False)
            device = session.resolve_device("auto", environment)
            cases = resolve_cases(suite, device, benchmarks)
            self.post_message(ProfileStarted(suite.name, device, frameworks, cases))
            document = session.run_profile(
                suite,
                frameworks=frameworks,
                device="auto",
                benchmarks=benchmarks,
                environment=environment,
                on_event=lambda event: self.post_message(ProfileEvent(event)),
                cancel=cancel,
                worker_env=self.app.state.worker_env,  # type: ignore[attr-defined]
            )
        except InputError as exc:
            self.post_message(ProfileFailed(str(exc)))
            return
        except Exception as exc:  # shown as a plain message, never a traceback
            self.post_message(ProfileFailed(f"the profiler stopped unexpectedly: {type(exc).__name__}: {exc}"))
            return
        try:
            path: Path | None = session.save_document(document)[0]
            error = None
        except OSError as exc:
            path, error = None, str(exc)
        self.post_message(ProfileFinished(document, path, error))

    def action_run(self) -> None:
        self.run_profile()

    def action_cancel(self) -> None:
        if not self._profiling or self._cancelling:
            return
        self._cancelling = True
        self.workers.cancel_group(self, "profile")
        self._set_status("Cancelling: stopping the worker ...")
        self._refresh_controls()

    def action_toggle_view(self) -> None:
        if self.has_curves:
            self._view_chosen = True
            self.set_class(not self.showing_curves, "-curves")

    @property
    def has_curves(self) -> bool:
        return bool(self.query_one(CurvesPanel).models)

    @property
    def showing_curves(self) -> bool:
        return self.has_class("-curves")

    def _show_curves(self, records: list[dict[str, Any]]) -> None:
        """Draw the practice records' curves; the first ones switch the view to them (unless v was used)."""
        had = self.has_curves
        self.query_one(CurvesPanel).show(records)
        if not self.has_curves:
            self.remove_class("-curves")
        elif not had and not self._view_chosen:
            self.add_class("-curves")
        if had != self.has_curves:
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # None greys the key out in the footer instead of hiding it.
        if action == "toggle_view":
            return self.has_curves  # hidden without curves: the quick suite's footer stays as it was
        if action == "run":
            return None if self._profiling else True
        if action == "cancel":
            return True if self._profiling and not self._cancelling else None
        return True

    @on(Button.Pressed, "#profiler-run")
    def _run_pressed(self) -> None:
        self.run_profile()

    @on(Button.Pressed, "#profiler-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def _refresh_controls(self) -> None:
        self.query_one("#profiler-run", Button).disabled = self._profiling
        self.query_one("#profiler-cancel", Button).disabled = not self._profiling or self._cancelling
        self.query_one("#profiler-suite", Select).disabled = self._profiling
        for fw in FRAMEWORKS:
            self.query_one(f"#profiler-use-{fw}", Checkbox).disabled = self._profiling
        self.refresh_bindings()

    # ---- live progress ------------------------------------------------------------------------

    def on_profile_started(self, message: ProfileStarted) -> None:
        self._cases = {fw: message.cases for fw in message.frameworks}
        table = self.query_one("#profiler-results", DataTable)
        table.clear()
        for case in message.cases:
            key = row_key(case.benchmark, case.dtype or "", params_text(case.params, case.benchmark))
            if key in table.rows:
                continue
            pending = [
                Text("…", style="dim") if fw in message.frameworks else Text("-", style="dim") for fw in FRAMEWORKS
            ]
            table.add_row(
                self._benchmark_label(case.benchmark, case.dtype or "", params_text(case.params, case.benchmark)),
                "",
                *pending,
                "",
                key=key,
            )
        for fw in message.frameworks:
            self.query_one(f"#progress-{fw}", ProgressBar).update(total=len(message.cases), progress=0)
        chart = self.query_one(RatioChart)
        chart.display = True  # a practice-only run before this one may have hidden it
        chart.show([])
        self._view_chosen = False
        self._show_curves([])
        self._set_status(
            f"Suite {message.suite} on the {message.device.upper()}: {len(message.cases)} "
            f"benchmarks in {' then '.join(NAMES[fw] for fw in message.frameworks)}."
        )

    def on_profile_event(self, message: ProfileEvent) -> None:
        event = message.event
        kind, fw = event.get("type"), event.get("framework", "")
        name = NAMES.get(fw, fw)
        if kind == "worker_started":
            self.query_one(f"#progress-note-{fw}", Label).update("starting the framework ...")
        elif kind == "hello":
            version = event.get("framework_version") or ""
            self.query_one(f"#progress-note-{fw}", Label).update(f"{version} on {event.get('device', '?')}")
        elif kind == "start":
            total = len(self._cases.get(fw, []))
            self._set_status(
                f"Running {name}: {event['benchmark']} {event.get('dtype') or ''} ({event['index'] + 1} of {total})"
            )
            case = self._case(fw, event["index"])
            if case is not None:
                self._set_cell(case, fw, Text("running", style="italic yellow"))
        elif kind == "result":
            self._records.append(event["record"])
            self.query_one(f"#progress-{fw}", ProgressBar).advance(1)
            self._show_rows(rows({"results": self._records}))
            if event["record"].get("benchmark") in PRACTICE_MODELS:
                self._show_curves(self._records)
        elif kind == "fatal":
            # Say it now, not at the end: the other framework may still take a minute.
            hint = f" Fix: {event['hint']}" if event.get("hint") else ""
            self._problems.append(f"{name}: {event.get('error')}.{hint}")
            self._set_status(self._status)
        elif kind == "worker_finished":
            status = event.get("status", "")
            bar = self.query_one(f"#progress-{fw}", ProgressBar)
            bar.update(total=bar.total or 1, progress=bar.total or 1)
            note = WORKER_NOTES.get(status, status)
            self.query_one(f"#progress-note-{fw}", Label).update(f"{note} in {event.get('wall_s', 0):.1f} s")

    def on_profile_finished(self, message: ProfileFinished) -> None:
        doc = message.document
        self._profiling = self._cancelling = False
        self._refresh_controls()
        # A cancelled framework's empty cells are not failures: say "not run" and keep them out of
        # the problems, so the lines left there are the ones that need a fix.
        workers = doc.get("workers", {})
        stopped = {fw for fw, worker in workers.items() if worker["status"] == "cancelled"}
        self._show_rows(rows(doc), final=True, not_run=stopped)
        self._show_curves(doc.get("results", []))
        self._problems = problems(
            {
                **doc,
                "workers": {fw: w for fw, w in workers.items() if fw not in stopped},
                "results": [r for r in doc["results"] if r["framework"] not in stopped],
            }
        )
        for fw, worker in workers.items():
            note = WORKER_NOTES.get(worker["status"], worker["status"])
            if worker["status"] == "cancelled" and not worker.get("returncode") and not worker.get("wall_s"):
                note = "not run (cancelled)"
            else:
                note += f" in {worker.get('wall_s') or 0:.1f} s"
            self.query_one(f"#progress-note-{fw}", Label).update(note)
        state = self.app.state  # type: ignore[attr-defined]
        if message.path is not None:
            state.profile_document, state.profile_path = doc, message.path
        took = time.monotonic() - self._started
        where = f"Saved to {message.path}" if message.path else f"Could not save the run: {message.save_error}"
        if doc.get("cancelled"):
            self._set_status(
                f"Cancelled after {took:.0f} s: the workers were stopped and what was measured is kept. {where}."
            )
        elif self._problems:
            self._set_status(f"Finished in {took:.0f} s with problems (below). {where}.")
        else:
            self._set_status(f"Finished in {took:.0f} s: every benchmark ran. {where}.")
        if message.path is not None:
            self.notify(
                f"Saved to {message.path} - the report now includes these numbers", title="Profile saved", timeout=8
            )
        else:
            self.notify(where, severity="error")

    def on_profile_failed(self, message: ProfileFailed) -> None:
        self._profiling = self._cancelling = False
        self._refresh_controls()
        if message.cancelled:
            self._set_status("Cancelled before the run started: nothing was measured.")
        else:
            self._problems = [message.error]
            self._set_status("The run did not start or stopped early:")
        for fw in self._chosen:
            self.query_one(f"#progress-note-{fw}", Label).update("not run")
            self.query_one(f"#progress-{fw}", ProgressBar).update(total=1, progress=0)

    # ---- drawing ------------------------------------------------------------------------------

    def _case(self, framework: str, index: int) -> Case | None:
        cases = self._cases.get(framework, [])
        return cases[index] if 0 <= index < len(cases) else None

    @staticmethod
    def _benchmark_label(benchmark: str, dtype: str, params: str) -> Text:
        label = Text(f"{benchmark} {dtype}".strip())
        label.append(f"  {params}", style="dim")
        return label

    def _set_cell(self, case: Case, framework: str, value: Text) -> None:
        table = self.query_one("#profiler-results", DataTable)
        key = row_key(case.benchmark, case.dtype or "", params_text(case.params, case.benchmark))
        if key in table.rows:
            table.update_cell(key, framework, value)

    def _show_rows(
        self, table_rows: list[Row], final: bool = False, not_run: frozenset[str] | set[str] = frozenset()
    ) -> None:
        """Fill in the cells that have numbers (all of them once the run is over) and the chart."""
        table = self.query_one("#profiler-results", DataTable)
        for row in table_rows:
            key = row_key(row.benchmark, row.dtype, row.params)
            unit = Text(row.unit)
            if row.unit in LOWER_IS_BETTER or row.benchmark == EXPORT_BENCHMARK:
                unit.append(" (lower is better)", style="dim")
            values: dict[str, Text | str] = {"metric": unit, "ahead": ahead_text(row)}
            for fw in FRAMEWORKS:
                cell = row.cells.get(fw)
                if cell is not None and fw in not_run and cell.status == "failed":
                    values[fw] = Text("cancelled", style="dim")
                elif cell is not None:
                    values[fw] = Text(cell.text(), style=CELL_COLOURS.get(cell.status, ""))
                elif final:
                    values[fw] = Text("-", style="dim")
            if key not in table.rows:
                table.add_row(
                    self._benchmark_label(row.benchmark, row.dtype, row.params),
                    "",
                    *(Text("-", style="dim") for _ in FRAMEWORKS),
                    "",
                    key=key,
                )
            for column, value in values.items():
                table.update_cell(key, column, value, update_width=True)
        # Accuracies and load times are not speeds: the practice rows stay out of the speed chart,
        # and a practice-only run has no chart at all (its curves are the picture).
        speed = [row for row in table_rows if row.benchmark not in PRACTICE_BENCHMARKS]
        chart = self.query_one(RatioChart)
        chart.display = bool(speed) or len(speed) == len(table_rows)
        chart.show(speed, not_run)

    def _set_status(self, status: str) -> None:
        self._status = status
        text = Text(status)
        for line in self._problems:
            text.append("\n✗ " + line, style="red")
        self.query_one("#profiler-status", Static).update(text)
