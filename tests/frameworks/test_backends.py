"""The framework backends really run: every CPU benchmark, tiny shapes, both frameworks.

The test process imports torch and TensorFlow directly (only the product's parent process must not).
Each benchmark's record must be complete, positive, checked correct against NumPy float64, and labelled
as a CPU number; the checks themselves must catch wrong results.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import msgspec
import numpy as np
import pytest

from fwadvisor.bench import reference as ref
from fwadvisor.bench.backends import NoGPUError
from fwadvisor.profiler.documents import Record
from fwadvisor.profiler.protocol import Hello, Probe

BUDGET_S = 0.05
THREADS = 2

# Tiny cases: every CPU benchmark once (the copies are GPU-only; compiled_speedup is in test_transformer.py).
CASES: list[tuple[str, dict[str, int], str]] = [
    ("matmul", {"m": 64, "n": 48, "k": 32}, "fp32"),
    ("matmul", {"m": 64, "n": 64, "k": 64}, "bf16"),
    ("conv2d", {"batch": 2, "height": 8, "width": 8, "channels_in": 4, "channels_out": 8, "kernel": 3}, "fp32"),
    ("conv2d", {"batch": 1, "height": 6, "width": 5, "channels_in": 3, "channels_out": 4, "kernel": 2}, "bf16"),
    ("bandwidth", {"megabytes": 1}, "fp32"),
    ("eager_overhead", {"ops": 10, "size": 8}, "fp32"),
    ("train_cnn", {"batch": 4, "image": 8, "channels": 3, "classes": 3}, "fp32"),
    ("train_rnn", {"batch": 4, "seq_len": 5, "features": 3, "hidden": 8, "classes": 3}, "fp32"),
    ("train_transformer", {"batch": 2, "seq_len": 4, "width": 8, "heads": 2, "mlp": 16, "classes": 3}, "fp32"),
]
METRICS = {
    "matmul": "GFLOP/s",
    "conv2d": "GFLOP/s",
    "bandwidth": "GB/s",
    "eager_overhead": "us/op",
    "train_cnn": "steps/s",
    "train_rnn": "steps/s",
    "train_transformer": "steps/s",
}
RECORD_FIELDS = {
    "benchmark",
    "framework",
    "framework_version",
    "device",
    "dtype",
    "params",
    "threads",
    "precision",
    "repeats",
    "median_s",
    "spread_s",
    "metric",
    "percent_of_peak",
    "correct",
    "check",
    "error",
    "cold_s",
    "extra",
}


@pytest.fixture(scope="module")
def torch_backend() -> Any:
    pytest.importorskip("torch")
    from fwadvisor.bench.backends import torch_backend as backend

    info = backend.setup("cpu", THREADS)
    assert isinstance(info, Hello) and info.device == "cpu" and info.threads == THREADS
    assert info.gpu_properties is None
    return backend


@pytest.fixture(scope="module")
def tf_backend() -> Any:
    pytest.importorskip("tensorflow")
    from fwadvisor.bench.backends import tensorflow_backend as backend

    info = backend.setup("cpu", THREADS)
    assert isinstance(info, Hello) and info.device == "cpu" and info.threads == THREADS
    assert info.gpu_properties is None
    return backend


@pytest.fixture(params=["torch", "tensorflow"])
def backend(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("torch_backend" if request.param == "torch" else "tf_backend")


def assert_good_record(record: Record, benchmark: str, framework: str, dtype: str) -> None:
    assert isinstance(record, Record)
    fields = set(msgspec.structs.asdict(record))
    assert fields >= RECORD_FIELDS, RECORD_FIELDS - fields
    assert record.benchmark == benchmark and record.framework == framework
    assert record.device == "cpu" and record.dtype == dtype and record.threads == THREADS
    assert record.correct is True, record.check
    assert record.error is None and record.check
    assert record.metric.name == METRICS[benchmark]
    assert record.metric.value is not None and record.metric.value > 0 and np.isfinite(record.metric.value)
    assert record.repeats >= 3 and record.median_s is not None and record.median_s > 0
    assert record.cold_s is not None and record.cold_s > 0
    assert record.repeats == len(record.samples_s) * record.calls_per_sample
    precision = record.precision
    assert precision["dtype"] == dtype
    # fp32 means fp32: TF32 is set off explicitly in both frameworks (TensorFlow's default is on).
    assert precision["tf32_matmul"] is False and precision["tf32_conv"] is False


@pytest.mark.parametrize(("benchmark", "params", "dtype"), CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_every_cpu_benchmark_runs_and_checks_out(
    backend: Any, benchmark: str, params: dict[str, int], dtype: str
) -> None:
    record = backend.run_benchmark(benchmark, params, dtype, BUDGET_S)
    assert_good_record(record, benchmark, backend.FRAMEWORK, dtype)
    assert record.params == params
    if benchmark == "conv2d":
        assert record.extra["layout"].startswith("NCHW" if backend.FRAMEWORK == "torch" else "NHWC")
    if benchmark == "bandwidth":
        # 1 MB fits in any last-level cache: the record must not claim otherwise.
        assert "larger than the last-level cache" not in record.extra["cache"]
    if benchmark.startswith("train_"):
        assert record.extra["mode"] == ("eager" if backend.FRAMEWORK == "torch" else "tf.function")
        assert record.extra["final_loss"] < record.extra["first_loss"]


@pytest.mark.parametrize("benchmark", ["train_cnn", "train_rnn"])
def test_both_frameworks_compute_the_same_function(torch_backend: Any, tf_backend: Any, benchmark: str) -> None:
    """Same weights, same data: the first loss agrees between frameworks (and with NumPy)."""
    params = dict(next(c[1] for c in CASES if c[0] == benchmark))
    losses = [b.run_benchmark(benchmark, params, "fp32", 0.01).extra["first_loss"] for b in (torch_backend, tf_backend)]
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)


def test_precision_is_set_explicitly(torch_backend: Any, tf_backend: Any) -> None:
    import tensorflow as tf
    import torch

    torch.backends.cuda.matmul.allow_tf32 = True
    tf.config.experimental.enable_tensor_float_32_execution(True)
    for backend in (torch_backend, tf_backend):
        record = backend.run_benchmark("matmul", {"m": 32, "n": 32, "k": 32}, "fp32", 0.01)
        assert record.precision["tf32_matmul"] is False
    assert torch.backends.cuda.matmul.allow_tf32 is False
    assert tf.config.experimental.tensor_float_32_execution_enabled() is False


@pytest.mark.parametrize(
    ("benchmark", "dtype"), [("matmul", "tf32"), ("matmul", "fp16"), ("host_to_device", "fp32"), ("train_cnn", "bf16")]
)
def test_gpu_only_or_unsupported_cases_are_refused_on_cpu(backend: Any, benchmark: str, dtype: str) -> None:
    params = {
        "matmul": {"m": 8, "n": 8, "k": 8},
        "host_to_device": {"megabytes": 1},
        "train_cnn": {"batch": 2, "image": 8, "channels": 1, "classes": 2},
    }[benchmark]
    with pytest.raises(ValueError):
        backend.run_benchmark(benchmark, params, dtype, 0.01)


def test_unknown_benchmark_is_refused(backend: Any) -> None:
    with pytest.raises(ValueError, match="unknown benchmark"):
        backend.run_benchmark("nope", {}, "fp32", 0.01)


def test_torch_cuda_setup_raises_no_gpu_error_without_a_gpu(torch_backend: Any) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a usable GPU")
    with pytest.raises(NoGPUError, match="--device cpu"):
        torch_backend.setup("cuda", None)


def test_tensorflow_cuda_setup_raises_no_gpu_error_without_a_gpu(tf_backend: Any) -> None:
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    with pytest.raises(NoGPUError, match="--device cpu"):
        tf_backend.setup("cuda", None)
    assert tf_backend.setup("cpu", THREADS).device == "cpu"  # the first setup still stands


def test_out_of_memory_becomes_memory_error(
    torch_backend: Any, tf_backend: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tensorflow as tf
    import torch

    from fwadvisor.bench import recipes

    def torch_oom(*_: Any) -> Any:
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    def torch_host_oom(*_: Any) -> Any:
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory")

    def tf_oom(*_: Any) -> Any:
        raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")

    cases = [
        (torch_backend, torch_oom, "out of device memory"),
        (torch_backend, torch_host_oom, "out of host memory"),  # on the CPU, a host allocation failed
        (tf_backend, tf_oom, "out of host memory"),
    ]
    for backend, raise_oom, message in cases:
        monkeypatch.setitem(recipes.RECIPES, "matmul", raise_oom)
        with pytest.raises(MemoryError, match=message):
            backend.run_benchmark("matmul", {"m": 8, "n": 8, "k": 8}, "fp32", 0.01)


def test_other_runtime_errors_stay_what_they_are(torch_backend: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from fwadvisor.bench import recipes

    def broken(*_: Any) -> Any:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    monkeypatch.setitem(recipes.RECIPES, "matmul", broken)
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        torch_backend.run_benchmark("matmul", {"m": 8, "n": 8, "k": 8}, "fp32", 0.01)


def test_probe_reports_versions(backend: Any) -> None:
    info = backend.probe()
    assert isinstance(info, Probe) and info.framework == backend.FRAMEWORK
    assert info.framework_version and isinstance(info.gpu_devices, list)
    assert isinstance(info.gpu_available, bool) and info.build


def test_every_benchmark_is_one_recipe_over_an_adapter(backend: Any) -> None:
    from fwadvisor.bench.recipes import RECIPES
    from fwadvisor.bench.recipes.adapter import Adapter
    from fwadvisor.profiler.catalog import WORKER_BENCHMARKS

    assert tuple(RECIPES) == WORKER_BENCHMARKS  # one recipe per benchmark, in the catalogue's order
    adapter = backend._ADAPTER
    assert isinstance(adapter, Adapter), [m for m in dir(Adapter) if not hasattr(adapter, m)]
    assert adapter.framework == backend.FRAMEWORK and adapter.layout in ref.IMAGE_AXES


def test_only_the_adapters_import_a_framework() -> None:
    """The recipes, written once for every framework, load NumPy but neither torch nor TensorFlow."""
    code = (
        "import sys; import fwadvisor.bench.recipes, fwadvisor.bench.recipes.digits; "
        "print(','.join(m for m in ('torch', 'tensorflow', 'keras', 'sklearn') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", result.stdout


def test_layouts_round_trip() -> None:
    x, w = ref.conv_operands(2, 5, 4, 3, 6, 3)
    for layout in ref.IMAGE_AXES:
        images, filters = ref.IMAGE_AXES[layout], ref.FILTER_AXES[layout]
        native_x, native_w = ref.to_layout(x, images), ref.to_layout(w, filters)
        assert native_x.flags.c_contiguous and native_x.shape == ref.layout_shape(x.shape, images)
        assert native_w.shape == ref.layout_shape(w.shape, filters)
        assert np.array_equal(ref.from_layout(native_x, images), x)
        assert np.array_equal(ref.from_layout(native_w, filters), w)
    assert ref.layout_shape((8, 32, 30, 3), ref.IMAGE_AXES["NCHW"]) == (8, 3, 32, 30)
    assert ref.layout_shape((3, 3, 16, 32), ref.FILTER_AXES["NCHW"]) == (32, 16, 3, 3)  # OIHW


# ---- the checks catch wrong results (pure NumPy) ----


def test_rel_error_check_catches_wrong_and_nan_results() -> None:
    a, b = ref.matmul_operands(16, 12, 8)
    good = ref.matmul_ref(a, b)
    assert ref.check_close(good.astype(np.float32), good).ok
    perturbed = good.copy()
    perturbed[3, 4] += 0.01 * np.abs(good).max()
    assert not ref.check_close(perturbed, good, "fp32").ok
    assert ref.check_close(perturbed, good, "bf16").ok  # 1e-2 is within bf16's 2e-2 limit
    with_nan = good.copy()
    with_nan[0, 0] = np.nan
    check = ref.check_close(with_nan, good, "bf16")
    assert not check.ok and "NaN" in check.text
    assert not ref.check_close(good[:, :-1], good).ok  # wrong shape
    assert not ref.check_close(np.nextafter(np.float32(2.0), np.float32(3.0)), 2.0, limit=0.0).ok
    assert "limit 1e-03" in ref.check_close(good, good).text


def test_training_check_needs_a_finite_falling_loss_that_matches_numpy() -> None:
    assert ref.training_check(2.3, 0.5, 2.3).ok
    assert not ref.training_check(2.3, 2.4, 2.3).ok
    assert not ref.training_check(2.3, float("nan"), 2.3).ok
    assert not ref.training_check(2.5, 0.5, 2.3).ok  # the model is not the function NumPy computes


def test_conv_reference_matches_a_direct_loop() -> None:
    x, w = ref.conv_operands(1, 5, 4, 2, 3, 3)
    out = ref.conv2d_same_ref(x, w)
    padded = np.pad(x.astype(np.float64), ((0, 0), (1, 1), (1, 1), (0, 0)))
    direct = np.zeros_like(out)
    for h in range(5):
        for v in range(4):
            direct[0, h, v] = np.einsum("ijc,ijco->o", padded[0, h : h + 3, v : v + 3], w)
    assert np.allclose(out, direct)


def test_dense_row_reorder_matches_the_two_flatten_orders() -> None:
    g = ref.rng()
    fmap = g.standard_normal((2, 3, 3, 4))  # N, H, W, C
    kernel = g.standard_normal((3 * 3 * 4, 5))
    nhwc = fmap.reshape(2, -1) @ kernel
    nchw = fmap.transpose(0, 3, 1, 2).reshape(2, -1) @ ref.dense_rows_hwc_to_chw(kernel, 3, 4)
    assert np.allclose(nhwc, nchw)


def test_cache_note_says_only_what_is_true() -> None:
    assert "larger than" in ref.cache_note(128_000_000, 32 * 1024**2, "CPU L3")
    assert "warm cache" in ref.cache_note(1_000_000, 32 * 1024**2, "CPU L3")
    assert "unknown" in ref.cache_note(1_000_000, None, "GPU L2")
