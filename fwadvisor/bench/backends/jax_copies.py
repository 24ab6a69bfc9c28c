"""JAX's part of the copy benchmarks (host to device, pinned and pageable; device to host): a mixin of
JaxAdapter (see recipes/copy_adapter.py). GPU-only in the catalogue; not run on a GPU by us yet.

JAX's public way to page-locked host memory is a memory kind: an array placed with
SingleDeviceSharding(device, memory_kind="pinned_host") lives in pinned host memory, and device_put to
memory_kind="device" copies it over with the GPU's copy engines. A device without that memory kind
gets JAX's one path (a NumPy buffer, pageable), said in the record.

A JAX array caches its NumPy value after the first host read, so device to host makes a fresh transfer
each call (device_put to the host memory kind, or to the CPU device) instead of re-reading one array.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from jax.sharding import SingleDeviceSharding

from fwadvisor.bench.recipes.copy_adapter import CopyKernel
from fwadvisor.profiler.documents import Details

PINNED = "pinned (JAX memory kind 'pinned_host')"
NO_PINNED = "pageable: this JAX device has no 'pinned_host' memory kind, so this is its one path (NumPy buffer)"


class JaxCopyParts:
    jax_device: Any  # set by JaxAdapter
    timed: Callable[[Callable[[], Any]], Callable[[], Any]]  # the call with its output kept for sync()

    def _memory_kinds(self) -> set[str]:
        try:
            return {m.kind for m in self.jax_device.addressable_memories()}
        except Exception:  # older runtimes or plugins without memory kinds
            return set()

    def host_to_device_kernel(self, host: np.ndarray, pinned: bool) -> CopyKernel:
        dev = self.jax_device
        if pinned and "pinned_host" in self._memory_kinds():
            staged = jax.device_put(host, SingleDeviceSharding(dev, memory_kind="pinned_host"))
            staged.block_until_ready()  # made once, outside the timing
            target = SingleDeviceSharding(dev, memory_kind="device")
            notes: Details = {"op": "jax.device_put(pinned_host array, memory_kind='device')"}
            return CopyKernel(self.timed(lambda: jax.device_put(staged, target)), True, PINNED, notes)
        memory = NO_PINNED if pinned else "pageable (NumPy buffer, not pinned)"
        notes = {"op": "jax.device_put(numpy_array, device)"}
        return CopyKernel(self.timed(lambda: jax.device_put(host, dev)), False, memory, notes)

    def device_to_host_kernel(self, source: Any, pinned: bool) -> CopyKernel:
        if pinned and "pinned_host" in self._memory_kinds():
            target = SingleDeviceSharding(self.jax_device, memory_kind="pinned_host")
            notes: Details = {"op": "jax.device_put(device_array, memory_kind='pinned_host')"}
            return CopyKernel(self.timed(lambda: jax.device_put(source, target)), True, PINNED, notes)
        cpu = jax.devices("cpu")[0]
        memory = NO_PINNED if pinned else "pageable (a host buffer of JAX's CPU device, per call)"
        notes = {"op": "jax.device_put(device_array, jax.devices('cpu')[0])", "output": "allocated per call"}
        return CopyKernel(self.timed(lambda: jax.device_put(source, cpu)), False, memory, notes)

    def host_array(self, copied: Any) -> np.ndarray:
        return np.asarray(copied)
