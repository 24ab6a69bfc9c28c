"""JAX backend: the worker's entry for JAX (see backends/__init__.py for the contract).

probe() and setup() are JAX's own; run_benchmark() runs the shared recipe (fwadvisor.bench.recipes)
over the JaxAdapter that setup() made. Everything that must be true before JAX creates its runtime
(preallocation, the platforms it may start, the CPU threads) is set here, before the first device query.
"""

from __future__ import annotations

import os

# Before jax is imported: by default JAX grabs 75% of a GPU's memory at its first op, which would look
# like another tenant to the busy check and starve the next framework's worker on the same card.
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

import importlib.util
from typing import Any, Final

import jax

from fwadvisor.bench import recipes
from fwadvisor.bench.backends import NoGPUError, NotSupportedHere
from fwadvisor.bench.backends.jax_adapter import FRAMEWORK as _FRAMEWORK
from fwadvisor.bench.backends.jax_adapter import JaxAdapter
from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.documents import GpuProperties, Record
from fwadvisor.profiler.protocol import Hello, Probe

FRAMEWORK: Final = _FRAMEWORK

CUDA_HINT = 'pip install -U "jax[cuda12]" (NVIDIA, Linux)'
ROCM_HINT = "pip install jax-rocm7-plugin jax-rocm7-pjrt (AMD ROCm 7, Linux; see JAX's installation guide)"
# Facts with their dates: what JAX offers on Apple and Intel GPUs (checked December 2026).
NOT_SUPPORTED = {
    "mps": (
        "JAX has no maintained GPU path on Apple silicon: Apple's jax-metal plugin stayed experimental and "
        "stopped at 0.1.1 (2024), built for jax 0.4.x; JAX would run on this Mac's CPU only"
    ),
    "xpu": (
        "JAX has no maintained path to Intel GPUs: intel-extension-for-openxla stopped at 0.7.0 on PyPI "
        "(checked December 2026) and Intel has ended its development; JAX would run on this CPU only"
    ),
}
GPU_PLUGINS = {"cuda": ("jax_cuda12_plugin", "jax_cuda13_plugin"), "rocm": ("jax_rocm7_plugin", "jax_rocm6_plugin")}

_ADAPTER: JaxAdapter | None = None
_GPU_PROPERTIES: GpuProperties | None = None


def _gpu_devices() -> list[Any]:
    try:
        return list(jax.devices("gpu"))
    except RuntimeError:  # no GPU backend in this jaxlib, or no device it can use
        return []


def _vendor(device: Any) -> str:
    """ "cuda" or "rocm" for a JAX GPU device (from its client's platform version)."""
    version = str(getattr(device.client, "platform_version", "")).lower()
    return "rocm" if "rocm" in version or "hip" in version else "cuda"


def _plugins(kind: str) -> list[str]:
    return [name for name in GPU_PLUGINS[kind] if importlib.util.find_spec(name) is not None]


def _build(gpus: list[Any]) -> str:
    if gpus:
        text = " ".join(str(getattr(gpus[0].client, "platform_version", "")).split())
        return f"{_vendor(gpus[0])} ({text})" if text else _vendor(gpus[0])
    plugins = _plugins("cuda") + _plugins("rocm")
    return f"cpu (plugin {plugins[0]} installed, no GPU it can use)" if plugins else "cpu"


def build_info(gpus: list[Any]) -> dict[str, str]:
    """This JAX's build as the run document keeps it: jaxlib's version and the GPU plugin in use."""
    import jaxlib

    kind = _vendor(gpus[0]) if gpus else "cpu"
    info = {"build": kind, "jaxlib": str(jaxlib.__version__)}
    if gpus:
        info["platform_version"] = " ".join(str(gpus[0].client.platform_version).split())
    return info


def probe() -> Probe:
    """What JAX sees: its version, its GPUs (any vendor) and the build."""
    gpus = _gpu_devices()
    return Probe(
        framework=FRAMEWORK,
        framework_version=jax.__version__,
        gpu_available=bool(gpus),
        gpu_devices=[str(getattr(d, "device_kind", d)) for d in gpus],
        build=_build(gpus),
    )


