"""TensorFlow backend: the benchmarks of fwadvisor.profiler.suites in plain, idiomatic TensorFlow 2.

Imported only inside a worker process (see backends/__init__.py for the contract). Every benchmark
runs the same function on the same NumPy-generated data as the PyTorch backend (reference.py), checks
its arithmetic against NumPy float64, and times with timing.measure: the cold call apart, then blocks
of calls each closed by tf.test.experimental.sync_devices() (called outside tf.function, as it must be).
Ops run eagerly unless a benchmark says otherwise (train steps in tf.function, XLA for the compiled run).
"""

from __future__ import annotations

import os
import platform
import sys

# Before TensorFlow loads: keep its C++ INFO/WARNING chatter out of the worker's stderr, and make
# tf.keras run on TensorFlow even when the user's Keras 3 is configured for another backend.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if "keras" not in sys.modules:
    os.environ["KERAS_BACKEND"] = "tensorflow"

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from fwadvisor.profiler import reference as ref
from fwadvisor.profiler import roundtrip
from fwadvisor.profiler.backends import NoGPUError
from fwadvisor.profiler.records import make_record
from fwadvisor.profiler.timing import WIDE_SPREAD, Timing, measure

FRAMEWORK = "tensorflow"

_DTYPES: dict[str, tf.DType] = {"fp32": tf.float32, "tf32": tf.float32, "fp16": tf.float16, "bf16": tf.bfloat16}


@dataclass
class _State:
    device: str  # "cpu" or "cuda"
    tf_device: str  # "/CPU:0" or "/GPU:0"
    label: str
    threads: int
    requested_threads: int | None
    gpu_properties: dict[str, Any] = field(default_factory=dict)

    @property
    def cuda(self) -> bool:
        return self.device == "cuda"


_STATE: _State | None = None


# --------------------------------------------------------------------------------------------------
# Contract: probe, setup, run_benchmark


def _build_info() -> dict[str, Any]:
    try:
        return dict(tf.sysconfig.get_build_info())
    except Exception:  # some builds lack build info; it only labels the build
        return {}


def _build() -> str:
    info = _build_info()
    if info.get("is_rocm_build"):
        return f"rocm {info.get('rocm_version', '?')}"
    if info.get("is_cuda_build"):
        return f"cuda {info.get('cuda_version', '?')}"
    return "cpu"


def _gpu_name(gpu: Any) -> str:
    try:
        return str(tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name))
    except Exception:  # details are optional; the device itself is what matters
        return str(gpu.name)


def probe() -> dict[str, Any]:
    """What TensorFlow sees; lists physical devices without creating a GPU context."""
    gpus = tf.config.list_physical_devices("GPU")
    return {
        "framework_version": tf.__version__,
        "gpu_available": bool(gpus),
        "gpu_devices": [_gpu_name(g) for g in gpus],
        "build": _build(),
    }


def _no_gpu_message() -> str:
    if _build() == "cpu":
        return (
            f"TensorFlow {tf.__version__} was built without CUDA: install the GPU build "
            "(pip install 'tensorflow[and-cuda]', Linux or WSL2), or run with --device cpu"
        )
    system = platform.system()
    if system == "Windows":
        hint = "native Windows GPU support ended with TensorFlow 2.10: run it under WSL2"
    elif system == "Darwin":
        hint = "TensorFlow has no official GPU support on macOS"
    else:
        hint = (
            "install the CUDA libraries with pip install 'tensorflow[and-cuda]' and check the driver "
            "with nvidia-smi and CUDA_VISIBLE_DEVICES"
        )
    return f"TensorFlow {tf.__version__} sees no GPU: {hint}; or run with --device cpu"


