"""PyTorch's part of the copy benchmarks (host to device, pinned and pageable; device to host): a mixin
of TorchAdapter (see recipes/copy_adapter.py).

Pinned is how PyTorch users feed a GPU: DataLoader(pin_memory=True) hands out page-locked batches, and
.to(device, non_blocking=True) copies them asynchronously. The clock's sync (torch.cuda.synchronize)
waits for each block of copies, so asynchronous copies are timed whole.
"""

from __future__ import annotations

import numpy as np
import torch

from fwadvisor.bench.recipes.copy_adapter import CopyKernel
from fwadvisor.profiler.documents import Details

PINNED_MEMORY = "pinned (page-locked, torch.Tensor.pin_memory())"
PAGEABLE_MEMORY = "pageable (NumPy buffer, not pinned)"


class TorchCopyParts:
    torch_device: torch.device  # set by TorchAdapter

    def host_to_device_kernel(self, host: np.ndarray, pinned: bool) -> CopyKernel:
        device = self.torch_device
        if pinned:
            # One page-locked copy of the buffer, made here, outside the timing (as a pinned DataLoader
            # batch is ready before the copy): the GPU's copy engine reads it directly.
            source = torch.from_numpy(host).pin_memory()

            def copy_pinned() -> torch.Tensor:
                return source.to(device, non_blocking=True)

            notes: Details = {"op": "pinned.to('cuda', non_blocking=True)"}
            return CopyKernel(copy_pinned, bool(source.is_pinned()), PINNED_MEMORY, notes)

        def copy_pageable() -> torch.Tensor:
            # from_numpy shares NumPy's buffer (no host copy); .to() is the one host-to-device copy, staged
            # by the driver through its own pinned buffer. The same per-call recipe as TensorFlow's.
            return torch.from_numpy(host).to(device)

        return CopyKernel(copy_pageable, False, PAGEABLE_MEMORY, {"op": "torch.from_numpy(host).to('cuda')"})

    def device_to_host_kernel(self, source: torch.Tensor, pinned: bool) -> CopyKernel:
        # A preallocated destination (what .cpu() would allocate per call): the clock sees the copy, not a
        # host allocation. Into pinned memory the copy may run asynchronously; into pageable memory it
        # must not (the driver stages it, and torch returns only when the bytes are there).
        target = torch.empty(source.shape, dtype=source.dtype, pin_memory=pinned)

        def copy() -> torch.Tensor:
            return target.copy_(source, non_blocking=pinned)

        op = "host.copy_(device_tensor, non_blocking=True)" if pinned else "host.copy_(device_tensor)"
        memory = PINNED_MEMORY if pinned else "pageable (torch.empty on the CPU, not pinned)"
        return CopyKernel(copy, bool(target.is_pinned()), memory, {"op": op, "output": "preallocated host tensor"})

    def host_array(self, copied: torch.Tensor) -> np.ndarray:
        return copied.numpy()  # a view of the host tensor's memory, not a copy
