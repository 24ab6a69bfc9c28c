"""Issue 23: the advice reads JAX's numbers (pairwise, with intervals, conservatively) and names JAX as
the alternative with them, never as the verdict; a framework with no path to the run's device is a
result the rules read, never a failure. Hand-made runs, no framework imported."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, record_data, run_cli
from fwadvisor.advisor.engine import recommend
from fwadvisor.advisor.evidence import evidence_from_profile
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.metrics import KNOWN_METRICS, SPEED_BENCHMARKS
from fwadvisor.frameworks import VERDICT
from fwadvisor.profiler.catalog import SPEED_METRIC_BENCHMARKS
from fwadvisor.profiler.documents import Record, RunDocument, encode_run
from fwadvisor.profiler.run_file import load_run, run_from_data

RULES = load_rules(include_user=False)
# Seconds per training step, steady: JAX at 40 steps/s, PyTorch at 20, TensorFlow at 10.
JAX_STEPS = [0.0250, 0.0251, 0.0249, 0.02505, 0.02495, 0.0250, 0.02502, 0.02498]
TORCH_STEPS = [t * 2 for t in JAX_STEPS]
TF_STEPS = [t * 4 for t in JAX_STEPS]
TRANSFORMER_ALTERNATIVE = "measured-jax-trained-transformer-faster"


def record(framework: str, value: float, samples: list[float], benchmark: str = "train_transformer", **extra) -> dict:
    data = record_data(framework, value, benchmark=benchmark)
    data["metric"]["name"] = "steps/s"
    data["samples_s"] = samples
    data["median_s"] = sorted(samples)[len(samples) // 2]
    return {**data, **extra}


def three(benchmark: str = "train_transformer", **jax_extra) -> list[dict]:
    return [
        record("torch", 20.0, TORCH_STEPS, benchmark),
        record("tensorflow", 10.0, TF_STEPS, benchmark),
        record("jax", 40.0, JAX_STEPS, benchmark, **jax_extra),
    ]


def run(records: list[dict], device: str = "cpu", workers: dict | None = None) -> RunDocument:
    return run_from_data(
        {
            "kind": "fwadvisor-profile",
            "schema_version": 2,
            "suite": {"name": "quick", "device": device, "threads": 1},
            "workers": workers or {"torch": {"status": "ok"}, "tensorflow": {"status": "ok"}, "jax": {"status": "ok"}},
            "results": records,
        }
    )


def test_the_jax_metrics_cover_every_speed_benchmark():
    assert SPEED_BENCHMARKS == SPEED_METRIC_BENCHMARKS
    for other in ("torch", "tensorflow"):
        assert all(f"jax_over_{other}_{b}_low" in KNOWN_METRICS for b in SPEED_METRIC_BENCHMARKS)


def test_jax_ratios_are_pairwise_with_intervals_and_said_in_the_leaders_direction():
    evidence = evidence_from_profile(run(three()))
    m = evidence.metrics
    assert m["jax_over_torch_train_transformer"] == pytest.approx(2.0)
    assert m["jax_over_tensorflow_train_transformer"] == pytest.approx(4.0)
    assert 1.9 < m["jax_over_torch_train_transformer_low"] < 2.0 < m["jax_over_torch_train_transformer_high"] < 2.1
    # The PyTorch-TensorFlow ratio is untouched by a third framework.
    assert m["speed_train_transformer"] == pytest.approx(2.0)
    assert m["jax_usable_measurements"] == 1
    words = evidence.texts["jax_measured_words"]
    assert "on train_transformer, JAX ran 2.00x as fast as PyTorch (95% interval" in words
    assert "and 4.00x as fast as TensorFlow (95% interval" in words
    assert "cpu" in words


def test_a_jax_lead_names_jax_as_the_alternative_with_its_numbers_never_as_the_verdict():
    evidence = evidence_from_profile(run(three()))
    advice = recommend({"domains": ["llm"]}, RULES, evidence=evidence)
    assert advice.recommendation in (*(fw.advisor_id for fw in VERDICT), "either")
    alternative = next(a for a in advice.alternatives if a.rule == TRANSFORMER_ALTERNATIVE)
    low = evidence.metrics["jax_over_torch_train_transformer_low"]
    assert f"JAX ran 2.00x (95% interval {low:.2f}-" in alternative.message
    assert "This was a CPU run" in alternative.message  # CPU runs are said to be CPU runs
    assert "{" not in alternative.message
    assert advice.profile is not None
    assert TRANSFORMER_ALTERNATIVE in [t.rule for t in advice.profile.triggered]


def test_a_gpu_run_does_not_carry_the_cpu_caution():
    evidence = evidence_from_profile(run(three(), device="cuda"))
    advice = recommend({"domains": ["llm"]}, RULES, evidence=evidence)
    alternative = next(a for a in advice.alternatives if a.rule == TRANSFORMER_ALTERNATIVE)
    assert "CPU run" not in alternative.message and alternative.message.endswith("worth its cost.")


@pytest.mark.parametrize(
    ("jax_extra", "why"),
    [
        ({"machine_busy": True, "busy_reason": "other processes used 180% CPU"}, "busy"),
        ({"rel_spread": 0.4, "wide_spread": True}, "spread"),
        ({"correct": False, "check": "max abs error 3.0"}, "reference"),
    ],
)
def test_a_busy_unsteady_or_wrong_jax_number_backs_nothing(jax_extra, why):
    evidence = evidence_from_profile(run(three(**jax_extra)))
    assert not [name for name in evidence.metrics if name.startswith("jax_over_")]
    assert "jax_measured_words" not in evidence.texts
    jax = next(c for c in evidence.considered if c.framework == "jax")
    assert not jax.used and why in (jax.why_not or "")
    advice = recommend({"domains": ["llm"]}, RULES, evidence=evidence)
    assert TRANSFORMER_ALTERNATIVE not in [a.rule for a in advice.alternatives]


def test_a_jax_lead_within_the_noise_is_said_so_and_names_nothing():
    wandering = [0.015, 0.040, 0.025, 0.018, 0.037, 0.025, 0.020, 0.035]
    records = [record("torch", 38.0, [t * 1.05 for t in JAX_STEPS]), record("jax", 40.0, wandering)]
    evidence = evidence_from_profile(run(records))
    assert "within the noise" in evidence.texts["jax_measured_words"]
    assert "jax_over_tensorflow_train_transformer" not in evidence.metrics  # TensorFlow did not run it
    advice = recommend({"domains": ["llm"]}, RULES, evidence=evidence)
    assert TRANSFORMER_ALTERNATIVE not in [a.rule for a in advice.alternatives]


def maxtext_message(evidence=None) -> str:
    advice = recommend({"accelerators": ["google_tpu"]}, RULES, evidence=evidence)
    return next(a.message for a in advice.alternatives if a.rule == "jax-maxtext-tpu-and-large-scale")


def test_the_jax_alternative_cites_the_run_when_it_has_jax_numbers_and_only_then():
    without = maxtext_message()
    assert "profile run" not in without and "{" not in without
    evidence = evidence_from_profile(run(three()))
    cited = maxtext_message(evidence)
    assert cited.startswith(without)
    assert evidence.texts["jax_measured_words"] in cited and "This was a CPU run" in cited
    # No JAX in the run: the rule's own words, no placeholder left.
    assert maxtext_message(evidence_from_profile(run(three()[:2]))) == without


def test_tensorflow_not_supported_on_an_apple_gpu_is_a_result_the_advice_reads():
    reason = "TensorFlow has no maintained GPU path on Apple silicon: tensorflow-metal stopped at 1.2.0"
    workers = {
        "torch": {"status": "ok"},
        "tensorflow": {"status": "not_supported", "error": reason},
        "jax": {"status": "not_supported", "error": "JAX has no supported path to mps here"},
    }
    document = run([record("torch", 20.0, TORCH_STEPS, "train_cnn")], device="mps", workers=workers)
    evidence = evidence_from_profile(document)
    m = evidence.metrics
    assert m["measured_on_gpu"] == 1 and m["measured_on_apple_gpu"] == 1 and m["torch_gpu_usable"] == 1
    assert m["tensorflow_not_supported"] == 1 and m["jax_not_supported"] == 1
    assert "tensorflow_gpu_usable" not in m  # not the no_gpu rule: a different fact
    assert m["profile_complete"] == 1  # not supported is no failure and no gap
    assert evidence.details["tensorflow_not_supported"] == reason
    advice = recommend({}, RULES, evidence=evidence)
    reason_rules = [r.rule for r in advice.reasons]
    assert "measured-tensorflow-not-supported-apple-gpu" in reason_rules
    assert "measured-tensorflow-cannot-use-gpu" not in reason_rules
    message = next(r.message for r in advice.reasons if r.rule == "measured-tensorflow-not-supported-apple-gpu")
    assert "an Apple-silicon GPU (MPS)" in message and "1.2.0 (2025-01-31)" in message
    assert "measured-jax-not-supported-here" in [c.rule for c in advice.caveats]


def test_recommend_reads_a_three_framework_run_file(tmp_path):
    path = tmp_path / "run.json"
    path.write_bytes(encode_run(run(three())))
    answers = tmp_path / "answers.yaml"
    answers.write_text("domains: [llm]\n", encoding="utf-8")
    result = run_cli("recommend", "--answers", str(answers), "--profile", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    advice = json.loads(result.stdout)
    assert advice["recommendation"] in ("pytorch", "tensorflow", "either")
    assert TRANSFORMER_ALTERNATIVE in [a["rule"] for a in advice["alternatives"]]
    assert advice["profile"]["metrics"]["jax_over_tensorflow_train_transformer"] == pytest.approx(4.0)


def test_a_real_three_framework_run_backs_exactly_the_pairs_whose_records_both_count():
    # Part 1's real tiny run on this (shared, loaded) CPU: whatever it holds, a JAX ratio exists
    # exactly where both records are usable, and every number left out says why.
    document = load_run(FIXTURES / "runs" / "real-tiny-cpu-3fw.json")
    assert {r.framework for r in document.results} == {"torch", "tensorflow", "jax"}
    evidence = evidence_from_profile(document)
    used = {(c.benchmark, c.framework) for c in evidence.considered if c.used}
    for other in ("torch", "tensorflow"):
        for benchmark in SPEED_METRIC_BENCHMARKS:
            both = (benchmark, "jax") in used and (benchmark, other) in used
            assert (f"jax_over_{other}_{benchmark}" in evidence.metrics) == both
    assert all(c.why_not for c in evidence.considered if not c.used)
    advice = recommend({"accelerators": ["google_tpu"], "domains": ["llm"]}, RULES, evidence=evidence)
    assert all("{" not in a.message for a in advice.alternatives)


@pytest.mark.skipif(
    "unsupported" not in Record.__struct_fields__, reason="Record.unsupported comes with Part 4 of issue 23"
)
def test_unsupported_records_are_neither_evidence_nor_a_gap():
    reason = "TensorFlow has no maintained GPU path on Intel GPUs"
    unsupported = record_data("tensorflow", None, benchmark="train_cnn")
    unsupported.update(unsupported=reason, samples_s=[], median_s=None, check=None, correct=None)
    unsupported["metric"]["name"] = "steps/s"
    workers = {"torch": {"status": "ok"}, "tensorflow": {"status": "not_supported", "error": reason}}
    torch = record("torch", 20.0, TORCH_STEPS, "train_cnn")
    evidence = evidence_from_profile(run([torch, unsupported], "xpu", workers))
    m = evidence.metrics
    assert m["tensorflow_not_supported"] == 1 and m["measured_on_intel_gpu"] == 1
    assert m["total_measurements"] == 1 and m["profile_complete"] == 1
    tensorflow = next(c for c in evidence.considered if c.framework == "tensorflow")
    assert not tensorflow.used and tensorflow.why_not == f"not supported here: {reason}"
    advice = recommend({"accelerators": ["intel_gpu"]}, RULES, evidence=evidence)
    assert "measured-tensorflow-not-supported-intel-gpu" in [r.rule for r in advice.reasons]
    assert "measured-profile-incomplete" not in [c.rule for c in advice.caveats]


@pytest.mark.parametrize(
    ("device", "vendor", "words"),
    [
        ("cpu", None, "the CPU"),
        ("cuda", None, "an NVIDIA GPU (CUDA)"),
        ("rocm", "measured_on_amd_gpu", "an AMD GPU (ROCm)"),
        ("mps", "measured_on_apple_gpu", "an Apple-silicon GPU (MPS)"),
        ("xpu", "measured_on_intel_gpu", "an Intel GPU (XPU)"),
    ],
)
def test_each_device_id_is_labelled_for_the_rules(device, vendor, words):
    evidence = evidence_from_profile(run(three(), device=device))
    vendors = {name for name in evidence.metrics if name.startswith("measured_on_") and name != "measured_on_gpu"}
    assert vendors == ({vendor} if vendor else set())
    assert evidence.metrics["measured_on_gpu"] == (0 if device == "cpu" else 1)
    assert evidence.texts["gpu_words"] == words
    assert bool(evidence.texts["device_caution"]) == (device == "cpu")