def setup(device: str, threads: int | None) -> dict[str, Any]:
    """Configure devices and threads; must run before any TensorFlow op in the process."""
    global _STATE
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', not {device!r}")
    gpus = tf.config.list_physical_devices("GPU")
    if device == "cuda" and not gpus:
        raise NoGPUError(_no_gpu_message())
    if _STATE is not None:
        # TensorFlow fixes devices and thread pools when its runtime starts: a second setup can only
        # confirm the first one.
        if (_STATE.device, _STATE.requested_threads) == (device, threads):
            return _info(_STATE)
        raise RuntimeError(
            "TensorFlow is already set up in this process for "
            f"{_STATE.device} with threads={_STATE.requested_threads}: use a new process"
        )
    for gpu in gpus:
        # Without this TensorFlow grabs nearly all GPU memory at its first op.
        tf.config.experimental.set_memory_growth(gpu, True)
    if device == "cpu":
        # Hide the GPUs so that every op really runs on the CPU.
        tf.config.set_visible_devices([], "GPU")
    if threads is not None:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    gpu_properties: dict[str, Any] = {}
    if device == "cuda":
        details: dict[str, Any] = {}
        try:
            details = dict(tf.config.experimental.get_device_details(gpus[0]))
        except Exception:  # name and capability only label the device
            pass
        capability = details.get("compute_capability")
        gpu_properties = {
            "name": details.get("device_name", gpus[0].name),
            "compute_capability": ".".join(map(str, capability)) if capability else None,
        }
        label = f"cuda:0 {gpu_properties['name']}"
        tf_device = "/GPU:0"
    else:
        label = "cpu"
        tf_device = "/CPU:0"
    intra = tf.config.threading.get_intra_op_parallelism_threads()
    _STATE = _State(device, tf_device, label, intra or os.cpu_count() or 1, threads, gpu_properties)
    return _info(_STATE)


def _info(state: _State) -> dict[str, Any]:
    return {
        "framework_version": tf.__version__,
        "device": state.label,
        "threads": state.threads,
        "gpu_properties": state.gpu_properties,
    }


