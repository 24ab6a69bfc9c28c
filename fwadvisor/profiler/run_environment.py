"""The machine a run was measured on, typed: host, CPU, memory, NVIDIA GPUs, frameworks.

profiler/environment.py fills these once before a run (psutil, NVML, a probe process per framework);
the run document saves them as its `environment` and `gpu_after`, and everything that reads them
(device and thread choice, peaks, PCIe shares, reports, the app, `profile compare`) reads these
fields instead of a dictionary. Every field may be missing: a run saved by an older fwadvisor, or
on a machine without a GPU or NVML, says less, and decoding validates the types of what it says
(a list where a mapping belongs is an error that names its place, `$.environment.cpu`).

This module imports nothing of the parent side, so the worker side may read it too.
"""

from __future__ import annotations

import msgspec

# NVML reports clocks, temperatures and link widths as whole numbers and power as a decimal; a saved
# run keeps what it read, and a hand-edited 1500.0 still reads.
Number = int | float


class CpuInfo(msgspec.Struct, kw_only=True):
    model: str | None = None
    physical_cores: int | None = None
    logical_cores: int | None = None
    max_mhz: Number | None = None
    governor: str | None = None  # "performance", "powersave" ...: None where Linux does not say


class GpuDevice(msgspec.Struct, kw_only=True):
    """One NVIDIA GPU as NVML read it just before the run (each reading None where the card lacks it)."""

    index: int | None = None
    name: str | None = None
    memory_total_gb: Number | None = None
    memory_used_gb: Number | None = None
    compute_capability: str | None = None
    sm_clock_mhz: Number | None = None
    sm_clock_max_mhz: Number | None = None
    memory_clock_mhz: Number | None = None
    temperature_c: Number | None = None
    power_w: Number | None = None
    power_limit_w: Number | None = None
    # What explains a slow card next to a like one: a lowered power limit, a narrow or older PCIe
    # link (the current one drops while idle, so the maximum is kept too), persistence mode off.
    power_limit_default_w: Number | None = None
    pcie_generation: int | None = None
    pcie_width: int | None = None
    pcie_generation_max: int | None = None
    pcie_width_max: int | None = None
    persistence_mode: bool | None = None


class GpuInfo(msgspec.Struct, kw_only=True):
    """NVML's view: the driver and the GPUs, or why there is no view (`error`)."""

    nvml: bool | None = None
    error: str | None = None
    driver: str | None = None
    cuda_driver: str | None = None
    gpus: list[GpuDevice] = []


class FrameworkInfo(msgspec.Struct, kw_only=True):
    """One framework as installed here and, when probed, as its probe process saw the machine."""

    installed: bool | None = None  # None: the probe could not tell (it timed out or crashed)
    version: str | None = None
    gpu_available: bool | None = None
    gpu_devices: list[str] = []
    build: str | None = None  # "cuda", "rocm", "cpu" ... as the probe reported it
    error: str | None = None
    hint: str | None = None  # how to install it, when it is not


class Environment(msgspec.Struct, kw_only=True):
    """This machine once, before a run: what `fwadvisor env` shows and a run saves."""

    # The host name tells a report whether a saved run was made on the machine reading it.
    hostname: str | None = None
    os: str | None = None
    platform: str | None = None
    python: str | None = None
    cpu: CpuInfo = msgspec.field(default_factory=CpuInfo)
    memory_gb: Number | None = None
    memory_available_gb: Number | None = None
    gpu: GpuInfo = msgspec.field(default_factory=GpuInfo)
    frameworks: dict[str, FrameworkInfo] = {}
    cuda_visible_devices: str | None = None

    @property
    def default_threads(self) -> int | None:
        """Both frameworks get the same CPU thread count by default: the physical cores."""
        return self.cpu.physical_cores or self.cpu.logical_cores

    def gpu_used(self) -> GpuDevice | None:
        """The GPU the workers ran on: the one CUDA_VISIBLE_DEVICES names, else the first."""
        gpus = self.gpu.gpus
        if not gpus:
            return None
        visible = (self.cuda_visible_devices or "").strip()
        if visible.isdigit():
            chosen = next((g for g in gpus if g.index == int(visible)), None)
            if chosen is not None:
                return chosen
        return gpus[0]
