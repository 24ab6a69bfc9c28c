"""This machine as the profiler sees it: OS, CPU, memory (psutil), NVIDIA GPUs (NVML), frameworks;
and the live readings (CPU times, GPU clocks and processes) that profiler/load.py samples.

Frameworks are asked in worker processes (never imported here). Without NVML, a driver or a GPU,
the probe says so plainly and carries on.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final

import psutil

FRAMEWORK_PACKAGES = {"torch": ("torch",), "tensorflow": ("tensorflow", "tensorflow-cpu", "tf-nightly")}
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


def host_info() -> dict[str, Any]:
    memory = psutil.virtual_memory()
    freq = psutil.cpu_freq()
    return {
        # The host name tells a report whether a saved run was made on the machine reading it.
        "hostname": platform.node() or None,
        "os": f"{platform.system()} {platform.release()}",
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpu": {
            "model": cpu_model(),
            "physical_cores": psutil.cpu_count(logical=False),
            "logical_cores": psutil.cpu_count(logical=True),
            "max_mhz": round(freq.max) if freq and freq.max else None,
            "governor": cpu_governor(),
        },
        "memory_gb": round(memory.total / 1e9, 1),
        "memory_available_gb": round(memory.available / 1e9, 1),
    }


def _nvml_text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def gpu_info() -> dict[str, Any]:
    """NVIDIA GPUs through NVML (the nvidia-ml-py package); never raises."""
    try:
        import pynvml
    except ImportError:
        return {"nvml": False, "error": "nvidia-ml-py is not installed (pip install nvidia-ml-py)", "gpus": []}
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return {"nvml": False, "error": f"no NVIDIA driver or GPU found (NVML: {exc})", "gpus": []}
    try:
        driver = _nvml_text(pynvml.nvmlSystemGetDriverVersion())
        cuda = pynvml.nvmlSystemGetCudaDriverVersion()
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            gpus.append(
                {"index": index, "name": _nvml_text(pynvml.nvmlDeviceGetName(handle)), **_gpu_readings(pynvml, handle)}
            )
        return {
            "nvml": True,
            "error": None,
            "driver": driver,
            "cuda_driver": f"{cuda // 1000}.{cuda % 1000 // 10}",
            "gpus": gpus,
        }
    finally:
        pynvml.nvmlShutdown()


def _gpu_readings(pynvml: Any, handle: Any) -> dict[str, Any]:
    """Each reading on its own: a card that lacks one sensor still reports the others."""

    def read(fn, *args):
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
    return {
        "memory_total_gb": round(memory.total / 1e9, 1) if memory else None,
        "memory_used_gb": round(memory.used / 1e9, 1) if memory else None,
        "compute_capability": f"{capability[0]}.{capability[1]}" if capability else None,
        "sm_clock_mhz": read(pynvml.nvmlDeviceGetClockInfo, pynvml.NVML_CLOCK_SM),
        "sm_clock_max_mhz": read(pynvml.nvmlDeviceGetMaxClockInfo, pynvml.NVML_CLOCK_SM),
        "memory_clock_mhz": read(pynvml.nvmlDeviceGetClockInfo, pynvml.NVML_CLOCK_MEM),
        "temperature_c": read(pynvml.nvmlDeviceGetTemperature, pynvml.NVML_TEMPERATURE_GPU),
        "power_w": round(power / 1000, 1) if power is not None else None,
        "power_limit_w": round(power_limit / 1000, 1) if power_limit is not None else None,
        # What explains a slow card next to a like one: a lowered power limit, a narrow or older PCIe
        # link (the current one drops while idle, so the maximum is kept too), persistence mode off.
        "power_limit_default_w": round(power_default / 1000, 1) if power_default is not None else None,
        "pcie_generation": read(pynvml.nvmlDeviceGetCurrPcieLinkGeneration),
        "pcie_width": read(pynvml.nvmlDeviceGetCurrPcieLinkWidth),
        "pcie_generation_max": read(pynvml.nvmlDeviceGetMaxPcieLinkGeneration),
        "pcie_width_max": read(pynvml.nvmlDeviceGetMaxPcieLinkWidth),
        "persistence_mode": bool(persistence) if persistence is not None else None,
    }


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
) -> dict[str, Any]:
    from fwadvisor.profiler.runner import probe_framework

    env: dict[str, Any] = {**host_info(), "gpu": gpu_info(), "frameworks": {}}
    env["cuda_visible_devices"] = os.environ.get("CUDA_VISIBLE_DEVICES")
    installed = {fw: installed_version(fw) for fw in frameworks}
    probes: dict[str, dict[str, Any]] = {}
    if probe_frameworks:
        # Probes only import and look; running them side by side halves the wait.
        wanted = [fw for fw, version in installed.items() if version]
        with ThreadPoolExecutor(max_workers=max(1, len(wanted))) as pool:
            probes = dict(zip(wanted, pool.map(probe_framework, wanted), strict=True))
    for fw, version in installed.items():
        if version is None:
            env["frameworks"][fw] = {
                "installed": False,
                "version": None,
                "gpu_available": None,
                "hint": f"pip install 'fwadvisor[{fw}]'",
            }
            continue
        probe = probes.get(fw, {})
        env["frameworks"][fw] = {
            "installed": True,
            "version": probe.get("framework_version", version),
            "gpu_available": probe.get("gpu_available"),
            "gpu_devices": probe.get("gpu_devices", []),
            "build": probe.get("build"),
            "error": probe.get("error"),
        }
    return env


# Live readings for profiler/load.py's monitor, taken a few times a second while a worker runs.

# NVML's clock-limiting reasons (nvmlClocksEventReason*, formerly nvmlClocksThrottleReason*; the bits
# are the same). The idle GPU and application clock settings are no slowdown and are left out.
CLOCK_REASON_BITS: Final = {
    0x4: "sw_power_cap",
    0x8: "hw_slowdown",
    0x10: "sync_boost",
    0x20: "sw_thermal",
    0x40: "hw_thermal",
    0x80: "hw_power_brake",
    0x100: "display_clocks",
    0x200: "board_limit",
    0x400: "reliability",
}


def clock_reason_names(bits: int) -> list[str]:
    """NVML's clock-limiting bit mask as short names, slowdowns only."""
    return [name for bit, name in CLOCK_REASON_BITS.items() if bits & bit]