def run_benchmark(benchmark: str, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    """Run one case and return its record; out-of-memory becomes MemoryError with a clear message."""
    if _STATE is None:
        raise RuntimeError("call setup(device, threads) before run_benchmark")
    try:
        runner = _BENCHMARKS[benchmark]
    except KeyError:
        raise ValueError(f"unknown benchmark {benchmark!r}; known: {', '.join(_BENCHMARKS)}") from None
    try:
        with tf.device(_STATE.tf_device):
            return runner(_STATE, dict(params), dtype, budget_s)
    except tf.errors.ResourceExhaustedError as exc:
        where = "device" if _STATE.cuda else "host"
        raise MemoryError(f"out of {where} memory: {_first_line(exc)}") from exc


# --------------------------------------------------------------------------------------------------
# Shared helpers


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return (text.strip().splitlines() or [type(exc).__name__])[0]


def _sync() -> None:
    # Blocks until every pending op on every device is done (GPU kernels run asynchronously).
    tf.test.experimental.sync_devices()


def _set_precision(dtype: str) -> dict[str, Any]:
    """TF enables TF32 by default: set it explicitly, and record what is in force (one flag for both)."""
    tf.config.experimental.enable_tensor_float_32_execution(dtype == "tf32")
    on = bool(tf.config.experimental.tensor_float_32_execution_enabled())
    return {"tf32_matmul": on, "tf32_conv": on, "dtype": dtype}


def _math_dtype(state: _State, dtype: str) -> tf.DType:
    ref.check_math_dtype(state.cuda, dtype, _DTYPES)
    return _DTYPES[dtype]


def _record(
    state: _State,
    benchmark: str,
    params: dict[str, Any],
    dtype: str,
    precision: dict[str, Any],
    timing: Timing,
    metric: tuple[str, float],
    check: ref.Check,
    extra: dict[str, Any],
) -> dict[str, Any]:
    return make_record(
        benchmark=benchmark,
        framework=FRAMEWORK,
        framework_version=tf.__version__,
        device=state.label,
        dtype=dtype,
        params=params,
        threads=state.threads,
        precision=precision,
        timing=timing,
        metric_name=metric[0],
        metric_value=metric[1],
        correct=check.ok,
        check=check.text,
        extra=extra,
    )


def _numpy(tensor: tf.Tensor) -> np.ndarray:
    # Upcast first (NumPy has no bfloat16; fp16/bf16 -> fp32 is exact); only ever used on small tensors.
    return tf.cast(tensor, tf.float32).numpy()


def _random_normal(shape: tuple[int, ...], dtype: tf.DType, seed: int) -> tf.Tensor:
    # Generated on the device in float32, then cast: the same recipe as the torch backend.
    return tf.cast(tf.random.stateless_normal(shape, seed=(seed, 0)), dtype)


# --------------------------------------------------------------------------------------------------
# Benchmarks (each runs inside `with tf.device(state.tf_device)`, set by run_benchmark)


def _matmul(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    m, n, k = int(params["m"]), int(params["n"]), int(params["k"])
    dt = _math_dtype(state, dtype)
    precision = _set_precision(dtype)

    cm, cn, ck = ref.MATMUL_CHECK_SHAPE
    a_np, b_np = ref.matmul_operands(cm, cn, ck)
    a_small, b_small = tf.cast(tf.constant(a_np), dt), tf.cast(tf.constant(b_np), dt)
    # The reference sees the rounded inputs, so the error measured is the matmul's own.
    check = ref.check_close(
        _numpy(tf.matmul(a_small, b_small)), ref.matmul_ref(_numpy(a_small), _numpy(b_small)), dtype
    )

    a = _random_normal((m, k), dt, 1)
    b = _random_normal((k, n), dt, 2)
    timing = measure(lambda: tf.matmul(a, b), _sync, budget_s)
    metric = ref.flops_metric(state.cuda, 2.0 * m * n * k, timing.median_s)
    return _record(
        state,
        "matmul",
        params,
        dtype,
        precision,
        timing,
        metric,
        check,
        {
            "flops_per_call": 2 * m * n * k,
            "mode": "eager",
            "output": "allocated per call by TF's allocator (tf.matmul has no out=)",
        },
    )


def _conv2d(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    batch, height, width = int(params["batch"]), int(params["height"]), int(params["width"])
    c_in, c_out, kernel = int(params["channels_in"]), int(params["channels_out"]), int(params["kernel"])
    dt = _math_dtype(state, dtype)
    precision = _set_precision(dtype)

    x_np, w_np = ref.conv_operands(*ref.CONV_CHECK_SHAPE, kernel)
    x_small, w_small = tf.cast(tf.constant(x_np), dt), tf.cast(tf.constant(w_np), dt)
    got = _numpy(tf.nn.conv2d(x_small, w_small, strides=1, padding="SAME"))
    check = ref.check_close(got, ref.conv2d_same_ref(_numpy(x_small), _numpy(w_small)), dtype)

    x = _random_normal((batch, height, width, c_in), dt, 1)
    w = _random_normal((kernel, kernel, c_in, c_out), dt, 2)
    timing = measure(lambda: tf.nn.conv2d(x, w, strides=1, padding="SAME"), _sync, budget_s)
    flops = 2.0 * batch * height * width * c_out * c_in * kernel * kernel
    metric = ref.flops_metric(state.cuda, flops, timing.median_s)
    extra: dict[str, Any] = {"layout": "NHWC (TensorFlow's native layout)", "flops_per_call": flops, "mode": "eager"}
    if state.cuda:
        extra["cudnn_autotune"] = os.environ.get("TF_CUDNN_USE_AUTOTUNE", "1") not in ("0", "false")
    return _record(state, "conv2d", params, dtype, precision, timing, metric, check, extra)


def _cache_note(state: _State, nbytes: int) -> str:
    if state.cuda:
        return ref.cache_note(nbytes, None, "GPU L2")  # TensorFlow does not report the L2 size
    return ref.cache_note(nbytes, ref.cpu_last_level_cache_bytes(), "CPU L3")


def _sample_indices(n: int) -> np.ndarray:
    return np.unique(np.concatenate([[0, n - 1], ref.rng().integers(0, n, 4096)]))


def _exact(got: np.ndarray, expected: np.ndarray) -> ref.Check:
    # x * 2 and a copy are exact in float32: anything but equality is a wrong result.
    return ref.check_close(got, expected, limit=0.0, against="exact values")


def _bandwidth(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "bandwidth", dtype)
    precision = _set_precision(dtype)
    n = max(int(float(params["megabytes"]) * 1e6) // 4, 1)
    x = tf.random.stateless_uniform((n,), seed=(ref.SEED, 0))
    timing = measure(lambda: tf.multiply(x, 2.0), _sync, budget_s)
    idx = tf.constant(_sample_indices(n))
    y = tf.multiply(x, 2.0)
    check = _exact(tf.gather(y, idx).numpy(), 2.0 * tf.gather(x, idx).numpy().astype(np.float64))
    nbytes = n * 4
    return _record(
        state,
        "bandwidth",
        params,
        dtype,
        precision,
        timing,
        ("GB/s", 2 * nbytes / timing.median_s / 1e9),
        check,
        {
            "bytes_per_call": 2 * nbytes,
            "op": "y = x * 2.0 (read + write)",
            "mode": "eager",
            "output": "allocated per call by TF's allocator, which reuses freed buffers (TF has no out=)",
            "cache": _cache_note(state, nbytes),
        },
    )


def _host_to_device(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    if not state.cuda:
        raise ValueError("host_to_device needs a GPU (there is no host-to-device copy on a CPU)")
    ref.check_float32_only(state.cuda, "host_to_device", dtype)
    precision = _set_precision(dtype)
    n = max(int(float(params["megabytes"]) * 1e6) // 4, 1)
    host_np = ref.vector(n)  # pageable NumPy memory, as torch's benchmark uses

    def copy() -> tf.Tensor:
        # A fresh tensor from the NumPy buffer each call, created on the GPU: one host-to-device copy.
        # (Copying one long-lived CPU tensor could be served from the eager runtime's device mirror.)
        return tf.constant(host_np)

    timing = measure(copy, _sync, budget_s)
    on_gpu = copy()
    if "GPU" not in on_gpu.device.upper():
        raise RuntimeError(f"the copy landed on {on_gpu.device}, not on the GPU")
    idx = _sample_indices(n)
    check = _exact(tf.gather(on_gpu, tf.constant(idx)).numpy(), host_np[idx])
    return _record(
        state,
        "host_to_device",
        params,
        dtype,
        precision,
        timing,
        ("GB/s", n * 4 / timing.median_s / 1e9),
        check,
        {
            "bytes_per_call": n * 4,
            "host_memory": "pageable (NumPy buffer, not pinned)",
            "op": "with tf.device('/GPU:0'): tf.constant(host)",
        },
    )


def _eager_overhead(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "eager_overhead", dtype)
    precision = _set_precision(dtype)
    ops, size = int(params["ops"]), int(params["size"])
    start_np, inc_np = ref.vector(size, ref.SEED), ref.vector(size, ref.SEED + 1)
    start, inc = tf.constant(start_np), tf.constant(inc_np)

    def chain() -> tf.Tensor:
        y = start
        for _ in range(ops):
            y = tf.add(y, inc)  # one eager op dispatch per add: plain eager mode, no tf.function
        return y

    timing = measure(chain, _sync, budget_s)
    check = ref.check_close(chain().numpy(), ref.eager_chain_ref(start_np, inc_np, ops), "fp32")
    return _record(
        state,
        "eager_overhead",
        params,
        dtype,
        precision,
        timing,
        ("us/op", timing.median_s / ops * 1e6),
        check,
        {"op": f"tf.add on {size}-element tensors, {ops} per call", "mode": "eager"},
    )


def _keras() -> Any:
    keras = tf.keras
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(f"Keras runs on {keras.backend.backend()}, not TensorFlow: unset KERAS_BACKEND")
    return keras


def _compiled_speedup(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "compiled_speedup", dtype)
    precision = _set_precision(dtype)
    keras = _keras()
    batch, features = int(params["batch"]), int(params["features"])
    hidden, layers = int(params["hidden"]), int(params["layers"])
    weights = ref.mlp_weights(features, hidden, layers)
    model = keras.Sequential(
        [keras.Input((features,))] + [keras.layers.Dense(hidden, activation="relu") for _ in range(layers)]
    )
    for layer, (kernel, bias) in zip(model.layers, weights, strict=True):
        layer.set_weights([kernel, bias])
    x_np = ref.rng(ref.SEED + 3).standard_normal((batch, features), dtype=np.float32)
    x = tf.constant(x_np)

    @tf.function(jit_compile=True)
    def compiled(v: tf.Tensor) -> tf.Tensor:
        return model(v, training=False)

    eager = measure(lambda: model(x, training=False), _sync, budget_s)
    timing = measure(lambda: compiled(x), _sync, budget_s)  # cold call = trace + XLA compile
    eager_out, compiled_out = model(x, training=False).numpy(), compiled(x).numpy()
    check = ref.combine(
        ref.check_close(eager_out, ref.mlp_ref(x_np, weights), dtype, what="eager"),
        ref.check_close(compiled_out, eager_out, limit=ref.COMPILED_LIMIT, against="eager output", what="compiled"),
    )
    record = _record(
        state,
        "compiled_speedup",
        params,
        dtype,
        precision,
        timing,
        ("x", eager.median_s / timing.median_s),
        check,
        {
            "compile_s": timing.cold_s,
            "eager_median_s": eager.median_s,
            "compiled_median_s": timing.median_s,
            "eager_rel_spread": round(eager.rel_spread, 4),
            "eager": "keras.Sequential of Dense(relu), called eagerly",
            "compiled": "tf.function(jit_compile=True) (XLA)",
        },
    )
    record["wide_spread"] = record["wide_spread"] or eager.rel_spread > WIDE_SPREAD
    return record


def _train(
    state: _State,
    benchmark: str,
    params: dict[str, Any],
    dtype: str,
    budget_s: float,
    model: Any,
    x: tf.Tensor,
    labels: tf.Tensor,
    reference_loss: float,
    extra: dict[str, Any],
) -> dict[str, Any]:
    precision = _set_precision(dtype)
    keras = _keras()
    optimizer = keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)
    optimizer.build(model.trainable_variables)  # create momentum slots outside tf.function

    def loss_of(logits: tf.Tensor) -> tf.Tensor:
        return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))

    @tf.function  # TF's idiomatic custom training loop (Keras fit compiles the same way)
    def step() -> tf.Tensor:
        with tf.GradientTape() as tape:
            loss = loss_of(model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    def loss_now() -> float:
        return float(loss_of(model(x, training=False)).numpy())

    first = loss_now()
    timing = measure(step, _sync, budget_s)  # cold call = tracing + graph optimisation
    final = loss_now()
    check = ref.training_check(first, final, reference_loss, dtype)
    steps_per_s = 1.0 / timing.median_s
    return _record(
        state,
        benchmark,
        params,
        dtype,
        precision,
        timing,
        ("steps/s", steps_per_s),
        check,
        {
            "samples_per_s": steps_per_s * int(params["batch"]),
            "mode": "tf.function",
            "first_loss": first,
            "final_loss": final,
            "steps": timing.repeats + 1,
            "optimizer": "SGD lr 0.05 momentum 0.9",
            **extra,
        },
    )


def _train_cnn(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "train_cnn", dtype)
    keras = _keras()
    batch, image, channels, classes = (int(params[p]) for p in ("batch", "image", "channels", "classes"))
    if ref.cnn_flat_side(image) < 1:
        raise ValueError(f"image side {image} is too small for two 2x2 max-pools (need >= 4)")
    w = ref.cnn_weights(channels, image, classes)
    model = keras.Sequential(
        [
            keras.Input((image, image, channels)),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(classes),
        ]
    )
    model.layers[0].set_weights([w["conv1"], w["conv1_b"]])
    model.layers[2].set_weights([w["conv2"], w["conv2_b"]])
    model.layers[5].set_weights([w["dense"], w["dense_b"]])  # rows already in NHWC (h, w, c) order
    x_np, y_np = ref.synthetic_images(batch, image, channels, classes)
    return _train(
        state,
        "train_cnn",
        params,
        dtype,
        budget_s,
        model,
        tf.constant(x_np),
        tf.constant(y_np),
        ref.cnn_loss_ref(w, x_np, y_np),
        {"layout": "NHWC", "init": "identical Glorot-uniform weights (from NumPy), zero biases"},
    )


def _train_rnn(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "train_rnn", dtype)
    keras = _keras()
    batch, seq_len, features, hidden, classes = (
        int(params[p]) for p in ("batch", "seq_len", "features", "hidden", "classes")
    )
    w = ref.lstm_weights(features, hidden, classes)
    # Defaults (tanh, sigmoid, no recurrent dropout) keep Keras on its cuDNN kernel on a GPU.
    model = keras.Sequential(
        [
            keras.Input((seq_len, features)),
            keras.layers.LSTM(hidden, unit_forget_bias=False),  # last time step
            keras.layers.Dense(classes),
        ]
    )
    model.layers[0].set_weights([w["kernel"], w["recurrent"], w["bias"]])
    model.layers[1].set_weights([w["dense"], w["dense_b"]])
    x_np, y_np = ref.synthetic_sequences(batch, seq_len, features, classes)
    return _train(
        state,
        "train_rnn",
        params,
        dtype,
        budget_s,
        model,
        tf.constant(x_np),
        tf.constant(y_np),
        ref.lstm_loss_ref(w, x_np, y_np),
        {
            "init": "identical NumPy weights: Glorot-uniform kernels, orthogonal recurrent kernel, zero biases",
            "lstm": "keras.layers.LSTM (cuDNN when on a GPU)" if state.cuda else "keras.layers.LSTM (CPU kernel)",
        },
    )


# --------------------------------------------------------------------------------------------------
# The practice suite: real training on scikit-learn's digits, and a deployment round trip


@dataclass
class _Trained:
    """The CNN practice_cnn trained, kept in the worker for export_roundtrip."""

    model: Any
    split: ref.DigitsSplit
    settings: dict[str, Any]


_PRACTICE: dict[str, _Trained] = {}


def _practice_cnn_model(w: dict[str, np.ndarray]) -> Any:
    keras = _keras()
    model = keras.Sequential(
        [
            keras.Input((ref.PRACTICE_SIDE, ref.PRACTICE_SIDE, 1)),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(ref.PRACTICE_CLASSES),
        ]
    )
    model.layers[0].set_weights([w["conv1"], w["conv1_b"]])
    model.layers[2].set_weights([w["conv2"], w["conv2_b"]])
    model.layers[5].set_weights([w["dense"], w["dense_b"]])  # rows already in NHWC (h, w, c) order
    return model


def _practice_lstm_model(w: dict[str, np.ndarray], hidden: int) -> Any:
    keras = _keras()
    model = keras.Sequential(
        [
            keras.Input((ref.PRACTICE_SIDE, ref.PRACTICE_SIDE)),
            keras.layers.LSTM(hidden, unit_forget_bias=False),  # last time step
            keras.layers.Dense(ref.PRACTICE_CLASSES),
        ]
    )
    model.layers[0].set_weights([w["kernel"], w["recurrent"], w["bias"]])
    model.layers[1].set_weights([w["dense"], w["dense_b"]])
    return model


def _xent(labels: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))


def _evaluate(model: Any, x: tf.Tensor, y: tf.Tensor) -> tuple[float, float]:
    """Mean loss and accuracy over a whole set, inference mode."""
    logits = model(x, training=False)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), y), tf.float32))
    return float(_xent(y, logits).numpy()), float(accuracy.numpy())


