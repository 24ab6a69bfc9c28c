"""The interval maths (profiler/intervals.py) on samples whose answer is known."""

from __future__ import annotations

import random

import pytest

from fwadvisor.profiler import intervals
from fwadvisor.profiler.documents import Metric, Record
from fwadvisor.profiler.intervals import beyond_noise, change_interval, framework_comparisons, speed_interval


def _record(framework: str, value: float, samples: list[float], unit: str = "TFLOP/s", **fields) -> Record:
    fields.setdefault("benchmark", "matmul")
    fields.setdefault("dtype", "fp32")
    fields.setdefault("params", {"m": 8, "n": 8, "k": 8})
    return Record(
        framework=framework,  # type: ignore[arg-type]
        metric=Metric(unit, value),
        samples_s=samples,
        correct=True,
        median_s=sorted(samples)[len(samples) // 2] if samples else None,
        **fields,
    )


def test_constant_samples_give_an_interval_of_the_point_itself():
    assert speed_interval([0.01] * 5, [0.02] * 5, 2.0) == pytest.approx((2.0, 2.0))


def test_two_samples_give_the_exact_bootstrap_percentiles():
    # A's resampled median is 1 (p 1/4), 1.5 (p 1/2) or 2 (p 1/4); B never moves. The ratio is scaled by
    # 1.5 / median*: 1.5, 1 or 0.75, so the 2.5th and 97.5th percentiles are 0.75 and 1.5 exactly.
    interval = speed_interval([1.0, 2.0], [1.0, 1.0], 1.0)
    assert interval is not None
    low, high = interval
    assert (low, high) == pytest.approx((0.75, 1.5))


def test_too_few_samples_or_a_bad_time_give_no_interval():
    assert speed_interval([0.01], [0.01, 0.02], 1.0) is None
    assert speed_interval([0.01, 0.0], [0.01, 0.02], 1.0) is None
    assert speed_interval([0.01, 0.02], [0.01, 0.02], 0.0) is None


def test_the_interval_is_the_same_every_time_it_is_computed():
    rng = random.Random(3)
    a = [0.01 * (1 + 0.2 * rng.random()) for _ in range(20)]
    b = [0.013 * (1 + 0.2 * rng.random()) for _ in range(20)]
    first = speed_interval(a, b, 1.3)
    intervals._interval.cache_clear()
    assert speed_interval(a, b, 1.3) == first


def test_noisier_samples_give_a_wider_interval_around_the_point():
    rng = random.Random(5)

    def width(noise: float) -> float:
        a = [0.01 * rng.lognormvariate(0, noise) for _ in range(30)]
        b = [0.015 * rng.lognormvariate(0, noise) for _ in range(30)]
        low, high = speed_interval(a, b, 1.5)  # type: ignore[misc]
        assert low <= 1.5 <= high
        return high - low

    assert width(0.01) < width(0.05) < width(0.25)


def test_the_interval_covers_the_true_ratio_about_95_times_in_100():
    """Coverage on simulated runs: PyTorch truly 1.5x faster, 5% lognormal noise, 25 samples each."""
    rng = random.Random(11)
    trials, covered = 200, 0
    for _ in range(trials):
        a = [0.010 * rng.lognormvariate(0, 0.05) for _ in range(25)]
        b = [0.015 * rng.lognormvariate(0, 0.05) for _ in range(25)]
        speed = sorted(b)[12] / sorted(a)[12]  # what the metrics of these samples would give
        low, high = speed_interval(a, b, speed)  # type: ignore[misc]
        covered += low <= 1.5 <= high
    # A percentile bootstrap of a median with 25 samples covers a little under its nominal 95%.
    assert 0.9 <= covered / trials <= 1.0


def test_comparisons_pair_the_frameworks_and_keep_the_metric_direction():
    rng = random.Random(2)
    fast = [0.010 * rng.lognormvariate(0, 0.02) for _ in range(10)]
    slow = [0.020 * rng.lognormvariate(0, 0.02) for _ in range(10)]
    records = [
        _record("torch", 200.0, fast),
        _record("tensorflow", 100.0, slow),
        # a time per op: smaller is better, so TensorFlow's 2 us against PyTorch's 4 us is a speed of 0.5
        _record("torch", 4.0, slow, unit="us/op", benchmark="eager_overhead", params={}),
        _record("tensorflow", 2.0, fast, unit="us/op", benchmark="eager_overhead", params={}),
        # an accuracy and a speed-up factor are no speeds
        _record("torch", 0.9, fast, unit="test accuracy", benchmark="practice_cnn", params={}),
        _record("tensorflow", 0.8, slow, unit="test accuracy", benchmark="practice_cnn", params={}),
        # only one framework measured this shape
        _record("torch", 50.0, fast, params={"m": 4, "n": 4, "k": 4}),
    ]
    matmul, eager = framework_comparisons(records)
    assert (matmul.benchmark, matmul.speed, matmul.usable) == ("matmul", 2.0, True)
    assert matmul.low is not None and matmul.high is not None and matmul.low < 2.0 < matmul.high
    assert beyond_noise(matmul.low, matmul.high)
    assert (eager.benchmark, eager.speed) == ("eager_overhead", 0.5)
    assert eager.high is not None and eager.high < 1


def test_a_busy_or_unsteady_record_is_compared_but_not_usable_and_no_samples_no_interval():
    busy = _record("torch", 200.0, [0.01, 0.011], machine_busy=True, busy_reason="other processes used 190% CPU")
    unsteady = _record("torch", 200.0, [0.01, 0.011], wide_spread=True)
    other = _record("tensorflow", 100.0, [0.02, 0.021])
    for record in (busy, unsteady):
        (comparison,) = framework_comparisons([record, other])
        assert comparison.usable is False and comparison.low is not None
    (bare,) = framework_comparisons([_record("torch", 200.0, []), _record("tensorflow", 100.0, [])])
    assert bare.usable is True and bare.low is None and bare.high is None
    failed = _record("torch", 200.0, [0.01, 0.011], error="out of memory")
    assert framework_comparisons([failed, other]) == []


def test_a_change_between_runs_is_beyond_the_noise_only_when_its_interval_leaves_out_one():
    rng = random.Random(8)
    before = _record("torch", 100.0, [0.010 * rng.lognormvariate(0, 0.03) for _ in range(20)])
    same = _record("torch", 100.0, [0.010 * rng.lognormvariate(0, 0.03) for _ in range(20)])
    faster = _record("torch", 120.0, [0.0083 * rng.lognormvariate(0, 0.03) for _ in range(20)])
    ratio, low, high = change_interval(before, faster)  # type: ignore[misc]
    assert ratio == pytest.approx(1.2) and beyond_noise(low, high)
    ratio, low, high = change_interval(before, same)  # type: ignore[misc]
    assert ratio == pytest.approx(1.0) and not beyond_noise(low, high)
    assert change_interval(before, _record("torch", 100.0, [0.01])) is None
