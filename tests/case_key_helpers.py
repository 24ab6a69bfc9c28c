"""Helpers shared by test_case_key.py and test_case_key_in_the_app.py."""

from __future__ import annotations

from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.documents import Metric, Record

SHAPE: Params = {"m": 64, "n": 64, "k": 64}


ALIKE: Params = {"m": 64, "n": 64, "k": 64, "batch": 2}  # reads as SHAPE does: "64×64 @ 64×64"


REORDERED: Params = {"k": 64, "n": 64, "m": 64}


def _record(framework: str, value: float, params: Params) -> Record:
    samples = [1 / value] * 5
    return Record(
        benchmark="matmul",
        framework=framework,  # type: ignore[arg-type]
        dtype="fp32",
        params=params,
        metric=Metric("TFLOP/s", value),
        samples_s=samples,
        median_s=samples[0],
        correct=True,
    )


def _records() -> list[Record]:
    # torch writes the shape's params in one order, TensorFlow in another: still one case.
    return [
        _record("torch", 2.0, SHAPE),
        _record("tensorflow", 1.0, REORDERED),
        _record("torch", 4.0, ALIKE),
        _record("tensorflow", 1.0, ALIKE),
    ]
