"""PyTorch backend: the benchmarks of fwadvisor.profiler.suites in plain, idiomatic PyTorch.

Imported only inside a worker process (see backends/__init__.py for the contract). Every benchmark
runs the same function on the same NumPy-generated data as the TensorFlow backend (reference.py),
checks its arithmetic against NumPy float64 before or after timing, and times with timing.measure:
the cold call apart, then blocks of calls each closed by a device synchronisation.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # the conventional alias
from torch import nn

from fwadvisor.profiler import reference as ref
from fwadvisor.profiler import roundtrip
from fwadvisor.profiler.backends import NoGPUError
from fwadvisor.profiler.records import make_record
from fwadvisor.profiler.timing import WIDE_SPREAD, Timing, measure

FRAMEWORK = "torch"

_DTYPES: dict[str, torch.dtype] = {
    "fp32": torch.float32,
    "tf32": torch.float32,
    "fp16": torch.float16,
    "bf16": torch.bfloat16,
}
# On a CPU, TF32 does not exist and fp16 matmul/conv kernels are slow reference paths: not a result.
# Benchmarks whose tensors stay float32; "tf32" there means float32 tensors with TF32 math allowed.


@dataclass
class _State:
    device: torch.device
    label: str
    threads: int
    gpu_properties: dict[str, Any] = field(default_factory=dict)

    @property
    def cuda(self) -> bool:
        return self.device.type == "cuda"


_STATE: _State | None = None


# --------------------------------------------------------------------------------------------------
# Contract: probe, setup, run_benchmark


def _build() -> str:
    if torch.version.hip:
        return f"rocm {torch.version.hip}"
    if torch.version.cuda:
        return f"cuda {torch.version.cuda}"
    return "cpu"


def probe() -> dict[str, Any]:
    """What this torch sees, without running anything on the GPU beyond device queries."""
    available = torch.cuda.is_available()
    names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if available else []
    return {"framework_version": torch.__version__, "gpu_available": available, "gpu_devices": names, "build": _build()}


def setup(device: str, threads: int | None) -> dict[str, Any]:
    """Pick the device and thread counts; raises NoGPUError for "cuda" without a usable GPU."""
    global _STATE
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', not {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        if _build() == "cpu":
            raise NoGPUError(
                f"torch {torch.__version__} was built without CUDA: install a CUDA build "
                "(the command for your system is on https://pytorch.org/get-started/locally/)"
                ", or run with --device cpu"
            )
        raise NoGPUError(
            f"torch {torch.__version__} ({_build()}) sees no usable GPU: check the driver "
            "with nvidia-smi (rocm-smi on AMD) and CUDA_VISIBLE_DEVICES, or run with --device cpu"
        )
    if threads is not None:
        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(threads)
        except RuntimeError:
            pass  # only settable once, before inter-op work starts; intra-op threads are what count here
    gpu_properties: dict[str, Any] = {}
    if device == "cuda":
        torch.cuda.set_device(0)
        props = torch.cuda.get_device_properties(0)
        gpu_properties = {
            "name": props.name,
            "total_memory_bytes": int(props.total_memory),
            "sm_count": int(props.multi_processor_count),
            "compute_capability": f"{props.major}.{props.minor}",
            "l2_cache_bytes": getattr(props, "L2_cache_size", None),
        }
        label = f"cuda:0 {props.name}"
        dev = torch.device("cuda", 0)
    else:
        label = "cpu"
        dev = torch.device("cpu")
    _STATE = _State(dev, label, torch.get_num_threads(), gpu_properties)
    return {
        "framework_version": torch.__version__,
        "device": label,
        "threads": _STATE.threads,
        "gpu_properties": gpu_properties,
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
        return runner(_STATE, dict(params), dtype, budget_s)
    except torch.cuda.OutOfMemoryError as exc:
        raise MemoryError(f"out of device memory: {_first_line(exc)}") from exc
    except RuntimeError as exc:
        if "can't allocate memory" in str(exc) or "out of memory" in str(exc).lower():
            where = "device" if _STATE.cuda else "host"
            raise MemoryError(f"out of {where} memory: {_first_line(exc)}") from exc
        raise
    finally:
        if _STATE.cuda:
            torch.cuda.empty_cache()  # give cached blocks back so the next case starts clean


# --------------------------------------------------------------------------------------------------
# Shared helpers


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _no_sync() -> None:
    """CPU ops are synchronous in PyTorch: when the call returns the work is done."""


def _sync_for(state: _State) -> Callable[[], None]:
    # CUDA kernels run asynchronously: only a synchronize makes the clock see the finished work.
    return torch.cuda.synchronize if state.cuda else _no_sync


def _set_precision(dtype: str) -> dict[str, Any]:
    """Set TF32 explicitly (torch's defaults differ for matmul and cuDNN) and record what is in force."""
    tf32 = dtype == "tf32"
    # "highest" also keeps oneDNN's fp32 matmul at full precision on CPUs.
    torch.set_float32_matmul_precision("high" if tf32 else "highest")
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    precision: dict[str, Any] = {
        "tf32_matmul": bool(torch.backends.cuda.matmul.allow_tf32),
        "tf32_conv": bool(torch.backends.cudnn.allow_tf32),
        "dtype": dtype,
    }
    if dtype == "fp16":
        precision["reduced_precision_reduction"] = bool(
            torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction
        )
    elif dtype == "bf16":
        precision["reduced_precision_reduction"] = bool(
            torch.backends.cuda.matmul.allow_bf16_reduced_precision_reduction
        )
    return precision


def _math_dtype(state: _State, dtype: str) -> torch.dtype:
    """The tensor dtype for matmul/conv; tf32 and fp16 are GPU-only cases."""
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
        framework_version=torch.__version__,
        device=state.label,
        dtype=dtype,
        params=params,
        threads=torch.get_num_threads(),
        precision=precision,
        timing=timing,
        metric_name=metric[0],
        metric_value=metric[1],
        correct=check.ok,
        check=check.text,
        extra=extra,
    )


