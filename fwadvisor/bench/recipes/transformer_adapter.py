"""What an adapter supplies for the transformer recipes (recipes/transformer.py): a part of Adapter.

Models are built from reference_transformer's NumPy weights (kernels (in, out); Q, K and V columns
head-major) and rearranged as the framework needs, so each is the same function in every framework.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from fwadvisor.bench.recipes.timed_call import Kernel


class TransformerAdapterPart(Protocol):
    attention: str  # how self-attention runs, in words (the record's extra)

    def transformer(self, weights: dict[str, np.ndarray], seq_len: int, heads: int, classes: int) -> Any:
        """The pre-norm encoder block with a mean-pool + dense head, on the device; inputs (N, seq_len, width).
        Built inside model_precision(dtype) by the recipe, so a Keras model takes the mixed policy."""
        ...

    def mlp_block(self, weights: dict[str, np.ndarray], dtype: str) -> Any:
        """x + Dense(GELU(Dense(LayerNorm(x)))) from reference_transformer.MLP_KEYS, weights and compute in
        `dtype` (a profiler dtype name), on the device; inputs (N, T, width)."""
        ...

    def compiled_block(self, model: Any, x: Any) -> Kernel:
        """The framework's compiler on mlp_block's model, inference (compiles on the first call)."""
        ...

    def leading_tokens(self, tensor: Any, count: int) -> np.ndarray:
        """The first `count` tokens of the first sequence of an (N, T, D) tensor, on the host as float32."""
        ...
