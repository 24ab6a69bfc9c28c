"""What does the 95% interval of a ratio cost as a record's sample count grows? (issue 20)

For each sample count, in this same run: the interval as computed now (`speed_interval`), the old
bootstrap that draws and sorts every resample (forced by raising the count up to which it is used;
skipped past --old-max samples, where it takes minutes), and, as the baseline, a plain median of the
same samples (one sort). The ratio of the interval to the plain median says what the interval adds
to reading a record; it must stay bounded however many samples a saved run holds.

Usage: python benchmarks/interval_cost.py [--repeats 5] [--old-max 5000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from fwadvisor.profiler import intervals

COUNTS = (40, 150, 151, 1_000, 5_000, 50_000, 200_000)


def _seconds(call: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        intervals._interval.cache_clear()  # a saved run is read once: no cached interval helps
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--old-max", type=int, default=5_000)
    args = parser.parse_args()
    rng = random.Random(7)
    print(f"{'samples':>8} {'median ms':>10} {'interval ms':>12} {'ratio':>7} {'old ms':>9} {'old/new':>8}")
    for n in COUNTS:
        a = [0.010 * rng.lognormvariate(0, 0.05) for _ in range(n)]
        b = [0.012 * rng.lognormvariate(0, 0.05) for _ in range(n)]
        plain = _seconds(lambda a=a, b=b: (statistics.median(a), statistics.median(b)), args.repeats)
        new = _seconds(lambda a=a, b=b: intervals.speed_interval(a, b, 1.2), args.repeats)
        old_text = ratio_text = "-"
        if n <= args.old_max:
            limit = intervals.EXACT_RESAMPLING_MAX_SAMPLES
            intervals.EXACT_RESAMPLING_MAX_SAMPLES = n  # type: ignore[misc]  # every resample drawn and sorted
            try:
                old = _seconds(lambda a=a, b=b: intervals.speed_interval(a, b, 1.2), max(1, args.repeats // 2))
            finally:
                intervals.EXACT_RESAMPLING_MAX_SAMPLES = limit  # type: ignore[misc]
            old_text, ratio_text = f"{old * 1000:.1f}", f"{old / new:.1f}"
        print(f"{n:>8} {plain * 1000:>10.2f} {new * 1000:>12.1f} {new / plain:>7.1f} {old_text:>9} {ratio_text:>8}")


if __name__ == "__main__":
    main()