def _tensor(state: _State, array: np.ndarray, dtype: torch.dtype | None = None) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array)).to(state.device, dtype)


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    # float() first: NumPy has no bfloat16, and an upcast of fp16/bf16 to fp32 is exact.
    return tensor.detach().float().cpu().numpy()


def _generator(state: _State, seed: int = ref.SEED) -> torch.Generator:
    return torch.Generator(device=state.device).manual_seed(seed)


# --------------------------------------------------------------------------------------------------
# Benchmarks


def _matmul(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    m, n, k = int(params["m"]), int(params["n"]), int(params["k"])
    dt = _math_dtype(state, dtype)
    precision = _set_precision(dtype)

    # Check the arithmetic on a small case in the same dtype; the reference sees the rounded inputs,
    # so the error measured is the matmul's own, not the input rounding.
    cm, cn, ck = ref.MATMUL_CHECK_SHAPE
    a_np, b_np = ref.matmul_operands(cm, cn, ck)
    a_small, b_small = _tensor(state, a_np, dt), _tensor(state, b_np, dt)
    check = ref.check_close(_numpy(a_small @ b_small), ref.matmul_ref(_numpy(a_small), _numpy(b_small)), dtype)

    gen = _generator(state)
    a = torch.randn(m, k, generator=gen, device=state.device).to(dt)
    b = torch.randn(k, n, generator=gen, device=state.device).to(dt)
    out = torch.empty(m, n, device=state.device, dtype=dt)  # preallocated: time the GEMM, not malloc
    timing = measure(lambda: torch.matmul(a, b, out=out), _sync_for(state), budget_s)
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
        {"flops_per_call": 2 * m * n * k, "output": "preallocated (out=)"},
    )


