"""Which accelerators this machine has, found without importing a framework, and the run's device.

Device ids (the same everywhere: --device, the worker's --device, a backend's setup, the run document):
"cpu", "cuda" (NVIDIA), "rocm" (AMD: PyTorch's ROCm build runs the torch.cuda API over HIP), "mps"
(Apple silicon's GPU through Metal) and "xpu" (Intel GPUs). Each finder takes the paths and platform
values it reads as parameters, so a test can hand it a fake /dev or another operating system.

`auto` picks NVIDIA, then AMD, then Apple silicon, then the CPU. It never picks an Intel GPU: most
Intel machines have integrated graphics, which a render node does not tell apart from a data-centre
card, and a run on a laptop's iGPU would read as "the GPU" when the user meant the CPU. `--device
xpu` is there for whoever has one.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from fwadvisor.errors import InputError
from fwadvisor.profiler.protocol import DEVICE_IDS
from fwadvisor.profiler.run_environment import Environment
from fwadvisor.safe_text import one_line

DEVICES: Final = ("auto", *DEVICE_IDS)
# What a person reads for each id (labels, error messages, the help text).
DEVICE_WORDS: Final = {
    "cpu": "the CPU",
    "cuda": "an NVIDIA GPU (CUDA)",
    "rocm": "an AMD GPU (ROCm/HIP)",
    "mps": "Apple silicon's GPU (Metal, MPS)",
    "xpu": "an Intel GPU (XPU)",
}
# Where an NVIDIA driver shows itself when NVML cannot (no nvidia-ml-py, WSL2's GPU): its device node,
# its /proc entries, WSL2's GPU node.
NVIDIA_DRIVER_PATHS: Final = ("/dev/nvidia0", "/proc/driver/nvidia/gpus", "/dev/dxg")
# ROCm's compute node, and the topology the ROCm runtime reads: a node with SIMD units is a GPU (the
# CPUs are nodes too, with simd_count 0).
KFD_DEVICE: Final = "/dev/kfd"
KFD_TOPOLOGY: Final = "/sys/class/kfd/kfd/topology/nodes"
DRM_CLASS: Final = "/sys/class/drm"
INTEL_VENDOR: Final = "0x8086"


@dataclass(frozen=True)
class HostDevices:
    """The accelerators found: how many of each, and the platform (for Apple silicon and messages)."""

    nvidia: bool = False  # NVML lists a GPU, or an NVIDIA driver node exists
    nvidia_listed: bool = False  # NVML lists a GPU: what `auto` needs (a bare node may be a stale driver)
    amd_gpus: int = 0
    intel_render_nodes: tuple[str, ...] = ()
    system: str = ""
    machine: str = ""

    @property
    def apple_silicon(self) -> bool:
        return self.system == "Darwin" and self.machine in ("arm64", "aarch64")


def _lists_something(path: Path) -> bool:
    try:
        return any(path.iterdir()) if path.is_dir() else path.exists()
    except OSError:
        return False


def amd_gpu_count(kfd: str = KFD_DEVICE, topology: str = KFD_TOPOLOGY) -> int:
    """AMD GPUs the ROCm driver exposes: /dev/kfd present and topology nodes with SIMD units."""
    if not Path(kfd).exists():
        return 0
    count = 0
    try:
        nodes = sorted(Path(topology).iterdir())
    except OSError:
        return 1  # the compute node exists but its topology cannot be read: assume one GPU
    for node in nodes:
        try:
            properties = (node / "properties").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in properties.splitlines():
            name, _, value = line.partition(" ")
            if name == "simd_count" and value.strip().isdigit() and int(value) > 0:
                count += 1
    return count


def intel_render_nodes(drm: str = DRM_CLASS) -> tuple[str, ...]:
    """The DRM render nodes (renderD128 ...) whose PCI vendor is Intel's."""
    found = []
    try:
        entries = sorted(Path(drm).iterdir())
    except OSError:
        return ()
    for entry in entries:
        if not entry.name.startswith("renderD"):
            continue
        try:
            vendor = (entry / "device" / "vendor").read_text(encoding="utf-8").strip().lower()
        except (OSError, UnicodeDecodeError):
            continue
        if vendor == INTEL_VENDOR:
            found.append(entry.name)
    return tuple(found)


def detect_devices(
    environment: Environment,
    *,
    nvidia_paths: Sequence[str] = NVIDIA_DRIVER_PATHS,
    kfd: str = KFD_DEVICE,
    topology: str = KFD_TOPOLOGY,
    drm: str = DRM_CLASS,
    system: str | None = None,
    machine: str | None = None,
) -> HostDevices:
    """This machine's accelerators: NVML's GPUs (in `environment`) or an NVIDIA driver node, ROCm's
    GPU nodes, Intel render nodes, and the platform."""
    listed = bool(environment.gpu.gpus)
    return HostDevices(
        nvidia=listed or any(_lists_something(Path(p)) for p in nvidia_paths),
        nvidia_listed=listed,
        amd_gpus=amd_gpu_count(kfd, topology),
        intel_render_nodes=intel_render_nodes(drm),
        system=platform.system() if system is None else system,
        machine=platform.machine() if machine is None else machine,
    )


def auto_device(found: HostDevices) -> str:
    """What --device auto runs on: NVIDIA, AMD, Apple silicon, else the CPU (never an Intel GPU: see
    the module's note)."""
    if found.nvidia_listed:
        return "cuda"
    if found.amd_gpus:
        return "rocm"
    if found.apple_silicon:
        return "mps"
    return "cpu"


def missing_device(requested: str, found: HostDevices, environment: Environment) -> str | None:
    """Why `requested` cannot run on this machine, in one line; None when it can (or may)."""
    where = f"{found.system or 'unknown system'} {found.machine}".strip()
    if requested == "cuda" and not found.nvidia:
        why = one_line(environment.gpu.error or "NVML lists no GPU")
        amd = "; its GPU is AMD's: use --device rocm" if found.amd_gpus else ""
        return f"--device cuda asked for, but this machine has no usable GPU: {why} and no /dev/nvidia0{amd}"
    if requested == "rocm" and not found.amd_gpus:
        return (
            f"--device rocm asked for, but this machine has no AMD GPU: no {KFD_DEVICE} with a GPU node "
            "(the ROCm driver's compute device)"
        )
    if requested == "mps" and not found.apple_silicon:
        return f"--device mps asked for, but this machine is not an Apple silicon Mac ({where})"
    if requested == "xpu" and not found.intel_render_nodes:
        return (
            f"--device xpu asked for, but this machine has no Intel GPU: no render node of vendor "
            f"{INTEL_VENDOR} under {DRM_CLASS}"
        )
    return None


def resolve_device(requested: str, environment: Environment, found: HostDevices | None = None) -> str:
    """The device a run uses. A device this machine lacks is refused at once (an InputError: exit 2),
    before any worker starts: otherwise every case fails slowly and a run full of failures is saved."""
    if requested not in DEVICES:
        raise InputError(f"unknown device '{requested}'; choose {', '.join(DEVICES[:-1])} or {DEVICES[-1]}")
    found = found or detect_devices(environment)
    if requested == "auto":
        return auto_device(found)
    why = missing_device(requested, found, environment)
    if why is not None:
        raise InputError(f"{why}; run with --device cpu or auto")
    return requested
