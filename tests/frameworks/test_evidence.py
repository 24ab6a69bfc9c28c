"""Measurements that move the advice: metrics from a real run, rules on them, the CLI's --profile."""

from __future__ import annotations

import copy
import json

import pytest

from conftest import FIXTURES, run_cli
from fwadvisor.advisor.engine import recommend
from fwadvisor.advisor.evidence import evidence_from_profile
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.questionnaire import Answers
from fwadvisor.profiler.documents import Metric, WorkerSummary, encode_run

RULES = load_rules(include_user=False)
TINY = str(FIXTURES / "suites" / "tiny.yaml")


@pytest.fixture(scope="module")
def real_run(tmp_path_factory, real_quick_run):
    document = real_quick_run  # the session's one real run (tests/conftest.py)
    path = tmp_path_factory.mktemp("run") / "run.json"
    path.write_bytes(encode_run(document))
    return document, path


def _steady(document):
    """The same run with every spread narrow and no record busy, so each number counts (a noisy or
    busy CI box varies): its samples narrow too, since a rule now tests the conservative end of each
    ratio's 95% interval."""
    doc = copy.deepcopy(document)
    for record in doc.results:
        record.wide_spread = record.machine_busy = record.unsteady = False
        record.busy_reason = None
        if record.median_s:
            record.samples_s = [record.median_s * (1 + step / 1000) for step in (-2, -1, 0, 1, 2)]
    return doc


def test_metrics_come_only_from_usable_numbers(real_run):
    document, path = real_run
    evidence = evidence_from_profile(_steady(document), path)
    m = evidence.metrics
    assert m["measured_on_gpu"] == 0 and m["profile_complete"] == 1
    assert m["total_measurements"] == m["usable_measurements"] == 6
    assert m["speed_matmul"] > 0 and m["speed_train_cnn"] > 0 and m["eager_overhead_ratio"] > 0
    assert "PyTorch" in evidence.details["speed_train_cnn"]
    assert evidence.device.startswith("cpu (")

    wrong = _steady(document)
    next(r for r in wrong.results if r.benchmark == "train_cnn").correct = False
    evidence = evidence_from_profile(wrong, path)
    assert "speed_train_cnn" not in evidence.metrics  # a result that did not check out never counts
    assert evidence.metrics["profile_complete"] == 0
    left_out = [c for c in evidence.considered if not c.used]
    assert left_out and left_out[0].why_not == "did not match its reference"


def test_a_rule_quotes_the_number_and_the_device(real_run):
    document, path = real_run
    doc = _steady(document)
    # Make the measured CNN gap large and clear, as it would be on a machine where it is.
    tf_cnn = next(r for r in doc.results if r.benchmark == "train_cnn" and r.framework == "tensorflow")
    for record in doc.results:
        if record.benchmark == "train_cnn" and record.framework == "torch":
            record.metric = Metric(record.metric.name, 2.5 * tf_cnn.metric.value)
    evidence = evidence_from_profile(doc, path)
    rec = recommend(
        {"domains": ["vision"], "primary_goal": "research", "accelerators": ["cpu_only"]}, RULES, evidence=evidence
    )
    reason = next(r for r in rec.reasons if r.rule == "measured-cnn-training-faster-in-pytorch")
    assert "2.50x" in reason.message and "On cpu (" in reason.message and "1 thread)" in reason.message
    assert reason.area == "performance" and reason.weight <= 3
    assert rec.profile is not None and rec.profile.device.startswith("cpu (")
    assert {t.rule for t in rec.profile.triggered} >= {"measured-cnn-training-faster-in-pytorch"}
    assert any(c.benchmark == "train_cnn" for c in rec.profile.considered)


def test_gpu_the_framework_cannot_use(real_run):
    document, path = real_run
    doc = _steady(document)
    doc.suite.device = "cuda"
    doc.workers["tensorflow"] = WorkerSummary(status="no_gpu", error="TensorFlow sees no GPU", hint=None)
    evidence = evidence_from_profile(doc, path)
    assert evidence.metrics["tensorflow_gpu_usable"] == 0 and evidence.metrics["torch_gpu_usable"] == 1
    rec = recommend({"accelerators": ["nvidia_gpu"]}, RULES, evidence=evidence)
    assert "measured-tensorflow-cannot-use-gpu" in {r.rule for r in rec.reasons}