def _conv2d(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    batch, height, width = int(params["batch"]), int(params["height"]), int(params["width"])
    c_in, c_out, kernel = int(params["channels_in"]), int(params["channels_out"]), int(params["kernel"])
    dt = _math_dtype(state, dtype)
    precision = _set_precision(dtype)
    if state.cuda:
        # Let cuDNN pick the fastest algorithm (autotuning lands in the cold call), as TF does by default.
        torch.backends.cudnn.benchmark = True

    x_np, w_np = ref.conv_operands(*ref.CONV_CHECK_SHAPE, kernel)
    x_small = _tensor(state, x_np.transpose(0, 3, 1, 2), dt)  # NHWC -> NCHW
    w_small = _tensor(state, w_np.transpose(3, 2, 0, 1), dt)  # HWIO -> OIHW
    got = _numpy(F.conv2d(x_small, w_small, padding="same")).transpose(0, 2, 3, 1)
    expected = ref.conv2d_same_ref(_numpy(x_small).transpose(0, 2, 3, 1), _numpy(w_small).transpose(2, 3, 1, 0))
    check = ref.check_close(got, expected, dtype)

    gen = _generator(state)
    x = torch.randn(batch, c_in, height, width, generator=gen, device=state.device).to(dt)
    w = torch.randn(c_out, c_in, kernel, kernel, generator=gen, device=state.device).to(dt)
    timing = measure(lambda: F.conv2d(x, w, padding="same"), _sync_for(state), budget_s)
    flops = 2.0 * batch * height * width * c_out * c_in * kernel * kernel
    metric = ref.flops_metric(state.cuda, flops, timing.median_s)
    return _record(
        state,
        "conv2d",
        params,
        dtype,
        precision,
        timing,
        metric,
        check,
        {
            "layout": "NCHW (torch's native layout)",
            "flops_per_call": flops,
            "cudnn_benchmark": bool(torch.backends.cudnn.benchmark) if state.cuda else None,
        },
    )


def _cache_note(state: _State, nbytes: int) -> str:
    if state.cuda:
        return ref.cache_note(nbytes, state.gpu_properties.get("l2_cache_bytes"), "GPU L2")
    return ref.cache_note(nbytes, ref.cpu_last_level_cache_bytes(), "CPU L3")


def _sampled_equal(got: np.ndarray, expected: np.ndarray) -> ref.Check:
    # x * 2 and a copy are exact in float32: anything but equality is a wrong result.
    return ref.check_close(got, expected, limit=0.0, against="exact values")


def _sample_indices(n: int) -> np.ndarray:
    return np.unique(np.concatenate([[0, n - 1], ref.rng().integers(0, n, 4096)]))


def _bandwidth(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "bandwidth", dtype)
    precision = _set_precision(dtype)
    nbytes_target = float(params["megabytes"]) * 1e6
    n = max(int(nbytes_target) // 4, 1)
    x = torch.rand(n, generator=_generator(state), device=state.device)
    y = torch.empty_like(x)
    # Writing into a preallocated output measures memory traffic; a fresh 100 MB tensor per call would
    # mostly measure page faults on a CPU (mmap'ed allocations are zeroed by the kernel on first touch).
    timing = measure(lambda: torch.mul(x, 2.0, out=y), _sync_for(state), budget_s)
    idx = torch.from_numpy(_sample_indices(n)).to(state.device)
    check = _sampled_equal(_numpy(y[idx]), 2.0 * _numpy(x[idx]).astype(np.float64))
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
            "output": "preallocated (out=)",
            "cache": _cache_note(state, nbytes),
        },
    )