@dataclass(frozen=True)
class GpuReading:
    """One NVML reading of the GPU the worker measures on; None where a sensor gave nothing."""

    sm_clock_mhz: float | None = None
    memory_clock_mhz: float | None = None
    temperature_c: float | None = None
    power_w: float | None = None
    power_limit_w: float | None = None
    utilization_percent: float | None = None
    clock_reasons: tuple[str, ...] = ()
    other_processes: tuple[str, ...] = ()  # "pid name" of other processes computing on it


def system_cpu_seconds() -> tuple[float, float, float]:
    """(busy, steal, total) CPU seconds since boot, all CPUs. On Linux `user` and `nice` already
    include the guest time of virtual machines this one runs, so guest is not added again."""
    t = psutil.cpu_times()
    busy = t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0)
    steal = getattr(t, "steal", 0.0)
    total = busy + t.idle + getattr(t, "iowait", 0.0) + steal
    return busy, steal, total


def process_tree(root: psutil.Process | None) -> list[psutil.Process]:
    """A process and all its descendants (psutil reads every process's parent to find them)."""
    if root is None:
        return []
    try:
        return [root, *root.children(recursive=True)]
    except psutil.Error:
        return [root]


def processes_cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    """Each live process's CPU seconds so far, with those of its children it has reaped."""
    times: dict[int, float] = {}
    for process in processes:
        try:
            t = process.cpu_times()
        except psutil.Error:
            continue
        # A child's time moves into its parent's children_* once reaped: counted here, it is not lost.
        times[process.pid] = t.user + t.system + t.children_user + t.children_system
    return times


def process_name(pid: int) -> str | None:
    try:
        return psutil.Process(pid).name()
    except psutil.Error:
        return None


class GpuReader:
    """NVML readings of the worker's GPU: the card its processes compute on once NVML lists them,
    until then the first one CUDA_VISIBLE_DEVICES names (or the first card)."""

    def __init__(self) -> None:
        import pynvml

        self.nvml: Any = pynvml
        pynvml.nvmlInit()
        self.handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())]
        self.handle: Any = self._visible_handle()
        self.found = False
        self.reasons = getattr(pynvml, "nvmlDeviceGetCurrentClocksEventReasons", None) or getattr(
            pynvml, "nvmlDeviceGetCurrentClocksThrottleReasons", None
        )

    def _visible_handle(self) -> Any:
        first = (os.environ.get("CUDA_VISIBLE_DEVICES") or "").split(",")[0].strip()
        try:
            if first.isdigit():
                return self.handles[int(first)]
            if first.startswith("GPU-"):
                return self.nvml.nvmlDeviceGetHandleByUUID(first)
        except (IndexError, self.nvml.NVMLError):
            pass
        return self.handles[0] if self.handles else None

    def _read(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(self.handle, *args)
        except self.nvml.NVMLError:
            return None

    def _compute_pids(self, handle: Any) -> set[int]:
        try:
            return {p.pid for p in self.nvml.nvmlDeviceGetComputeRunningProcesses(handle)}
        except self.nvml.NVMLError:
            return set()

    def read(self, tree: set[int]) -> GpuReading | None:
        nvml = self.nvml
        if not self.found and tree:
            for handle in self.handles:
                if self._compute_pids(handle) & tree:
                    self.handle, self.found = handle, True
                    break
        if self.handle is None:
            return None
        power = self._read(nvml.nvmlDeviceGetPowerUsage)
        limit = self._read(nvml.nvmlDeviceGetEnforcedPowerLimit)
        utilization = self._read(nvml.nvmlDeviceGetUtilizationRates)
        reasons = self._read(self.reasons) if self.reasons is not None else None
        # A pid this process cannot see is left out: NVML in a container reports the host's pids, and
        # one of them is the worker itself.
        others = []
        for pid in sorted(self._compute_pids(self.handle) - tree - {os.getpid()}):
            name = process_name(pid)
            if name is not None:
                others.append(f"{pid} {name}")
        return GpuReading(
            sm_clock_mhz=self._read(nvml.nvmlDeviceGetClockInfo, nvml.NVML_CLOCK_SM),
            memory_clock_mhz=self._read(nvml.nvmlDeviceGetClockInfo, nvml.NVML_CLOCK_MEM),
            temperature_c=self._read(nvml.nvmlDeviceGetTemperature, nvml.NVML_TEMPERATURE_GPU),
            power_w=round(power / 1000, 1) if power is not None else None,
            power_limit_w=round(limit / 1000, 1) if limit is not None else None,
            utilization_percent=float(utilization.gpu) if utilization is not None else None,
            clock_reasons=tuple(clock_reason_names(int(reasons))) if reasons is not None else (),
            other_processes=tuple(others),
        )

    def close(self) -> None:
        try:
            self.nvml.nvmlShutdown()
        except self.nvml.NVMLError:
            pass


def open_gpu_reader() -> GpuReader | None:
    """NVML for the live readings, or None without the package, a driver or a card."""
    try:
        reader = GpuReader()
    except Exception:  # ImportError, NVMLError, a library that fails to load: no GPU readings then
        return None
    if reader.handle is None:
        reader.close()
        return None
    return reader
