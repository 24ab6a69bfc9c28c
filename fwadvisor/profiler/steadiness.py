"""Whether a timed number can be evidence: how well its samples pin down the median we report.

The number every table shows is the median of a record's samples (seconds per call, one per timed
block). What decides whether it can back advice is how uncertain that median is, not how far single
samples scatter: a tiny CPU training step may scatter by 20% from one step to the next and still
have a median known to 2% after forty steps. So a number is *unsteady* when

- the 95% interval of its median (a seeded percentile bootstrap: resample the samples with
  replacement, take each resample's median, keep the 2.5% and 97.5% quantiles) reaches further
  than MAX_HALF_WIDTH (5%) from the median on average (its half-width), or
- the medians of the first and the second half of its samples differ by more than MAX_DRIFT (5%)
  of the median: the machine changed while it measured (clocks, heat, another process). The
  bootstrap treats the samples as exchangeable and cannot see such a trend; comparing the halves can.

The per-sample spread (p20-p80, `rel_spread`) stays in every record and table as a description of
the samples, and a spread over 10% is still flagged there (`wide_spread`), but it is no verdict.

How the reference tools judge a number, and where we differ:

- pyperf (the Python benchmark suite's runner) spreads its samples over many worker processes (20
  by default, each with a warm-up and 3 values, loops calibrated so a value lasts about 100 ms)
  so that per-process effects (memory layout, hash seeds) are averaged out; it reports the mean
  +- standard deviation, and `pyperf check` (and every run) warns that a result "may be unstable"
  when the standard deviation exceeds 10% of the mean, or the minimum or maximum lies far (over
  50%) from the mean. That is a judgement of the sample spread, which is what a reader of
  "mean +- std dev" sees. We start one worker per framework (a worker imports a framework for
  seconds, which twenty times over would cost minutes), and we report a median, so we judge the
  uncertainty of that median.
- criterion (Rust) samples for a fixed time (warm-up 3 s, then 100 samples over 5 s) and reports
  each estimate (mean, median, slope) with a bootstrap confidence interval ([low estimate high]);
  it judges a change against a saved baseline by a bootstrap test (significance 0.05) and by
  whether the interval of the relative change lies within a noise threshold (1% by default:
  "change within noise threshold"). Ours is the same idea applied to the median: the bootstrap
  interval of the reported estimate decides. We differ in that we sample for a budget of about a
  second per case (a quick suite has to stay short on a 2-core laptop), stop early once the median
  is pinned down well enough (TARGET_HALF_WIDTH), so our threshold is 5% rather than criterion's
  1%, and add the halves check because a short run is easily caught by a passing disturbance.

A ratio of two numbers (PyTorch against TensorFlow) is judged by its own 95% interval
(intervals.py): a rule that reads a ratio fires on the interval's conservative end
(speed_train_cnn_low >= 1.5, not the point), so a wide interval weakens the evidence by exactly as
much as it is uncertain, and one that holds 1.0 says "within the noise".

Pure Python and seeded, so the worker's verdict can be recomputed from the saved samples bit for bit.

The cost of a bootstrap must not grow with the sample count: a saved run may hold 200,000 samples
a record (a hand-made or hostile file under the 64 MB limit), and resampling them 2000 times took
minutes (issue 20). Up to EXACT_RESAMPLING_MAX_SAMPLES (the most a worker ever saves) each resample
is drawn and sorted as it always was, so every real run keeps its numbers to the last digit. Past
it, each resample's median is drawn from its exact distribution instead (`drawn_median`): the same
bootstrap, at a cost that does not depend on the sample count.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

CONFIDENCE: Final = 0.95
# Enough resamples for the 2.5% and 97.5% quantiles to move by well under a percent of the
# median between seeds, at about 10 ms for 50 samples: the worker computes it between samples.
RESAMPLES: Final = 1000
SEED: Final = 20261207
MAX_HALF_WIDTH: Final = 0.05  # the median's 95% interval reaches this far (relative) at most
MAX_DRIFT: Final = 0.05  # the two halves' medians differ by at most this much of the median
MIN_SAMPLES: Final = 3  # the fewest the timing loop ever stops at; fewer cannot be judged
# Up to this many samples, resamples are drawn one by one (the numbers every saved run was read with);
# at least timing.EXTENDED_MAX_SAMPLES, the most a worker saves. About 0.1 s a ratio at this count.
EXACT_RESAMPLING_MAX_SAMPLES: Final = 150


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _quantile(ordered: list[float], q: float) -> float:
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def drawn_median(ordered: Sequence[float], rng: random.Random) -> float:
    """The median of one bootstrap resample of the sorted samples `ordered`, drawn without drawing
    the resample: O(1) whatever their count.

    A resample draws n indices floor(n * U) from n uniforms U; its median is the value at the median
    of those indices, and floor is monotone, so it sits at floor(n * U_(k)), where U_(k), the k-th
    smallest of n uniforms, follows Beta(k, n - k + 1). With an even n the median is the mean of
    the k-th and (k+1)-th values (k = n / 2); given U_(k) = u, the n - k uniforms above it are
    uniform on (u, 1), so U_(k+1) = u + (1 - u) * Beta(1, n - k), their smallest.
    """
    n = len(ordered)
    k = (n + 1) // 2  # the lower middle for an even n
    low = rng.betavariate(k, n - k + 1)
    lower = ordered[min(int(low * n), n - 1)]
    if n % 2:
        return lower
    high = low + (1 - low) * rng.betavariate(1, n - k)
    return (lower + ordered[min(int(high * n), n - 1)]) / 2


def median_interval(samples: Sequence[float], resamples: int = RESAMPLES) -> tuple[float, float]:
    """The 95% percentile-bootstrap interval of the median of `samples` (seeded: the same samples
    always give the same interval). Each resample draws indices into the sorted samples: the median
    of the drawn values is the value at the median of the drawn indices, so only integers are sorted;
    past EXACT_RESAMPLING_MAX_SAMPLES, the median is drawn directly (drawn_median)."""
    ordered = sorted(samples)
    n = len(ordered)
    if n == 1:
        return ordered[0], ordered[0]
    rng = random.Random(SEED)
    if n > EXACT_RESAMPLING_MAX_SAMPLES:
        medians = sorted(drawn_median(ordered, rng) for _ in range(resamples))
        tail = (1 - CONFIDENCE) / 2
        return _quantile(medians, tail), _quantile(medians, 1 - tail)
    indices = range(n)
    middle = n // 2
    medians = []
    for _ in range(resamples):
        drawn = sorted(rng.choices(indices, k=n))
        if n % 2:
            medians.append(ordered[drawn[middle]])
        else:
            medians.append((ordered[drawn[middle - 1]] + ordered[drawn[middle]]) / 2)
    medians.sort()
    tail = (1 - CONFIDENCE) / 2
    return _quantile(medians, tail), _quantile(medians, 1 - tail)


def halves_drift(samples: Sequence[float]) -> float:
    """How far the median of the second half of the samples lies from that of the first, relative to
    the median of all (0.08: 8% apart). With an odd count the middle sample belongs to neither half."""
    n = len(samples)
    centre = median(samples)
    if n < 2 or centre <= 0:
        return 0.0
    half = n // 2
    return abs(median(samples[n - half :]) - median(samples[:half])) / centre


@dataclass(frozen=True)
class Steadiness:
    """How well a record's samples pin down its median, and the verdict."""

    median_s: float
    low_s: float  # the 95% interval of the median
    high_s: float
    drift: float  # halves_drift

    @property
    def half_width(self) -> float:
        """Half the interval's width relative to the median (0.03: the median is known to about ±3%)."""
        return (self.high_s - self.low_s) / 2 / self.median_s if self.median_s > 0 else float("inf")

    def within(self, limit: float) -> bool:
        return self.half_width <= limit and self.drift <= MAX_DRIFT

    @property
    def unsteady(self) -> bool:
        return not self.within(MAX_HALF_WIDTH)

    def reason(self) -> str | None:
        """Why the number is unsteady, in words; None when it is steady."""
        reasons = []
        if self.half_width > MAX_HALF_WIDTH:
            reasons.append(f"its median is uncertain by ±{self.half_width:.0%} (95% interval)")
        if self.drift > MAX_DRIFT:
            reasons.append(f"the first and second half of its samples differ by {self.drift:.0%}")
        return "; ".join(reasons) or None


def judge(samples: Sequence[float], resamples: int = RESAMPLES) -> Steadiness | None:
    """The steadiness of a median of `samples`; None for too few samples to judge (then the
    number is unsteady: nobody can say how well it is known)."""
    if len(samples) < MIN_SAMPLES or any(s <= 0 for s in samples):
        return None
    low, high = median_interval(samples, resamples)
    return Steadiness(median(samples), low, high, halves_drift(samples))


def unsteady(samples: Sequence[float]) -> bool:
    judged = judge(samples)
    return judged is None or judged.unsteady
