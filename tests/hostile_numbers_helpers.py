"""Helpers shared by test_hostile_numbers.py and test_hostile_numbers_in_the_app.py."""

from __future__ import annotations

from conftest import record_data

# Seconds per matmul call of a record, and the GFLOP/s its median gives (tests/unit/test_compare_noise.py).
FLOPS = 2 * 64**3


def _matmul(framework: str, samples: list[float]) -> dict:
    data = record_data(framework, 0.0)
    median = sorted(samples)[len(samples) // 2]
    data.update(samples_s=samples, median_s=median, metric={"name": "GFLOP/s", "value": FLOPS / median / 1e9})
    return data


def _run_data(*records: dict, environment: dict | None = None, suite: str = "quick") -> dict:
    return {
        "kind": "fwadvisor-profile",
        "schema_version": 2,
        "suite": {"name": suite, "device": "cpu", "threads": 1},
        "environment": environment or {"cpu": {"model": "Test CPU"}},
        "workers": {"torch": {"status": "ok"}, "tensorflow": {"status": "ok"}},
        "results": list(records),
    }


def _noisy(count: int, centre: float, seed: int) -> list[float]:
    import random

    rng = random.Random(seed)
    return [round(centre * rng.lognormvariate(0, 0.05), 9) for _ in range(count)]
