"""The result record and document shapes (the contract in shared/design.md)."""

from __future__ import annotations

from typing import Any

from fwadvisor.profiler.timing import WIDE_SPREAD, Timing

SCHEMA_VERSION = 1
FRAMEWORKS = ("torch", "tensorflow")
BENCHMARKS = ("matmul", "conv2d", "bandwidth", "host_to_device", "eager_overhead",
              "compiled_speedup", "train_cnn", "train_rnn")
GPU_ONLY = {"host_to_device"}


def make_record(*, benchmark: str, framework: str, framework_version: str | None, device: str,
                dtype: str | None, params: dict[str, Any], threads: int | None,
                precision: dict[str, Any], timing: Timing | None, metric_name: str,
                metric_value: float | None, correct: bool | None, check: str | None = None,
                error: str | None = None, skipped: str | None = None,
                extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One result record. `metric_value` is None when the benchmark did not produce a number."""
    return {
        "benchmark": benchmark,
        "framework": framework,
        "framework_version": framework_version,
        "device": device,
        "dtype": dtype,
        "params": params,
        "threads": threads,
        "precision": precision,
        "repeats": timing.repeats if timing else 0,
        "median_s": timing.median_s if timing else None,
        "spread_s": timing.spread_s if timing else None,
        "rel_spread": round(timing.rel_spread, 4) if timing else None,
        "wide_spread": bool(timing and timing.rel_spread > WIDE_SPREAD),
        "cold_s": timing.cold_s if timing else None,
        "metric": {"name": metric_name, "value": metric_value},
        "percent_of_peak": None,  # filled in by the parent, which knows the device's peak
        "peak": None,
        "correct": correct,
        "check": check,
        "error": error,
        "skipped": skipped,
        "extra": extra or {},
    }


def failed_record(benchmark: str, framework: str, error: str, *, device: str = "unknown",
                  framework_version: str | None = None, params: dict[str, Any] | None = None,
                  dtype: str | None = None) -> dict[str, Any]:
    """A record for a benchmark that produced no number (crash, timeout, missing framework ...)."""
    return make_record(benchmark=benchmark, framework=framework, framework_version=framework_version,
                       device=device, dtype=dtype, params=params or {}, threads=None, precision={},
                       timing=None, metric_name="", metric_value=None, correct=None, error=error)


def usable_as_evidence(record: dict[str, Any]) -> bool:
    """A number that may back advice: it ran, checked out and its spread is not too wide."""
    return (record.get("error") is None and record.get("skipped") is None
            and record.get("correct") is not False and not record.get("wide_spread")
            and (record.get("metric") or {}).get("value") is not None)
