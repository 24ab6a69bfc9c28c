"""Pure-NumPy pieces both backends share: data, weights, float64 references and the error check.

Both frameworks load the SAME arrays from here (inputs, labels and initial weights), so each benchmark
is the same function on the same data in both, and each result is checked against a NumPy float64
computation of that function. It imports NumPy only, and only the backends (worker processes) import
it: the parent process never loads NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from fwadvisor.profiler.timing import Timing

# Dtype rules both backends apply, so the two refuse and accept exactly the same cases.
CPU_MATH_DTYPES = ("fp32", "bf16")  # TF32 does not exist on a CPU; fp16 GEMM there is no fair result
FLOAT32_DTYPES = ("fp32", "tf32")  # float32 tensors; "tf32" allows TF32 math on the GPU


def check_math_dtype(cuda: bool, dtype: str, known: tuple[str, ...] | list[str] | dict[str, Any]) -> None:
    """matmul/conv dtypes: fp32, tf32, fp16, bf16; tf32 and fp16 are GPU-only cases."""
    if dtype not in known:
        raise ValueError(f"unknown dtype {dtype!r}; choose from {', '.join(known)}")
    if not cuda and dtype not in CPU_MATH_DTYPES:
        raise ValueError(f"dtype {dtype} is GPU-only; on a CPU use {' or '.join(CPU_MATH_DTYPES)}")


def check_float32_only(cuda: bool, benchmark: str, dtype: str) -> None:
    allowed = FLOAT32_DTYPES if cuda else ("fp32",)
    if dtype not in allowed:
        raise ValueError(f"{benchmark} runs in float32: dtype must be {' or '.join(allowed)}, not {dtype}")


def flops_metric(cuda: bool, flops: float, seconds: float) -> tuple[str, float]:
    """A CPU figure never reads as a GPU one: GFLOP/s on a CPU, TFLOP/s on a GPU."""
    return ("TFLOP/s", flops / seconds / 1e12) if cuda else ("GFLOP/s", flops / seconds / 1e9)


# Largest accepted relative error (max|out - ref| / max|ref|) per dtype. fp32 results land far below
# its limit (about 1e-7); the looser limits follow the mantissa widths of TF32 (10 bits), fp16 (10 bits,
# small range) and bf16 (7 bits).
REL_LIMITS: dict[str, float] = {"fp32": 1e-3, "tf32": 5e-3, "fp16": 1e-2, "bf16": 2e-2}
# Compiled output against the eager output of the same framework and weights.
COMPILED_LIMIT = 1e-4

# The small matmul every matmul benchmark checks first (m, n, k), in the benchmark's own dtype.
MATMUL_CHECK_SHAPE = (64, 48, 32)
# The small convolution every conv2d benchmark checks first (batch, height, width, c_in, c_out); the
# kernel side is the benchmark's own.
CONV_CHECK_SHAPE = (2, 8, 6, 3, 4)

SEED = 20240611


@dataclass(frozen=True)
class Check:
    """The outcome of comparing a result with its reference."""

    ok: bool
    rel_error: float
    limit: float
    text: str


# --------------------------------------------------------------------------------------------------
# The check


def rel_error(actual: object, reference: object) -> float:
    """max|actual - reference| / max|reference| in float64; NaN for a non-finite result, inf on shape."""
    a = np.asarray(actual, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    if a.shape != r.shape:
        return float("inf")
    if not np.all(np.isfinite(a)):
        return float("nan")
    scale = float(np.max(np.abs(r))) if r.size else 0.0
    # An all-zero reference would divide by zero: fall back to the absolute error.
    scale = scale if scale > 0 else 1.0
    return float(np.max(np.abs(a - r))) / scale if a.size else 0.0


def check_close(
    actual: object,
    reference: object,
    dtype: str = "fp32",
    *,
    limit: float | None = None,
    against: str = "NumPy float64",
    what: str = "",
) -> Check:
    """Pass when the relative error is finite and within the dtype's limit (NaN never passes)."""
    bound = REL_LIMITS[dtype] if limit is None else limit
    err = rel_error(actual, reference)
    ok = bool(np.isfinite(err) and err <= bound)  # NaN <= x is False anyway; isfinite says it twice
    prefix = f"{what}: " if what else ""
    if np.isnan(err):
        text = f"{prefix}result contains NaN or inf (reference {against})"
    elif np.isinf(err):
        text = f"{prefix}result shape {np.shape(actual)} differs from reference {np.shape(reference)}"
    else:
        text = f"{prefix}max rel. error {err:.1e} vs {against} (limit {bound:.0e})"
    return Check(ok, err, bound, text)


