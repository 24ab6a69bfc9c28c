"""TensorFlow's part of the transformer benchmarks (train_transformer and the compiled block): a mixin
of TensorFlowAdapter, kept apart so the transformer code has one home (see recipes/transformer_adapter.py).

Written as Keras users write a transformer block: a functional model of LayerNormalization,
MultiHeadAttention, Dense and Add layers (the shared weights set into them, reshaped to
MultiHeadAttention's per-head kernels), tf.function(jit_compile=True) for the compiled run. Mixed
precision comes from the global Keras policy the recipe sets around model building.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import tensorflow as tf

from fwadvisor.bench import reference_transformer as tref
from fwadvisor.bench.backends.tensorflow_keras import keras
from fwadvisor.bench.recipes.timed_call import Kernel
from fwadvisor.profiler.documents import Details

# Keras dtype policies for the profiler's dtype names (tf32 = float32 tensors, TF32 math set apart).
_POLICIES = {"fp32": "float32", "tf32": "float32", "fp16": "float16", "bf16": "bfloat16"}


def _mlp_layers(weights: dict[str, np.ndarray], dtype: str | None) -> list[Any]:
    k = keras()
    hidden, width = weights["mlp_down"].shape
    gelu_tanh = functools.partial(k.activations.gelu, approximate=True)  # Keras' "gelu" is the exact form
    return [
        k.layers.LayerNormalization(epsilon=tref.LN_EPSILON, dtype=dtype),
        k.layers.Dense(hidden, activation=gelu_tanh, dtype=dtype),
        k.layers.Dense(width, dtype=dtype),
        k.layers.Add(dtype=dtype),
    ]


def _apply_mlp(layers: list[Any], x: Any) -> Any:
    norm, up, down, add = layers
    return add([x, down(up(norm(x)))])


def _load_mlp(layers: list[Any], weights: dict[str, np.ndarray]) -> None:
    norm, up, down, _ = layers
    norm.set_weights([weights["ln2_gamma"], weights["ln2_beta"]])
    up.set_weights([weights["mlp_up"], weights["mlp_up_b"]])
    down.set_weights([weights["mlp_down"], weights["mlp_down_b"]])


class TensorFlowTransformerParts:
    """TensorFlowAdapter's transformer members (see recipes.transformer_adapter.TransformerAdapterPart)."""

    # Keras' TensorFlow backend has no flash-attention kernel: the score matrix is materialised.
    attention = "keras.layers.MultiHeadAttention: einsum scores, softmax in float32, einsum (no flash attention)"

    def transformer(self, weights: dict[str, np.ndarray], seq_len: int, heads: int, classes: int) -> Any:
        k = keras()
        width = weights["query"].shape[0]
        head_width = tref.check_shape(width, heads)
        inputs = k.Input((seq_len, width))
        norm = k.layers.LayerNormalization(epsilon=tref.LN_EPSILON)
        attention = k.layers.MultiHeadAttention(heads, key_dim=head_width)
        normed = norm(inputs)
        h = k.layers.Add()([inputs, attention(normed, normed)])
        mlp = _mlp_layers(weights, None)
        head = k.layers.Dense(classes)
        model = k.Model(inputs, head(k.layers.GlobalAveragePooling1D()(_apply_mlp(mlp, h))))
        norm.set_weights([weights["ln1_gamma"], weights["ln1_beta"]])
        # MultiHeadAttention keeps per-head kernels: Q/K/V (width, heads, head width), bias (heads, head
        # width), output (heads, head width, width); the shared kernels' head-major columns reshape into them.
        projections = []
        for name in ("query", "key", "value"):
            projections += [
                weights[name].reshape(width, heads, head_width),
                weights[f"{name}_b"].reshape(heads, head_width),
            ]
        attention.set_weights(
            [*projections, weights["attn_out"].reshape(heads, head_width, width), weights["attn_out_b"]]
        )
        _load_mlp(mlp, weights)
        head.set_weights([weights["head"], weights["head_b"]])
        return model

    def mlp_block(self, weights: dict[str, np.ndarray], dtype: str) -> Any:
        k = keras()
        policy = _POLICIES[dtype]
        inputs = k.Input((None, weights["mlp_up"].shape[0]), dtype=policy)
        layers = _mlp_layers(weights, policy)
        model = k.Model(inputs, _apply_mlp(layers, inputs))
        _load_mlp(layers, weights)
        return model

    def compiled_block(self, model: Any, x: tf.Tensor) -> Kernel:
        @tf.function(jit_compile=True)
        def compiled(v: tf.Tensor) -> tf.Tensor:
            return model(v, training=False)

        notes: Details = {
            "eager": "Keras functional model: LayerNormalization, Dense(GELU tanh), Dense, Add; called eagerly",
            "compiled": "tf.function(jit_compile=True) (XLA)",
        }
        return Kernel(lambda: compiled(x), notes)  # cold call = trace + XLA compile

    def leading_tokens(self, tensor: tf.Tensor, count: int) -> np.ndarray:
        # Upcast first: NumPy has no bfloat16, and the upcast is exact.
        return tf.cast(tensor[0, :count], tf.float32).numpy()
