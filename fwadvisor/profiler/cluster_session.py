"""One framework's turn when its cases include cluster benchmarks: the single-device worker for the
ordinary cases, then one launch per group (cluster_plan.LaunchGroup), each through runner.run_worker.

What the app and the CLI see is one framework run, as before: one ProcessStarted, one ProcessEnded
with the merged summary, and every Start/Result carrying the case's place in the framework's list
(a launch counts its own cases from 0). A LaunchStarted event says which launch begins. A launch that
fails, hangs or runs out of memory costs its own cases (their records say which launch and why); the
next launch still runs. A cancel ends the launch running and leaves the rest "not run".
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from fwadvisor.profiler.cluster_documents import LaunchSummary
from fwadvisor.profiler.cluster_launch import cases_file, launch_command
from fwadvisor.profiler.cluster_plan import FrameworkCases, LaunchGroup, split_cases, threads_per_rank
from fwadvisor.profiler.documents import FrameworkLoad, Record, WorkerStatus
from fwadvisor.profiler.protocol import Case, Result, Start
from fwadvisor.profiler.records import failed_record, unsupported_record
from fwadvisor.profiler.run_environment import Environment
from fwadvisor.profiler.runner import (
    EventHandler,
    Launch,
    LaunchStarted,
    ProcessEnded,
    ProcessEvent,
    ProcessStarted,
    WorkerOutcome,
    run_worker,
)
from fwadvisor.profiler.stop_signals import cancel_reason

WORKER_LABEL = "single-device worker"
# A launch that could not run the framework at all: the launches after it would only say it again.
FRAMEWORK_UNUSABLE = ("missing_framework", "no_gpu", "not_supported")
# Which launch's status the framework's summary takes, most telling first.
STATUS_ORDER = (
    "cancelled",
    "missing_framework",
    "no_gpu",
    "setup_failed",
    "crashed",
    "timed_out",
    "failed",
    "not_supported",
)


@dataclass
class _Part:
    label: str
    world_size: int
    indices: list[int]
    outcome: WorkerOutcome


def run_framework(
    framework: str,
    cases: Sequence[Case],
    device: str,
    threads: int | None,
    environment: Environment,
    *,
    timeout_s: float,
    on_event: EventHandler | None = None,
    cancel: threading.Event | None = None,
    env: dict[str, str] | None = None,
) -> WorkerOutcome:
    """Every case of `framework`, in the worker or in launches; one outcome, records in `cases` order."""
    split = split_cases(framework, cases, device, environment)
    if not split.groups and not split.answered:  # no cluster case: the one worker, exactly as before
        return run_worker(
            framework, list(cases), device, threads, timeout_s=timeout_s, on_event=on_event, cancel=cancel, env=env
        )
    emit = on_event or (lambda _event: None)
    relay = _Relay(framework, len(cases), emit)
    for index, record in split.answered.items():
        emit(ProcessEvent(framework, Result(index=index, record=record)))
    parts: list[_Part] = []
    pending = _launches(split)
    while pending:
        label, world, indices, group = pending.pop(0)
        skipped = _skipped(framework, [cases[i] for i in indices], device, parts, cancel)
        if skipped is not None:
            parts.append(_Part(label, world, indices, skipped))
            continue
        relay.indices = indices
        if group is None:
            outcome = run_worker(
                framework,
                [cases[i] for i in indices],
                device,
                threads,
                timeout_s=timeout_s,
                on_event=relay,
                cancel=cancel,
                env=env,
            )
        else:
            emit(ProcessEvent(framework, LaunchStarted(label=label, world_size=world, cases=len(indices))))
            outcome = _run_group(group, device, threads, timeout_s=timeout_s, on_event=relay, cancel=cancel, env=env)
        parts.append(_Part(label, world, indices, outcome))
    merged = _merge(framework, cases, split, parts)
    emit(ProcessEvent(framework, ProcessEnded(summary=merged.summary())))
    return merged


def _launches(split: FrameworkCases) -> list[tuple[str, int, list[int], LaunchGroup | None]]:
    """The framework's launches in order: the single-device worker first, then the groups."""
    launches: list[tuple[str, int, list[int], LaunchGroup | None]] = []
    if split.worker:
        launches.append((WORKER_LABEL, 1, split.worker_indices, None))
    launches += [(group.label, group.world_size, group.indices, group) for group in split.groups]
    return launches


def _skipped(
    framework: str, cases: list[Case], device: str, parts: list[_Part], cancel: threading.Event | None
) -> WorkerOutcome | None:
    """The outcome of a launch that does not start: the run was cancelled, or an earlier launch found
    the framework missing or without its GPU (each launch would only say it again). None: it starts."""
    stopped = next((p.outcome for p in parts if p.outcome.status == "cancelled"), None)
    if (cancel is not None and cancel.is_set()) or stopped is not None:
        reason = cancel_reason(cancel) if cancel is not None and cancel.is_set() else "cancelled"
        return _not_run(framework, cases, device, f"not run: {reason}", "cancelled")
    unusable = next((p.outcome for p in parts if p.outcome.status in FRAMEWORK_UNUSABLE), None)
    if unusable is not None:
        hinted = unusable.hint and unusable.status != "not_supported"  # a reason needs no install hint
        why = f"{unusable.error}; {unusable.hint}" if hinted else str(unusable.error)
        return _not_run(framework, cases, device, why, unusable.status)
    return None


