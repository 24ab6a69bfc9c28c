"""The timing loop every rank runs in step: a barrier before each call, the device synchronised after
it, the clock read on every rank and reported by rank 0.

The counts are agreed by all ranks (a collective deadlocks if one rank makes one call more): a fixed
warm-up, then at least `minimum` timed calls; rank 0 may ask for more when the case's time budget
allows and broadcasts the count.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from fwadvisor.bench.cluster.side import ClusterSide, broadcast_int
from fwadvisor.profiler.timing import Timing

TIMING_WORDS = "rank 0; barrier before each call; device synchronised"


@dataclass(frozen=True)
class Counts:
    """How many calls a benchmark makes: warm-up, then between minimum and maximum timed calls."""

    warmup: int
    minimum: int
    maximum: int


@dataclass(frozen=True)
class TimedCalls:
    timing: Timing  # seconds per call, one sample per call (calls_per_sample 1)
    warmup: int
    iterations: int


def _one(side: ClusterSide, call: Callable[[], object], clock: Callable[[], float]) -> float:
    side.barrier()
    start = clock()
    call()
    side.sync()
    return clock() - start


def timed_calls(
    side: ClusterSide,
    call: Callable[[], object],
    counts: Counts,
    budget_s: float,
    clock: Callable[[], float] = time.perf_counter,
) -> TimedCalls:
    """Cold call, warm-up, then the timed calls; every rank runs exactly the same number."""
    cold = _one(side, call, clock)
    warm = [_one(side, call, clock) for _ in range(counts.warmup)]
    estimate = statistics.median(warm) if warm else cold
    wanted = counts.minimum
    if side.rank == 0 and estimate > 0:
        wanted = max(counts.minimum, min(counts.maximum, int(budget_s / estimate)))
    iterations = broadcast_int(side, wanted)
    samples = [_one(side, call, clock) for _ in range(iterations)]
    return TimedCalls(Timing(cold, samples, 1), counts.warmup, iterations)
