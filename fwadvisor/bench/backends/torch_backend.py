"""PyTorch backend: the worker's entry for torch (see backends/__init__.py for the contract).

probe() and setup() are PyTorch's own; run_benchmark() runs the shared recipe
(fwadvisor.bench.recipes) over the TorchAdapter that setup() made.
"""

from __future__ import annotations

from typing import Final

import torch

from fwadvisor.bench import recipes
from fwadvisor.bench.backends import torch_devices
from fwadvisor.bench.backends.torch_adapter import FRAMEWORK as _FRAMEWORK
from fwadvisor.bench.backends.torch_adapter import TorchAdapter
from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.documents import GpuProperties, Record
from fwadvisor.profiler.protocol import DEVICE_IDS, Hello, Probe

FRAMEWORK: Final = _FRAMEWORK

_ADAPTER: TorchAdapter | None = None


def _build() -> str:
    if torch.backends.mps.is_built():
        return "mps"
    if getattr(torch.version, "xpu", None):
        return f"xpu {torch.version.xpu}"
    if torch.version.hip:
        return f"rocm {torch.version.hip}"
    if torch.version.cuda:
        return f"cuda {torch.version.cuda}"
    return "cpu"


def build_info() -> dict[str, str]:
    """This torch's build as the run document keeps it: which toolkit, its version, cuDNN's."""
    kind = "rocm" if torch.version.hip else "cuda" if torch.version.cuda else "cpu"
    cudnn = torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None
    found = {"build": kind, "cuda": torch.version.cuda, "rocm": torch.version.hip, "cudnn": cudnn}
    return {name: str(value) for name, value in found.items() if value is not None}


def probe() -> Probe:
    """What this torch sees, without running anything on the GPU beyond device queries."""
    available = torch.cuda.is_available()
    names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if available else []
    for device in ("mps", "xpu"):  # Apple's and Intel's GPUs, named as setup() labels them
        if torch_devices.available(device):
            available = True
            names.append(torch_devices.properties(device, 0)[0])
    return Probe(
        framework=FRAMEWORK,
        framework_version=torch.__version__,
        gpu_available=available,
        gpu_devices=names,
        build=_build(),
    )


def setup(device: str, threads: int | None, index: int = 0) -> Hello:
    """Pick the device and thread counts; raises NoGPUError for a GPU this torch cannot use. `device` is
    a run's device id (cpu, cuda, rocm, mps, xpu; torch_devices maps it to torch's). `index`: which
    GPU (a cluster rank uses cuda:LOCAL_RANK)."""
    global _ADAPTER
    if device not in DEVICE_IDS:
        raise ValueError(f"device must be one of {', '.join(DEVICE_IDS)}, not {device!r}")
    torch_devices.check(device)
    if threads is not None:
        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(threads)
        except RuntimeError:
            pass  # only settable once, before inter-op work starts; intra-op threads are what count here
    gpu_properties: GpuProperties | None = None
    kind = torch_devices.torch_type(device)
    if device == "cpu":
        label, dev = "cpu", torch.device("cpu")
    else:
        if kind == "cuda":
            torch.cuda.set_device(index)
        label, gpu_properties = torch_devices.properties(device, index)
        # MPS has one device and no index.
        dev = torch.device(kind) if device == "mps" else torch.device(kind, index)
    l2_cache_bytes = gpu_properties.l2_cache_bytes if gpu_properties else None
    _ADAPTER = TorchAdapter(dev, label, torch.get_num_threads(), l2_cache_bytes, device_id=device)
    return recipes.hello(_ADAPTER, gpu_properties, build_info())


def adapter() -> TorchAdapter:
    """The adapter setup() made (a cluster rank builds its models and tensors with it)."""
    if _ADAPTER is None:
        raise RuntimeError("call setup(device, threads) first")
    return _ADAPTER


def run_benchmark(benchmark: str, params: Params, dtype: str, budget_s: float) -> Record:
    """Run one case and return its record; out-of-memory becomes MemoryError with a clear message."""
    return recipes.run_benchmark(_ADAPTER, benchmark, params, dtype, budget_s)