def _run_group(
    group: LaunchGroup,
    device: str,
    threads: int | None,
    *,
    timeout_s: float,
    on_event: EventHandler,
    cancel: threading.Event | None,
    env: dict[str, str] | None,
) -> WorkerOutcome:
    rank_threads = threads_per_rank(threads, group.world_size, device)
    with cases_file(group.cases) as path:
        command = launch_command(group, device, rank_threads, path)
        processes = 1 if group.single_process else group.world_size
        return run_worker(
            group.framework,
            group.cases,
            device,
            rank_threads,
            timeout_s=timeout_s,
            on_event=on_event,
            cancel=cancel,
            env=env,
            launch=Launch(command=command, processes=processes),
        )


class _Relay:
    """Passes a launch's events on as the framework's: places in the framework's list, one start."""

    def __init__(self, framework: str, total: int, emit: EventHandler) -> None:
        self.framework, self.total, self.emit = framework, total, emit
        self.indices: list[int] = []
        self.started = False

    def __call__(self, event: ProcessEvent) -> None:
        message = event.message
        if isinstance(message, ProcessStarted):
            if not self.started:
                self.started = True
                self.emit(ProcessEvent(self.framework, ProcessStarted(cases=self.total, pid=message.pid)))
            return
        if isinstance(message, ProcessEnded):
            return  # the framework's one end comes after its last launch, with the merged summary
        if isinstance(message, Start | Result) and 0 <= message.index < len(self.indices):
            message = msgspec.structs.replace(message, index=self.indices[message.index])
        self.emit(ProcessEvent(self.framework, message))


def _not_run(framework: str, cases: list[Case], device: str, why: str, status: WorkerStatus) -> WorkerOutcome:
    outcome = WorkerOutcome(framework, status=status, error=why)
    if status == "not_supported":
        outcome.records = [
            unsupported_record(c.benchmark, framework, why, device=device, params=c.params, dtype=c.dtype)
            for c in cases
        ]
        return outcome
    outcome.records = [
        failed_record(
            c.benchmark,
            framework,
            why,
            device=device,
            params=c.params,
            dtype=c.dtype,
            cancelled=status == "cancelled",
        )
        for c in cases
    ]
    return outcome


def _merge(framework: str, cases: Sequence[Case], split: FrameworkCases, parts: list[_Part]) -> WorkerOutcome:
    """One outcome for the framework: records in the plan's order, the most telling status, and each
    launch's own summary; a failed launch's records name it."""
    merged = WorkerOutcome(framework, status="ok")
    placed: dict[int, Record] = dict(split.answered)
    failed: list[str] = []
    for part in parts:
        outcome = part.outcome
        for index, record in zip(part.indices, outcome.records, strict=True):
            if record.error is not None and part.label != WORKER_LABEL and outcome.status != "ok":
                record.error = f"{part.label}: {record.error}"
            placed[index] = record
        for name in ("framework_version", "device", "threads", "gpu_properties"):
            if getattr(merged, name) is None:
                setattr(merged, name, getattr(outcome, name))
        merged.build = merged.build or outcome.build
        merged.wall_s += outcome.wall_s
        merged.load = merge_loads(merged.load, outcome.load)
        merged.launches.append(
            LaunchSummary(
                label=part.label,
                world_size=part.world_size,
                cases=len(part.indices),
                status=outcome.status,
                error=outcome.error,
                returncode=outcome.returncode,
                wall_s=round(outcome.wall_s, 3),
                stderr_tail=outcome.stderr_tail[-5:] if outcome.status not in ("ok", "failed") else [],
            )
        )
        if outcome.status == "not_supported":  # the reason as it is: it names no launch's fault
            failed.append(str(outcome.error))
            merged.hint = merged.hint or outcome.hint
        elif outcome.status != "ok":
            failed.append(f"{part.label}: {outcome.error}")
            merged.stderr_tail += [f"[{part.label}]", *outcome.stderr_tail[-8:]]
            if merged.returncode in (None, 0):
                merged.returncode = outcome.returncode
            merged.hint = merged.hint or outcome.hint
    statuses = [part.outcome.status for part in parts]
    merged.status = next((s for s in STATUS_ORDER if s in statuses), "ok")
    if merged.status == "ok" and any(r.error for r in placed.values()):
        merged.status = "failed"
    merged.error = "; ".join(failed) or (None if merged.status == "ok" else "some benchmarks failed")
    merged.records = [placed[index] for index in range(len(cases))]
    return merged


def merge_loads(a: FrameworkLoad | None, b: FrameworkLoad | None) -> FrameworkLoad | None:
    """The machine's load over two launches of one framework: busy when either was, means weighted
    by their samples."""
    if a is None or b is None:
        return a or b
    total = a.samples + b.samples

    def mean(x: float | None, y: float | None) -> float | None:
        if x is None or y is None or total == 0:
            return x if y is None else y
        return round((x * a.samples + y * b.samples) / total, 1)

    return FrameworkLoad(
        busy=a.busy or b.busy,
        reason=a.reason or b.reason,
        samples=total,
        before_other_cpu_percent=a.before_other_cpu_percent,
        other_cpu_percent=mean(a.other_cpu_percent, b.other_cpu_percent),
        other_cpu_percent_max=max(
            (v for v in (a.other_cpu_percent_max, b.other_cpu_percent_max) if v is not None), default=None
        ),
        steal_percent=mean(a.steal_percent, b.steal_percent),
        busy_threshold_percent=a.busy_threshold_percent,
        busy_records=a.busy_records + b.busy_records,
        gpu_other_processes=sorted({*a.gpu_other_processes, *b.gpu_other_processes}),
    )
