"""Recipes for single kernels: matmul, conv2d, bandwidth, eager_overhead (copies are in copies.py).

Each checks its arithmetic against NumPy float64 (before or after timing), builds its inputs on the
device, and times the adapter's Kernel with timing.measure: the cold call apart, then blocks of calls
each closed by a device sync.
"""

from __future__ import annotations

import numpy as np

from fwadvisor.bench import reference as ref
from fwadvisor.bench.recipes.adapter import Adapter
from fwadvisor.bench.recipes.skeleton import Outcome, case_layout, layout_extra
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.timing import measure


def matmul(adapter: Adapter, case: Case) -> Outcome:
    m, n, k = case.ints("m", "n", "k")
    dtype = case.dtype
    # Check the arithmetic on a small case in the same dtype; the reference sees the rounded inputs,
    # so the error measured is the matmul's own, not the input rounding.
    a_np, b_np = ref.matmul_operands(*ref.MATMUL_CHECK_SHAPE)
    a_small, b_small = adapter.tensor(a_np, dtype), adapter.tensor(b_np, dtype)
    got = adapter.numpy(adapter.matmul(a_small, b_small))
    check = ref.check_close(got, ref.matmul_ref(adapter.numpy(a_small), adapter.numpy(b_small)), dtype)

    a, b = adapter.random_normal([(m, k), (k, n)], dtype)
    kernel = adapter.matmul_kernel(a, b)
    timing = measure(kernel.call, adapter.sync, case.budget_s)
    metric = ref.flops_metric(adapter.gpu, 2.0 * m * n * k, timing.median_s)
    return Outcome(timing, metric, check, {"flops_per_call": 2 * m * n * k, **kernel.notes})


def conv2d(adapter: Adapter, case: Case) -> Outcome:
    batch, height, width = case.ints("batch", "height", "width")
    c_in, c_out, kernel_side = case.ints("channels_in", "channels_out", "kernel")
    dtype = case.dtype
    images, filters = ref.IMAGE_AXES[adapter.layout], ref.FILTER_AXES[adapter.layout]
    # PyTorch's channels_last keeps the logical NCHW shapes: only the strides change (in_layout).
    layout = case_layout(adapter, case)
    # cuDNN autotuning (where the framework makes it a choice) lands in the cold call.
    adapter.autotune_convolutions()

    # The check runs in the case's own layout and dtype, so both layouts are checked against NumPy.
    x_np, w_np = ref.conv_operands(*ref.CONV_CHECK_SHAPE, kernel_side)
    x_small = adapter.in_layout(adapter.tensor(ref.to_layout(x_np, images), dtype), layout)
    w_small = adapter.in_layout(adapter.tensor(ref.to_layout(w_np, filters), dtype), layout)
    got = ref.from_layout(adapter.numpy(adapter.conv2d(x_small, w_small)), images)
    expected = ref.conv2d_same_ref(
        ref.from_layout(adapter.numpy(x_small), images), ref.from_layout(adapter.numpy(w_small), filters)
    )
    check = ref.check_close(got, expected, dtype)

    x, w = (
        adapter.in_layout(tensor, layout)
        for tensor in adapter.random_normal(
            [
                ref.layout_shape((batch, height, width, c_in), images),
                ref.layout_shape((kernel_side, kernel_side, c_in, c_out), filters),
            ],
            dtype,
        )
    )
    kernel = adapter.conv2d_kernel(x, w)
    timing = measure(kernel.call, adapter.sync, case.budget_s)
    flops = 2.0 * batch * height * width * c_out * c_in * kernel_side * kernel_side
    metric = ref.flops_metric(adapter.gpu, flops, timing.median_s)
    return Outcome(timing, metric, check, {**layout_extra(layout), "flops_per_call": flops, **kernel.notes})


def _vector_length(case: Case) -> int:
    return max(int(float(case.params["megabytes"]) * 1e6) // 4, 1)


def _cache_note(adapter: Adapter, nbytes: int) -> str:
    if adapter.gpu:
        return ref.cache_note(nbytes, adapter.l2_cache_bytes, "GPU L2")
    return ref.cache_note(nbytes, ref.cpu_last_level_cache_bytes(), "CPU L3")


def bandwidth(adapter: Adapter, case: Case) -> Outcome:
    n = _vector_length(case)
    x = adapter.random_uniform(n)
    kernel = adapter.scale_kernel(x, 2.0)
    timing = measure(kernel.call, adapter.sync, case.budget_s)
    # x * 2 is exact in float32: read back a sample of the result and compare for equality.
    y = kernel.call()
    idx = ref.sample_indices(n)
    check = ref.check_exact(adapter.gather(y, idx), 2.0 * adapter.gather(x, idx).astype(np.float64))
    nbytes = n * 4
    return Outcome(
        timing,
        ("GB/s", 2 * nbytes / timing.median_s / 1e9),
        check,
        {
            "bytes_per_call": 2 * nbytes,
            "op": "y = x * 2.0 (read + write)",
            **kernel.notes,
            "cache": _cache_note(adapter, nbytes),
        },
    )


def eager_overhead(adapter: Adapter, case: Case) -> Outcome:
    ops, size = case.ints("ops", "size")
    start_np, inc_np = ref.vector(size, ref.SEED), ref.vector(size, ref.SEED + 1)
    kernel = adapter.add_chain_kernel(adapter.tensor(start_np), adapter.tensor(inc_np), ops)
    with adapter.inference():  # no autograd bookkeeping: the inputs need no gradient anyway
        timing = measure(kernel.call, adapter.sync, case.budget_s)
        result = adapter.numpy(kernel.call())
    check = ref.check_close(result, ref.eager_chain_ref(start_np, inc_np, ops), "fp32")
    return Outcome(timing, ("us/op", timing.median_s / ops * 1e6), check, dict(kernel.notes))
