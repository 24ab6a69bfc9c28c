"""JAX's part of the transformer benchmarks (train_transformer and the compiled block): a mixin of
JaxAdapter, kept apart so the transformer code has one home (see recipes/transformer_adapter.py).

Written as Flax users write a transformer block: nn.LayerNorm, nn.MultiHeadDotProductAttention (per-head
kernels, the shared weights reshaped into them), nn.Dense and a residual add (jax_models.py). The
compiled run is jax.jit of the same apply, compiled ahead of time; the "eager" run is the apply without
jit, where JAX dispatches each primitive on its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from fwadvisor.bench.backends import jax_models as jm
from fwadvisor.bench.backends.jax_compile import compile_options
from fwadvisor.bench.recipes.timed_call import Kernel
from fwadvisor.profiler.documents import Details

_DTYPES = {"fp32": jnp.float32, "tf32": jnp.float32, "fp16": jnp.float16, "bf16": jnp.bfloat16}


class JaxTransformerParts:
    """JaxAdapter's transformer members (see recipes.transformer_adapter.TransformerAdapterPart)."""

    jax_device: Any  # set by JaxAdapter
    timed: Callable[[Callable[[], Any]], Callable[[], Any]]
    # Flax's default attention_fn: the score matrix is materialised (no flash kernel is picked).
    attention = "flax.linen.MultiHeadDotProductAttention: dot_product_attention, softmax in float32"

    def transformer(self, weights: dict[str, np.ndarray], seq_len: int, heads: int, classes: int) -> jm.JaxModel:
        hidden = weights["mlp_up"].shape[1]
        module = jm.EncoderClassifier(heads, hidden, classes)
        params = jax.device_put(jm.transformer_params(weights, heads), self.jax_device)
        return jm.JaxModel(module, params, "transformer")

    def mlp_block(self, weights: dict[str, np.ndarray], dtype: str) -> jm.JaxModel:
        width, hidden = weights["mlp_up"].shape
        narrow = _DTYPES[dtype]
        # Weights and compute in the case dtype (param_dtype too), as the other frameworks' blocks.
        module = jm.ResidualMlp(hidden, width, narrow)
        params = jax.tree.map(lambda v: jnp.asarray(v, narrow), jm.mlp_params(weights))
        return jm.JaxModel(module, jax.device_put(params, self.jax_device), "mlp_block")

    def compiled_block(self, model: jm.JaxModel, x: jax.Array) -> Kernel:
        start = time.perf_counter()
        executable = jax.jit(model.apply).lower(model.params, x).compile()
        compile_s = time.perf_counter() - start
        params = model.params
        notes: Details = {
            "eager": "Flax module applied op-by-op (no jax.jit): LayerNorm, Dense, GELU(tanh), Dense, add",
            "compiled": "jax.jit(apply).lower(...).compile(), before the timing",
            "compile_s": compile_s,  # the AOT compile, measured apart (cold_s is then the first call only)
            **compile_options(),
        }
        return Kernel(self.timed(lambda: executable(params, x)), notes)

    def leading_tokens(self, tensor: jax.Array, count: int) -> np.ndarray:
        # Upcast first: NumPy has no bfloat16, and the upcast is exact.
        return np.asarray(tensor[0, :count].astype(jnp.float32))
