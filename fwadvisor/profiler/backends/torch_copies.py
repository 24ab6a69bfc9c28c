"""PyTorch's part of the copy benchmarks (host to device, pinned and pageable; device to host): a mixin
of TorchAdapter (see recipes/copy_adapter.py)."""

from __future__ import annotations


class TorchCopyParts:
    pass