def _host_to_device(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    if not state.cuda:
        raise ValueError("host_to_device needs a GPU (there is no host-to-device copy on a CPU)")
    ref.check_float32_only(state.cuda, "host_to_device", dtype)
    precision = _set_precision(dtype)
    n = max(int(float(params["megabytes"]) * 1e6) // 4, 1)
    host_np = ref.vector(n)  # pageable memory (NumPy's), not pinned: the common case

    def copy() -> torch.Tensor:
        # from_numpy shares the buffer (no host copy); .to() is the one host-to-device copy. The same
        # per-call recipe as TensorFlow's tf.constant(host) on the GPU.
        return torch.from_numpy(host_np).to(state.device)

    timing = measure(copy, _sync_for(state), budget_s)
    idx = _sample_indices(n)
    copied = copy()
    check = _sampled_equal(_numpy(copied[torch.from_numpy(idx).to(state.device)]), host_np[idx])
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
            "op": "torch.from_numpy(host).to('cuda')",
        },
    )


def _eager_overhead(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "eager_overhead", dtype)
    precision = _set_precision(dtype)
    ops, size = int(params["ops"]), int(params["size"])
    start_np, inc_np = ref.vector(size, ref.SEED), ref.vector(size, ref.SEED + 1)
    start, inc = _tensor(state, start_np), _tensor(state, inc_np)

    def chain() -> torch.Tensor:
        y = start
        for _ in range(ops):
            y = torch.add(y, inc)  # one eager dispatch (and on a GPU one kernel launch) per op
        return y

    with torch.no_grad():  # no autograd bookkeeping: inputs need no grad anyway, this makes it explicit
        timing = measure(chain, _sync_for(state), budget_s)
        result = _numpy(chain())
    check = ref.check_close(result, ref.eager_chain_ref(start_np, inc_np, ops), "fp32")
    return _record(
        state,
        "eager_overhead",
        params,
        dtype,
        precision,
        timing,
        ("us/op", timing.median_s / ops * 1e6),
        check,
        {"op": f"torch.add on {size}-element tensors, {ops} per call", "mode": "eager"},
    )


def _mlp(features: int, hidden: int, layers: int) -> nn.Sequential:
    weights = ref.mlp_weights(features, hidden, layers)
    modules: list[nn.Module] = []
    for kernel, bias in weights:
        linear = nn.Linear(kernel.shape[0], kernel.shape[1])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(kernel.T.copy()))  # torch keeps (out, in)
            linear.bias.copy_(torch.from_numpy(bias))
        modules += [linear, nn.ReLU()]
    return nn.Sequential(*modules)


def _compiled_speedup(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "compiled_speedup", dtype)
    precision = _set_precision(dtype)
    batch, features = int(params["batch"]), int(params["features"])
    hidden, layers = int(params["hidden"]), int(params["layers"])
    model = _mlp(features, hidden, layers).to(state.device).eval()
    x_np = ref.rng(ref.SEED + 3).standard_normal((batch, features), dtype=np.float32)
    x = _tensor(state, x_np)
    sync = _sync_for(state)
    compiled = torch.compile(model)  # default inductor backend; compiles on the first call
    with torch.no_grad():
        eager = measure(lambda: model(x), sync, budget_s)
        timing = measure(lambda: compiled(x), sync, budget_s)  # cold call = compile time
        eager_out, compiled_out = _numpy(model(x)), _numpy(compiled(x))
    check = ref.combine(
        ref.check_close(eager_out, ref.mlp_ref(x_np, ref.mlp_weights(features, hidden, layers)), dtype, what="eager"),
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
            "eager": "nn.Sequential of Linear+ReLU, no_grad",
            "compiled": "torch.compile(model)",
            "note": "compile_s may include hits in inductor's on-disk cache",
        },
    )
    # The ratio is only as steady as its noisier half.
    record["wide_spread"] = record["wide_spread"] or eager.rel_spread > WIDE_SPREAD
    return record


