"""A whole profile run: environment, each framework's worker in turn, peaks, the saved document."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

from fwadvisor import __version__
from fwadvisor.errors import InputError
from fwadvisor.paths import runs_dir
from fwadvisor.profiler.records import FRAMEWORKS, GPU_ONLY, SCHEMA_VERSION, failed_record
from fwadvisor.profiler.runner import EventHandler, WorkerOutcome, run_worker
from fwadvisor.profiler.suites import Suite, resolve_cases
from fwadvisor.yamlio import write_atomic


def resolve_device(requested: str, environment: dict[str, Any]) -> str:
    if requested in ("cpu", "cuda"):
        return requested
    if requested != "auto":
        raise InputError(f"unknown device '{requested}'; choose auto, cpu or cuda")
    return "cuda" if environment.get("gpu", {}).get("gpus") else "cpu"


def default_threads(environment: dict[str, Any]) -> int | None:
    """Both frameworks get the same CPU thread count: the physical cores."""
    cpu = environment.get("cpu", {})
    return cpu.get("physical_cores") or cpu.get("logical_cores")


def _add_peaks(records: list[dict[str, Any]], gpu_properties: dict[str, Any] | None) -> None:
    from fwadvisor.profiler.peaks import peak_for, percent_of_peak

    kinds = {"TFLOP/s": "flops", "GFLOP/s": "flops", "GB/s": "bandwidth"}
    for record in records:
        metric = record.get("metric") or {}
        kind = kinds.get(metric.get("name", ""))
        if kind is None or metric.get("value") is None or record["benchmark"] in GPU_ONLY:
            continue
        peak = peak_for(record.get("device", "cpu"), kind, record.get("dtype") or "fp32", gpu_properties)
        if peak is None:
            continue
        record["percent_of_peak"] = percent_of_peak(metric["value"], metric["name"], peak)
        record["peak"] = {
            "value": peak.value,
            "unit": peak.unit,
            "label": peak.label,
            "estimated": peak.estimated,
            "source": peak.source,
        }


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
) -> dict[str, Any]:
    """Run `suite` in each framework, one after the other, and return the result document."""
    from fwadvisor.profiler.environment import collect_environment, gpu_info

    environment = environment or collect_environment(probe_frameworks=False)
    resolved = resolve_device(device, environment)
    threads = threads or default_threads(environment)
    cases = resolve_cases(suite, resolved, benchmarks)
    started = dt.datetime.now(dt.UTC)
    outcomes: dict[str, WorkerOutcome] = {}
    cancelled = False
    for framework in frameworks or list(FRAMEWORKS):
        if cancelled:
            skipped = WorkerOutcome(framework, status="cancelled", error="cancelled before it started")
            skipped.records = [
                failed_record(
                    c.benchmark, framework, "not run: cancelled", device=resolved, params=c.params, dtype=c.dtype
                )
                for c in cases
            ]
            outcomes[framework] = skipped
            continue
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
        outcomes[framework] = outcome
        cancelled = outcome.status == "cancelled"
    results = [r for o in outcomes.values() for r in o.records]
    gpu_after = gpu_info() if resolved == "cuda" else None
    gpu_properties = None
    for record in results:
        gpu_properties = gpu_properties or (record.get("extra") or {}).get("gpu_properties")
    _add_peaks(results, gpu_properties)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "fwadvisor-profile",
        "fwadvisor_version": __version__,
        "created": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "suite": {
            "name": suite.name,
            "description": suite.description,
            "device": resolved,
            "threads": threads,
            "benchmarks": sorted({c.benchmark for c in cases}),
        },
        "environment": environment,
        "gpu_after": gpu_after,
        "workers": {fw: o.summary() for fw, o in outcomes.items()},
        "cancelled": cancelled,
        "results": results,
    }


def run_failed(document: dict[str, Any]) -> bool:
    """True when any framework or benchmark failed or did not check out (exit code 1)."""
    return any(r.get("error") or r.get("correct") is False for r in document["results"]) or any(
        w["status"] != "ok" for w in document["workers"].values()
    )


def save_document(document: dict[str, Any], output: Path | None = None) -> list[Path]:
    """Write the run to the user's runs folder (always) and to `output`; atomically."""
    text = json.dumps(document, indent=2) + "\n"
    stamp = document["created"].replace(":", "").replace("-", "").replace("+0000", "Z")
    saved = runs_dir() / f"profile-{stamp}-{document['suite']['name']}.json"
    write_atomic(saved, text)
    paths = [saved]
    if output is not None:
        write_atomic(output, text)
        paths.insert(0, output)
    return paths
