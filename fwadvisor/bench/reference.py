"""Pure-NumPy pieces every recipe shares: data, weights, float64 references and the check.

Both frameworks load the SAME arrays from here (inputs, labels and initial weights), so each benchmark
is the same function on the same data in both, and each result is checked against a NumPy float64
computation of that function. It imports NumPy only, and only worker-side code (recipes, framework
adapters) imports it: the parent process never loads NumPy. The practice suite's data (scikit-learn's
digits) is in recipes/digits.py; the dtype and layout rules are in dtype_rules.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


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


def rel_error(actual: ArrayLike, reference: ArrayLike) -> float:
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
    actual: ArrayLike,
    reference: ArrayLike,
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


def check_exact(got: np.ndarray, expected: np.ndarray) -> Check:
    """For results that are exact in float32 (x * 2, a copy): anything but equality is a wrong result."""
    return check_close(got, expected, limit=0.0, against="exact values")


def combine(*checks: Check) -> Check:
    """All checks must pass; the text lists each one."""
    errors = [c.rel_error for c in checks]
    worst = float("nan") if any(np.isnan(e) for e in errors) else max(errors)
    return Check(all(c.ok for c in checks), worst, max(c.limit for c in checks), "; ".join(c.text for c in checks))


# --------------------------------------------------------------------------------------------------
# Data and weights (float32 NumPy, seeded; NHWC images and HWIO conv kernels, as TensorFlow lays them
# out; the recipes transpose them to an adapter's native layout, e.g. torch's NCHW / OIHW)


def rng(seed: int = SEED) -> np.random.Generator:
    return np.random.default_rng(seed)


def sample_indices(n: int) -> np.ndarray:
    """Where a large result is read back and checked: both ends and 4,096 seeded positions."""
    return np.unique(np.concatenate([[0, n - 1], rng().integers(0, n, 4096)]))


# Layouts. The shared arrays are NHWC images and HWIO conv kernels (TensorFlow's layout); an adapter
# names its native layout and the recipes transpose the NumPy arrays into it before handing them over.
IMAGE_AXES: dict[str, tuple[int, ...]] = {"NHWC": (0, 1, 2, 3), "NCHW": (0, 3, 1, 2)}  # from NHWC
FILTER_AXES: dict[str, tuple[int, ...]] = {"NHWC": (0, 1, 2, 3), "NCHW": (3, 2, 0, 1)}  # from HWIO (OIHW)


def to_layout(array: np.ndarray, axes: Sequence[int]) -> np.ndarray:
    """An NHWC/HWIO array in the layout that `axes` (IMAGE_AXES / FILTER_AXES) describes, contiguous."""
    return np.ascontiguousarray(np.transpose(array, axes))


def from_layout(array: np.ndarray, axes: Sequence[int]) -> np.ndarray:
    """Back from that layout to NHWC/HWIO (a view)."""
    return np.transpose(array, np.argsort(axes))


def layout_shape(shape: Sequence[int], axes: Sequence[int]) -> tuple[int, ...]:
    """An NHWC/HWIO shape in the layout that `axes` describes."""
    return tuple(shape[axis] for axis in axes)


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


# The optimiser of train_cnn / train_rnn (the practice suite has its own settings, recipes/digits.py).
TRAIN_LR = 0.05
TRAIN_MOMENTUM = 0.9


def training_check(first_loss: float, final_loss: float, reference_loss: float, dtype: str = "fp32") -> Check:
    """The first loss matches NumPy's forward pass, and training lowered a finite loss.

    The match is judged with the case's precision: REL_LIMITS[dtype], so a mixed-precision loss (every
    layer's output rounded to bf16's 8 or fp16's 11 significant bits, the loss itself in float32) gets
    bf16's or fp16's tolerance and an fp32 loss fp32's.
    """
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