def _fit(
    model: Any,
    x_train: tf.Tensor,
    y_train: tf.Tensor,
    x_test: tf.Tensor,
    y_test: tf.Tensor,
    epochs: int,
    batch: int,
    seed: int,
) -> tuple[list[dict[str, float]], float, float]:
    """A custom training loop with the step in tf.function; returns (curve, first loss, last loss)."""
    keras = _keras()
    optimizer = keras.optimizers.SGD(learning_rate=ref.PRACTICE_LR, momentum=ref.PRACTICE_MOMENTUM)
    optimizer.build(model.trainable_variables)  # create momentum slots outside tf.function

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int64)])  # one trace for every batch
    def step(idx: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        xb, yb = tf.gather(x_train, idx), tf.gather(y_train, idx)
        with tf.GradientTape() as tape:
            logits = model(xb, training=True)
            loss = _xent(yb, logits)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        correct = tf.reduce_sum(tf.cast(tf.equal(tf.argmax(logits, 1), yb), tf.int64))
        return loss * tf.cast(tf.size(idx), tf.float32), correct

    initial_loss, _ = _evaluate(model, x_train, y_train)
    curve: list[dict[str, float]] = []
    n = int(y_train.shape[0])
    for epoch in range(1, epochs + 1):
        steps = ref.full_batches(ref.epoch_order(n, epoch, seed), batch)
        loss_sum, correct = tf.constant(0.0), tf.constant(0, tf.int64)
        _sync()
        start = time.perf_counter()
        for idx in steps:
            step_loss, step_correct = step(tf.constant(idx, tf.int64))
            loss_sum, correct = loss_sum + step_loss, correct + step_correct  # no .numpy() per step
        _sync()
        seen = sum(len(s) for s in steps)
        train_loss, train_correct = float(loss_sum.numpy()) / seen, int(correct.numpy())
        seconds = time.perf_counter() - start
        _, test_accuracy = _evaluate(model, x_test, y_test)
        curve.append(
            {
                "epoch": epoch,
                "train_loss": train_loss,
                "train_accuracy": train_correct / seen,
                "test_accuracy": test_accuracy,
                "seconds": seconds,
            }
        )
    final_loss, _ = _evaluate(model, x_train, y_train)
    return curve, initial_loss, final_loss


def _practice_record(
    state: _State,
    benchmark: str,
    params: dict[str, Any],
    dtype: str,
    curve: list[dict[str, float]],
    check: ref.Check,
    extra: dict[str, Any],
) -> dict[str, Any]:
    precision = _set_precision(dtype)
    record = _record(
        state,
        benchmark,
        params,
        dtype,
        precision,
        ref.curve_timing(curve),
        ("test accuracy", curve[-1]["test_accuracy"]),
        check,
        {"mode": "tf.function (train step)", **extra},
    )
    return ref.finish_practice_record(record, curve)


def _train_practice_cnn(settings: dict[str, int]) -> tuple[_Trained, list[dict[str, float]], float, float, float]:
    split = ref.digits_split(settings["test_percent"], settings["seed"])
    w = ref.practice_cnn_weights(settings["seed"])
    model = _practice_cnn_model(w)
    curve, first, last = _fit(
        model,
        tf.constant(split.x_train),
        tf.constant(split.y_train),
        tf.constant(split.x_test),
        tf.constant(split.y_test),
        settings["epochs"],
        settings["batch"],
        settings["seed"],
    )
    reference_loss = ref.cnn_loss_ref(w, split.x_train, split.y_train)
    return _Trained(model, split, dict(settings)), curve, first, last, reference_loss


def _practice_cnn(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "practice_cnn", dtype)
    _set_precision(dtype)
    settings = ref.practice_settings("practice_cnn", params)
    trained, curve, first, last, reference_loss = _train_practice_cnn(settings)
    _PRACTICE["cnn"] = trained
    check = ref.practice_check(first, last, curve[-1]["test_accuracy"], reference_loss)
    return _practice_record(
        state,
        "practice_cnn",
        params,
        dtype,
        curve,
        check,
        ref.practice_extra(trained.split, settings, first, last, "NHWC"),
    )


def _practice_rnn(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "practice_rnn", dtype)
    _set_precision(dtype)
    settings = ref.practice_settings("practice_rnn", params)
    split = ref.digits_split(settings["test_percent"], settings["seed"])
    w = ref.practice_lstm_weights(settings["hidden"], settings["seed"])
    model = _practice_lstm_model(w, settings["hidden"])
    x_train_np, x_test_np = ref.as_sequences(split.x_train), ref.as_sequences(split.x_test)
    curve, first, last = _fit(
        model,
        tf.constant(x_train_np),
        tf.constant(split.y_train),
        tf.constant(x_test_np),
        tf.constant(split.y_test),
        settings["epochs"],
        settings["batch"],
        settings["seed"],
    )
    check = ref.practice_check(first, last, curve[-1]["test_accuracy"], ref.lstm_loss_ref(w, x_train_np, split.y_train))
    return _practice_record(
        state,
        "practice_rnn",
        params,
        dtype,
        curve,
        check,
        {
            **ref.practice_extra(split, settings, first, last, "batch-first (N, T, F)"),
            "lstm": "keras.layers.LSTM (cuDNN when on a GPU)" if state.cuda else "keras.layers.LSTM (CPU kernel)",
        },
    )


def _export_roundtrip(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "export_roundtrip", dtype)
    precision = _set_precision(dtype)
    rows = int(params["batch"])
    trained = _PRACTICE.get("cnn")
    source = "the CNN practice_cnn trained earlier in this worker"
    if trained is None:
        # Exporting untrained weights would test the format but not a model anyone deploys: train first.
        settings = ref.practice_settings("practice_cnn", ref.PRACTICE_CNN_DEFAULTS)
        trained = _train_practice_cnn(settings)[0]
        _PRACTICE["cnn"] = trained
        source = f"a CNN trained here first with the default practice_cnn settings {settings}"
    model = trained.model
    x_np = ref.export_inputs(trained.split, rows)  # NHWC, as the model takes
    expected = model(tf.constant(x_np), training=False).numpy()

    with tempfile.TemporaryDirectory(prefix="fwadvisor-export-") as tmp:
        artifact = Path(tmp) / "practice_cnn_savedmodel"
        start = time.perf_counter()
        try:
            # Keras 3's documented route to a TensorFlow SavedModel: a `serve` endpoint with a None batch
            # dimension, loadable by tf.saved_model.load and TF Serving without Keras.
            model.export(str(artifact), format="tf_saved_model", verbose=False)
        except Exception as exc:
            raise RuntimeError(
                f"export failed: Keras could not write a TensorFlow SavedModel: "
                f"{type(exc).__name__}: {_first_line(exc)}"
            ) from exc
        export_s = time.perf_counter() - start
        size = roundtrip.artifact_bytes(artifact)
        inputs = Path(tmp) / "inputs.npy"
        np.save(inputs, x_np)
        reloaded = roundtrip.reload_in_fresh_process(
            "tensorflow", artifact, inputs, device=state.device, threads=state.threads
        )
        got = np.load(reloaded.outputs_path)
    check = ref.outputs_check(got, expected)
    timing = Timing(cold_s=reloaded.load_s, samples=[reloaded.load_s], calls_per_sample=1)
    return _record(
        state,
        "export_roundtrip",
        params,
        dtype,
        precision,
        timing,
        ("load s", reloaded.load_s),
        check,
        ref.export_extra(
            "TensorFlow SavedModel",
            export_s,
            reloaded,
            size,
            check,
            rows,
            source,
            "keras Model.export(format='tf_saved_model'); reloaded with tf.saved_model.load(...).serve",
        ),
    )


_BENCHMARKS: dict[str, Callable[[_State, dict[str, Any], str, float], dict[str, Any]]] = {
    "matmul": _matmul,
    "conv2d": _conv2d,
    "bandwidth": _bandwidth,
    "host_to_device": _host_to_device,
    "eager_overhead": _eager_overhead,
    "compiled_speedup": _compiled_speedup,
    "train_cnn": _train_cnn,
    "train_rnn": _train_rnn,
    "practice_cnn": _practice_cnn,
    "practice_rnn": _practice_rnn,
    "export_roundtrip": _export_roundtrip,
}