def _train(
    state: _State,
    benchmark: str,
    params: dict[str, Any],
    dtype: str,
    budget_s: float,
    model: nn.Module,
    x: torch.Tensor,
    labels: torch.Tensor,
    reference_loss: float,
    extra: dict[str, Any],
) -> dict[str, Any]:
    precision = _set_precision(dtype)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    def loss_now() -> float:
        with torch.no_grad():
            return float(F.cross_entropy(model(x), labels))

    def step() -> torch.Tensor:
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        optimizer.step()
        return loss  # no .item(): that would synchronise a GPU on every step

    first = loss_now()
    timing = measure(step, _sync_for(state), budget_s)
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
            "mode": "eager",
            "first_loss": first,
            "final_loss": final,
            "steps": timing.repeats + 1,
            "optimizer": "SGD lr 0.05 momentum 0.9",
            **extra,
        },
    )


def _train_cnn(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "train_cnn", dtype)
    batch, image, channels, classes = (int(params[p]) for p in ("batch", "image", "channels", "classes"))
    w = ref.cnn_weights(channels, image, classes)
    side = ref.cnn_flat_side(image)
    if side < 1:
        raise ValueError(f"image side {image} is too small for two 2x2 max-pools (need >= 4)")
    model = _cnn_model(w, channels, side, classes).to(state.device)
    if state.cuda:
        torch.backends.cudnn.benchmark = True
    x_np, y_np = ref.synthetic_images(batch, image, channels, classes)
    x = _tensor(state, x_np.transpose(0, 3, 1, 2))
    labels = _tensor(state, y_np)
    return _train(
        state,
        "train_cnn",
        params,
        dtype,
        budget_s,
        model,
        x,
        labels,
        ref.cnn_loss_ref(w, x_np, y_np),
        {"layout": "NCHW", "init": "identical Glorot-uniform weights (from NumPy), zero biases"},
    )


class _LSTMClassifier(nn.Module):
    """LSTM over the sequence, its last time step into a Linear layer."""

    def __init__(self, features: int, hidden: int, classes: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


def _train_rnn(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "train_rnn", dtype)
    batch, seq_len, features, hidden, classes = (
        int(params[p]) for p in ("batch", "seq_len", "features", "hidden", "classes")
    )
    w = ref.lstm_weights(features, hidden, classes)
    model = _LSTMClassifier(features, hidden, classes)
    with torch.no_grad():
        # Same gate order (i, f, g, o) as Keras; torch stores (4H, in) and has two biases, both zero.
        model.lstm.weight_ih_l0.copy_(torch.from_numpy(w["kernel"].T.copy()))
        model.lstm.weight_hh_l0.copy_(torch.from_numpy(w["recurrent"].T.copy()))
        model.lstm.bias_ih_l0.copy_(torch.from_numpy(w["bias"]))
        model.lstm.bias_hh_l0.zero_()
        model.fc.weight.copy_(torch.from_numpy(w["dense"].T.copy()))
        model.fc.bias.copy_(torch.from_numpy(w["dense_b"]))
    model.to(state.device)
    if state.cuda:
        model.lstm.flatten_parameters()  # contiguous weights for cuDNN after moving them
    x_np, y_np = ref.synthetic_sequences(batch, seq_len, features, classes)
    return _train(
        state,
        "train_rnn",
        params,
        dtype,
        budget_s,
        model,
        _tensor(state, x_np),
        _tensor(state, y_np),
        ref.lstm_loss_ref(w, x_np, y_np),
        {
            "init": "identical NumPy weights: Glorot-uniform kernels, orthogonal recurrent kernel, zero biases",
            "lstm": "cuDNN" if state.cuda else "native CPU kernel",
        },
    )


# --------------------------------------------------------------------------------------------------
# The practice suite: real training on scikit-learn's digits, and a deployment round trip


@dataclass
class _Trained:
    """The CNN practice_cnn trained, kept in the worker for export_roundtrip."""

    model: nn.Module
    split: ref.DigitsSplit
    settings: dict[str, Any]


_PRACTICE: dict[str, _Trained] = {}


def _cnn_model(w: dict[str, np.ndarray], channels: int, side: int, classes: int) -> nn.Sequential:
    """The benchmark CNN (train_cnn and the practice CNN): conv-relu-pool twice, then dense, with the
    shared NumPy weights, so it is the same function as the TensorFlow model."""
    model = nn.Sequential(
        nn.Conv2d(channels, 16, 3, padding="same"),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding="same"),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(side * side * 32, classes),
    )
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(w["conv1"].transpose(3, 2, 0, 1).copy()))
        model[0].bias.copy_(torch.from_numpy(w["conv1_b"]))
        model[3].weight.copy_(torch.from_numpy(w["conv2"].transpose(3, 2, 0, 1).copy()))
        model[3].bias.copy_(torch.from_numpy(w["conv2_b"]))
        # torch flattens (c, h, w); the shared kernel's rows are in TF's (h, w, c) order.
        model[7].weight.copy_(torch.from_numpy(ref.dense_rows_hwc_to_chw(w["dense"], side, 32).T.copy()))
        model[7].bias.copy_(torch.from_numpy(w["dense_b"]))
    return model


