"""PyTorch's part of the transformer benchmarks (train_transformer and the compiled block): a mixin of
TorchAdapter, kept apart so the transformer code has one home (see recipes/transformer_adapter.py)."""

from __future__ import annotations


class TorchTransformerParts:
    pass
