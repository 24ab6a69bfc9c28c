"""The parent side of the profiler: one worker process per framework, one after the other.

The parent never imports a framework. It starts `python -m fwadvisor.bench.worker`, sends the
cases on stdin, reads JSON lines from stdout and turns every way a worker can fail (missing
framework, no GPU build, crash, kill -9, out of memory, hang, cancel) into records that say so,
keeping everything already measured.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import msgspec

from fwadvisor.profiler.cluster_documents import LaunchSummary
from fwadvisor.profiler.documents import (
    FrameworkLoad,
    GpuProperties,
    Record,
    WorkerStatus,
    WorkerSummary,
)
from fwadvisor.profiler.load import CaseLoads
from fwadvisor.profiler.protocol import (
    PARENT_PID_ENV,
    Case,
    Done,
    Fatal,
    Hello,
    Probe,
    Result,
    Start,
    WorkerMessage,
    decode_message,
)
from fwadvisor.profiler.records import failed_record, unsupported_record
from fwadvisor.profiler.run_environment import FrameworkInfo
from fwadvisor.profiler.stop_signals import cancel_reason
from fwadvisor.profiler.telemetry import MachineSample

KILL_GRACE_S = 2.0
EXIT_GRACE_S = 10.0
STDERR_TAIL_LINES = 15  # kept in the document: enough to show a traceback's end
UNREADABLE_SHOWN_CHARS = 200
# Set in every worker's environment (a probe's too): JAX would otherwise take 75% of the GPU's memory at
# its first op, and the next framework, or the busy check, would see another tenant on the card.
WORKER_ENV: Final = {"XLA_PYTHON_CLIENT_PREALLOCATE": "false"}


class ProcessStarted(msgspec.Struct, frozen=True, kw_only=True):
    """The runner started a worker process (before the framework is imported)."""

    cases: int
    pid: int


class ProcessEnded(msgspec.Struct, frozen=True, kw_only=True):
    """The worker ended, however it ended; every case has its record by now."""

    summary: WorkerSummary


class LaunchStarted(msgspec.Struct, frozen=True, kw_only=True):
    """A cluster launch of a framework begins (profiler/cluster_session.py): its launch in words."""

    label: str
    world_size: int
    cases: int


class ProcessEvent(msgspec.Struct, frozen=True):
    """What `on_event` receives: one framework's worker message, the runner's start/finish of it, or
    a sample of the machine's load and GPU state taken while that framework runs."""

    framework: str
    message: WorkerMessage | ProcessStarted | ProcessEnded | LaunchStarted | MachineSample


EventHandler = Callable[[ProcessEvent], None]


@dataclass
class WorkerOutcome:
    """How one framework's worker went: its status, what its Hello said, and a record for every case."""

    framework: str
    status: WorkerStatus = "not started"
    error: str | None = None
    hint: str | None = None
    returncode: int | None = None
    framework_version: str | None = None
    device: str | None = None
    threads: int | None = None
    gpu_properties: GpuProperties | None = None  # from the Hello; None on a CPU
    build: dict[str, str] = field(default_factory=dict)  # from the Hello
    load: FrameworkLoad | None = None  # the machine's load around the run (None: the worker never started)
    stderr_tail: list[str] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    wall_s: float = 0.0
    launches: list[LaunchSummary] = field(default_factory=list)  # the cluster suite's launches

    def summary(self) -> WorkerSummary:
        return WorkerSummary(
            status=self.status,
            error=self.error,
            hint=self.hint,
            returncode=self.returncode,
            framework_version=self.framework_version,
            device=self.device,
            wall_s=round(self.wall_s, 3),
            stderr_tail=self.stderr_tail[-STDERR_TAIL_LINES:],
            gpu_properties=self.gpu_properties,
            build=self.build,
            launches=self.launches,
        )


@dataclass(frozen=True)
class Launch:
    """A process tree run_worker starts instead of the single-device worker (a cluster launch group,
    profiler/cluster_launch.py): its command, the environment it adds, and how many processes share
    the framework's work, each with the run's threads (the busy rule counts the CPUs they all use).
    Its cases travel in a file named on the command line; stdin gets nothing."""

    command: list[str]
    env: dict[str, str] = field(default_factory=dict)
    processes: int = 1


