"""The transformer benchmarks in real workers: train_transformer runs, checks out and learns, both
frameworks train the same function, the compiled block matches eager and NumPy, mixed precision
checks out, and a large case checks its first samples.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import msgspec
import pytest
from transformer_helpers import TRAIN

from conftest import REPO
from fwadvisor.bench import reference as ref
from fwadvisor.bench import reference_transformer as tref
from fwadvisor.profiler.documents import Record

BUDGET_S = 0.05


BLOCK = {"batch": 2, "seq_len": 8, "width": 16, "mlp": 32}


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


def test_both_frameworks_train_the_same_function(torch_records: dict[str, Record], tensorflow_records) -> None:
    """Same NumPy weights and data: the first losses agree with each other and with float64 NumPy."""
    w = tref.transformer_weights(TRAIN["width"], TRAIN["heads"], TRAIN["mlp"], TRAIN["classes"])
    x, labels = ref.synthetic_sequences(TRAIN["batch"], TRAIN["seq_len"], TRAIN["width"], TRAIN["classes"])
    expected = tref.transformer_loss_ref(w, x, labels, TRAIN["heads"])
    losses = [records["train"].extra["first_loss"] for records in (torch_records, tensorflow_records)]
    assert losses == pytest.approx([expected, expected], rel=1e-5)


def test_mixed_precision_training_runs_and_checks_out(torch_records, tensorflow_records) -> None:
    for framework, records in (("torch", torch_records), ("tensorflow", tensorflow_records)):
        record = records["train_bf16"]
        assert record.correct is True, record.check
        assert "limit 2e-02" in record.check  # the bf16 tolerance, not fp32's
        assert record.precision["dtype"] == "bf16"
        words = json.dumps(record.precision)
        assert ("autocast" in words) if framework == "torch" else ("mixed_bfloat16" in words), words


def test_a_large_case_checks_its_first_samples_through_the_trainer(records: dict[str, Record]) -> None:
    record = records["train_subset"]
    assert record.correct is True, record.check
    assert (
        record.check is not None
        and "first loss on the first 1 of 4 samples" in record.check
        and record.extra["checked_samples"] == 1
    )
    assert "after the timed steps (lower)" in record.check


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
