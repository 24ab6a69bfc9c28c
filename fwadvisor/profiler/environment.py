"""This machine as the profiler sees it, once before a run: OS, CPU, memory (psutil), NVIDIA GPUs
(NVML), frameworks. The live readings taken while a worker runs are profiler/telemetry.py's.

Frameworks are asked in worker processes (never imported here). Without NVML, a driver or a GPU,
the probe says so plainly and carries on.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import msgspec
import psutil

from fwadvisor.profiler.run_environment import CpuInfo, Environment, FrameworkInfo, GpuDevice, GpuInfo
from fwadvisor.profiler.runner import probe_framework

FRAMEWORK_PACKAGES = {
    "torch": ("torch",),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-rocm", "tf-nightly"),
    "jax": ("jax",),
}
CPU_GOVERNOR_FILE = "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_governor() -> str | None:
    """The CPU frequency governor (performance, powersave, schedutil ...), as torch's collect_env
    records it: "powersave" on a laptop can explain a slower run. None where Linux does not say."""
    try:
        with open(CPU_GOVERNOR_FILE, encoding="utf-8") as governor:
            return governor.read(64).strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def host_info() -> Environment:
    """The host alone (no GPU, no frameworks): what tells one machine from another."""
    memory = psutil.virtual_memory()
    freq = psutil.cpu_freq()
    return Environment(
        hostname=platform.node() or None,
        os=f"{platform.system()} {platform.release()}",
        platform=platform.platform(),
        python=sys.version.split()[0],
        cpu=CpuInfo(
            model=cpu_model(),
            physical_cores=psutil.cpu_count(logical=False),
            logical_cores=psutil.cpu_count(logical=True),
            max_mhz=round(freq.max) if freq and freq.max else None,
            governor=cpu_governor(),
        ),
        memory_gb=round(memory.total / 1e9, 1),
        memory_available_gb=round(memory.available / 1e9, 1),
    )


def _nvml_text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def gpu_info() -> GpuInfo:
    """NVIDIA GPUs through NVML (the nvidia-ml-py package); never raises."""
    try:
        import pynvml
    except ImportError:
        return GpuInfo(nvml=False, error="nvidia-ml-py is not installed (pip install nvidia-ml-py)")
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return GpuInfo(nvml=False, error=f"no NVIDIA driver or GPU found (NVML: {exc})")
    try:
        driver = _nvml_text(pynvml.nvmlSystemGetDriverVersion())
        cuda = pynvml.nvmlSystemGetCudaDriverVersion()
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            gpus.append(_gpu_reading(pynvml, handle, index))
        return GpuInfo(nvml=True, driver=driver, cuda_driver=f"{cuda // 1000}.{cuda % 1000 // 10}", gpus=gpus)
    finally:
        pynvml.nvmlShutdown()


def _gpu_reading(pynvml: Any, handle: Any, index: int) -> GpuDevice:
    """Each reading on its own: a card that lacks one sensor still reports the others."""

    def read(fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(handle, *args)
        except pynvml.NVMLError:
            return None

    memory = read(pynvml.nvmlDeviceGetMemoryInfo)
    capability = read(pynvml.nvmlDeviceGetCudaComputeCapability)
    power = read(pynvml.nvmlDeviceGetPowerUsage)
    power_limit = read(pynvml.nvmlDeviceGetEnforcedPowerLimit)
    power_default = read(pynvml.nvmlDeviceGetPowerManagementDefaultLimit)
    persistence = read(pynvml.nvmlDeviceGetPersistenceMode)
    return GpuDevice(
        index=index,
        name=_nvml_text(pynvml.nvmlDeviceGetName(handle)),
        memory_total_gb=round(memory.total / 1e9, 1) if memory else None,
        memory_used_gb=round(memory.used / 1e9, 1) if memory else None,
        compute_capability=f"{capability[0]}.{capability[1]}" if capability else None,
        sm_clock_mhz=read(pynvml.nvmlDeviceGetClockInfo, pynvml.NVML_CLOCK_SM),
        sm_clock_max_mhz=read(pynvml.nvmlDeviceGetMaxClockInfo, pynvml.NVML_CLOCK_SM),
        memory_clock_mhz=read(pynvml.nvmlDeviceGetClockInfo, pynvml.NVML_CLOCK_MEM),
        temperature_c=read(pynvml.nvmlDeviceGetTemperature, pynvml.NVML_TEMPERATURE_GPU),
        power_w=round(power / 1000, 1) if power is not None else None,
        power_limit_w=round(power_limit / 1000, 1) if power_limit is not None else None,
        power_limit_default_w=round(power_default / 1000, 1) if power_default is not None else None,
        pcie_generation=read(pynvml.nvmlDeviceGetCurrPcieLinkGeneration),
        pcie_width=read(pynvml.nvmlDeviceGetCurrPcieLinkWidth),
        pcie_generation_max=read(pynvml.nvmlDeviceGetMaxPcieLinkGeneration),
        pcie_width_max=read(pynvml.nvmlDeviceGetMaxPcieLinkWidth),
        persistence_mode=bool(persistence) if persistence is not None else None,
    )


def installed_version(framework: str) -> str | None:
    """The installed distribution's version, read from metadata (nothing is imported)."""
    if importlib.util.find_spec(framework) is None:
        return None
    for package in FRAMEWORK_PACKAGES[framework]:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "unknown"


def collect_environment(
    *, probe_frameworks: bool = True, frameworks: tuple[str, ...] = ("torch", "tensorflow")
) -> Environment:
    installed = {fw: installed_version(fw) for fw in frameworks}
    probes: dict[str, FrameworkInfo] = {}
    if probe_frameworks:
        # Probes only import and look; running them side by side halves the wait.
        wanted = [fw for fw, version in installed.items() if version]
        with ThreadPoolExecutor(max_workers=max(1, len(wanted))) as pool:
            probes = dict(zip(wanted, pool.map(probe_framework, wanted), strict=True))
    found: dict[str, FrameworkInfo] = {}
    for fw, version in installed.items():
        if version is None:
            found[fw] = FrameworkInfo(installed=False, hint=f"pip install 'fwadvisor[{fw}]'")
            continue
        # Installed, whatever its probe said: a probe that failed keeps the metadata's version.
        probe = probes.get(fw, FrameworkInfo())
        found[fw] = msgspec.structs.replace(probe, installed=True, version=probe.version or version, hint=None)
    return msgspec.structs.replace(
        host_info(), gpu=gpu_info(), frameworks=found, cuda_visible_devices=os.environ.get("CUDA_VISIBLE_DEVICES")
    )
