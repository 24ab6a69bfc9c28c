"""Hostile and careless inputs to the numbers (issue 20): the parse cache, huge sample counts, runs
from another machine, and comparisons with nothing in common. Each case uses the real code: the
cache and the CLI in a subprocess where a failure could hang or exhaust this process.
The tests with the app (Pilot) are in tests/app/test_hostile_numbers_in_the_app.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hostile_numbers_helpers import _matmul, _noisy, _run_data

from conftest import REPO, record_data, run_cli

RULE_FILE = """\
rules:
  - id: r-1
    area: team
    when: {question: team_experience, in: [pytorch]}
    effect: favor
    framework: pytorch
    weight: 2
    message: a message long enough to be read
    evidence:
      - source: https://x.org
        checked: 2026-11-27
    tests:
      - answers: {team_experience: pytorch}
        fires: true
"""


# Loads the rules file argv[1] through the parse cache and prints its first rule's weight. It runs in
# a child with a 1 GiB address-space cap, so a cache read of /dev/zero fails there, not in pytest.
LOAD_THROUGH_CACHE = textwrap.dedent(
    """
    import resource, sys
    from pathlib import Path
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    from fwadvisor.advisor.model import RuleFile
    from fwadvisor.parsecache import load_validated
    from fwadvisor.validation import convert_or_explain
    from fwadvisor.yamlio import load_yaml
    path = Path(sys.argv[1])
    parsed = load_validated(path, RuleFile, lambda p: convert_or_explain(load_yaml(p), RuleFile, p, "rules file"))
    print(parsed.rules[0].weight)
    """
)


def _load_in_child(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LOAD_THROUGH_CACHE, str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        env=dict(os.environ),
    )


def _rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(RULE_FILE, encoding="utf-8")
    return path


def _cache_path(path: Path) -> Path:
    from fwadvisor.parsecache import _cache_file

    cache = _cache_file(path)
    cache.parent.mkdir(parents=True, exist_ok=True)
    return cache


def test_a_cache_file_that_is_a_fifo_is_passed_over_not_waited_on(tmp_path):
    path = _rules_file(tmp_path)
    cache = _cache_path(path)
    os.mkfifo(cache)
    try:
        result = _load_in_child(path)
    except subprocess.TimeoutExpired:
        pytest.fail("reading a FIFO in the cache folder hung")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2.0"
    # The bad entry was rebuilt: the next start finds a regular file there.
    assert cache.is_file() and not cache.is_symlink()


def test_a_cache_file_linked_to_dev_zero_is_passed_over(tmp_path):
    path = _rules_file(tmp_path)
    cache = _cache_path(path)
    cache.symlink_to("/dev/zero")
    result = _load_in_child(path)
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stderr and result.stdout.strip() == "2.0"
    assert cache.is_file() and not cache.is_symlink(), "the link was not replaced by a cache entry"
    assert Path("/dev/zero").is_char_device()


def test_an_oversized_cache_file_is_passed_over_and_rebuilt(tmp_path):
    from fwadvisor.parsecache import MAX_CACHE_BYTES

    path = _rules_file(tmp_path)
    cache = _cache_path(path)
    with cache.open("wb") as file:
        file.truncate(MAX_CACHE_BYTES + 1)  # sparse: no disk used
    result = _load_in_child(path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2.0" and cache.stat().st_size < MAX_CACHE_BYTES


def test_an_edit_that_keeps_size_and_time_is_not_served_stale(tmp_path):
    """An edit within the same clock tick (or one whose time was put back, as `touch -r` or a copy
    that keeps times does) leaves size and mtime as they were; the cache must still see it."""
    from fwadvisor.advisor.model import RuleFile
    from fwadvisor.parsecache import load_validated
    from fwadvisor.validation import convert_or_explain
    from fwadvisor.yamlio import load_yaml

    def parse(p: Path) -> RuleFile:
        return convert_or_explain(load_yaml(p), RuleFile, p, "rules file")

    path = _rules_file(tmp_path)
    assert load_validated(path, RuleFile, parse).rules[0].weight == 2.0
    before = path.stat()
    path.write_text(RULE_FILE.replace("weight: 2", "weight: 9"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    assert load_validated(path, RuleFile, parse).rules[0].weight == 9.0


def test_intervals_of_small_sample_counts_are_as_before():
    """Up to the most samples a worker saves, the seeded resampling is the one every saved run was
    read with: the same numbers to the last digit (pinned from the code before issue 20)."""
    import random

    from fwadvisor.profiler.intervals import speed_interval
    from fwadvisor.profiler.steadiness import EXACT_RESAMPLING_MAX_SAMPLES, median_interval
    from fwadvisor.profiler.timing import EXTENDED_MAX_SAMPLES

    assert EXACT_RESAMPLING_MAX_SAMPLES >= EXTENDED_MAX_SAMPLES  # every saved run is resampled as before
    rng = random.Random(20)
    expected = {
        7: ((1.236182130147441, 1.8032232629372333), (0.009048668462423382, 0.011112746736057237)),
        40: ((1.421204112365047, 1.6385537256298586), (0.009669931457887413, 0.010367167763708024)),
        150: ((1.4592715503474516, 1.5440335764890858), (0.00973330318706724, 0.010012099163052686)),
    }
    for n, (speed, median) in expected.items():
        a = [0.01 * rng.lognormvariate(0, 0.1) for _ in range(n)]
        b = [0.015 * rng.lognormvariate(0, 0.1) for _ in range(n)]
        assert speed_interval(a, b, 1.5) == speed and median_interval(a) == median


@pytest.mark.parametrize("n", [301, 300])
def test_the_median_drawn_from_its_distribution_matches_resampling(n):
    """Past the worker's sample cap, each resample's median is drawn from its exact distribution (an
    order statistic of uniforms) instead of sorting n draws: the same distribution, odd and even n."""
    import random

    from fwadvisor.profiler.steadiness import drawn_median

    ordered = [float(i) for i in range(n)]  # a value is its index: the quantiles read in indices
    rng = random.Random(1)
    resampled = []
    for _ in range(4000):
        drawn = sorted(rng.choices(ordered, k=n))
        resampled.append(drawn[n // 2] if n % 2 else (drawn[n // 2 - 1] + drawn[n // 2]) / 2)
    direct = [drawn_median(ordered, rng) for _ in range(4000)]
    resampled.sort()
    direct.sort()
    for q in (0.025, 0.25, 0.5, 0.75, 0.975):
        at = int(q * 3999)
        assert direct[at] == pytest.approx(resampled[at], abs=2.5), q  # about 5 standard errors
    # Even n: the mean of the two middle order statistics, so half-integers occur.
    assert any(value % 1 for value in direct) == (n % 2 == 0)


def test_compare_of_runs_with_200000_samples_a_record_ends(tmp_path):
    """21 MB a run, under the 64 MB limit: the interval's cost must not grow with the sample count."""
    first = _run_data(_matmul("torch", _noisy(200_000, 0.010, 1)), _matmul("tensorflow", _noisy(200_000, 0.012, 2)))
    second = _run_data(_matmul("torch", _noisy(200_000, 0.008, 3)), _matmul("tensorflow", _noisy(200_000, 0.012, 4)))
    paths = []
    for name, data in (("first.json", first), ("second.json", second)):
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        paths.append(str(path))
    try:
        result = run_cli("profile", "compare", *paths, "--format", "json", timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("profile compare of two 200,000-sample runs ran past 90 s")
    assert result.returncode == 0, result.stderr
    rows = {row["framework"]: row for row in json.loads(result.stdout)["rows"]}
    assert rows["torch"]["verdict"] == "beyond the noise" and 1.2 < rows["torch"]["low"] < 1.25 < rows["torch"]["high"]
    assert rows["tensorflow"]["verdict"] == "within the noise"


ANSWERS_ON_GPU = str(REPO / "tests" / "fixtures" / "answers" / "good_research_lab.yaml")


ELSEWHERE = {
    "hostname": "colleague-box",
    "cpu": {"model": "AMD EPYC 9654", "logical_cores": 192},
    "memory_gb": 768.0,
    "os": "Linux 6.1",
}


def test_a_run_from_another_machine_never_says_this_machine(tmp_path):
    steady = [0.001 * (1 + 0.001 * i) for i in range(20)]
    records = []
    for benchmark in ("matmul", "train_cnn", "eager_overhead"):
        for framework, value, scale in (("torch", 200.0, 1), ("tensorflow", 100.0, 2)):
            data = record_data(framework, value, benchmark=benchmark)
            data["samples_s"] = [t * scale for t in steady]
            records.append(data)
    path = tmp_path / "colleague.json"
    path.write_text(json.dumps(_run_data(*records, environment=ELSEWHERE)), encoding="utf-8")
    for fmt in ("text", "md", "html", "json"):
        result = run_cli("recommend", "--answers", ANSWERS_ON_GPU, "--profile", str(path), "--format", fmt)
        assert result.returncode == 0, result.stderr
        assert "colleague-box" in result.stdout, fmt  # the heading names whose machine it was
        lines = [line for line in result.stdout.splitlines() if "this machine" in line]
        assert lines == [], f"{fmt}: {lines}"


def _save(tmp_path: Path, name: str, data: dict) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def _benchmarks_run(*benchmarks: str, suite: str) -> dict:
    steady = [0.001 * (1 + 0.001 * i) for i in range(10)]
    records = []
    for benchmark in benchmarks:
        for framework in ("torch", "tensorflow"):
            data = record_data(framework, 100.0, benchmark=benchmark)
            data["samples_s"] = steady
            records.append(data)
    return _run_data(*records, suite=suite)


def test_compare_of_runs_with_no_case_in_common_says_so_and_exits_1(tmp_path):
    first = _save(tmp_path, "first.json", _benchmarks_run("matmul", "conv2d", suite="quick"))
    many = [f"case_{i:02d}" for i in range(30)]
    second = _save(tmp_path, "second.json", _benchmarks_run(*many, suite="mine"))
    result = run_cli("profile", "compare", first, second, env={"COLUMNS": "80"})
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout + result.stderr
    assert "Traceback" not in out
    assert "no case was measured in both runs" in result.stderr and "suites differ" in out  # exit 1 says why
    assert "matmul" in out and "conv2d" in out and "case_00" in out  # what was left out, by name
    assert "case_29" not in out and "and 50 more" in out  # bounded: 60 left out of the second, 10 listed
    assert max(len(line) for line in out.splitlines()) <= 80
    as_json = run_cli("profile", "compare", first, second, "--format", "json")
    assert as_json.returncode == 1
    assert "nothing to compare: no case was measured in both runs (4 only in the first run" in as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["rows"] == [] and len(data["only_second"]) == 60 and len(data["only_first"]) == 4


def test_compare_of_runs_with_some_cases_in_common_lists_the_rest(tmp_path):
    first = _save(tmp_path, "first.json", _benchmarks_run("matmul", "conv2d", suite="quick"))
    second = _save(tmp_path, "second.json", _benchmarks_run("matmul", "bandwidth", suite="mine"))
    result = run_cli("profile", "compare", first, second, env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert "suites differ" in result.stdout and "conv2d" in result.stdout and "bandwidth" in result.stdout


def test_the_median_interval_of_many_samples_is_where_theory_puts_it():
    """10,001 samples 0..10,000: the median's index has a standard deviation of about sqrt(n) / 2 = 50,
    so its 95% interval is about 5000 -+ 98 (drawn, not resampled: past the worker's cap)."""
    from fwadvisor.profiler.steadiness import median_interval

    low, high = median_interval([float(i) for i in range(10_001)])
    assert 4902 - 15 < low < 4902 + 15 and 5098 - 15 < high < 5098 + 15, (low, high)
