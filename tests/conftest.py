"""Shared test helpers: run the real CLI in a subprocess with isolated user folders.

The tests are in three lanes, one folder each: tests/unit (no framework, no app), tests/app (drives
the Textual app, starts no framework) and tests/frameworks (starts real PyTorch / TensorFlow workers).
The folder is the lane: `pytest tests/unit tests/app` is the fast lane. This one conftest and the
helper modules beside it serve every lane: pytest's default (prepend) import mode puts tests/ on
sys.path for this conftest, so `from conftest import ...` works from each lane's folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Keep every test away from the real user's config and data folders."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("FWADVISOR_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("FWADVISOR_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("FWADVISOR_CACHE_DIR", str(home / "cache"))
    return home


@pytest.fixture
def facts_today(monkeypatch):
    """Fix "today" (SOURCE_DATE_EPOCH) at the newest check date of the built-in facts, so the fact ages
    in golden files and snapshots change when the facts do, never with the calendar."""
    import datetime as dt

    from fwadvisor.advisor.engine import load_guidance
    from fwadvisor.advisor.facts import all_facts
    from fwadvisor.advisor.loader import load_rules

    rules = [entry.rule for entry in load_rules(include_user=False).rules]
    newest = max(entry.checked for entry in all_facts(rules, load_guidance()))
    midnight = dt.datetime(newest.year, newest.month, newest.day, tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(midnight.timestamp())))
    return newest


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fwadvisor", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
    )


@pytest.fixture(scope="session")
def real_quick_run():
    """One real run of both frameworks on the CPU, shared by every test that needs real numbers.

    The tiny suite, three benchmarks, one thread: a few seconds. Tests must not change it: they
    take a deep copy (copy.deepcopy works on the RunDocument) before editing a record.
    """
    from fwadvisor.profiler.plan import plan_run
    from fwadvisor.profiler.session import run_profile
    from fwadvisor.profiler.suites import load_suite

    suite = load_suite(str(FIXTURES / "suites" / "tiny.yaml"))
    # PyTorch and TensorFlow only: the tests that read it compare these two (JAX has its own tests).
    plan = plan_run(
        suite,
        device="cpu",
        threads=1,
        frameworks=["torch", "tensorflow"],
        benchmarks=["matmul", "eager_overhead", "train_cnn"],
    )
    return run_profile(plan)


def record_data(framework: str, value: object, *, benchmark: str = "matmul", version: str = "1.0") -> dict:
    """One steady, checked result record as raw JSON data, for hand-made runs.

    Raw data on purpose: a test may put a value no Record would accept ("fast", NaN) to check
    that loading refuses it.
    """
    return {
        "benchmark": benchmark,
        "framework": framework,
        "framework_version": version,
        "device": "cpu",
        "dtype": "fp32",
        "params": {"m": 64, "n": 64, "k": 64},
        "threads": 1,
        "precision": {},
        "repeats": 10,
        "median_s": 0.001,
        "spread_s": 0.00001,
        "rel_spread": 0.01,
        "wide_spread": False,
        "metric": {"name": "GFLOP/s", "value": value},
        "percent_of_peak": None,
        "correct": True,
        "check": "ok",
        "error": None,
        "skipped": None,
    }
