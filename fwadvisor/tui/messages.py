"""What the profiler's thread workers post to its screen, one Message dataclass per thing that happened.

The blocking parts (the machine check, the run) sit in thread workers that only post these; the
screen's handlers turn them into progress, table cells, the chart and the curves, so the UI stays
responsive throughout (the layout of toolong's messages.py).

`message_for_runner_event` is the one place where the runner's events (runner.ProcessEvent: a
framework and its worker's message) become the app's messages. A framework's worker is a process:
its messages are named Process*, never Worker*, the names of Textual's own thread workers (the one
that posts these, and its Worker.StateChanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message

from fwadvisor.profiler import runner
from fwadvisor.profiler.documents import Record, RunDocument, WorkerSummary
from fwadvisor.profiler.plan import RunPlan
from fwadvisor.profiler.protocol import Fatal, Hello, Result, Start
from fwadvisor.profiler.run_environment import Environment
from fwadvisor.profiler.telemetry import MachineSample


@dataclass
class EnvironmentChecked(Message):
    """The machine as the profiler sees it (or why it could not be checked)."""

    environment: Environment | None
    error: str | None = None


@dataclass
class RunStarted(Message):
    """The run is about to start its first worker, as planned: its cases, in its frameworks."""

    plan: RunPlan


@dataclass
class ProcessStarted(Message):
    """A framework's worker process was started; it is importing its framework now."""

    framework: str


@dataclass
class ProcessReady(Message):
    """The worker said hello: its framework is loaded, on this device."""

    framework: str
    framework_version: str
    device: str


@dataclass
class CaseStarted(Message):
    """The worker began case `index` (counted from 0) of its list."""

    framework: str
    index: int
    benchmark: str
    dtype: str | None


@dataclass
class ResultArrived(Message):
    """One benchmark's record, as soon as the worker sent it."""

    framework: str
    index: int
    record: Record


@dataclass
class ProcessFailed(Message):
    """The worker cannot run its framework at all (not installed, no GPU build, setup failed), or the
    framework has no path to the device (`kind` "not_supported": a result, not a failure)."""

    framework: str
    error: str
    hint: str | None
    kind: str = ""


@dataclass
class ProcessEnded(Message):
    """A framework's worker ended; `summary` says how (ok, failed, crashed, cancelled ...)."""

    framework: str
    summary: WorkerSummary


@dataclass
class MachineSampled(Message):
    """How busy the machine (and its GPU) is right now, while `framework`'s worker runs (about every 0.5 s)."""

    framework: str
    sample: MachineSample

    def can_replace(self, message: Message) -> bool:
        # Only the newest reading is drawn: a backlog (the screen busy with a table) collapses to it.
        return isinstance(message, MachineSampled) and message.framework == self.framework


@dataclass
class RunFinished(Message):
    """The run ended (done, failed or cancelled) and its document was saved to `path`."""

    document: RunDocument
    path: Path | None
    save_error: str | None = None


@dataclass
class RunFailed(Message):
    """The run ended without a document: a bad suite file, say, or a cancel before it started."""

    error: str
    cancelled: bool = False


def message_for_runner_event(event: runner.ProcessEvent) -> Message | None:
    """The message for one event of session.run_profile's on_event callback; None for those not shown."""
    framework, message = event.framework, event.message
    if isinstance(message, runner.ProcessStarted):
        return ProcessStarted(framework)
    if isinstance(message, Hello):
        return ProcessReady(framework, message.framework_version, message.device)
    if isinstance(message, Start):
        return CaseStarted(framework, message.index, message.benchmark, message.dtype)
    if isinstance(message, Result):
        return ResultArrived(framework, message.index, message.record)
    if isinstance(message, Fatal):
        return ProcessFailed(framework, message.error, message.hint, message.kind)
    if isinstance(message, runner.ProcessEnded):
        return ProcessEnded(framework, message.summary)
    if isinstance(message, MachineSample):
        return MachineSampled(framework, message)
    return None  # Done, Probe: nothing to show
