"""Recipes for copies between host memory and the GPU: host_to_device and device_to_host, each from or
into pinned (page-locked) or pageable host memory.

Parameters: megabytes (bytes per copy, 1 MB = 1e6 bytes) and pinned (1: page-locked host memory, as a
DataLoader(pin_memory=True) hands out; 0: pageable memory, a plain NumPy buffer). Each copy is checked
exactly: sampled elements of the copy must equal the source. The parent adds the PCIe link's rate and
the share of it reached (profiler/pcie.py add_link_share). Both run on a GPU only: a CPU has no
host/device copy to measure.
"""

from __future__ import annotations

from typing import Any

from fwadvisor.bench import reference as ref
from fwadvisor.bench.recipes.adapter import Adapter
from fwadvisor.bench.recipes.copy_adapter import CopyKernel
from fwadvisor.bench.recipes.skeleton import Outcome
from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.documents import Details
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.timing import measure

# The pageable copy in one direction was the only copy before `pinned` existed: a case without it
# (an older suite file, a saved run's params) means that one.
PAGEABLE = 0
PINNED = 1


def _elements(case: Case) -> int:
    return max(int(float(case.params["megabytes"]) * 1e6) // 4, 1)


def pinned_choice(params: Params) -> bool:
    """The `pinned` parameter: 1 pinned, 0 (or absent) pageable; anything else is refused."""
    value = params.get("pinned", PAGEABLE)
    if isinstance(value, bool) or value not in (PAGEABLE, PINNED):
        raise ValueError(f"pinned must be {PINNED} (pinned host memory) or {PAGEABLE} (pageable), not {value!r}")
    return bool(value == PINNED)


def _require_gpu(adapter: Adapter, tensor: Any, what: str) -> None:
    where = adapter.placement(tensor)
    if not any(name in where.upper() for name in ("GPU", "CUDA")):
        raise RuntimeError(f"{what} is on {where}, not on the GPU")


def _extra(kernel: CopyKernel, nbytes: int, direction: str, pinned: bool) -> Details:
    return {
        "bytes_per_call": nbytes,
        "direction": direction,
        "host_memory": kernel.host_memory,
        "pinned": kernel.pinned,  # what the copy used; pinned_requested is what the case asked for
        "pinned_requested": pinned,
        **kernel.notes,
    }


def host_to_device(adapter: Adapter, case: Case) -> Outcome:
    n, pinned = _elements(case), pinned_choice(case.params)
    host_np = ref.vector(n)
    kernel = adapter.host_to_device_kernel(host_np, pinned)
    timing = measure(kernel.call, adapter.sync, case.budget_s)
    copied = kernel.call()
    _require_gpu(adapter, copied, "the copy")
    idx = ref.sample_indices(n)
    check = ref.check_exact(adapter.gather(copied, idx), host_np[idx])
    nbytes = n * 4
    metric = ("GB/s", nbytes / timing.median_s / 1e9)
    return Outcome(timing, metric, check, _extra(kernel, nbytes, "host to device", pinned))


def device_to_host(adapter: Adapter, case: Case) -> Outcome:
    n, pinned = _elements(case), pinned_choice(case.params)
    host_np = ref.vector(n)
    source = adapter.tensor(host_np)  # known values on the device: the copy back must return them exactly
    _require_gpu(adapter, source, "the source tensor")
    kernel = adapter.device_to_host_kernel(source, pinned)
    timing = measure(kernel.call, adapter.sync, case.budget_s)
    copied = kernel.call()
    adapter.sync()  # an asynchronous copy into pinned memory is only readable once the device is done
    idx = ref.sample_indices(n)
    check = ref.check_exact(adapter.host_array(copied)[idx], host_np[idx])
    nbytes = n * 4
    metric = ("GB/s", nbytes / timing.median_s / 1e9)
    return Outcome(timing, metric, check, _extra(kernel, nbytes, "device to host", pinned))
