"""The transformer benchmarks' NumPy side: shared weights, float64 forward passes, FLOP counts.

train_transformer trains one pre-norm encoder block with a classifier head:

    h   = x + MHA(LN1(x))                      multi-head self-attention, no mask, no dropout
    out = h + W_down GELU(W_up LN2(h) + b_up) + b_down
    logits = mean over time(out) @ W_head + b_head

and compiled_speedup runs its MLP half alone (out = x + MLP(LN(x))) eagerly and compiled. Both
frameworks load the SAME arrays from here, so each is the same function, checked against the float64
forward passes below. Conventions both frameworks are set to match: LayerNorm epsilon 1e-5 (Keras'
default is 1e-3), GELU in its tanh form, attention scaled by 1/sqrt(head width). Imports NumPy only;
only worker-side code imports it.
"""

from __future__ import annotations

import numpy as np

from fwadvisor.bench import reference as ref

LN_EPSILON = 1e-5
GELU = "tanh approximation"
# The MLP half of the block: what compiled_speedup builds alone, and the keys the adapters read for it.
MLP_KEYS = ("ln2_gamma", "ln2_beta", "mlp_up", "mlp_up_b", "mlp_down", "mlp_down_b")
INIT = (
    "identical NumPy weights: Glorot-uniform kernels; biases and LayerNorm shifts U(-0.1, 0.1) and "
    "scales 1 + U(-0.1, 0.1), not zeros and ones, so the NumPy check sees every parameter"
)
# How much float64 forward work the NumPy check may do (FLOPs): the whole batch of a small case, the
# first samples (at least one) of a large one. Samples are independent, so a subset is an exact check.
CHECK_FLOPS = 4e9
# Tokens of the first sequence compiled_speedup checks against NumPy (its block works per token).
CHECK_TOKENS = 128

FLOPS_FORMULA = (
    "3 x forward (backward = 2 x forward); forward = 8*B*T*D^2 (Q, K, V, output projections) "
    "+ 4*B*T^2*D (scores and weighted sum) + 4*B*T*D*F (MLP) + 2*B*D*C (head); "
    "B batch, T seq_len, D width, F mlp, C classes; LayerNorm, softmax and GELU not counted"
)
MLP_BLOCK_FLOPS_FORMULA = "4*B*T*D*F (the two GEMMs); LayerNorm, GELU, bias and residual adds not counted"


def check_shape(width: int, heads: int) -> int:
    """The width of one head; ValueError when the width does not split evenly into heads."""
    if heads < 1 or width % heads:
        raise ValueError(f"width {width} does not split into {heads} heads of equal width")
    return width // heads


def _small_uniform(shape: tuple[int, ...], g: np.random.Generator, centre: float = 0.0) -> np.ndarray:
    return (centre + g.uniform(-0.1, 0.1, shape)).astype(np.float32)


def _layer_norm_weights(prefix: str, width: int, g: np.random.Generator) -> dict[str, np.ndarray]:
    return {f"{prefix}_gamma": _small_uniform((width,), g, 1.0), f"{prefix}_beta": _small_uniform((width,), g)}


def _dense(name: str, fan_in: int, fan_out: int, g: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        name: ref.glorot_uniform((fan_in, fan_out), fan_in, fan_out, g),
        f"{name}_b": _small_uniform((fan_out,), g),
    }


def mlp_block_weights(width: int, mlp: int, seed: int = ref.SEED) -> dict[str, np.ndarray]:
    """LN2 then Dense(width -> mlp), GELU, Dense(mlp -> width): kernels (in, out) as Keras keeps them."""
    g = ref.rng(seed + 5)
    return {
        **_layer_norm_weights("ln2", width, g),
        **_dense("mlp_up", width, mlp, g),
        **_dense("mlp_down", mlp, width, g),
    }


def transformer_weights(width: int, heads: int, mlp: int, classes: int, seed: int = ref.SEED) -> dict[str, np.ndarray]:
    """The whole block and head. Q, K, V and output kernels are (width, width); the columns of Q, K and V
    (and the rows of the output kernel) are head-major: head h owns [h * head_width, (h + 1) * head_width)."""
    check_shape(width, heads)
    g = ref.rng(seed + 4)
    weights = _layer_norm_weights("ln1", width, g)
    for name in ("query", "key", "value", "attn_out"):
        weights.update(_dense(name, width, width, g))
    weights.update(mlp_block_weights(width, mlp, seed))
    weights.update(_dense("head", width, classes, g))
    return weights


