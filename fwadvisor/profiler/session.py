"""A whole profile run, as planned (plan.py): each framework's worker in turn, peaks, the saved document."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Final

import msgspec

from fwadvisor import __version__
from fwadvisor.atomic import WriteError, write_atomic, write_new
from fwadvisor.paths import runs_dir
from fwadvisor.profiler.catalog import GPU_ONLY, NO_PEAK_BENCHMARKS
from fwadvisor.profiler.documents import (
    SCHEMA_VERSION,
    GpuProperties,
    Peak,
    Record,
    RunDocument,
    SuiteInfo,
    encode_run,
)
from fwadvisor.profiler.plan import RunPlan, run_threads
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.records import failed_record
from fwadvisor.profiler.run_environment import Environment
from fwadvisor.profiler.runner import EventHandler, WorkerOutcome
from fwadvisor.profiler.stop_signals import cancel_reason
from fwadvisor.profiler.suites import valid_suite_name

# The metrics a device peak can be read against, and the kind of peak each needs.
PEAK_KINDS = {"TFLOP/s": "flops", "GFLOP/s": "flops", "GB/s": "bandwidth"}
BEFORE_SAMPLE_S = 0.5  # the machine's load is sampled this long before each worker starts


def _same_card(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def with_max_clock(properties: GpuProperties | None, environment: Environment) -> GpuProperties | None:
    """The framework's GPU properties plus NVML's maximum SM clock of that card (frameworks report none).

    The card is found by name; a machine with one GPU needs no name to match (MIG slices and builds
    name the same card differently).
    """
    if properties is None or properties.max_clock_mhz is not None:
        return properties
    gpus = environment.gpu.gpus
    named = [gpu for gpu in gpus if _same_card(gpu.name or "", properties.name)]
    for gpu in named or (gpus if len(gpus) == 1 else []):
        clock = gpu.sm_clock_max_mhz
        if clock is not None and clock > 0:
            return msgspec.structs.replace(properties, max_clock_mhz=float(clock))
    return properties


def peak_gpu_properties(found: Iterable[GpuProperties | None], environment: Environment) -> GpuProperties | None:
    """One card's properties from every worker's Hello (one framework may report what another does
    not: TensorFlow gives no SM count), with NVML's maximum SM clock added."""
    merged: GpuProperties | None = None
    for properties in found:
        if properties is None:
            continue
        if merged is None:
            merged = properties
        elif _same_card(merged.name, properties.name):
            missing = {
                name: getattr(properties, name)
                for name in GpuProperties.__struct_fields__
                if getattr(merged, name) is None and getattr(properties, name) is not None
            }
            merged = msgspec.structs.replace(merged, **missing)
    return with_max_clock(merged, environment)


def add_peaks(records: list[Record], gpu_properties: GpuProperties | None) -> None:
    """Set each FLOP/s and GB/s record's peak and percent of it: the datasheet's, or for a GPU the
    table does not know, an FP32 estimate from `gpu_properties` (SMs, max clock, compute capability)."""
    from fwadvisor.profiler.peaks import EstimateProperties, peak_for, percent_of_peak

    properties: EstimateProperties | None = None
    if gpu_properties is not None:
        properties = EstimateProperties(
            name=gpu_properties.name,
            total_memory_bytes=gpu_properties.total_memory_bytes,
            sm_count=gpu_properties.sm_count,
            compute_capability=gpu_properties.compute_capability,
            l2_cache_bytes=gpu_properties.l2_cache_bytes,
            max_clock_mhz=gpu_properties.max_clock_mhz,
        )
    for record in records:
        kind = PEAK_KINDS.get(record.metric.name)
        if kind is None or record.metric.value is None or record.benchmark in GPU_ONLY | NO_PEAK_BENCHMARKS:
            continue
        peak = peak_for(record.device, kind, record.dtype or "fp32", properties)
        if peak is None:
            continue
        record.percent_of_peak = percent_of_peak(record.metric.value, record.metric.name, peak)
        record.peak = Peak(
            value=peak.value, unit=peak.unit, label=peak.label, estimated=peak.estimated, source=peak.source
        )


def _not_started(framework: str, cases: Iterable[Case], device: str, reason: str) -> WorkerOutcome:
    """A framework whose turn never came: the run was cancelled before it (`reason`: what stopped it,
    as the records of a framework stopped mid-run say it)."""
    outcome = WorkerOutcome(framework, status="cancelled", error=f"cancelled before it started: {reason}")
    outcome.records = [
        failed_record(
            c.benchmark, framework, f"not run: {reason}", device=device, params=c.params, dtype=c.dtype, cancelled=True
        )
        for c in cases
    ]
    return outcome