def limit_cpu_threads(threads: int | None) -> int:
    """XLA sizes its CPU thread pool from the CPUs this process may run on (sched_getaffinity) when its
    runtime starts, and has no thread-count setting of its own: so N threads = this worker limited to
    N CPUs, before the first device query. Returns the CPUs in force (the record's `threads`)."""
    if not hasattr(os, "sched_getaffinity"):  # macOS, Windows: XLA uses every core
        return os.cpu_count() or 1
    allowed = sorted(os.sched_getaffinity(0))
    if threads is not None and 0 < threads < len(allowed):
        os.sched_setaffinity(0, allowed[:threads])
        if threads == 1:
            # Also keep Eigen's own pool to the one thread (XLA reads XLA_FLAGS when its runtime starts).
            flags = os.environ.get("XLA_FLAGS", "")
            os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    return len(os.sched_getaffinity(0))


def _pick_device(device: str) -> Any:
    if device in NOT_SUPPORTED:
        raise NotSupportedHere(NOT_SUPPORTED[device])
    if device == "cpu":
        # Start the CPU runtime only: a CPU run must not open a GPU context (or take its memory).
        jax.config.update("jax_platforms", "cpu")
        return jax.devices("cpu")[0]
    if device not in GPU_PLUGINS:
        raise ValueError(f"device must be cpu, cuda, rocm, mps or xpu, not {device!r}")
    gpus = [d for d in _gpu_devices() if _vendor(d) == device]
    if gpus:
        return gpus[0]
    hint = CUDA_HINT if device == "cuda" else ROCM_HINT
    found = _plugins(device)
    if found:
        raise NoGPUError(
            f"JAX {jax.__version__} has {found[0]} but sees no usable {device} GPU: check the driver and "
            "the visible devices, or run with --device cpu"
        )
    raise NoGPUError(f"JAX {jax.__version__} has no {device} GPU support installed: {hint}; or run with --device cpu")


def setup(device: str, threads: int | None) -> Hello:
    """Pick the device and the CPU threads; NotSupportedHere for Apple/Intel GPUs, NoGPUError without one."""
    global _ADAPTER, _GPU_PROPERTIES
    if device in NOT_SUPPORTED:  # before anything starts: the answer does not depend on this machine
        raise NotSupportedHere(NOT_SUPPORTED[device])
    if _ADAPTER is not None:
        # JAX fixes its platforms and CPU thread pool when its runtime starts: a second setup can only
        # confirm the first one.
        if _ADAPTER.device == device:
            return recipes.hello(_ADAPTER, _GPU_PROPERTIES, build_info(_gpu_devices() if device != "cpu" else []))
        raise RuntimeError(f"JAX is already set up in this process for {_ADAPTER.device}: use a new process")
    in_force = limit_cpu_threads(threads)
    jax.config.update("jax_enable_x64", False)  # JAX's default, set so that it is said: float32 stays float32
    dev = _pick_device(device)
    jax.config.update("jax_default_device", dev)
    if device == "cpu":
        label, _GPU_PROPERTIES = "cpu", None
    else:
        stats = dev.memory_stats() or {}
        name = str(getattr(dev, "device_kind", "GPU"))
        _GPU_PROPERTIES = GpuProperties(
            name=name,
            total_memory_bytes=stats.get("bytes_limit"),
            compute_capability=getattr(dev, "compute_capability", None),
        )
        label = f"{device}:{dev.id} {name}"
    _ADAPTER = JaxAdapter(dev, device, label, in_force)
    return recipes.hello(_ADAPTER, _GPU_PROPERTIES, build_info(_gpu_devices() if device != "cpu" else []))


def adapter() -> JaxAdapter:
    """The adapter setup() made."""
    if _ADAPTER is None:
        raise RuntimeError("call setup(device, threads) first")
    return _ADAPTER


def run_benchmark(benchmark: str, params: Params, dtype: str, budget_s: float) -> Record:
    """Run one case and return its record; out-of-memory becomes MemoryError with a clear message."""
    return recipes.run_benchmark(_ADAPTER, benchmark, params, dtype, budget_s)
