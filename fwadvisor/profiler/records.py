"""Building result records (documents.Record); the benchmarks they come from are in catalog.py.

The worker side builds records here from a timing.Timing; the parent side builds the ones that say
why a benchmark has no number. The shapes themselves live in documents.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict, cast

import msgspec

from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.catalog import CURVE_BENCHMARKS
from fwadvisor.profiler.documents import CurvePoint, Details, FrameworkId, Metric, PrecisionFlags, Record
from fwadvisor.profiler.timing import WIDE_SPREAD, Timing

CURVE_KEYS: tuple[str, ...] = CurvePoint.__struct_fields__
# Same model, data, initial weights and optimiser: accuracies further apart than this are a finding.
ACCURACY_GAP = 0.03


class AccuracyGapFinding(TypedDict):
    """Two frameworks' final test accuracies on one practice benchmark, further apart than the gap."""

    benchmark: str
    device: str
    dtype: str | None
    gap: float
    accuracies: dict[str, float]  # by framework id
    message: str


def make_record(
    *,
    benchmark: str,
    framework: str,
    framework_version: str | None,
    device: str,
    dtype: str | None,
    params: Params,
    threads: int | None,
    precision: PrecisionFlags,
    timing: Timing | None,
    metric_name: str,
    metric_value: float | None,
    correct: bool | None,
    check: str | None = None,
    error: str | None = None,
    skipped: str | None = None,
    cancelled: bool = False,
    extra: Details | None = None,
) -> Record:
    """One result record. `metric_value` is None when the benchmark did not produce a number."""
    steadiness = timing.steadiness if timing else None
    return Record(
        benchmark=benchmark,
        framework=framework,  # type: ignore[arg-type]  # checked where it is decoded
        framework_version=framework_version,
        device=device,
        dtype=dtype,
        params=params,
        threads=threads,
        precision=precision,
        correct=correct,
        check=check,
        error=error,
        skipped=skipped,
        cancelled=cancelled,
        extra=extra or {},
        metric=Metric(metric_name, metric_value),
        repeats=timing.repeats if timing else 0,
        median_s=timing.median_s if timing else None,
        spread_s=timing.spread_s if timing else None,
        rel_spread=round(timing.rel_spread, 4) if timing else None,
        wide_spread=bool(timing and timing.rel_spread > WIDE_SPREAD),
        median_low_s=steadiness.low_s if steadiness else None,
        median_high_s=steadiness.high_s if steadiness else None,
        halves_drift=round(steadiness.drift, 4) if steadiness else None,
        unsteady=timing.unsteady if timing else None,
        cold_s=timing.cold_s if timing else None,
        samples_s=list(timing.samples) if timing else [],
        calls_per_sample=timing.calls_per_sample if timing else 0,
        sampling_extended=bool(timing and timing.extended),
        # percent_of_peak and peak stay None: the parent fills them in, knowing the device's peak.
    )


def with_curve(record: Record, curve: Iterable[Mapping[str, Any]]) -> Record:
    """A practice record: add the curve, count every epoch as a repeat, judge the spread on the metric.

    The metric is an accuracy, not a time: a noisy epoch time says nothing about it, so neither the
    epoch-time spread (still in rel_spread / spread_s) nor the uncertainty of the median epoch time
    (still in median_low_s / median_high_s) may mark the accuracy as unusable.
    """
    points = [
        CurvePoint(
            epoch=int(point["epoch"]),
            train_loss=_finite_or_none(point["train_loss"]),
            train_accuracy=float(point["train_accuracy"]),
            test_accuracy=float(point["test_accuracy"]),
            seconds=float(point["seconds"]),
        )
        for point in curve
    ]
    return msgspec.structs.replace(record, curve=points, repeats=len(points), wide_spread=False, unsteady=False)


def _finite_or_none(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def failed_record(
    benchmark: str,
    framework: str,
    error: str,
    *,
    device: str = "unknown",
    framework_version: str | None = None,
    params: Params | None = None,
    dtype: str | None = None,
    cancelled: bool = False,
) -> Record:
    """A record for a benchmark that produced no number (crash, timeout, missing framework, cancel ...)."""
    known = cast("FrameworkId", framework)  # checked where it is decoded
    record = Record(benchmark=benchmark, framework=known, framework_version=framework_version, device=device)
    return msgspec.structs.replace(
        record, dtype=dtype, params=params or {}, metric=Metric("", None), error=error, cancelled=cancelled
    )


def unsupported_record(
    benchmark: str,
    framework: str,
    reason: str,
    *,
    device: str,
    framework_version: str | None = None,
    params: Params | None = None,
    dtype: str | None = None,
) -> Record:
    """A record for a case whose framework has no maintained path to the run's device: no number,
    `unsupported` says why in one sentence (classify gives UNSUPPORTED: neither evidence nor failure)."""
    known = cast("FrameworkId", framework)  # checked where it is decoded
    return Record(
        benchmark=benchmark,
        framework=known,
        framework_version=framework_version,
        device=device,
        dtype=dtype,
        params=params or {},
        metric=Metric("", None),
        unsupported=reason,
    )


def accuracy_gap_findings(results: Iterable[Record], gap: float = ACCURACY_GAP) -> list[AccuracyGapFinding]:
    """Practice benchmarks whose final test accuracy differs between frameworks by more than `gap`.

    Both frameworks train the same model on the same data from the same weights with the same optimiser,
    so a large gap says something about a framework (or a bug), and is reported rather than averaged away.
    """
    records = list(results)
    findings: list[AccuracyGapFinding] = []
    for benchmark in CURVE_BENCHMARKS:
        by_key: dict[tuple[str, str | None], dict[str, float]] = {}
        for record in records:
            value = record.metric.value
            if record.benchmark != benchmark or record.error or value is None:
                continue
            by_key.setdefault((record.device, record.dtype), {})[record.framework] = value
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