def test_cpu_numbers_for_a_gpu_project_come_with_a_caveat_and_an_incomplete_run_says_so(real_run):
    document, path = real_run
    doc = copy.deepcopy(document)
    doc.cancelled = True
    rec = recommend({"accelerators": ["nvidia_gpu"]}, RULES, evidence=evidence_from_profile(doc, path))
    caveats = {c.rule: c.message for c in rec.caveats}
    assert "measured-on-cpu-but-project-uses-accelerators" in caveats
    assert "measured-profile-incomplete" in caveats
    assert "measurements of the profile run are usable" in caveats["measured-profile-incomplete"]


def test_measurements_weigh_less_than_hard_facts(real_run):
    document, path = real_run
    doc = _steady(document)
    for record in doc.results:  # TensorFlow 3x faster on the CNN ...
        if record.benchmark == "train_cnn" and record.framework == "tensorflow":
            record.metric = Metric(record.metric.name, record.metric.value * 10)
    evidence = evidence_from_profile(doc, path)
    answers: Answers = {"domains": ["vision", "llm"], "model_sources": ["huggingface"], "existing_codebase": "pytorch"}
    assert recommend(answers, RULES, evidence=evidence).recommendation == "pytorch"  # ... facts still win


def test_cli_recommend_with_profile_json_names_the_run(real_run, tmp_path):
    _, path = real_run
    result = run_cli(
        "recommend",
        "--answers",
        str(FIXTURES / "answers" / "good_research_lab.yaml"),
        "--profile",
        str(path),
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    profile = doc["profile"]
    assert profile["path"] == str(path) and profile["device"].startswith("cpu") and profile["created"]
    assert profile["considered"] and "metrics" in profile and "triggered" in profile


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"primary_goal": "research"}', "not a profile document"),
        ('{"kind": "fwadvisor-profile", "schema_version": 7, "results": []}', "newer than this fwadvisor reads"),
        ('{"kind": "fwadvisor-profile", "schema_version": 1, "results": [{"benchm', "truncated"),
    ],
)
def test_cli_refuses_a_bad_profile_file(tmp_path, content, message):
    bad = tmp_path / "run.json"
    bad.write_text(content)
    result = run_cli(
        "recommend", "--answers", str(FIXTURES / "answers" / "good_research_lab.yaml"), "--profile", str(bad)
    )
    assert result.returncode == 2
    assert message in result.stderr and str(bad) in result.stderr
    assert result.stdout == ""


def test_the_app_skips_a_bad_last_run_and_says_why(tmp_path):
    from fwadvisor.profiler.run_file import run_from_data
    from fwadvisor.tui.state import AdvisorState

    older = run_from_data(
        {
            "kind": "fwadvisor-profile",
            "schema_version": 1,
            "created": "2026-01-01T00:00:00+00:00",
            "suite": {"name": "quick", "device": "cpu", "threads": 1},
            "workers": {"torch": {"status": "ok"}},
            "results": [{"benchmark": "matmul", "framework": "torch", "metric": {"name": "GFLOP/s", "value": 5.0}}],
        }
    )
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "profile-20260101T000000Z-quick.json").write_bytes(encode_run(older))
    newest = runs / "profile-20260102T000000Z-quick.json"
    newest.write_text('{"kind": "fwadvisor-profile", "schema_version": 1, "results": [{"median_s": NaN')
    state = AdvisorState.create({"accelerators": ["cpu_only"]}, None, runs_folder=runs)
    assert state.profile_document == older and state.profile_path == runs / "profile-20260101T000000Z-quick.json"
    notice = state.profile_notice()
    assert notice is not None and newest.name in notice and "NaN" in notice
    assert "using profile-20260101T000000Z-quick.json" in notice
    assert state.recommendation().profile is not None  # the advice uses the older run

    (runs / "profile-20260101T000000Z-quick.json").unlink()
    state = AdvisorState.create({}, None, runs_folder=runs)
    assert state.profile_document is None and state.recommendation().profile is None
    assert "no earlier run is used" in (state.profile_notice() or "")