def combine(*checks: Check) -> Check:
    """All checks must pass; the text lists each one."""
    errors = [c.rel_error for c in checks]
    worst = float("nan") if any(np.isnan(e) for e in errors) else max(errors)
    return Check(all(c.ok for c in checks), worst, max(c.limit for c in checks), "; ".join(c.text for c in checks))


# --------------------------------------------------------------------------------------------------
# Data and weights (float32 NumPy, seeded; NHWC images and HWIO conv kernels, as TensorFlow lays them
# out; the torch backend transposes them to NCHW / OIHW)


def rng(seed: int = SEED) -> np.random.Generator:
    return np.random.default_rng(seed)


def matmul_operands(m: int, n: int, k: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """A (m, k) and B (k, n), standard normal float32."""
    g = rng(seed)
    return (g.standard_normal((m, k), dtype=np.float32), g.standard_normal((k, n), dtype=np.float32))


def conv_operands(
    batch: int, height: int, width: int, c_in: int, c_out: int, kernel: int, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray]:
    """x (N, H, W, C_in) and w (K, K, C_in, C_out), float32."""
    g = rng(seed)
    x = g.standard_normal((batch, height, width, c_in), dtype=np.float32)
    w = g.standard_normal((kernel, kernel, c_in, c_out), dtype=np.float32)
    return x, w


def vector(size: int, seed: int = SEED, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    return rng(seed).uniform(low, high, size).astype(np.float32)


def glorot_uniform(shape: tuple[int, ...], fan_in: int, fan_out: int, g: np.random.Generator) -> np.ndarray:
    """Glorot/Xavier uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)) (Keras and torch agree)."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return g.uniform(-limit, limit, shape).astype(np.float32)


def orthogonal(rows: int, cols: int, g: np.random.Generator) -> np.ndarray:
    """An orthogonal (rows, cols) matrix (QR of a normal matrix, sign-corrected), as Keras/torch do."""
    flat = g.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    q = q if rows >= cols else q.T
    return q[:rows, :cols].astype(np.float32)


def conv_glorot(kernel: int, c_in: int, c_out: int, g: np.random.Generator) -> np.ndarray:
    """A HWIO conv kernel; fans count the receptive field, as in both frameworks."""
    field = kernel * kernel
    return glorot_uniform((kernel, kernel, c_in, c_out), c_in * field, c_out * field, g)


def mlp_weights(features: int, hidden: int, layers: int, seed: int = SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """`layers` Dense layers (kernel (in, out), zero bias): features -> hidden -> ... -> hidden."""
    g = rng(seed)
    weights = []
    fan_in = features
    for _ in range(layers):
        weights.append((glorot_uniform((fan_in, hidden), fan_in, hidden, g), np.zeros(hidden, np.float32)))
        fan_in = hidden
    return weights


def cnn_flat_side(image: int) -> int:
    """Side of the feature map after two 2x2 max-pools (floor, as both frameworks' 'valid' pooling)."""
    return image // 2 // 2


def cnn_weights(channels: int, image: int, classes: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """conv1 (3,3,C,16), conv2 (3,3,16,32), dense (S*S*32, classes) with rows in (h, w, c) order."""
    g = rng(seed)
    side = cnn_flat_side(image)
    flat = side * side * 32
    return {
        "conv1": conv_glorot(3, channels, 16, g),
        "conv1_b": np.zeros(16, np.float32),
        "conv2": conv_glorot(3, 16, 32, g),
        "conv2_b": np.zeros(32, np.float32),
        "dense": glorot_uniform((flat, classes), flat, classes, g),
        "dense_b": np.zeros(classes, np.float32),
    }


def dense_rows_hwc_to_chw(kernel: np.ndarray, side: int, channels: int) -> np.ndarray:
    """Reorder a dense kernel's rows from NHWC flatten order (h, w, c) to NCHW order (c, h, w)."""
    out = kernel.shape[1]
    return np.ascontiguousarray(
        kernel.reshape(side, side, channels, out).transpose(2, 0, 1, 3).reshape(side * side * channels, out)
    )


def lstm_weights(features: int, hidden: int, classes: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """Keras layout, gates in the order i, f, g(c), o (torch uses the same order, transposed)."""
    g = rng(seed)
    return {
        "kernel": glorot_uniform((features, 4 * hidden), features, 4 * hidden, g),
        "recurrent": orthogonal(hidden, 4 * hidden, g),
        "bias": np.zeros(4 * hidden, np.float32),  # zero, forget gate included (no unit_forget_bias)
        "dense": glorot_uniform((hidden, classes), hidden, classes, g),
        "dense_b": np.zeros(classes, np.float32),
    }


def synthetic_images(
    batch: int, image: int, channels: int, classes: int, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray]:
    """A fixed batch: x (N, H, W, C) standard normal float32, integer labels (int64)."""
    g = rng(seed + 1)
    x = g.standard_normal((batch, image, image, channels), dtype=np.float32)
    return x, g.integers(0, classes, batch).astype(np.int64)


def synthetic_sequences(
    batch: int, seq_len: int, features: int, classes: int, seed: int = SEED
) -> tuple[np.ndarray, np.ndarray]:
    """A fixed batch: x (N, T, F) standard normal float32, integer labels (int64)."""
    g = rng(seed + 2)
    x = g.standard_normal((batch, seq_len, features), dtype=np.float32)
    return x, g.integers(0, classes, batch).astype(np.int64)


# --------------------------------------------------------------------------------------------------
# Float64 references


def matmul_ref(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(a, np.float64) @ np.asarray(b, np.float64)


def conv2d_same_ref(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Stride-1 'same' cross-correlation, NHWC input and HWIO kernel, like tf.nn.conv2d and torch.

    For an even kernel both frameworks pad (k-1)//2 before and the rest after; so does this.
    """
    x = np.asarray(x, np.float64)
    w = np.asarray(w, np.float64)
    kh, kw = w.shape[:2]
    top, left = (kh - 1) // 2, (kw - 1) // 2
    padded = np.pad(x, ((0, 0), (top, kh - 1 - top), (left, kw - 1 - left), (0, 0)))
    n, h, wd, _ = x.shape
    out = np.zeros((n, h, wd, w.shape[3]))
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("nhwc,co->nhwo", padded[:, i : i + h, j : j + wd, :], w[i, j])
    return out


def mlp_ref(x: np.ndarray, weights: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    h = np.asarray(x, np.float64)
    for kernel, bias in weights:
        h = np.maximum(h @ kernel.astype(np.float64) + bias, 0.0)
    return h


def eager_chain_ref(start: np.ndarray, increment: np.ndarray, ops: int) -> np.ndarray:
    """`ops` additions of `increment` to `start` (what one eager_overhead call computes)."""
    return np.asarray(start, np.float64) + ops * np.asarray(increment, np.float64)


def softmax_xent_ref(logits: np.ndarray, labels: np.ndarray) -> float:
    """Mean softmax cross-entropy over the batch, float64."""
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(labels)), labels].mean())


def _maxpool2(x: np.ndarray) -> np.ndarray:
    n, h, w, c = x.shape
    h2, w2 = h // 2, w // 2
    return x[:, : h2 * 2, : w2 * 2, :].reshape(n, h2, 2, w2, 2, c).max(axis=(2, 4))


def cnn_loss_ref(weights: dict[str, np.ndarray], x: np.ndarray, labels: np.ndarray) -> float:
    """Loss of the train_cnn model on NHWC data, float64."""
    h = _maxpool2(np.maximum(conv2d_same_ref(x, weights["conv1"]) + weights["conv1_b"], 0.0))
    h = _maxpool2(np.maximum(conv2d_same_ref(h, weights["conv2"]) + weights["conv2_b"], 0.0))
    logits = h.reshape(len(h), -1) @ weights["dense"].astype(np.float64) + weights["dense_b"]
    return softmax_xent_ref(logits, labels)


def _sigmoid(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-v))


def lstm_loss_ref(weights: dict[str, np.ndarray], x: np.ndarray, labels: np.ndarray) -> float:
    """Loss of the train_rnn model (LSTM, last step, dense) on (N, T, F) data, float64."""
    kernel, recurrent = weights["kernel"].astype(np.float64), weights["recurrent"].astype(np.float64)
    hidden = recurrent.shape[0]
    x = np.asarray(x, np.float64)
    h = np.zeros((x.shape[0], hidden))
    c = np.zeros_like(h)
    for t in range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent + weights["bias"]
        i, f, g, o = (z[:, q * hidden : (q + 1) * hidden] for q in range(4))
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
    logits = h @ weights["dense"].astype(np.float64) + weights["dense_b"]
    return softmax_xent_ref(logits, labels)


def training_check(first_loss: float, final_loss: float, reference_loss: float, dtype: str = "fp32") -> Check:
    """The first loss matches NumPy's forward pass, and training lowered a finite loss."""
    start = check_close(first_loss, reference_loss, dtype, what="first loss")
    learned = bool(np.isfinite(final_loss) and np.isfinite(first_loss) and final_loss < first_loss)
    text = (
        f"loss {first_loss:.4f} -> {final_loss:.4f} after the timed steps "
        f"({'lower' if learned else 'NOT lower or not finite'}); {start.text}"
    )
    return Check(start.ok and learned, start.rel_error, start.limit, text)


# --------------------------------------------------------------------------------------------------
# Cache note for memory-bound benchmarks


def cpu_last_level_cache_bytes() -> int | None:
    """The L3 (or failing that L2) size of CPU 0 from Linux sysfs; None where unknown."""
    for index in (3, 2):
        try:
            with open(f"/sys/devices/system/cpu/cpu0/cache/index{index}/size", encoding="ascii") as fh:
                text = fh.read().strip().upper()
        except OSError:
            continue
        factor = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(text[-1:], 1)
        digits = text.rstrip("KMG")
        if digits.isdigit():
            return int(digits) * factor
    return None


def cache_note(buffer_bytes: int, cache_bytes: int | None, cache_name: str) -> str:
    mb = buffer_bytes / 1e6
    if cache_bytes is None:
        return f"buffer {mb:g} MB; cache size unknown"
    cache_mb = cache_bytes / 1e6
    if buffer_bytes > cache_bytes:
        return f"buffer {mb:g} MB, larger than the last-level cache ({cache_name} {cache_mb:.3g} MB)"
    return f"buffer {mb:g} MB fits in the {cache_name} ({cache_mb:.3g} MB): warm cache, not memory bandwidth"


# --------------------------------------------------------------------------------------------------
# The practice suite: real data (scikit-learn's handwritten digits), one split, one shuffle order and
# one set of initial weights, handed as NumPy arrays to both frameworks.

PRACTICE_CLASSES = 10
PRACTICE_SIDE = 8  # the digits are 8x8 images; the LSTM reads them as 8 steps of 8 pixels
# SGD with momentum, not Adam: the two frameworks' Adam differ in where epsilon goes (Keras adds it to
# sqrt(v) before bias correction, default 1e-7; torch adds it after, default 1e-8), while
# SGD+momentum is the same update in both (torch: b = mu*b + g, p -= lr*b; Keras: m = mu*m - lr*g,
# p += m; equal for a constant learning rate).
PRACTICE_LR = 0.05
PRACTICE_MOMENTUM = 0.9
PRACTICE_OPTIMIZER = f"SGD lr {PRACTICE_LR} momentum {PRACTICE_MOMENTUM} (the same update rule in both)"
PRACTICE_INIT = "identical NumPy weights: Glorot-uniform kernels, orthogonal recurrent kernel, zero biases"
# Used when export_roundtrip runs without practice_cnn before it (and as fallbacks for direct calls).
PRACTICE_CNN_DEFAULTS: dict[str, int] = {"epochs": 15, "batch": 64, "test_percent": 25, "seed": 7}
PRACTICE_RNN_DEFAULTS: dict[str, int] = {"epochs": 20, "batch": 64, "hidden": 64, "test_percent": 25, "seed": 7}


@dataclass(frozen=True)
class DigitsSplit:
    """scikit-learn's 1,797 8x8 digits, pixels scaled to [0, 1], NHWC (N, 8, 8, 1) float32."""

    x_train: np.ndarray
    y_train: np.ndarray  # int64 class ids
    x_test: np.ndarray
    y_test: np.ndarray

    def summary(self) -> dict[str, int]:
        return {"train": len(self.y_train), "test": len(self.y_test), "classes": len(np.unique(self.y_train))}


_DIGITS_CACHE: dict[tuple[int, int], DigitsSplit] = {}


def digits_split(test_percent: int, seed: int) -> DigitsSplit:
    """A seeded, stratified train/test split of the digits (the same arrays for both frameworks).

    scikit-learn is imported here, inside the worker: the data ship with it, nothing is downloaded.
    """
    key = (int(test_percent), int(seed))
    if key not in _DIGITS_CACHE:
        if not 0 < test_percent < 100:
            raise ValueError(f"test_percent must be between 1 and 99, not {test_percent}")
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        digits = load_digits()
        images = (digits.images / 16.0).astype(np.float32)[..., None]  # pixel values are 0..16
        labels = digits.target.astype(np.int64)
        x_train, x_test, y_train, y_test = train_test_split(
            images, labels, test_size=test_percent / 100.0, random_state=seed, stratify=labels
        )
        _DIGITS_CACHE[key] = DigitsSplit(np.ascontiguousarray(x_train), y_train, np.ascontiguousarray(x_test), y_test)
    return _DIGITS_CACHE[key]


def epoch_order(n: int, epoch: int, seed: int) -> np.ndarray:
    """The shuffled sample order of one epoch (1-based), seeded, the same in both frameworks."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def full_batches(order: np.ndarray, batch: int) -> list[np.ndarray]:
    """Index arrays of consecutive full batches; a last partial batch is dropped.

    Dropping it keeps every step the same size (a 3-image step at the same learning rate is mostly noise,
    and one batch shape means one tf.function trace); the order changes every epoch, so every image is
    still seen. A set smaller than one batch is a single step.
    """
    steps = [order[i : i + batch] for i in range(0, len(order) - batch + 1, batch)]
    return steps or [order]


def practice_settings(benchmark: str, params: dict[str, Any]) -> dict[str, int]:
    """The practice case's integer settings, defaults filled in for direct calls."""
    defaults = PRACTICE_RNN_DEFAULTS if benchmark == "practice_rnn" else PRACTICE_CNN_DEFAULTS
    settings = {key: int(params.get(key, value)) for key, value in defaults.items()}
    for key, value in settings.items():
        if value <= 0:
            raise ValueError(f"{benchmark}: {key} must be a positive integer, not {value}")
    return settings


def curve_timing(curve: list[dict[str, float]]) -> Timing:
    """A Timing over the epochs: epoch 1 (tf.function tracing, first-touch allocations) is the cold call,
    kept out of the steady-state samples as the timing rules ask; a one-epoch run has only that sample."""
    seconds = [float(point["seconds"]) for point in curve]
    return Timing(cold_s=seconds[0], samples=seconds[1:] or seconds, calls_per_sample=1)


def finish_practice_record(record: dict[str, Any], curve: list[dict[str, float]]) -> dict[str, Any]:
    """Add the curve, count every epoch as a repeat, and judge the spread on what the metric is."""
    record["curve"] = curve
    record["repeats"] = len(curve)
    # The metric is an accuracy, not a time: a noisy epoch time says nothing about it, so the epoch-time
    # spread (still in rel_spread / spread_s) must not mark the accuracy as unusable.
    record["wide_spread"] = False
    return record


def practice_extra(
    split: DigitsSplit, settings: dict[str, int], initial_loss: float, final_loss: float, layout: str
) -> dict[str, Any]:
    """What a practice record says about how it trained (the same words in both frameworks)."""
    return {
        "data": "scikit-learn load_digits: 8x8 handwritten digits, pixels / 16 -> [0, 1] (ships with "
        "scikit-learn, no download)",
        "split": {
            **split.summary(),
            "test_percent": settings["test_percent"],
            "stratified": True,
            "seed": settings["seed"],
        },
        "optimizer": PRACTICE_OPTIMIZER,
        "lr": PRACTICE_LR,
        "momentum": PRACTICE_MOMENTUM,
        "batch": settings["batch"],
        "epochs": settings["epochs"],
        "seed": settings["seed"],
        "init": PRACTICE_INIT,
        "layout": layout,
        "batches": "seeded NumPy shuffle per epoch, shared by both frameworks; full batches only",
        "initial_loss": initial_loss,
        "final_loss": final_loss,
        "losses": "initial_loss / final_loss: mean cross-entropy over the whole training set, before and "
        "after training",
        "curve": "train_loss / train_accuracy: running mean over the epoch's steps; test_accuracy: after "
        "the epoch; seconds: the epoch's training steps only (evaluation excluded)",
        "timing": "median_s / spread_s: seconds per epoch over epochs 2..N; cold_s: epoch 1; repeats: "
        "all epochs; wide_spread stays false (the metric is an accuracy, not a time)",
    }


def export_inputs(split: DigitsSplit, rows: int) -> np.ndarray:
    """`rows` test images (NHWC), repeating the test set if more rows are asked than it has."""
    return np.ascontiguousarray(split.x_test[np.arange(rows) % len(split.x_test)])


def export_extra(
    artifact_format: str,
    export_s: float,
    reloaded: Any,
    artifact_bytes: int,
    check: Check,
    rows: int,
    source: str,
    how: str,
) -> dict[str, Any]:
    """The export_roundtrip record's details; `reloaded` is a roundtrip.Reloaded."""
    return {
        "format": artifact_format,
        "export_s": export_s,
        "load_s": reloaded.load_s,
        "import_s": reloaded.import_s,
        "first_call_s": reloaded.first_call_s,
        "artifact_bytes": artifact_bytes,
        "max_rel_error": check.rel_error,
        "rel_limit": check.limit,
        "rows_compared": rows,
        "model": source,
        "how": how,
        "metric": "load s: loading the artifact in a fresh process (framework import excluded, reported as import_s)",
        "timing": "one load, one sample",
    }


def practice_cnn_weights(seed: int) -> dict[str, np.ndarray]:
    return cnn_weights(1, PRACTICE_SIDE, PRACTICE_CLASSES, seed)


def practice_lstm_weights(hidden: int, seed: int) -> dict[str, np.ndarray]:
    return lstm_weights(PRACTICE_SIDE, hidden, PRACTICE_CLASSES, seed)


def as_sequences(x_nhwc: np.ndarray) -> np.ndarray:
    """(N, 8, 8, 1) images -> (N, 8 steps, 8 features): the LSTM reads an image row by row."""
    return np.ascontiguousarray(x_nhwc[..., 0])


def practice_check(
    initial_loss: float, final_loss: float, accuracy: float, reference_loss: float, classes: int = PRACTICE_CLASSES
) -> Check:
    """Training worked: the start matches NumPy (same weights), the loss fell, accuracy beats chance."""
    start = check_close(initial_loss, reference_loss, "fp32", what="initial train loss")
    chance = 1.0 / classes
    fell = bool(np.isfinite(final_loss) and np.isfinite(initial_loss) and final_loss < initial_loss)
    above = bool(np.isfinite(accuracy) and accuracy > 2 * chance)  # twice chance: it learned something
    text = (
        f"train loss {initial_loss:.4f} -> {final_loss:.4f} ({'fell' if fell else 'did NOT fall'}); "
        f"test accuracy {accuracy:.4f} ({'above' if above else 'NOT above'} twice chance {2 * chance:.2f}); "
        f"{start.text}"
    )
    return Check(start.ok and fell and above, start.rel_error, start.limit, text)


def outputs_check(reloaded: np.ndarray, in_memory: np.ndarray, limit: float = 1e-5) -> Check:
    """A reloaded deployment artifact computes what the in-memory model computes (fp32, rel. 1e-5)."""
    return check_close(reloaded, in_memory, limit=limit, against="the in-memory model", what="reloaded outputs")
