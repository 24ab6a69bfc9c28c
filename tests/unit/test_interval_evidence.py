"""Issue #11: speed ratios become evidence with their 95% interval, rules fire on its conservative end,
and records measured while other processes kept the machine busy never become evidence."""

from __future__ import annotations

import json

import msgspec
import pytest

from conftest import record_data, run_cli
from fwadvisor.advisor.evidence import evidence_from_profile
from fwadvisor.profiler.documents import Comparison, RunDocument, encode_run
from fwadvisor.profiler.run_file import run_from_data

BUSY_REASON = "other processes used 180% CPU while this case ran"
# Seconds per training step: a steady PyTorch at 20 steps/s, a steady TensorFlow at 10 (2x), and a
# PyTorch whose steps wandered (the same median, so the same point ratio, but a wide interval).
STEADY_TORCH = [0.050, 0.0502, 0.0498, 0.0501, 0.0499, 0.0500, 0.0503, 0.0497]
STEADY_TF = [0.100, 0.1004, 0.0996, 0.1002, 0.0998, 0.1000, 0.1001, 0.0999]
WANDERING_TORCH = [0.030, 0.080, 0.050, 0.035, 0.075, 0.050, 0.040, 0.070]


def record(framework: str, value: float, samples: list[float], benchmark: str = "train_cnn", **extra) -> dict:
    data = record_data(framework, value, benchmark=benchmark)
    unit = {"train_cnn": "steps/s", "train_rnn": "steps/s", "eager_overhead": "us/op"}.get(benchmark, "GFLOP/s")
    data["metric"]["name"] = unit
    data["samples_s"] = samples
    data["median_s"] = sorted(samples)[len(samples) // 2]
    return {**data, **extra}


def run(*records: dict, version: int = 2, **extra) -> RunDocument:
    return run_from_data(
        {
            "kind": "fwadvisor-profile",
            "schema_version": version,
            "suite": {"name": "quick", "device": "cpu", "threads": 1},
            "workers": {"torch": {"status": "ok"}, "tensorflow": {"status": "ok"}},
            "results": list(records),
            **extra,
        }
    )


def test_a_speed_metric_comes_with_its_interval_and_the_details_quote_it():
    evidence = evidence_from_profile(run(record("torch", 20.0, STEADY_TORCH), record("tensorflow", 10.0, STEADY_TF)))
    m = evidence.metrics
    assert m["speed_train_cnn"] == pytest.approx(2.0)
    assert 1.9 < m["speed_train_cnn_low"] < 2.0 < m["speed_train_cnn_high"] < 2.1
    detail = evidence.details["speed_train_cnn"]
    assert "PyTorch 20 steps/s, TensorFlow 10 steps/s" in detail
    assert f"PyTorch 2.00x (95% interval {m['speed_train_cnn_low']:.2f}-{m['speed_train_cnn_high']:.2f})" in detail


def test_a_tensorflow_lead_is_worded_in_its_direction():
    evidence = evidence_from_profile(run(record("torch", 10.0, STEADY_TF), record("tensorflow", 20.0, STEADY_TORCH)))
    m = evidence.metrics
    assert m["speed_train_cnn"] == pytest.approx(0.5) and m["speed_train_cnn_low"] < 0.5 < m["speed_train_cnn_high"]
    low, high = 1 / m["speed_train_cnn_high"], 1 / m["speed_train_cnn_low"]
    assert f"TensorFlow 2.00x (95% interval {low:.2f}-{high:.2f})" in evidence.details["speed_train_cnn"]


def test_eager_overhead_gets_an_interval_too():
    # 5 us/op in PyTorch, 50 in TensorFlow: TensorFlow's ops take 10x as long.
    torch_times = [t / 1e4 for t in STEADY_TORCH]
    tf_times = [t / 1e3 for t in STEADY_TORCH]
    evidence = evidence_from_profile(
        run(record("torch", 5.0, torch_times, "eager_overhead"), record("tensorflow", 50.0, tf_times, "eager_overhead"))
    )
    m = evidence.metrics
    assert m["eager_overhead_ratio"] == pytest.approx(10.0)
    assert m["eager_overhead_ratio_low"] < 10.0 < m["eager_overhead_ratio_high"]
    assert "95% interval" in evidence.details["eager_overhead_ratio"]


def test_a_wandering_record_gives_a_wide_interval_around_the_same_point():
    steady = evidence_from_profile(run(record("torch", 20.0, STEADY_TORCH), record("tensorflow", 10.0, STEADY_TF)))
    wandering = evidence_from_profile(
        run(record("torch", 20.0, WANDERING_TORCH), record("tensorflow", 10.0, STEADY_TF))
    )
    assert wandering.metrics["speed_train_cnn"] == steady.metrics["speed_train_cnn"]
    assert wandering.metrics["speed_train_cnn_low"] < 1.5 < steady.metrics["speed_train_cnn_low"]


def test_one_sample_gives_the_point_but_no_interval():
    evidence = evidence_from_profile(run(record("torch", 20.0, [0.05]), record("tensorflow", 10.0, [0.1])))
    assert evidence.metrics["speed_train_cnn"] == pytest.approx(2.0)
    assert "speed_train_cnn_low" not in evidence.metrics and "speed_train_cnn_high" not in evidence.metrics
    assert "no interval" in evidence.details["speed_train_cnn"]


def test_a_version_1_run_gets_its_intervals_from_its_samples():
    evidence = evidence_from_profile(
        run(record("torch", 20.0, STEADY_TORCH), record("tensorflow", 10.0, STEADY_TF), version=1)
    )
    assert evidence.metrics["speed_train_cnn_low"] < 2.0 < evidence.metrics["speed_train_cnn_high"]


def test_busy_records_never_become_metrics_and_say_why():
    document = run(
        record("torch", 20.0, STEADY_TORCH, machine_busy=True, busy_reason=BUSY_REASON),
        record("tensorflow", 10.0, STEADY_TF),
        record("torch", 30.0, STEADY_TORCH, "matmul"),
        record("tensorflow", 10.0, STEADY_TF, "matmul"),
    )
    evidence = evidence_from_profile(document)
    m = evidence.metrics
    assert not any(name.startswith("speed_train_cnn") for name in m)
    assert m["speed_matmul"] == pytest.approx(3.0)  # the quiet pair still counts
    assert m["busy_measurements"] == 1 and m["profile_complete"] == 0 and m["usable_measurements"] == 3
    busy = [c for c in evidence.considered if not c.used]
    assert len(busy) == 1 and busy[0].benchmark == "train_cnn" and busy[0].framework == "torch"
    assert busy[0].why_not == f"measured while other processes were busy: {BUSY_REASON}"


def test_a_quiet_run_has_no_busy_measurements():
    evidence = evidence_from_profile(run(record("torch", 20.0, STEADY_TORCH), record("tensorflow", 10.0, STEADY_TF)))
    assert evidence.metrics["busy_measurements"] == 0 and evidence.metrics["profile_complete"] == 1


def test_a_saved_comparison_that_no_longer_matches_its_records_is_not_used():
    """Intervals are computed from the records, never read from the file: a "comparisons" list in a run
    file (hand-written, or from a build that saved them) cannot outvote a record edited or marked busy."""
    stale = Comparison(
        benchmark="train_cnn",
        dtype="fp32",
        params={"m": 64, "n": 64, "k": 64},
        metric="steps/s",
        speed=5.0,
        low=4.9,
        high=5.1,
        usable=True,
    )
    document = run(
        record("torch", 20.0, STEADY_TORCH, machine_busy=True, busy_reason=BUSY_REASON),
        record("tensorflow", 10.0, STEADY_TF),
        comparisons=[msgspec.to_builtins(stale)],
    )
    assert "speed_train_cnn" not in evidence_from_profile(document).metrics


def _recommend(tmp_path, document: RunDocument, answers: str = "domains: [vision]\n") -> dict:
    answers_path, run_path = tmp_path / "answers.yaml", tmp_path / "run.json"
    answers_path.write_text(answers)
    run_path.write_bytes(encode_run(document))
    result = run_cli("recommend", "--answers", str(answers_path), "--profile", str(run_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_clear_lead_fires_its_rule_and_quotes_the_interval(tmp_path):
    advice = _recommend(tmp_path, run(record("torch", 20.0, STEADY_TORCH), record("tensorflow", 10.0, STEADY_TF)))
    reasons = {r["rule"]: r["message"] for r in advice["reasons"]}
    message = reasons["measured-cnn-training-faster-in-pytorch"]
    low, high = (advice["profile"]["metrics"][f"speed_train_cnn_{end}"] for end in ("low", "high"))
    assert f"PyTorch ran 2.00x (95% interval {low:.2f}-{high:.2f})" in message
    assert "95% interval from the samples" in message and "spread under 10%" not in message


def test_a_lead_only_the_point_shows_does_not_fire(tmp_path):
    """The point ratio is 2.0 (past the 1.5 threshold), but its interval reaches below 1.5."""
    advice = _recommend(tmp_path, run(record("torch", 20.0, WANDERING_TORCH), record("tensorflow", 10.0, STEADY_TF)))
    metrics = advice["profile"]["metrics"]
    assert metrics["speed_train_cnn"] >= 1.5 > metrics["speed_train_cnn_low"]
    assert "measured-cnn-training-faster-in-pytorch" not in {r["rule"] for r in advice["reasons"]}


def test_a_tensorflow_lead_fires_on_the_high_end_only(tmp_path):
    clear = _recommend(tmp_path, run(record("torch", 10.0, STEADY_TF), record("tensorflow", 20.0, STEADY_TORCH)))
    message = {r["rule"]: r["message"] for r in clear["reasons"]}["measured-cnn-training-faster-in-tensorflow"]
    metrics = clear["profile"]["metrics"]
    low, high = 1 / metrics["speed_train_cnn_high"], 1 / metrics["speed_train_cnn_low"]
    assert f"TensorFlow ran 2.00x (95% interval {low:.2f}-{high:.2f})" in message

    # TensorFlow's steps wander: its lead is 2x at the point, but the interval reaches past 0.667.
    unclear = _recommend(tmp_path, run(record("torch", 10.0, STEADY_TF), record("tensorflow", 20.0, WANDERING_TORCH)))
    assert unclear["profile"]["metrics"]["speed_train_cnn_high"] > 0.667
    assert "measured-cnn-training-faster-in-tensorflow" not in {r["rule"] for r in unclear["reasons"]}


def test_a_busy_run_says_so_in_the_incomplete_caveat(tmp_path):
    advice = _recommend(
        tmp_path,
        run(
            record("torch", 20.0, STEADY_TORCH, machine_busy=True, busy_reason=BUSY_REASON),
            record("tensorflow", 10.0, STEADY_TF),
        ),
    )
    assert "measured-cnn-training-faster-in-pytorch" not in {r["rule"] for r in advice["reasons"]}
    caveat = {c["rule"]: c["message"] for c in advice["caveats"]}["measured-profile-incomplete"]
    assert "measured while other processes kept the machine busy (busy: 1)" in caveat
