"""PyTorch's devices beyond the CPU, through the device-agnostic API where this torch has it.

A run's device id maps to a torch device type: cuda -> "cuda", rocm -> "cuda" (PyTorch's ROCm build runs
the torch.cuda API over HIP; torch.version.hip says so), mps -> "mps" (Apple silicon), xpu -> "xpu"
(Intel GPUs). torch.accelerator (PyTorch 2.6 and later) synchronises and counts whichever accelerator
the build has; older torch gets the per-backend call (torch.cuda, torch.mps, torch.xpu). Apple's and
Intel's paths are written from PyTorch's documentation and were not run on such hardware here.
"""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Callable
from typing import Any, Final

import torch

from fwadvisor.bench.backends import NoGPUError
from fwadvisor.profiler.documents import GpuProperties

TORCH_TYPES: Final = {"cpu": "cpu", "cuda": "cuda", "rocm": "cuda", "mps": "mps", "xpu": "xpu"}
# The LSTM kernel torch uses on each GPU (ROCm's torch.cuda API calls MIOpen where CUDA calls cuDNN).
LSTM_KERNELS: Final = {"cuda": "cuDNN", "rocm": "MIOpen", "mps": "MPS (Metal)", "xpu": "oneDNN (XPU)"}
INSTALL_PAGE: Final = "https://pytorch.org/get-started/locally/"


def torch_type(device: str) -> str:
    """The torch device type of a run's device id ("rocm" -> "cuda")."""
    return TORCH_TYPES[device]


def _module(kind: str) -> Any:
    """torch.cuda, torch.mps or torch.xpu (None where this torch lacks it)."""
    return getattr(torch, kind, None)


def available(device: str) -> bool:
    """Whether this torch can use `device` now (the build and a device both present)."""
    if device == "cpu":
        return True
    if device == "cuda":
        return torch.cuda.is_available() and not torch.version.hip
    if device == "rocm":
        return bool(torch.version.hip) and torch.cuda.is_available()
    if device == "mps":
        return bool(torch.backends.mps.is_available())
    xpu = _module("xpu")
    return bool(xpu is not None and xpu.is_available())


def unavailable_reason(device: str) -> str:
    """Why `device` cannot be used, with what to do, in one line (NoGPUError's message)."""
    version = torch.__version__
    if device == "cuda" and torch.version.hip:
        return f"torch {version} is a ROCm build (HIP {torch.version.hip}): run with --device rocm on an AMD GPU"
    if device == "cuda":
        if not torch.version.cuda:
            return (
                f"torch {version} was built without CUDA: install a CUDA build (the command for your "
                f"system is on {INSTALL_PAGE}), or run with --device cpu"
            )
        return (
            f"torch {version} (cuda {torch.version.cuda}) sees no usable GPU: check the driver with "
            "nvidia-smi and CUDA_VISIBLE_DEVICES, or run with --device cpu"
        )
    if device == "rocm":
        if not torch.version.hip:
            return (
                f"torch {version} is not a ROCm build: install the ROCm build from {INSTALL_PAGE}, or run "
                "with --device cpu"
            )
        return f"torch {version} (ROCm/HIP {torch.version.hip}) sees no GPU: check rocm-smi and HIP_VISIBLE_DEVICES"
    if device == "mps":
        if not torch.backends.mps.is_built():
            return f"torch {version} was built without MPS: install the macOS arm64 wheel, or run with --device cpu"
        return f"torch {version} cannot use MPS here: it needs an Apple silicon Mac with macOS 12.3 or later"
    return (
        f"torch {version} sees no Intel GPU (torch.xpu): install the XPU build from {INSTALL_PAGE} and "
        "Intel's GPU driver, or run with --device cpu"
    )


def check(device: str) -> None:
    if not available(device):
        raise NoGPUError(unavailable_reason(device))


def synchronizer(torch_device: torch.device) -> Callable[[], None] | None:
    """What waits for the device's queued work (None on a CPU, where ops are synchronous):
    torch.accelerator.synchronize where this torch has it, else the backend's own."""
    if torch_device.type == "cpu":
        return None
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None and hasattr(accelerator, "synchronize"):
        return lambda: accelerator.synchronize(torch_device)
    return _module(torch_device.type).synchronize


def empty_cache(torch_device: torch.device) -> None:
    """Give the caching allocator's free blocks back (the next case starts clean)."""
    module = _module(torch_device.type) if torch_device.type != "cpu" else None
    if module is not None and hasattr(module, "empty_cache"):
        module.empty_cache()


def _apple_chip() -> str:
    """The Mac's chip ("Apple M3 Max"): torch names no MPS device, macOS's sysctl does."""
    try:
        found = subprocess.run(
            ["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True, timeout=5, check=False
        )
        return found.stdout.strip() or "Apple silicon GPU"
    except (OSError, subprocess.SubprocessError):
        return f"Apple silicon GPU ({platform.machine()})"


def properties(device: str, index: int) -> tuple[str, GpuProperties]:
    """The device's label ("rocm:0 AMD Instinct MI300X", "mps Apple M3 Max") and its properties."""
    if device in ("cuda", "rocm"):
        props = torch.cuda.get_device_properties(index)
        # On ROCm major.minor is the GCN architecture (9.4 for gfx942), not a CUDA compute capability:
        # a peak estimated from it would be wrong, so ROCm saves none (the label names the card).
        capability = f"{props.major}.{props.minor}" if device == "cuda" else None
        return f"{device}:{index} {props.name}", GpuProperties(
            name=props.name,
            total_memory_bytes=int(props.total_memory),
            sm_count=int(props.multi_processor_count),
            compute_capability=capability,
            l2_cache_bytes=getattr(props, "L2_cache_size", None),
        )
    if device == "xpu":
        xpu_props = torch.xpu.get_device_properties(index)
        return f"xpu:{index} {xpu_props.name}", GpuProperties(
            name=str(xpu_props.name), total_memory_bytes=int(getattr(xpu_props, "total_memory", 0)) or None
        )
    name = _apple_chip()
    memory = getattr(torch.mps, "recommended_max_memory", None)  # the share of unified memory Metal allows
    return f"mps {name}", GpuProperties(name=name, total_memory_bytes=int(memory()) if memory else None)
