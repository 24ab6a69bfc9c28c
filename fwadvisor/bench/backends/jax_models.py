"""JAX's models: Flax linen modules with the shared NumPy weights as their parameters.

flax.linen, not NNX: a linen module is a pure function of (params, inputs), so the params are one
pytree we build straight from the shared weights (no random init to overwrite), hand to jax.jit,
jax.grad and Optax, and close over in jax.export; that is the functional style JAX is used in, and
linen's API has been stable for years. A JaxModel holds the module and its current params: training
replaces the params (JAX arrays are immutable), so the practice suite's export sees the trained ones.

Every module takes a `dtype`: the compute dtype (mixed precision casts the float32 params and the
inputs to it inside the train step; the params stay float32).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from fwadvisor.bench import reference_transformer as tref
from fwadvisor.bench.backends.jax_compile import apply


@dataclass
class JaxModel:
    """A Flax module and its current parameters (a pytree of jax.Arrays on the device)."""

    module: nn.Module
    params: Any
    kind: str  # "cnn", "lstm", "transformer", "mlp_block"

    def apply(self, params: Any, x: jax.Array) -> jax.Array:
        return apply(self.module, params, x)


class Cnn(nn.Module):
    """Conv-relu-pool twice, then dense: the train_cnn / practice model, NHWC."""

    classes: int
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        for name, features in (("conv1", 16), ("conv2", 32)):
            x = nn.Conv(features, (3, 3), padding="SAME", dtype=self.dtype, name=name)(x)
            x = nn.max_pool(nn.relu(x), (2, 2), strides=(2, 2), padding="VALID")
        x = x.reshape((x.shape[0], -1))  # (h, w, c) order, as the shared dense rows are
        return nn.Dense(self.classes, dtype=self.dtype, name="dense")(x)


class KerasLstm(nn.Module):
    """An LSTM in Keras' layout: z = x K + h R + b, gates i, f, g, o; returns the last hidden state.

    Written out (not nn.OptimizedLSTMCell, whose per-gate Dense params are split differently) so the
    shared kernels drop in unchanged; jax.lax.scan runs the time steps inside one compiled loop."""

    hidden: int
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        features = x.shape[-1]
        kernel = self.param("kernel", nn.initializers.zeros, (features, 4 * self.hidden))
        recurrent = self.param("recurrent", nn.initializers.zeros, (self.hidden, 4 * self.hidden))
        bias = self.param("bias", nn.initializers.zeros, (4 * self.hidden,))
        kernel, recurrent, bias = (v.astype(self.dtype) for v in (kernel, recurrent, bias))
        projected = x.astype(self.dtype) @ kernel + bias  # every step's input projection in one GEMM

        def step(carry: tuple[jax.Array, jax.Array], z_x: jax.Array) -> tuple[tuple[jax.Array, jax.Array], None]:
            h, c = carry
            i, f, g, o = jnp.split(z_x + h @ recurrent, 4, axis=-1)
            c = nn.sigmoid(f) * c + nn.sigmoid(i) * jnp.tanh(g)
            return (nn.sigmoid(o) * jnp.tanh(c), c), None

        zeros = jnp.zeros((x.shape[0], self.hidden), self.dtype)
        (h, _), _ = jax.lax.scan(step, (zeros, zeros), jnp.swapaxes(projected, 0, 1))
        return h


class LstmClassifier(nn.Module):
    hidden: int
    classes: int
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        h = KerasLstm(self.hidden, self.dtype, name="lstm")(x)
        return nn.Dense(self.classes, dtype=self.dtype, name="dense")(h)


class ResidualMlp(nn.Module):
    """x + Dense(GELU(Dense(LayerNorm(x)))), GELU in its tanh form (jax.nn.gelu's default)."""

    hidden: int
    width: int
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        h = nn.LayerNorm(epsilon=tref.LN_EPSILON, dtype=self.dtype, name="ln2")(x)
        h = nn.gelu(nn.Dense(self.hidden, dtype=self.dtype, name="mlp_up")(h), approximate=True)
        return x + nn.Dense(self.width, dtype=self.dtype, name="mlp_down")(h)


class EncoderClassifier(nn.Module):
    """The pre-norm encoder block with a mean-pool + dense head (reference_transformer's function)."""

    heads: int
    hidden: int
    classes: int
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        width = x.shape[-1]
        normed = nn.LayerNorm(epsilon=tref.LN_EPSILON, dtype=self.dtype, name="ln1")(x)
        attention = nn.MultiHeadDotProductAttention(
            num_heads=self.heads,
            qkv_features=width,
            out_features=width,
            dtype=self.dtype,
            deterministic=True,
            force_fp32_for_softmax=True,  # as Keras and PyTorch's kernels do in mixed precision
            name="attention",
        )
        h = x + attention(normed)
        out = ResidualMlp(self.hidden, width, self.dtype, name="mlp")(h)
        return nn.Dense(self.classes, dtype=self.dtype, name="head")(out.mean(axis=1))


def _dense(kernel: np.ndarray, bias: np.ndarray) -> dict[str, np.ndarray]:
    return {"kernel": kernel, "bias": bias}


def cnn_params(w: dict[str, np.ndarray]) -> dict[str, Any]:
    return {name: _dense(w[name], w[f"{name}_b"]) for name in ("conv1", "conv2", "dense")}


def lstm_params(w: dict[str, np.ndarray]) -> dict[str, Any]:
    return {
        "lstm": {"kernel": w["kernel"], "recurrent": w["recurrent"], "bias": w["bias"]},
        "dense": _dense(w["dense"], w["dense_b"]),
    }


def mlp_params(w: dict[str, np.ndarray]) -> dict[str, Any]:
    return {
        "ln2": {"scale": w["ln2_gamma"], "bias": w["ln2_beta"]},
        "mlp_up": _dense(w["mlp_up"], w["mlp_up_b"]),
        "mlp_down": _dense(w["mlp_down"], w["mlp_down_b"]),
    }


def transformer_params(w: dict[str, np.ndarray], heads: int) -> dict[str, Any]:
    """Flax's attention keeps per-head kernels, as Keras does: Q/K/V (width, heads, head width), their
    biases (heads, head width), the output (heads, head width, width); the shared head-major columns
    reshape into them."""
    width = w["query"].shape[0]
    head_width = tref.check_shape(width, heads)
    attention = {
        name: _dense(w[name].reshape(width, heads, head_width), w[f"{name}_b"].reshape(heads, head_width))
        for name in ("query", "key", "value")
    }
    attention["out"] = _dense(w["attn_out"].reshape(heads, head_width, width), w["attn_out_b"])
    return {
        "ln1": {"scale": w["ln1_gamma"], "bias": w["ln1_beta"]},
        "attention": attention,
        "mlp": mlp_params(w),
        "head": _dense(w["head"], w["head_b"]),
    }