# --------------------------------------------------------------------------------------------------
# Float64 forward passes


def _f64(array: np.ndarray) -> np.ndarray:
    return np.asarray(array, np.float64)


def layer_norm_ref(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Over the last axis, biased variance, epsilon inside the square root (both frameworks' definition)."""
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LN_EPSILON) * _f64(gamma) + _f64(beta)


def gelu_tanh_ref(x: np.ndarray) -> np.ndarray:
    """GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))


def mlp_block_ref(weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """x + MLP(LN2(x)) on (..., width), float64."""
    x = _f64(x)
    h = layer_norm_ref(x, weights["ln2_gamma"], weights["ln2_beta"])
    h = gelu_tanh_ref(h @ _f64(weights["mlp_up"]) + weights["mlp_up_b"])
    return x + h @ _f64(weights["mlp_down"]) + weights["mlp_down_b"]


def attention_ref(weights: dict[str, np.ndarray], x: np.ndarray, heads: int) -> np.ndarray:
    """Multi-head self-attention of (N, T, D) input, no mask: softmax(Q K^T / sqrt(d)) V, then the output
    projection."""
    n, t, _ = x.shape
    width = weights["query"].shape[1]  # the projections' width (the model's width in the block)
    d = width // heads

    def split(name: str) -> np.ndarray:  # (N, T, D) -> (N, H, T, d)
        return (x @ _f64(weights[name]) + weights[f"{name}_b"]).reshape(n, t, heads, d).transpose(0, 2, 1, 3)

    q, k, v = split("query"), split("key"), split("value")
    scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d)
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    mixed = (scores / scores.sum(axis=-1, keepdims=True)) @ v
    merged = mixed.transpose(0, 2, 1, 3).reshape(n, t, width)
    return merged @ _f64(weights["attn_out"]) + weights["attn_out_b"]


def transformer_logits_ref(weights: dict[str, np.ndarray], x: np.ndarray, heads: int) -> np.ndarray:
    """The train_transformer model's logits (N, classes) for (N, T, D) input, float64."""
    x = _f64(x)
    h = x + attention_ref(weights, layer_norm_ref(x, weights["ln1_gamma"], weights["ln1_beta"]), heads)
    pooled = mlp_block_ref(weights, h).mean(axis=1)
    return pooled @ _f64(weights["head"]) + weights["head_b"]


def transformer_loss_ref(weights: dict[str, np.ndarray], x: np.ndarray, labels: np.ndarray, heads: int) -> float:
    """Mean softmax cross-entropy of the train_transformer model, float64."""
    return ref.softmax_xent_ref(transformer_logits_ref(weights, x, heads), labels)


# --------------------------------------------------------------------------------------------------
# Work counts


def forward_flops(batch: int, seq_len: int, width: int, mlp: int, classes: int) -> int:
    """Matrix-multiply FLOPs of one forward pass (2 per multiply-add), as FLOPS_FORMULA says."""
    b, t, d = batch, seq_len, width
    return 8 * b * t * d * d + 4 * b * t * t * d + 4 * b * t * d * mlp + 2 * b * d * classes


def train_flops(batch: int, seq_len: int, width: int, mlp: int, classes: int) -> int:
    """Model FLOPs of one training step: forward plus a backward pass twice its size (FLOPS_FORMULA)."""
    return 3 * forward_flops(batch, seq_len, width, mlp, classes)


def mlp_block_flops(batch: int, seq_len: int, width: int, mlp: int) -> int:
    return 4 * batch * seq_len * width * mlp


def check_samples(batch: int, seq_len: int, width: int, mlp: int, classes: int) -> int:
    """How many leading samples of the batch the float64 check covers (all of a small batch, at least 1)."""
    per_sample = forward_flops(1, seq_len, width, mlp, classes)
    return max(1, min(batch, int(CHECK_FLOPS // per_sample)))


def loss_fell(first_loss: float, final_loss: float) -> ref.Check:
    """Training lowered a finite loss (the half of reference.training_check that needs no reference)."""
    ok = bool(np.isfinite(first_loss) and np.isfinite(final_loss) and final_loss < first_loss)
    outcome = "lower" if ok else "NOT lower or not finite"
    return ref.Check(ok, 0.0, 0.0, f"loss {first_loss:.4f} -> {final_loss:.4f} after the timed steps ({outcome})")
