"""95% intervals on ratios of two timed results: one framework against another (every pair of a run's
frameworks: report.profile_table.Row.pair_leads calls speed_interval per pair; framework_comparisons is
PyTorch against TensorFlow, the advice's question), or a run against an earlier one.

Method: a percentile bootstrap of the ratio of medians (Efron and Tibshirani, ch. 13; what
scipy.stats.bootstrap's "percentile" method computes). Each record keeps its raw samples (seconds
per call, one per timed block); a resample draws each record's samples with replacement, and the
ratio moves by how much the two resampled medians moved:

    speed* = speed x (median_a / median_a*) x (median_b* / median_b)

`speed` itself comes from the two records' metrics (what every table shows), so the interval is
about the number people read. Both metrics are the same work divided by the median time, so this
scaling is exact for throughputs (TFLOP/s, GB/s, steps/s) and, inverted, for times (us/op).

Past EXACT_RESAMPLING_MAX_SAMPLES samples a record's resampled medians are drawn directly from
their distribution (steadiness.drawn_median), so an interval costs milliseconds however many samples
a saved run holds; up to it (every run a worker saves) they are drawn as before, to the last digit.

The resampling uses a fixed seed: a saved run gives the same interval every time it is read. The
interval covers the noise within each run's samples only; a second run on another day can differ
by more (clock states, other processes), which is why busy records are no evidence at all.
Headless: pure Python, no numpy (the parent process never imports it).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Final

from fwadvisor.profiler.catalog import LOWER_IS_BETTER, NOT_A_SPEED
from fwadvisor.profiler.documents import (
    CaseKey,
    Comparison,
    Record,
    RunDocument,
    case_key,
    ran_and_checked,
    usable_as_evidence,
)
from fwadvisor.profiler.steadiness import EXACT_RESAMPLING_MAX_SAMPLES, drawn_median

CONFIDENCE: Final = 0.95
RESAMPLES: Final = 2000
SEED: Final = 20261127
MIN_SAMPLES: Final = 2  # one sample has no spread to resample


def _median(ordered: list[float]) -> float:
    n = len(ordered)
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _resampled_medians(samples: tuple[float, ...], ordered: list[float], rng: random.Random) -> list[float]:
    """RESAMPLES bootstrap medians of `samples` (`ordered`: the same, sorted). Up to the count a
    worker saves, each resample is drawn from the samples in their saved order, as it always was."""
    n = len(samples)
    if n > EXACT_RESAMPLING_MAX_SAMPLES:
        return [drawn_median(ordered, rng) for _ in range(RESAMPLES)]
    medians = []
    for _ in range(RESAMPLES):
        draw = rng.choices(samples, k=n)
        draw.sort()
        medians.append(_median(draw))
    return medians


def _quantile(ordered: list[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@lru_cache(maxsize=512)
def _interval(faster: tuple[float, ...], slower: tuple[float, ...], speed: float) -> tuple[float, float] | None:
    ordered_faster, ordered_slower = sorted(faster), sorted(slower)
    median_faster, median_slower = _median(ordered_faster), _median(ordered_slower)
    if median_faster <= 0 or median_slower <= 0:
        return None
    rng = random.Random(SEED)
    resampled_faster = _resampled_medians(faster, ordered_faster, rng)
    resampled_slower = _resampled_medians(slower, ordered_slower, rng)
    ratios = sorted(
        speed * (median_faster / a) * (b / median_slower)
        for a, b in zip(resampled_faster, resampled_slower, strict=True)
        if a > 0
    )
    if not ratios:
        return None
    tail = (1 - CONFIDENCE) / 2
    return _quantile(ratios, tail), _quantile(ratios, 1 - tail)


def speed_interval(times_a: Sequence[float], times_b: Sequence[float], speed: float) -> tuple[float, float] | None:
    """The 95% interval of `speed`, how many times faster A ran than B, from the seconds-per-call
    samples of each. None when either has fewer than two samples or a time that is not positive."""
    if len(times_a) < MIN_SAMPLES or len(times_b) < MIN_SAMPLES or speed <= 0:
        return None
    if any(t <= 0 for t in times_a) or any(t <= 0 for t in times_b):
        return None
    return _interval(tuple(times_a), tuple(times_b), speed)


def beyond_noise(low: float, high: float) -> bool:
    """Whether an interval on a ratio leaves out 1 (no difference): the change is beyond the noise."""
    return low > 1 or high < 1


def _speed_of(a: Record, b: Record) -> float | None:
    """How many times faster record `a` ran than `b` (same benchmark and shape), from their metrics."""
    x, y = a.metric.value, b.metric.value
    if not x or not y or a.metric.name != b.metric.name or a.metric.name in NOT_A_SPEED:
        return None
    return y / x if a.metric.name in LOWER_IS_BETTER else x / y


def framework_comparisons(records: Iterable[Record]) -> list[Comparison]:
    """PyTorch against TensorFlow for every case both ran and checked, in the records' order (the
    advice's question; `speed` above 1: PyTorch faster)."""
    return pair_comparisons(records, "torch", "tensorflow")


def pair_comparisons(records: Iterable[Record], first: str, second: str) -> list[Comparison]:
    """`first` against `second` (profiler ids) on every case both ran and checked, in the records' order:
    `speed` is how many times faster `first` ran.

    A wide-spread or busy record still gets its comparison (the reports show it, marked), but only a
    pair of records usable as evidence is `usable`.
    """
    pairs: dict[CaseKey, dict[str, Record]] = {}
    for record in records:
        if ran_and_checked(record) and record.framework in (first, second):
            pairs.setdefault(case_key(record.benchmark, record.dtype, record.params), {})[record.framework] = record
    comparisons = []
    for pair in pairs.values():
        a, b = pair.get(first), pair.get(second)
        if a is None or b is None or (speed := _speed_of(a, b)) is None:
            continue
        bounds = speed_interval(a.samples_s, b.samples_s, speed)
        comparisons.append(
            Comparison(
                benchmark=a.benchmark,
                dtype=a.dtype,
                params=a.params,
                metric=a.metric.name,
                speed=speed,
                low=bounds[0] if bounds else None,
                high=bounds[1] if bounds else None,
                usable=usable_as_evidence(a) and usable_as_evidence(b),
            )
        )
    return comparisons


def comparisons_for(document: RunDocument) -> list[Comparison]:
    """The run's comparisons, computed from its records as they are now (never saved, so a record
    edited or marked busy after the run can never leave a stale interval behind)."""
    return framework_comparisons(document.results)


def change_interval(first: Record, second: Record) -> tuple[float, float, float] | None:
    """How the same case moved from one run to another: (ratio, low, high), above 1 when the second
    run did better (faster, or less time per op), with its 95% interval. None when the two cannot be
    compared, or either has too few samples for an interval (then nobody can say it is beyond noise)."""
    ratio = _speed_of(second, first)
    if ratio is None:
        return None
    bounds = speed_interval(second.samples_s, first.samples_s, ratio)
    if bounds is None:
        return None
    return ratio, bounds[0], bounds[1]
