"""A whole profile run: environment, each framework's worker in turn, peaks, the saved document."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import msgspec

from fwadvisor import __version__
from fwadvisor.atomic import WriteError, write_atomic, write_new
from fwadvisor.errors import InputError
from fwadvisor.frameworks import PROFILER_IDS
from fwadvisor.paths import runs_dir
from fwadvisor.profiler.catalog import GPU_ONLY
from fwadvisor.profiler.documents import (
    SCHEMA_VERSION,
    GpuProperties,
    Peak,
    Record,
    RunDocument,
    SuiteInfo,
    encode_run,
)
from fwadvisor.profiler.records import failed_record
from fwadvisor.profiler.runner import EventHandler, WorkerOutcome, run_worker
from fwadvisor.profiler.stop_signals import cancel_reason
from fwadvisor.profiler.suites import Case, Suite, resolve_cases, valid_suite_name
from fwadvisor.safe_text import one_line

# The metrics a device peak can be read against, and the kind of peak each needs.
PEAK_KINDS = {"TFLOP/s": "flops", "GFLOP/s": "flops", "GB/s": "bandwidth"}
BEFORE_SAMPLE_S = 0.5  # the machine's load is sampled this long before each worker starts


# Where a GPU driver shows itself when NVML cannot (no nvidia-ml-py, a ROCm card, WSL2): NVIDIA's
# device node and its /proc entries, AMD's compute node (ROCm's torch runs "cuda" on it), WSL2's GPU.
GPU_DRIVER_PATHS = ("/dev/nvidia0", "/proc/driver/nvidia/gpus", "/dev/kfd", "/dev/dxg")


def _gpu_driver_present() -> bool:
    """A GPU device node that exists, or a driver folder that lists a GPU."""
    for path in map(Path, GPU_DRIVER_PATHS):
        try:
            if any(path.iterdir()) if path.is_dir() else path.exists():
                return True
        except OSError:
            continue
    return False


def resolve_device(requested: str, environment: dict[str, Any]) -> str:
    """The device a run uses. "cuda" with no GPU in sight is refused at once (an InputError: exit 2),
    before any worker starts: otherwise every case fails slowly and a run full of failures is saved."""
    if requested not in ("auto", "cpu", "cuda"):
        raise InputError(f"unknown device '{requested}'; choose auto, cpu or cuda")
    found = bool(environment.get("gpu", {}).get("gpus"))
    if requested == "cuda" and not found and not _gpu_driver_present():
        why = environment.get("gpu", {}).get("error") or "NVML lists no GPU"
        raise InputError(
            f"--device cuda asked for, but this machine has no usable GPU: {one_line(str(why))} and no "
            "/dev/nvidia0; run with --device cpu or auto"
        )
    if requested == "auto":
        return "cuda" if found else "cpu"
    return requested


def default_threads(environment: dict[str, Any]) -> int | None:
    """Both frameworks get the same CPU thread count: the physical cores."""
    cpu = environment.get("cpu", {})
    return cpu.get("physical_cores") or cpu.get("logical_cores")


def run_threads(
    asked: int | None, environment: dict[str, Any], other_cpu_percent: float | None
) -> tuple[int | None, int | None, str | None]:
    """The CPU threads both frameworks run with: what the user asked for, as asked; else the default
    (physical cores), cut to the CPUs other processes left free just before the run (load.free_cpu_threads).
    Returns (threads, the default when it was cut, why it was cut in words). The same count for both
    frameworks, decided once, so the comparison stays like for like."""
    from fwadvisor.profiler.load import fewer_threads_reason, free_cpu_threads

    default = default_threads(environment)
    if asked or default is None or other_cpu_percent is None:
        return asked or default, None, None
    logical = environment.get("cpu", {}).get("logical_cores") or default
    threads = free_cpu_threads(default, logical, other_cpu_percent)
    if threads >= default:
        return default, None, None
    return threads, default, fewer_threads_reason(threads, default, other_cpu_percent)


def _same_card(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def with_max_clock(properties: GpuProperties | None, environment: dict[str, Any]) -> GpuProperties | None:
    """The framework's GPU properties plus NVML's maximum SM clock of that card (frameworks report none).

    The card is found by name; a machine with one GPU needs no name to match (MIG slices and builds
    name the same card differently).
    """
    if properties is None or properties.max_clock_mhz is not None:
        return properties
    gpus = [gpu for gpu in environment.get("gpu", {}).get("gpus") or [] if isinstance(gpu, dict)]
    named = [gpu for gpu in gpus if _same_card(str(gpu.get("name", "")), properties.name)]
    for gpu in named or (gpus if len(gpus) == 1 else []):
        clock = gpu.get("sm_clock_max_mhz")
        if isinstance(clock, (int, float)) and not isinstance(clock, bool) and clock > 0:
            return msgspec.structs.replace(properties, max_clock_mhz=float(clock))
    return properties


def peak_gpu_properties(found: Iterable[GpuProperties | None], environment: dict[str, Any]) -> GpuProperties | None:
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
    from fwadvisor.profiler.peaks import peak_for, percent_of_peak

    properties = msgspec.structs.asdict(gpu_properties) if gpu_properties is not None else None
    for record in records:
        kind = PEAK_KINDS.get(record.metric.name)
        if kind is None or record.metric.value is None or record.benchmark in GPU_ONLY:
            continue
        peak = peak_for(record.device, kind, record.dtype or "fp32", properties)
        if peak is None:
            continue
        record.percent_of_peak = percent_of_peak(record.metric.value, record.metric.name, peak)
        record.peak = Peak(
            value=peak.value, unit=peak.unit, label=peak.label, estimated=peak.estimated, source=peak.source
        )


def _not_started(framework: str, cases: list[Case], device: str, reason: str) -> WorkerOutcome:
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
    suite: Suite,
    *,
    frameworks: list[str] | None = None,
    device: str = "auto",
    threads: int | None = None,
    benchmarks: list[str] | None = None,
    environment: dict[str, Any] | None = None,
    on_event: EventHandler | None = None,
    cancel: threading.Event | None = None,
    worker_env: dict[str, str] | None = None,
) -> RunDocument:
    """Run `suite` in each framework, one after the other, and return the run document."""
    from fwadvisor.profiler.environment import collect_environment, gpu_info
    from fwadvisor.profiler.expected import add_expected
    from fwadvisor.profiler.pcie import add_link_share
    from fwadvisor.profiler.telemetry import other_cpu_now

    environment = environment or collect_environment(probe_frameworks=False)
    resolved = resolve_device(device, environment)
    cases = resolve_cases(suite, resolved, benchmarks)
    started = dt.datetime.now(dt.UTC)
    before: float | None = other_cpu_now(BEFORE_SAMPLE_S)  # what else ran just before the first worker
    threads, threads_default, threads_reason = run_threads(threads, environment, before)
    outcomes: dict[str, WorkerOutcome] = {}
    cancelled = False
    for framework in frameworks or list(PROFILER_IDS):
        cancelled = cancelled or (cancel is not None and cancel.is_set())  # e.g. SIGTERM between workers
        if cancelled:
            outcomes[framework] = _not_started(
                framework, cases, resolved, cancel_reason(cancel) if cancel else "cancelled"
            )
            continue
        if outcomes:  # a later worker: the load just before it, as for the first
            before = other_cpu_now(BEFORE_SAMPLE_S)
        outcome = run_worker(
            framework,
            cases,
            resolved,
            threads,
            timeout_s=suite.timeout_s,
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
    return RunDocument(
        schema_version=SCHEMA_VERSION,
        fwadvisor_version=__version__,
        created=started.isoformat(timespec="seconds"),
        finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        suite=SuiteInfo(
            name=suite.name,
            description=suite.description,
            device=resolved,
            threads=threads,
            benchmarks=sorted({c.benchmark for c in cases}),
            threads_default=threads_default,
            threads_reason=threads_reason,
        ),
        environment=environment,
        gpu_after=gpu_info() if resolved == "cuda" else None,
        workers={fw: o.summary() for fw, o in outcomes.items()},
        cancelled=cancelled,
        results=results,
        load={fw: o.load for fw, o in outcomes.items() if o.load is not None},
    )


def run_failed(document: RunDocument) -> bool:
    """True when any framework or benchmark failed or did not check out (exit code 1)."""
    return any(r.error is not None or r.correct is False for r in document.results) or any(
        w.status != "ok" for w in document.workers.values()
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