def worker_command(framework: str, device: str, threads: int | None, probe: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "fwadvisor.bench.worker", "--framework", framework, "--device", device]
    if threads:
        cmd += ["--threads", str(threads)]
    if probe:
        cmd.append("--probe")
    return cmd


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def _stop(proc: subprocess.Popen) -> None:
    """End the worker and anything it started; SIGKILL if it ignores SIGTERM."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(KILL_GRACE_S)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()


def run_worker(
    framework: str,
    cases: list[Case],
    device: str,
    threads: int | None,
    *,
    timeout_s: float,
    on_event: EventHandler | None = None,
    cancel: threading.Event | None = None,
    env: dict[str, str] | None = None,
    launch: Launch | None = None,
) -> WorkerOutcome:
    """Run one framework's worker over `cases` (or the `launch` that runs them over several processes);
    never raises for a worker's failure."""
    emit = on_event or (lambda _event: None)
    outcome = WorkerOutcome(framework)
    started = time.monotonic()
    command = launch.command if launch is not None else worker_command(framework, device, threads)
    processes = launch.processes if launch is not None else 1
    proc = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={
            **os.environ,
            **WORKER_ENV,
            **(env or {}),
            **(launch.env if launch else {}),
            PARENT_PID_ENV: str(os.getpid()),
        },
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None  # all PIPE
    stderr = proc.stderr
    # The monitor counts the launch's whole process tree as the framework's own (every rank is a child).
    watch = CaseLoads(proc.pid, device, threads * processes if threads else None)
    emit(ProcessEvent(framework, ProcessStarted(cases=len(cases), pid=proc.pid)))
    stderr_lines: deque[str] = deque(maxlen=60)

    def read_stderr() -> None:
        for line in stderr:  # each line as it arrives: a hung worker's last words are kept
            stderr_lines.append(line.decode(errors="replace").rstrip())

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        proc.stdin.write(msgspec.json.encode(cases) if launch is None else b"")
        proc.stdin.close()
    except BrokenPipeError:
        pass

    by_index: dict[int, Record] = {}
    current: int | None = None
    buffer = b""
    last_activity = time.monotonic()
    done = False
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    try:
        while True:
            if cancel is not None and cancel.is_set():
                outcome.status, outcome.error = "cancelled", cancel_reason(cancel)
                break
            if time.monotonic() - last_activity > timeout_s:
                outcome.status = "timed_out"
                outcome.error = f"timed out: no progress for {timeout_s:g} s; the worker was stopped"
                break
            sample = watch.live()
            if sample is not None:
                emit(ProcessEvent(framework, sample))
            if not selector.select(timeout=0.1):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break  # EOF: the worker ended (normally or not)
            last_activity = time.monotonic()
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if not line.strip():
                    continue
                try:
                    message = decode_message(line)
                except msgspec.DecodeError as exc:
                    # Kept where a person looks for what went wrong; the run goes on without it.
                    shown = line.decode(errors="replace")[:UNREADABLE_SHOWN_CHARS]
                    stderr_lines.append(f"unreadable protocol line ({exc}): {shown}")
                    continue
                match message:
                    case Hello():
                        outcome.framework_version, outcome.device = message.framework_version, message.device
                        outcome.threads, outcome.gpu_properties = message.threads, message.gpu_properties
                        outcome.build = dict(message.build)
                        watch.threads = (message.threads or threads or 0) * processes or None
                    case Start():
                        current = message.index
                        watch.started(message.index)
                    case Result():
                        watch.finished(message.index, message.record)  # before on_event shows it
                        by_index[message.index] = message.record
                        current = None
                    case Fatal():
                        outcome.status, outcome.error, outcome.hint = message.kind, message.error, message.hint
                    case Done():
                        done = True
                emit(ProcessEvent(framework, message))
            if done:
                break
    except KeyboardInterrupt:
        # Ctrl+C: stop the worker now and hand back what was measured; the caller writes it.
        outcome.status, outcome.error = "cancelled", "interrupted (Ctrl+C)"
    finally:
        selector.close()
        outcome.load = watch.close(framework)
        if outcome.status not in ("cancelled", "timed_out"):
            try:  # a worker that finished (or failed) on its own gets a moment to exit cleanly
                proc.wait(timeout=EXIT_GRACE_S)
            except subprocess.TimeoutExpired:
                pass
        _stop(proc)
        reader.join(timeout=1.0)
        outcome.returncode = proc.returncode
        outcome.stderr_tail = list(stderr_lines)
        outcome.wall_s = time.monotonic() - started
        _fill_records(outcome, cases, by_index, current, done, device)
        emit(ProcessEvent(framework, ProcessEnded(summary=outcome.summary())))
    return outcome


