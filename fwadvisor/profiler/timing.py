"""Framework-agnostic timing: cold call apart, warm-up, blocked repeats until the median is known.

Follows torch.utils.benchmark's blocked_autorange idea: each sample times a block of calls with one
synchronisation at its end, the block grown until timer overhead is negligible. Samples repeat until
the median they give is pinned down (steadiness.py: the 95% bootstrap interval of the median within
±TARGET_HALF_WIDTH, and the two halves of the samples agreeing) or the time budget ends. Only a
result that would then be marked unsteady by that same rule keeps sampling, for up to a few times
its budget, as Phoronix's test runner adds runs when the deviation is high: a passing disturbance
is outlasted, and only a result that stays uncertain is marked. A wide per-sample spread alone
(a tiny training step varies from step to step) costs no extra time when its median is known.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from fwadvisor.profiler.steadiness import MAX_HALF_WIDTH, RESAMPLES, Steadiness, judge

MIN_BLOCK_S = 0.01  # a sample's block lasts at least this long, so timer overhead stays < 0.1%
MIN_SAMPLES = 5
# Sampling stops early once the median's 95% interval is within this (and the halves agree): inside
# the 5% an unsteady verdict needs, so a ratio of two such numbers is known to about ±4%. Measured on a
# quiet 2-core VM (benchmarks/RESULTS.md, issue 19): ±2% let most cases run their whole budget, and the
# longer a case samples, the likelier the host's own speed shifts under it (25% steps seen at 2% load).
TARGET_HALF_WIDTH = 0.03
# The check while sampling costs a bootstrap: it runs when the sample count has grown by this factor
# since the last check (5, 7, 10, 15, 22, 33, 49 ... samples), not after every sample, with fewer
# resamples than the verdict that is saved (a few ms at 50 samples): it only decides when to stop.
CHECK_GROWTH = 1.5
CHECK_RESAMPLES = 400
WIDE_SPREAD = 0.10  # a per-sample spread over this is flagged in tables: a description, not a verdict
EXTEND_BUDGET_FACTOR = 3  # an unsteady result samples for up to this many times its budget in all
EXTENDED_MAX_SAMPLES = 150  # the sample cap while extending


@dataclass(frozen=True)
class Timing:
    """Seconds per call, from `samples` blocks of `calls_per_sample` calls each."""

    cold_s: float  # the very first call (context creation, autotuning, compilation), reported apart
    samples: list[float]  # seconds per call, one value per block
    calls_per_sample: int
    extended: bool = False  # the number was unsteady when the budget ended, so sampling went on
    # One measurement by design (a model reloaded in a fresh process): there are no samples to judge
    # its steadiness by, and it is no less a measurement for that (pyperf's single-run timings too).
    one_shot: bool = False

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

    @cached_property
    def steadiness(self) -> Steadiness | None:
        """How well the samples pin down the median (None: too few samples to say)."""
        return judge(self.samples)

    @property
    def unsteady(self) -> bool:
        """The verdict that keeps a number from being evidence (steadiness.py)."""
        if self.one_shot:
            return False
        return self.steadiness is None or self.steadiness.unsteady


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _steady_within(samples: list[float], limit: float, resamples: int = CHECK_RESAMPLES) -> bool:
    judged = judge(samples, resamples)
    return judged is not None and judged.within(limit)


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
    target, next_check = TARGET_HALF_WIDTH, MIN_SAMPLES
    while True:
        t0 = clock()
        for _ in range(calls):
            run()
        sync()
        samples.append((clock() - t0) / calls)
        if len(samples) >= next_check:
            next_check = max(len(samples) + 1, int(len(samples) * CHECK_GROWTH))
            if _steady_within(samples, target, RESAMPLES if extended else CHECK_RESAMPLES):
                break
        if len(samples) < cap and (clock() <= deadline or len(samples) < 3):
            continue
        # The budget (or the sample cap) is spent: a result that would be marked unsteady goes on, once,
        # and then stops as soon as it is steady enough to be evidence.
        longest = began + budget_s * EXTEND_BUDGET_FACTOR
        if extended or clock() > longest or len(samples) >= EXTENDED_MAX_SAMPLES:
            break
        if _steady_within(samples, MAX_HALF_WIDTH, RESAMPLES):  # as the saved verdict will judge it
            break
        deadline, cap, extended = longest, max(max_samples, EXTENDED_MAX_SAMPLES), True
        target, next_check = MAX_HALF_WIDTH, len(samples) + 1
    return Timing(cold, samples, calls, extended)
