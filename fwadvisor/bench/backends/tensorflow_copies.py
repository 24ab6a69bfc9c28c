"""TensorFlow's part of the copy benchmarks (host to device, pinned and pageable; device to host): a
mixin of TensorFlowAdapter (see recipes/copy_adapter.py).

TensorFlow has no public API to allocate pinned (page-locked) host memory: its GPU runtime keeps a
pinned host allocator for its own staging, but a user's NumPy array or tensor is pageable. A case that
asks for pinned memory measures TensorFlow's one path and says so in the record.

Both copies make a fresh tensor handle per call. The eager runtime caches a copy of a tensor on
another device ("local mirrors", tensorflow/core/common_runtime/eager/tensor_handle.cc): copying the
same long-lived tensor again could be served from that cache instead of crossing the link.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from fwadvisor.bench.recipes.copy_adapter import CopyKernel
from fwadvisor.profiler.documents import Details

NO_PINNED_API = "pageable: TensorFlow has no public API for pinned host memory, so this is its one path (NumPy buffer)"


class TensorFlowCopyParts:
    def host_to_device_kernel(self, host: np.ndarray, pinned: bool) -> CopyKernel:
        def copy() -> tf.Tensor:
            # A fresh tensor from the NumPy buffer each call, created on the GPU (the case's device scope):
            # one host-to-device copy.
            return tf.constant(host)

        memory = NO_PINNED_API if pinned else "pageable (NumPy buffer, not pinned)"
        notes: Details = {
            "op": "with tf.device('/GPU:0'): tf.constant(host)",
            # Seen on a CPU (tests/frameworks/test_copies_real_worker.py): the tensor never shares the NumPy buffer.
            "host_copy": "tf.constant copies the NumPy buffer into a TensorFlow host tensor first; timed with it",
        }
        return CopyKernel(copy, False, memory, notes)

    def device_to_host_kernel(self, source: tf.Tensor, pinned: bool) -> CopyKernel:
        def copy() -> memoryview:
            # tf.identity on the GPU gives a new handle to the same device buffer (no device copy), so the
            # host copy cannot come from the cache of an earlier call. memoryview() resolves it on the host:
            # one device-to-host copy into a buffer TensorFlow allocates, exposed without a further copy
            # (EagerTensor.numpy() would add a host copy of its own; its docstring points to memoryview).
            return memoryview(tf.identity(source))

        memory = NO_PINNED_API if pinned else "pageable (a host buffer TensorFlow allocates per call)"
        notes: Details = {"op": "memoryview(tf.identity(device_tensor))", "output": "allocated per call by TensorFlow"}
        return CopyKernel(copy, False, memory, notes)

    def host_array(self, copied: memoryview) -> np.ndarray:
        return np.asarray(copied)  # a view of TensorFlow's host buffer, not a copy
