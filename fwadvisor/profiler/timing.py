"""Framework-agnostic timing: cold call apart, warm-up, blocked repeats until the spread is small.

Follows torch.utils.benchmark's blocked_autorange idea: each sample times a block of calls with one
synchronisation at its end, the block grown until timer overhead is negligible; samples repeat
until the relative spread (IQR / median) is under the target or the time budget ends. A result
that would then be marked unsteady keeps sampling for up to a few times its budget, as Phoronix's
test runner adds runs when the deviation is high: a passing disturbance is outlasted, and only a
result that stays noisy is marked.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

MIN_BLOCK_S = 0.01  # a sample's block lasts at least this long, so timer overhead stays < 0.1%
MIN_SAMPLES = 5
TARGET_REL_SPREAD = 0.05
WIDE_SPREAD = 0.10  # flagged in reports, and never used as evidence
EXTEND_BUDGET_FACTOR = 3  # an unsteady result samples for up to this many times its budget in all
EXTENDED_MAX_SAMPLES = 150  # the sample cap while extending


@dataclass(frozen=True)
class Timing:
    """Seconds per call, from `samples` blocks of `calls_per_sample` calls each."""

    cold_s: float  # the very first call (context creation, autotuning, compilation), reported apart
    samples: list[float]  # seconds per call, one value per block
    calls_per_sample: int
    extended: bool = False  # the spread was wide when the budget ended, so sampling went on

    @property
    def median_s(self) -> float:
        return statistics.median(self.samples)

    @property
    def p20_s(self) -> float:
        return _quantile(self.samples, 0.2)

    @property
    def p80_s(self) -> float:
        return _quantile(self.samples, 0.8)

    @property
    def spread_s(self) -> float:
        """p80 - p20 of the per-call times (an inter-quantile range robust to a few outliers)."""
        return self.p80_s - self.p20_s

    @property
    def rel_spread(self) -> float:
        return self.spread_s / self.median_s if self.median_s > 0 else float("inf")

    @property
    def repeats(self) -> int:
        return len(self.samples) * self.calls_per_sample


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _rel_spread(samples: list[float]) -> float:
    median = statistics.median(samples)
    return (_quantile(samples, 0.8) - _quantile(samples, 0.2)) / median if median > 0 else float("inf")


def measure(
    run: Callable[[], object],
    sync: Callable[[], None],
    budget_s: float,
    *,
    max_samples: int = 50,
    clock: Callable[[], float] = time.perf_counter,
) -> Timing:
    """Time `run` honestly: cold call, warm-up, then blocks of calls each ended by `sync`."""
    start = clock()
    run()
    sync()
    cold = clock() - start

    # Warm-up doubles as the block-size search: grow the block until it lasts MIN_BLOCK_S.
    calls = 1
    deadline = clock() + budget_s
    while True:
        t0 = clock()
        for _ in range(calls):
            run()
        sync()
        elapsed = clock() - t0
        if elapsed >= MIN_BLOCK_S or clock() > deadline:
            break
        calls = max(calls * 2, int(calls * MIN_BLOCK_S / max(elapsed, 1e-9) * 1.2))

    samples: list[float] = []
    began = clock()
    deadline, cap, extended = began + budget_s, max_samples, False
    while True:
        t0 = clock()
        for _ in range(calls):
            run()
        sync()
        samples.append((clock() - t0) / calls)
        if len(samples) >= MIN_SAMPLES and _rel_spread(samples) < TARGET_REL_SPREAD:
            break
        if len(samples) < cap and (clock() <= deadline or len(samples) < 3):
            continue
        # The budget (or the sample cap) is spent: a result that would be marked unsteady goes on, once.
        longest = began + budget_s * EXTEND_BUDGET_FACTOR
        if extended or _rel_spread(samples) <= WIDE_SPREAD or clock() > longest or len(samples) >= EXTENDED_MAX_SAMPLES:
            break
        deadline, cap, extended = longest, max(max_samples, EXTENDED_MAX_SAMPLES), True
    return Timing(cold, samples, calls, extended)