def _practice_cnn_model(w: dict[str, np.ndarray]) -> nn.Sequential:
    return _cnn_model(w, 1, ref.cnn_flat_side(ref.PRACTICE_SIDE), ref.PRACTICE_CLASSES)


def _practice_lstm_model(w: dict[str, np.ndarray], hidden: int) -> _LSTMClassifier:
    model = _LSTMClassifier(ref.PRACTICE_SIDE, hidden, ref.PRACTICE_CLASSES)
    with torch.no_grad():
        model.lstm.weight_ih_l0.copy_(torch.from_numpy(w["kernel"].T.copy()))
        model.lstm.weight_hh_l0.copy_(torch.from_numpy(w["recurrent"].T.copy()))
        model.lstm.bias_ih_l0.copy_(torch.from_numpy(w["bias"]))
        model.lstm.bias_hh_l0.zero_()  # Keras has one bias; torch's two add up to it
        model.fc.weight.copy_(torch.from_numpy(w["dense"].T.copy()))
        model.fc.bias.copy_(torch.from_numpy(w["dense_b"]))
    return model


def _evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Mean loss and accuracy over a whole set, inference mode."""
    model.eval()
    with torch.no_grad():
        logits = model(x)
        return float(F.cross_entropy(logits, y)), float((logits.argmax(1) == y).float().mean())


def _fit(
    state: _State,
    model: nn.Module,
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    epochs: int,
    batch: int,
    seed: int,
) -> tuple[list[dict[str, float]], float, float]:
    """Eager PyTorch training, mini-batches in the shared shuffled order; returns (curve, first, last loss)."""
    optimizer = torch.optim.SGD(model.parameters(), lr=ref.PRACTICE_LR, momentum=ref.PRACTICE_MOMENTUM)
    sync = _sync_for(state)
    initial_loss, _ = _evaluate(model, x_train, y_train)
    curve: list[dict[str, float]] = []
    for epoch in range(1, epochs + 1):
        model.train()
        steps = ref.full_batches(ref.epoch_order(len(y_train), epoch, seed), batch)
        loss_sum = torch.zeros((), device=state.device)
        correct = torch.zeros((), dtype=torch.int64, device=state.device)
        sync()
        start = time.perf_counter()
        for idx_np in steps:
            idx = torch.from_numpy(idx_np).to(state.device)
            xb, yb = x_train[idx], y_train[idx]
            optimizer.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            loss.backward()
            optimizer.step()
            # Accumulate on the device: a .item() per step would synchronise a GPU every step.
            loss_sum += loss.detach() * len(idx_np)
            correct += (logits.detach().argmax(1) == yb).sum()
        seen = sum(len(s) for s in steps)
        train_loss, train_correct = float(loss_sum) / seen, int(correct)  # the epoch's one sync
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
        {"mode": "eager", **extra},
    )
    return ref.finish_practice_record(record, curve)


def _train_practice_cnn(
    state: _State, settings: dict[str, int]
) -> tuple[_Trained, list[dict[str, float]], float, float, float]:
    split = ref.digits_split(settings["test_percent"], settings["seed"])
    w = ref.practice_cnn_weights(settings["seed"])
    model = _practice_cnn_model(w).to(state.device)
    x_train = _tensor(state, split.x_train.transpose(0, 3, 1, 2))  # NHWC -> NCHW
    x_test = _tensor(state, split.x_test.transpose(0, 3, 1, 2))
    y_train, y_test = _tensor(state, split.y_train), _tensor(state, split.y_test)
    curve, first, last = _fit(
        state, model, x_train, y_train, x_test, y_test, settings["epochs"], settings["batch"], settings["seed"]
    )
    reference_loss = ref.cnn_loss_ref(w, split.x_train, split.y_train)
    return _Trained(model, split, dict(settings)), curve, first, last, reference_loss


def _practice_cnn(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "practice_cnn", dtype)
    _set_precision(dtype)
    settings = ref.practice_settings("practice_cnn", params)
    trained, curve, first, last, reference_loss = _train_practice_cnn(state, settings)
    _PRACTICE["cnn"] = trained
    check = ref.practice_check(first, last, curve[-1]["test_accuracy"], reference_loss)
    return _practice_record(
        state,
        "practice_cnn",
        params,
        dtype,
        curve,
        check,
        ref.practice_extra(trained.split, settings, first, last, "NCHW"),
    )


def _practice_rnn(state: _State, params: dict[str, Any], dtype: str, budget_s: float) -> dict[str, Any]:
    ref.check_float32_only(state.cuda, "practice_rnn", dtype)
    _set_precision(dtype)
    settings = ref.practice_settings("practice_rnn", params)
    split = ref.digits_split(settings["test_percent"], settings["seed"])
    w = ref.practice_lstm_weights(settings["hidden"], settings["seed"])
    model = _practice_lstm_model(w, settings["hidden"]).to(state.device)
    if state.cuda:
        model.lstm.flatten_parameters()
    x_train_np, x_test_np = ref.as_sequences(split.x_train), ref.as_sequences(split.x_test)
    curve, first, last = _fit(
        state,
        model,
        _tensor(state, x_train_np),
        _tensor(state, split.y_train),
        _tensor(state, x_test_np),
        _tensor(state, split.y_test),
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
            "lstm": "cuDNN" if state.cuda else "native CPU kernel",
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
        trained = _train_practice_cnn(state, settings)[0]
        _PRACTICE["cnn"] = trained
        source = f"a CNN trained here first with the default practice_cnn settings {settings}"
    model = trained.model.eval()
    x_np = ref.export_inputs(trained.split, rows).transpose(0, 3, 1, 2).copy()  # NCHW, as the model takes
    x = _tensor(state, x_np)
    with torch.no_grad():
        expected = _numpy(model(x))

    with tempfile.TemporaryDirectory(prefix="fwadvisor-export-") as tmp:
        artifact = Path(tmp) / "practice_cnn.pt2"
        start = time.perf_counter()
        try:
            # A dynamic batch dimension: the artifact serves any batch size, as a deployed model must.
            batch_dim = torch.export.Dim("batch", max=1 << 16)
            program = torch.export.export(model, (x,), dynamic_shapes=({0: batch_dim},))
            torch.export.save(program, str(artifact))
        except Exception as exc:
            raise RuntimeError(
                f"export failed: torch.export could not save the CNN: {type(exc).__name__}: {_first_line(exc)}"
            ) from exc
        export_s = time.perf_counter() - start
        size = roundtrip.artifact_bytes(artifact)
        inputs = Path(tmp) / "inputs.npy"
        np.save(inputs, x_np)
        reloaded = roundtrip.reload_in_fresh_process(
            "torch", artifact, inputs, device=state.device.type, threads=state.threads
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
            "torch.export .pt2",
            export_s,
            reloaded,
            size,
            check,
            rows,
            source,
            "torch.export.export (dynamic batch) + torch.export.save; reloaded with torch.export.load(...).module()",
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
