"""Issue #12: a transformer block to train (train_transformer) and a compiled workload with something to
fuse (compiled_speedup: the block's MLP half), in both frameworks, checked against NumPy float64; its
speed ratio becomes evidence for nlp and llm answers.

The frameworks run in a subprocess per framework (this process imports neither), each running its
recipes through the real skeleton (recipes.skeleton.run_recipe) over the backend's own adapter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import msgspec
import numpy as np
import pytest

from conftest import REPO, record_data, run_cli
from fwadvisor.advisor.evidence import evidence_from_profile
from fwadvisor.bench import reference as ref
from fwadvisor.bench import reference_transformer as tref
from fwadvisor.profiler.documents import Record, RunDocument, encode_run
from fwadvisor.profiler.run_file import run_from_data

BUDGET_S = 0.05
TRAIN = {"batch": 4, "seq_len": 8, "width": 16, "heads": 2, "mlp": 32, "classes": 3}
BLOCK = {"batch": 2, "seq_len": 8, "width": 16, "mlp": 32}
# The GPU case the issue names: batch 32, sequence 512, width 1024, 16 heads (mlp 4x width).
GPU_TRAIN = {"batch": 32, "seq_len": 512, "width": 1024, "heads": 16, "mlp": 4096, "classes": 10}

# name -> (recipe, params, dtype, dtype rule, CHECK_FLOPS override or None)
JOBS: dict[str, tuple[str, dict[str, int], str, str, float | None]] = {
    "train": ("train_transformer", TRAIN, "fp32", "training", None),
    # bf16 mixed precision is a GPU case; the "math" rule (fp32 or bf16 on a CPU) lets the same recipe
    # run it here, so the model_precision + trainer(mixed=) path really runs in both frameworks.
    "train_bf16": ("train_transformer", TRAIN, "bf16", "math", None),
    # A large case checks its first samples only: a tiny budget for the float64 check makes this case
    # take that path (1 sample of 4), as the GPU case does.
    "train_subset": ("train_transformer", TRAIN, "fp32", "training", 1.0),
    "compiled": ("compiled_speedup", BLOCK, "fp32", "math", None),
    "compiled_bf16": ("compiled_speedup", BLOCK, "bf16", "math", None),
}
# torch.compile's cold compile takes ~10-25 s on a 2-core CPU: one compiled case for torch (fp32).
TORCH_JOBS = ("train", "train_bf16", "train_subset", "compiled")
TENSORFLOW_JOBS = tuple(JOBS)

WORKER = """
import json, sys
import msgspec
framework, jobs, budget_s = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3])
if framework == "torch":
    from fwadvisor.bench.backends import torch_backend as backend
else:
    from fwadvisor.bench.backends import tensorflow_backend as backend
backend.setup("cpu", 2)
from fwadvisor.bench import reference_transformer as tref
from fwadvisor.bench.recipes import transformer
from dataclasses import replace
from fwadvisor.bench.recipes.skeleton import run_recipe
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.catalog import CATALOG
results = {}
default_check_flops = tref.CHECK_FLOPS
for name, (recipe, params, dtype, rule, check_flops) in jobs.items():
    tref.CHECK_FLOPS = default_check_flops if check_flops is None else check_flops
    with backend._ADAPTER.case_scope():
        spec = replace(CATALOG[recipe], dtype_rule=rule)
        record = run_recipe(backend._ADAPTER, getattr(transformer, recipe), Case(recipe, params, dtype, budget_s), spec)
    results[name] = msgspec.to_builtins(record)