def run_profile(
    plan: RunPlan,
    *,
    on_event: EventHandler | None = None,
    cancel: threading.Event | None = None,
    worker_env: dict[str, str] | None = None,
) -> RunDocument:
    """Run the plan's cases in each of its frameworks, one after the other, and return the run document."""
    from fwadvisor.profiler.cluster_results import add_reference_share, add_scaling_efficiency, run_reference
    from fwadvisor.profiler.cluster_session import run_framework
    from fwadvisor.profiler.environment import gpu_info
    from fwadvisor.profiler.expected import add_expected
    from fwadvisor.profiler.pcie import add_link_share
    from fwadvisor.profiler.telemetry import other_cpu_now

    environment, cases = plan.environment, list(plan.cases)
    started = dt.datetime.now(dt.UTC)
    before: float | None = other_cpu_now(BEFORE_SAMPLE_S)  # what else ran just before the first worker
    threads, threads_default, threads_reason = run_threads(plan.threads, environment, before)
    outcomes: dict[str, WorkerOutcome] = {}
    cancelled = False
    # nccl-tests' all-reduce on the same GPUs, once, before the frameworks (and never while they run).
    reference = None
    if plan.device == "cuda" and any(c.benchmark == "all_reduce" for c in cases):
        reference = run_reference(max(len(environment.gpu.gpus), 1))
    for framework in plan.frameworks:
        cancelled = cancelled or (cancel is not None and cancel.is_set())  # e.g. SIGTERM between workers
        if cancelled:
            outcomes[framework] = _not_started(
                framework, cases, plan.device, cancel_reason(cancel) if cancel else "cancelled"
            )
            continue
        if outcomes:  # a later worker: the load just before it, as for the first
            before = other_cpu_now(BEFORE_SAMPLE_S)
        outcome = run_framework(
            framework,
            cases,
            plan.device,
            threads,
            environment,
            timeout_s=plan.suite.timeout_s,
            on_event=on_event,
            cancel=cancel,
            env=worker_env,
        )
        if outcome.load is not None and before is not None:
            outcome.load.before_other_cpu_percent = round(before, 1)
        outcomes[framework] = outcome
        cancelled = outcome.status == "cancelled"
    for outcome in outcomes.values():  # saved with each worker: what the peak estimate could use
        outcome.gpu_properties = with_max_clock(outcome.gpu_properties, environment)
    results = [r for o in outcomes.values() for r in o.records]
    add_peaks(results, peak_gpu_properties((o.gpu_properties for o in outcomes.values()), environment))
    add_expected(results)
    add_link_share(results, environment)  # copies: the share of the PCIe link they reached
    add_scaling_efficiency(results)  # ddp_scaling: t(1)/t(N) against the framework's one-device step
    add_reference_share(results, reference)  # all_reduce: the share of nccl-tests' bus bandwidth
    return RunDocument(
        schema_version=SCHEMA_VERSION,
        fwadvisor_version=__version__,
        created=started.isoformat(timespec="seconds"),
        finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        suite=SuiteInfo(
            name=plan.suite.name,
            description=plan.suite.description,
            device=plan.device,
            threads=threads,
            benchmarks=sorted({c.benchmark for c in cases}),
            threads_default=threads_default,
            threads_reason=threads_reason,
        ),
        environment=environment,
        gpu_after=gpu_info() if plan.device == "cuda" else None,
        workers={fw: o.summary() for fw, o in outcomes.items()},
        cancelled=cancelled,
        results=results,
        load={fw: o.load for fw, o in outcomes.items() if o.load is not None},
        collective_reference=reference,
    )


# How a worker may end without the run failing: it ran, or its framework has no path to the device
# ("not supported here" is a result, said in its records).
NOT_FAILED: Final = ("ok", "not_supported")


def run_failed(document: RunDocument) -> bool:
    """True when any framework or benchmark failed or did not check out (exit code 1); a framework
    that is not supported on the device is no failure."""
    return any(r.error is not None or r.correct is False for r in document.results) or any(
        w.status not in NOT_FAILED for w in document.workers.values()
    )


def run_file_name(document: RunDocument) -> Callable[[int], str]:
    """Names for the run in the runs folder: `profile-<UTC start>-<suite>.json`, and for a second run
    of the same suite started in the same second `profile-<UTC start>.002-<suite>.json` (sorts after)."""
    stamp = re.sub(r"[^0-9TZ]", "", document.created.replace("+00:00", "Z"))
    suite = document.suite.name if valid_suite_name(document.suite.name) else "suite"

    def name(number: int) -> str:
        return f"profile-{stamp}-{suite}.json" if number == 1 else f"profile-{stamp}.{number:03d}-{suite}.json"

    return name


def save_run(document: RunDocument, output: Path | None = None) -> tuple[list[Path], list[WriteError]]:
    """Write the run to `output` and, under a new name, to the user's runs folder; each independently
    of the other, so a full data folder cannot cost the --output copy, nor a bad --output the saved run.

    Returns the paths written (`output` first) and the failures, one WriteError each.
    """
    data = encode_run(document)
    written: list[Path] = []
    failures: list[WriteError] = []
    if output is not None:
        try:
            write_atomic(output, data)
            written.append(Path(output))
        except WriteError as exc:
            failures.append(exc)
    try:
        written.append(write_new(runs_dir(), run_file_name(document), data))
    except WriteError as exc:
        failures.append(exc)
    return written, failures


def save_document(document: RunDocument, output: Path | None = None) -> list[Path]:
    """save_run for callers that treat any failure as one: raises the first WriteError (an OSError)."""
    written, failures = save_run(document, output)
    if failures:
        raise failures[0]
    return written
