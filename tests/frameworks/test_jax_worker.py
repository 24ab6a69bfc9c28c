"""The JAX worker for real on the CPU: every recipe through the worker protocol, the sync that closes a
timed block, the devices JAX has no path to, and the export reloaded in a fresh process.

Tiny shapes; one worker process runs every case (JAX's import and each compile cost seconds on a small
loaded CPU). Skips with the reason when jax is not installed (CI installs it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from conftest import REPO
from fwadvisor.profiler.documents import Record
from fwadvisor.profiler.protocol import Hello, Result, decode_message

pytest.importorskip("jax", reason="jax is not installed: pip install 'fwadvisor[jax]'")
pytest.importorskip("flax", reason="flax is not installed: pip install 'fwadvisor[jax]'")
pytest.importorskip("optax", reason="optax is not installed: pip install 'fwadvisor[jax]'")

WORKER = """
import os, sys
from fwadvisor.bench import worker
code = worker.main(sys.argv[1:])
sys.stdout.flush()
os._exit(code)
"""
BUDGET = 0.02
CASES: list[dict[str, Any]] = [
    {"benchmark": "matmul", "params": {"m": 32, "n": 24, "k": 16}},
    {
        "benchmark": "conv2d",
        "params": {"batch": 1, "height": 6, "width": 6, "channels_in": 2, "channels_out": 3, "kernel": 2},
    },
    {"benchmark": "bandwidth", "params": {"megabytes": 1}},
    {"benchmark": "eager_overhead", "params": {"ops": 5, "size": 8}},
    {"benchmark": "compiled_speedup", "params": {"batch": 1, "seq_len": 4, "width": 8, "mlp": 16}},
    {"benchmark": "train_cnn", "params": {"batch": 4, "image": 4, "channels": 1, "classes": 3}},
    {"benchmark": "train_rnn", "params": {"batch": 4, "seq_len": 3, "features": 2, "hidden": 4, "classes": 3}},
    {
        "benchmark": "train_transformer",
        "params": {"batch": 2, "seq_len": 4, "width": 8, "heads": 2, "mlp": 16, "classes": 3},
    },
    {"benchmark": "practice_cnn", "params": {"epochs": 2, "batch": 64, "test_percent": 25, "seed": 7}},
    {"benchmark": "export_roundtrip", "params": {"batch": 8}},
]


@pytest.fixture(scope="module")
def jax_run() -> tuple[Hello, list[Record]]:
    cases = [{**case, "dtype": "fp32", "budget_s": BUDGET} for case in CASES]
    result = subprocess.run(
        [sys.executable, "-c", WORKER, "--framework", "jax", "--device", "cpu", "--threads", "1"],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env=dict(os.environ),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    messages = [decode_message(line.encode()) for line in result.stdout.splitlines() if line.strip()]
    hellos = [m for m in messages if isinstance(m, Hello)]
    assert len(hellos) == 1, result.stdout[-2000:]
    return hellos[0], [m.record for m in messages if isinstance(m, Result)]


def test_the_worker_says_hello_as_jax_on_one_cpu_thread(jax_run: tuple[Hello, list[Record]]) -> None:
    hello, _ = jax_run
    assert (hello.framework, hello.device, hello.threads) == ("jax", "cpu", 1)
    assert hello.build is not None and hello.build["build"] == "cpu"


@pytest.mark.parametrize("benchmark", [case["benchmark"] for case in CASES])
def test_every_recipe_runs_in_jax_and_checks_out(jax_run: tuple[Hello, list[Record]], benchmark: str) -> None:
    records = {r.benchmark: r for r in jax_run[1]}
    record = records[benchmark]
    assert record.error is None, record.error
    assert record.correct is True, record.check
    assert record.framework == "jax" and record.threads == 1
    assert record.metric.value is not None and record.metric.value > 0
    # fp32 means fp32: the precision in force is said, and 64-bit stays off.
    assert record.precision["matmul_precision"] == "highest" and record.precision["x64"] is False
    assert record.precision["tf32_matmul"] is False


@pytest.mark.parametrize("benchmark", ["matmul", "conv2d", "bandwidth", "compiled_speedup", "train_cnn"])
def test_compile_time_is_measured_apart(jax_run: tuple[Hello, list[Record]], benchmark: str) -> None:
    record = {r.benchmark: r for r in jax_run[1]}[benchmark]
    extra: dict[str, Any] = record.extra
    assert extra["compile_s"] > 0
    assert extra["compilation_cache"] == "off"  # every compile_s is a real compile here
    assert extra["autotuning"]
    assert record.median_s is not None and record.median_s < extra["compile_s"]


def test_eager_overhead_runs_op_by_op(jax_run: tuple[Hello, list[Record]]) -> None:
    record = {r.benchmark: r for r in jax_run[1]}["eager_overhead"]
    assert record.extra["mode"] == "op-by-op"


def test_the_export_is_reloaded_in_a_fresh_process(jax_run: tuple[Hello, list[Record]]) -> None:
    record = {r.benchmark: r for r in jax_run[1]}["export_roundtrip"]
    extra: dict[str, Any] = record.extra
    assert record.correct is True, record.check
    assert extra["format"] == "jax.export (serialized StableHLO)"
    assert extra["import_s"] > 0 and extra["load_s"] > 0 and extra["artifact_bytes"] > 0
    assert extra["model"] == "the CNN practice_cnn trained earlier in this worker"


# ---- in this process: the adapter itself


@pytest.fixture(scope="module")
def adapter() -> Any:
    from fwadvisor.bench.backends import jax_backend

    jax_backend.setup("cpu", None)
    return jax_backend.adapter()


def test_every_timed_call_returns_only_once_its_output_is_computed(adapter: Any) -> None:
    """JAX returns before the work is done: a timed call that did not block would be timed too short."""
    import jax

    a, b = adapter.random_normal([(768, 768), (768, 768)], "fp32")
    kernel = adapter.matmul_kernel(a, b)
    raw = jax.jit(lambda x, y: x @ y).lower(a, b).compile()
    jax.block_until_ready(raw(a, b))
    unblocked = [raw(a, b) for _ in range(3)]
    if all(out.is_ready() for out in unblocked):
        pytest.skip("this JAX ran the matmuls synchronously (no asynchronous dispatch to test)")
    jax.block_until_ready(unblocked)
    # The same work through the timed call: each output is ready the moment the call returns.
    assert all(kernel.call().is_ready() for _ in range(3))


def test_apple_and_intel_gpus_are_not_supported_here_with_a_dated_reason() -> None:
    from fwadvisor.bench.backends import NotSupportedHere, jax_backend

    for device, words in (("mps", "jax-metal"), ("xpu", "Intel Extension for OpenXLA")):
        with pytest.raises(NotSupportedHere) as raised:
            jax_backend.setup(device, None)
        reason = str(raised.value)
        assert words in reason and "CPU only" in reason and "20" in reason, reason


def test_fp16_loss_scaling_skips_a_step_with_infinite_gradients_and_halves_the_scale() -> None:
    import jax.numpy as jnp
    import optax

    from fwadvisor.bench.backends.jax_training import SCALE_START, _scaled_update

    optimizer = optax.sgd(0.1)
    params = {"w": jnp.float32(1.0)}
    state = (optimizer.init(params), jnp.float32(SCALE_START), jnp.int32(5))
    # d/dw of w * 1e36 * scale overflows float32: the step is skipped, the scale halves, the streak restarts.
    skipped, (_, scale, good), _ = _scaled_update(lambda p: p["w"] * 1e36, optimizer, params, state)
    assert float(skipped["w"]) == 1.0 and float(scale) == SCALE_START / 2 and int(good) == 0
    # A finite step is applied (w - 0.1 * 2, the gradient unscaled) and extends the streak.
    stepped, (_, scale, good), loss = _scaled_update(lambda p: p["w"] * 2.0, optimizer, params, state)
    assert abs(float(stepped["w"]) - 0.8) < 1e-6 and float(scale) == SCALE_START and int(good) == 6
    assert abs(float(loss) - 2.0) < 1e-6
