"""The result record and document shapes (the contract in shared/design.md)."""

from __future__ import annotations

from typing import Any

from fwadvisor.profiler.timing import WIDE_SPREAD, Timing

SCHEMA_VERSION = 1
FRAMEWORKS = ("torch", "tensorflow")
BENCHMARKS = (
    "matmul",
    "conv2d",
    "bandwidth",
    "host_to_device",
    "eager_overhead",
    "compiled_speedup",
    "train_cnn",
    "train_rnn",
    "practice_cnn",
    "practice_rnn",
    "export_roundtrip",
)
GPU_ONLY = {"host_to_device"}
# Real training runs: their records carry a per-epoch "curve" and the final test accuracy as metric.
PRACTICE_BENCHMARKS = ("practice_cnn", "practice_rnn")
CURVE_KEYS = ("epoch", "train_loss", "train_accuracy", "test_accuracy", "seconds")
# Same model, data, initial weights and optimiser: accuracies further apart than this are a finding.
ACCURACY_GAP = 0.03


def make_record(
    *,
    benchmark: str,
    framework: str,
    framework_version: str | None,
    device: str,
    dtype: str | None,
    params: dict[str, Any],
    threads: int | None,
    precision: dict[str, Any],
    timing: Timing | None,
    metric_name: str,
    metric_value: float | None,
    correct: bool | None,
    check: str | None = None,
    error: str | None = None,
    skipped: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
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


def failed_record(
    benchmark: str,
    framework: str,
    error: str,
    *,
    device: str = "unknown",
    framework_version: str | None = None,
    params: dict[str, Any] | None = None,
    dtype: str | None = None,
) -> dict[str, Any]:
    """A record for a benchmark that produced no number (crash, timeout, missing framework ...)."""
    return make_record(
        benchmark=benchmark,
        framework=framework,
        framework_version=framework_version,
        device=device,
        dtype=dtype,
        params=params or {},
        threads=None,
        precision={},
        timing=None,
        metric_name="",
        metric_value=None,
        correct=None,
        error=error,
    )


def usable_as_evidence(record: dict[str, Any]) -> bool:
    """A number that may back advice: it ran, checked out and its spread is not too wide."""
    return (
        record.get("error") is None
        and record.get("skipped") is None
        and record.get("correct") is not False
        and not record.get("wide_spread")
        and (record.get("metric") or {}).get("value") is not None
    )


def accuracy_gap_findings(results: list[dict[str, Any]], gap: float = ACCURACY_GAP) -> list[dict[str, Any]]:
    """Practice benchmarks whose final test accuracy differs between frameworks by more than `gap`.

    Both frameworks train the same model on the same data from the same weights with the same optimiser,
    so a large gap says something about a framework (or a bug), and is reported rather than averaged away.
    """
    findings: list[dict[str, Any]] = []
    for benchmark in PRACTICE_BENCHMARKS:
        by_key: dict[tuple[str, str | None], dict[str, float]] = {}
        for record in results:
            value = (record.get("metric") or {}).get("value")
            if record.get("benchmark") != benchmark or record.get("error") or value is None:
                continue
            by_key.setdefault((str(record.get("device")), record.get("dtype")), {})[record["framework"]] = value
        for (device, dtype), accuracies in by_key.items():
            if len(accuracies) < 2:
                continue
            best = max(accuracies, key=accuracies.__getitem__)
            worst = min(accuracies, key=accuracies.__getitem__)
            difference = accuracies[best] - accuracies[worst]
            if difference > gap:
                findings.append(
                    {
                        "benchmark": benchmark,
                        "device": device,
                        "dtype": dtype,
                        "gap": difference,
                        "accuracies": accuracies,
                        "message": (
                            f"{benchmark}: {best} reached {accuracies[best]:.1%} test accuracy, {worst} "
                            f"{accuracies[worst]:.1%} ({difference:.1%} apart) with the same model, data, "
                            "initial weights and optimiser"
                        ),
                    }
                )
    return findings