print("RESULTS " + json.dumps(results))
"""


def run_jobs(framework: str, names: tuple[str, ...]) -> dict[str, Record]:
    jobs = {name: JOBS[name] for name in names}
    done = subprocess.run(
        [sys.executable, "-c", WORKER, framework, json.dumps(jobs), str(BUDGET_S)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=240,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULTS ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    found = json.loads(lines[-1].removeprefix("RESULTS "))
    return {name: msgspec.convert(data, Record) for name, data in found.items()}


@pytest.fixture(scope="module")
def torch_records() -> dict[str, Record]:
    pytest.importorskip("torch")
    return run_jobs("torch", TORCH_JOBS)


@pytest.fixture(scope="module")
def tensorflow_records() -> dict[str, Record]:
    pytest.importorskip("tensorflow")
    return run_jobs("tensorflow", TENSORFLOW_JOBS)


@pytest.fixture(params=["torch", "tensorflow"])
def records(request: pytest.FixtureRequest) -> dict[str, Record]:
    return request.getfixturevalue(f"{request.param}_records")


# ---- the NumPy reference (no framework)


def test_reference_weights_and_outputs_have_the_documented_shapes() -> None:
    w = tref.transformer_weights(16, 2, 32, 3)
    assert w["query"].shape == w["attn_out"].shape == (16, 16) and w["query_b"].shape == (16,)
    assert w["mlp_up"].shape == (16, 32) and w["mlp_down"].shape == (32, 16) and w["head"].shape == (16, 3)
    assert all(array.dtype == np.float32 for array in w.values())
    assert set(tref.MLP_KEYS) <= set(w) and set(tref.mlp_block_weights(16, 32)) == set(tref.MLP_KEYS)
    x, labels = ref.synthetic_sequences(4, 8, 16, 3)
    assert tref.transformer_logits_ref(w, x, 2).shape == (4, 3)
    assert tref.mlp_block_ref(w, x).shape == (4, 8, 16)
    assert np.isfinite(tref.transformer_loss_ref(w, x, labels, 2))
    with pytest.raises(ValueError, match="does not split into 3 heads"):
        tref.transformer_weights(16, 3, 32, 3)


def _identity_attention(width: int) -> dict[str, np.ndarray]:
    eye, zero = np.eye(width, dtype=np.float32), np.zeros(width, np.float32)
    w: dict[str, np.ndarray] = {"ln1_gamma": np.ones(width, np.float32), "ln1_beta": zero}
    for name in ("query", "key", "value", "attn_out"):
        w[name], w[f"{name}_b"] = eye, zero
    return w


def test_attention_matches_a_case_worked_by_hand() -> None:
    """Width 2, one head, identity projections. LayerNorm maps [3, 1] to s[1, -1] and [0, 2] to s[-1, 1]
    (s = 1/sqrt(1 + eps)); each token scores itself 2s^2/sqrt(2) and the other -2s^2/sqrt(2), so token 1
    attends to itself with p = 1/(1 + exp(-2 sqrt(2) s^2)) and its output is (2p - 1) s [1, -1]."""
    w = _identity_attention(2)
    x = np.array([[[3.0, 1.0], [0.0, 2.0]]])
    normed = tref.layer_norm_ref(x, w["ln1_gamma"], w["ln1_beta"])
    s = 1 / np.sqrt(1 + tref.LN_EPSILON)
    assert np.allclose(normed, [[[s, -s], [-s, s]]])
    p = 1 / (1 + np.exp(-2 * np.sqrt(2) * s**2))
    expected = (2 * p - 1) * s * np.array([[[1.0, -1.0], [-1.0, 1.0]]])
    assert np.allclose(tref.attention_ref(w, normed, heads=1), expected, rtol=1e-12)


def test_heads_attend_separately() -> None:
    """Two heads of width 2 equal two one-head attentions over their own column slices, concatenated."""
    g = ref.rng(7)
    x = g.standard_normal((2, 5, 4))
    w = tref.transformer_weights(4, 2, 8, 3)
    both = tref.attention_ref({**w, "attn_out": np.eye(4), "attn_out_b": np.zeros(4)}, x, heads=2)
    for head in range(2):
        cols = slice(2 * head, 2 * head + 2)
        one = {name: w[name][:, cols] for name in ("query", "key", "value")}
        one.update({f"{name}_b": w[f"{name}_b"][cols] for name in ("query", "key", "value")})
        one.update({"attn_out": np.eye(2), "attn_out_b": np.zeros(2)})
        assert np.allclose(both[..., cols], tref.attention_ref(one, x, heads=1))


def test_gelu_and_layer_norm_take_the_conventions_both_frameworks_are_set_to() -> None:
    # GELU's tanh form at 1 and -1 (0.5 x (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3)))), and at 0.
    assert tref.gelu_tanh_ref(np.array([1.0, -1.0, 0.0])) == pytest.approx([0.8411920, -0.1588080, 0.0], abs=1e-7)
    row = np.array([1.0, 2.0, 3.0, 4.0])
    expected = (row - 2.5) / np.sqrt(1.25 + 1e-5)
    assert tref.layer_norm_ref(row, np.ones(4), np.zeros(4)) == pytest.approx(expected)


def test_flop_counts_follow_the_written_formula() -> None:
    assert tref.forward_flops(1, 1, 1, 1, 1) == 8 + 4 + 4 + 2
    b, t, d, f, c = 2, 3, 4, 5, 6
    assert (
        tref.forward_flops(b, t, d, f, c) == 8 * b * t * d * d + 4 * b * t * t * d + 4 * b * t * d * f + 2 * b * d * c
    )
    assert tref.train_flops(b, t, d, f, c) == 3 * tref.forward_flops(b, t, d, f, c)
    assert tref.mlp_block_flops(b, t, d, f) == 4 * b * t * d * f
    # The GPU case: about 1.34 TFLOP per training step.
    gpu = tref.train_flops(*(GPU_TRAIN[k] for k in ("batch", "seq_len", "width", "mlp", "classes")))
    assert 1.3e12 < gpu < 1.4e12


def test_a_small_case_checks_the_whole_batch_and_a_large_one_its_first_samples() -> None:
    assert tref.check_samples(*(TRAIN[k] for k in ("batch", "seq_len", "width", "mlp", "classes"))) == TRAIN["batch"]
    assert tref.check_samples(*(GPU_TRAIN[k] for k in ("batch", "seq_len", "width", "mlp", "classes"))) == 1
    assert tref.loss_fell(2.3, 0.4).ok
    assert not tref.loss_fell(2.3, 2.4).ok and not tref.loss_fell(2.3, float("nan")).ok


def test_the_recipes_import_no_framework() -> None:
    code = (
        "import sys; import fwadvisor.bench.recipes.transformer; "
        "print(','.join(m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == ""


# ---- both frameworks, real runs on the CPU


@pytest.mark.frameworks
def test_train_transformer_runs_checks_out_and_learns(records: dict[str, Record]) -> None:
    record = records["train"]
    assert record.correct is True, record.check
    assert record.check is not None and "first loss: max rel. error" in record.check and "NumPy float64" in record.check
    assert record.benchmark == "train_transformer" and record.params == TRAIN and record.device == "cpu"
    assert record.metric.name == "steps/s" and record.metric.value is not None and record.metric.value > 0
    extra: dict[str, Any] = record.extra  # free JSON: each value is read as the type it is
    assert extra["final_loss"] < extra["first_loss"] and extra["checked_samples"] == TRAIN["batch"]
    assert extra["tokens_per_s"] == pytest.approx(record.metric.value * TRAIN["batch"] * TRAIN["seq_len"])
    assert extra["flops_per_step"] == tref.train_flops(
        *(TRAIN[k] for k in ("batch", "seq_len", "width", "mlp", "classes"))
    )
    # A CPU figure never reads as a GPU one.
    assert extra["flop_rate_unit"] == "GFLOP/s"
    assert extra["flop_rate"] == pytest.approx(extra["flops_per_step"] * record.metric.value / 1e9)
    assert record.precision["dtype"] == "fp32" and record.precision["tf32_matmul"] is False


@pytest.mark.frameworks
def test_both_frameworks_train_the_same_function(torch_records: dict[str, Record], tensorflow_records) -> None:
    """Same NumPy weights and data: the first losses agree with each other and with float64 NumPy."""
    w = tref.transformer_weights(TRAIN["width"], TRAIN["heads"], TRAIN["mlp"], TRAIN["classes"])
    x, labels = ref.synthetic_sequences(TRAIN["batch"], TRAIN["seq_len"], TRAIN["width"], TRAIN["classes"])
    expected = tref.transformer_loss_ref(w, x, labels, TRAIN["heads"])
    losses = [records["train"].extra["first_loss"] for records in (torch_records, tensorflow_records)]
    assert losses == pytest.approx([expected, expected], rel=1e-5)


@pytest.mark.frameworks
def test_mixed_precision_training_runs_and_checks_out(torch_records, tensorflow_records) -> None:
    for framework, records in (("torch", torch_records), ("tensorflow", tensorflow_records)):
        record = records["train_bf16"]
        assert record.correct is True, record.check
        assert "limit 2e-02" in record.check  # the bf16 tolerance, not fp32's
        assert record.precision["dtype"] == "bf16"
        words = json.dumps(record.precision)
        assert ("autocast" in words) if framework == "torch" else ("mixed_bfloat16" in words), words


@pytest.mark.frameworks
def test_a_large_case_checks_its_first_samples_through_the_trainer(records: dict[str, Record]) -> None:
    record = records["train_subset"]
    assert record.correct is True, record.check
    assert (
        record.check is not None
        and "first loss on the first 1 of 4 samples" in record.check
        and record.extra["checked_samples"] == 1
    )
    assert "after the timed steps (lower)" in record.check


@pytest.mark.frameworks
@pytest.mark.parametrize("job", ["compiled", "compiled_bf16"])
def test_the_compiled_block_runs_and_matches_eager_and_numpy(torch_records, tensorflow_records, job: str) -> None:
    runs = [tensorflow_records] + ([torch_records] if job in TORCH_JOBS else [])
    for records in runs:
        record = records[job]
        assert record.correct is True, record.check
        assert "eager: max rel. error" in record.check and "compiled: max rel. error" in record.check
        assert record.benchmark == "compiled_speedup" and record.params == BLOCK
        assert record.metric.name == "x" and record.metric.value is not None and record.metric.value > 0
        extra = record.extra
        assert extra["compile_s"] == record.cold_s > 0
        assert record.metric.value == pytest.approx(extra["eager_median_s"] / extra["compiled_median_s"])
        assert extra["flops_per_call"] == tref.mlp_block_flops(
            *(BLOCK[k] for k in ("batch", "seq_len", "width", "mlp"))
        )
        assert "LayerNorm" in extra["workload"] and extra["compiled"]


# ---- evidence and rules (hand-made runs, the real CLI)

# Seconds per training step: PyTorch steady at 20 steps/s, TensorFlow at 10 (a 2x lead).
STEADY_FAST = [0.050, 0.0502, 0.0498, 0.0501, 0.0499, 0.0500, 0.0503, 0.0497]
STEADY_SLOW = [0.100, 0.1004, 0.0996, 0.1002, 0.0998, 0.1000, 0.1001, 0.0999]


def transformer_record(framework: str, samples: list[float]) -> dict[str, Any]:
    data = record_data(framework, 1 / sorted(samples)[len(samples) // 2], benchmark="train_transformer")
    data["metric"]["name"] = "steps/s"
    data["params"] = dict(TRAIN)
    data["samples_s"] = samples
    data["median_s"] = sorted(samples)[len(samples) // 2]
    return data


def transformer_run(torch_samples: list[float], tensorflow_samples: list[float]) -> RunDocument:
    return run_from_data(
        {
            "kind": "fwadvisor-profile",
            "schema_version": 2,
            "suite": {"name": "quick", "device": "cpu", "threads": 1},
            "workers": {"torch": {"status": "ok"}, "tensorflow": {"status": "ok"}},
            "results": [
                transformer_record("torch", torch_samples),
                transformer_record("tensorflow", tensorflow_samples),
            ],
        }
    )


def test_the_transformer_ratio_becomes_a_metric_with_its_interval() -> None:
    evidence = evidence_from_profile(transformer_run(STEADY_FAST, STEADY_SLOW))
    m = evidence.metrics
    assert m["speed_train_transformer"] == pytest.approx(2.0)
    assert 1.9 < m["speed_train_transformer_low"] < 2.0 < m["speed_train_transformer_high"] < 2.1
    assert (
        "train_transformer fp32: PyTorch 20 steps/s, TensorFlow 10 steps/s"
        in evidence.details["speed_train_transformer"]
    )


def _advice(tmp_path, document: RunDocument, domains: str) -> dict[str, Any]:
    answers, run_path = tmp_path / "answers.yaml", tmp_path / "run.json"
    answers.write_text(f"domains: [{domains}]\n")
    run_path.write_bytes(encode_run(document))
    result = run_cli("recommend", "--answers", str(answers), "--profile", str(run_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("domains", ["llm", "nlp"])
def test_a_clear_transformer_lead_counts_for_language_projects(tmp_path, domains: str) -> None:
    advice = _advice(tmp_path, transformer_run(STEADY_FAST, STEADY_SLOW), domains)
    message = {r["rule"]: r["message"] for r in advice["reasons"]}["measured-transformer-training-faster-in-pytorch"]
    metrics = advice["profile"]["metrics"]
    low, high = metrics["speed_train_transformer_low"], metrics["speed_train_transformer_high"]
    assert f"PyTorch ran 2.00x (95% interval {low:.2f}-{high:.2f})" in message and message.startswith("On cpu")

    lead = _advice(tmp_path, transformer_run(STEADY_SLOW, STEADY_FAST), domains)
    message = {r["rule"]: r["message"] for r in lead["reasons"]}["measured-transformer-training-faster-in-tensorflow"]
    assert "TensorFlow ran 2.00x (95% interval" in message


def test_a_transformer_lead_does_not_count_for_other_domains(tmp_path) -> None:
    advice = _advice(tmp_path, transformer_run(STEADY_FAST, STEADY_SLOW), "tabular")
    assert advice["profile"]["metrics"]["speed_train_transformer_low"] > 1.5
    assert not any(r["rule"].startswith("measured-transformer") for r in advice["reasons"])