def _fill_records(
    outcome: WorkerOutcome,
    cases: list[Case],
    by_index: dict[int, Record],
    current: int | None,
    done: bool,
    device: str,
) -> None:
    """Every case gets a record: measured, or one that says why there is no number."""
    if outcome.status == "not started":
        if done:
            outcome.status = "ok"  # every result arrived; how the process then ended does not matter
        elif outcome.returncode is not None and outcome.returncode < 0:
            outcome.status = "crashed"
            name = _signal_name(outcome.returncode)
            outcome.error = f"the worker was killed by {name}"
            if name == "SIGKILL":
                outcome.error += " (the system may have run out of memory, or it was killed by hand)"
        else:
            outcome.status = "crashed"
            outcome.error = f"the worker exited with code {outcome.returncode} before finishing"
            tail = [line for line in outcome.stderr_tail if line.strip()]
            if tail:
                outcome.error += f": {tail[-1]}"
    for index, case in enumerate(cases):
        if index in by_index:
            outcome.records.append(by_index[index])
            continue
        if outcome.status == "not_supported":  # a result: each case says why, none is a failure
            outcome.records.append(
                unsupported_record(
                    case.benchmark,
                    outcome.framework,
                    str(outcome.error),
                    device=outcome.device or device,
                    framework_version=outcome.framework_version,
                    params=case.params,
                    dtype=case.dtype,
                )
            )
            continue
        if index == current:
            error = f"{outcome.error} (during this benchmark)"
        elif outcome.status in ("missing_framework", "no_gpu", "setup_failed"):
            error = f"{outcome.error}; {outcome.hint}" if outcome.hint else str(outcome.error)
        else:
            error = f"not run: {outcome.error}"
        outcome.records.append(
            failed_record(
                case.benchmark,
                outcome.framework,
                error,
                device=outcome.device or device,
                framework_version=outcome.framework_version,
                params=case.params,
                dtype=case.dtype,
                cancelled=outcome.status == "cancelled",
            )
        )
    if outcome.status == "ok" and any(r.error for r in outcome.records):
        outcome.status = "failed"
        outcome.error = "some benchmarks failed"


def probe_framework(framework: str, timeout_s: float = 60.0) -> FrameworkInfo:
    """What a framework sees (version, GPU), asked in a worker so this process imports nothing.

    `installed` is None when the probe could not tell (it timed out or crashed; `error` says how);
    when the probe answered, its protocol.Probe fields are filled in.
    """
    try:
        result = subprocess.run(
            worker_command(framework, "cpu", None, probe=True),
            capture_output=True,
            timeout=timeout_s,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **WORKER_ENV, PARENT_PID_ENV: str(os.getpid())},
        )
    except subprocess.TimeoutExpired:
        return FrameworkInfo(installed=None, error=f"the probe did not answer within {timeout_s:g} s")
    for line in result.stdout.splitlines():
        try:
            message = decode_message(line)
        except msgspec.DecodeError:
            continue
        if isinstance(message, Probe):
            return FrameworkInfo(
                installed=True,
                version=message.framework_version,
                gpu_available=message.gpu_available,
                gpu_devices=message.gpu_devices,
                build=message.build,
            )
        if isinstance(message, Fatal):
            return FrameworkInfo(installed=message.kind != "missing_framework", error=message.error, hint=message.hint)
    stderr = result.stderr.decode(errors="replace").strip()
    tail = (stderr.splitlines() or ["no output"])[-1]
    return FrameworkInfo(installed=None, error=f"the probe failed (exit {result.returncode}): {tail}")
