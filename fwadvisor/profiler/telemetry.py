"""The live readings of the machine while a framework's worker measures: CPU times (psutil) and the
GPU's clocks, temperature, power and other processes (NVML), sampled a few times a second.

A LoadMonitor is a daemon thread in the parent (psutil and NVML only, never a framework). Each sample
says how much CPU time the rest of the machine used over its interval: the system-wide busy time
minus that of the worker's process tree and of this process, as percent of one logical CPU (200 = two
CPUs busy, as top shows it); on a GPU it adds one GpuReading (NVML here; amdsmi on an AMD GPU,
amd_telemetry.py; none on Apple and Intel GPUs). profiler/load.py turns the samples into
the run document's load figures, and each sample's MachineSample for the app's live line;
profiler/environment.py describes the machine once, before a run.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

import msgspec
import psutil

from fwadvisor.profiler.documents import Count, Measured

SAMPLE_PERIOD_S: Final = 0.25
# A sample taken on demand (when a case ends) closes the current interval only when it is at least
# this long: CPU times tick every 10 ms, so a shorter interval would be mostly rounding.
MIN_SAMPLE_S: Final = 0.1
MAX_KEPT_SAMPLES: Final = 100_000  # a whole full-suite run at four samples a second
# Finding the worker's children reads every process on the machine: done once a second, not at every
# sample. A child that starts and ends in between is still counted, in its parent's reaped time.
TREE_REFRESH_S: Final = 1.0


class MachineSample(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One sample of the machine while a run goes on, for the app's live line (not saved)."""

    other_cpu_percent: Measured | None = None
    steal_percent: Measured | None = None
    sm_clock_mhz: Measured | None = None
    memory_clock_mhz: Measured | None = None
    temperature_c: Measured | None = None
    power_w: Measured | None = None
    power_limit_w: Measured | None = None
    utilization_percent: Measured | None = None
    gpu_other_processes: Count = 0
    throttle_reasons: list[str] = []


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


class GpuSource(Protocol):
    """A vendor library's readings of the worker's GPU (NVML here, amdsmi in amd_telemetry.py)."""

    def read(self, tree: set[int]) -> GpuReading | None: ...

    def close(self) -> None: ...


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


@dataclass(frozen=True)
class LoadSample:
    """The machine over one interval ending at `end` (time.monotonic, the parent's clock)."""

    end: float
    duration_s: float
    other_cpu_percent: float
    steal_percent: float | None = None  # percent of all CPUs' time (top's "st")
    gpu: GpuReading | None = None

    @property
    def start(self) -> float:
        return self.end - self.duration_s


def window(samples: Sequence[LoadSample], start: float, end: float) -> list[tuple[LoadSample, float]]:
    """The samples covering [start, end], each with the seconds it overlaps it (its weight).

    A case shorter than the sampling period may fall inside one sample, or between the last sample
    and its end: it still gets the sample around it, or the nearest one, whole.
    """
    covering = [(s, min(s.end, end) - max(s.start, start)) for s in samples if s.end > start and s.start < end]
    covering = [(s, overlap) for s, overlap in covering if overlap > 0]
    if covering or not samples:
        return covering
    nearest = min(samples, key=lambda s: min(abs(s.end - start), abs(s.start - end)))
    return [(nearest, nearest.duration_s)]


@dataclass
class _CpuSnapshot:
    at: float
    busy_s: float  # all CPUs' time running something
    steal_s: float
    total_s: float
    own_s: float  # this process, all its threads
    tree: dict[int, float] = field(default_factory=dict)  # worker tree: pid -> its CPU time and its reaped children's


def tree_cpu_delta(before: dict[int, float], after: dict[int, float], root_pid: int | None) -> float:
    """The worker tree's CPU seconds between two snapshots. A process that ended moved its time into
    its parent's (reaped children), so what was counted for it before is taken off once."""
    grown = sum(value - before.get(pid, 0.0) for pid, value in after.items())
    ended = sum(value for pid, value in before.items() if pid not in after and pid != root_pid)
    return max(grown - ended, 0.0)


class LoadMonitor:
    """Samples the machine every `period_s` in a daemon thread while one worker runs.

    `worker_pid` is the worker's process (its children count as the worker too); None samples the
    machine with no worker (the load just before one starts). `gpu` adds NVML readings;
    `gpu_reader` adds another vendor's (the monitor closes it when it stops).
    """

    def __init__(
        self,
        worker_pid: int | None,
        *,
        gpu: bool = False,
        gpu_reader: GpuSource | None = None,
        period_s: float = SAMPLE_PERIOD_S,
    ) -> None:
        self.period_s = period_s
        self.samples: deque[LoadSample] = deque(maxlen=MAX_KEPT_SAMPLES)
        self._root_pid = worker_pid
        self._root: psutil.Process | None = None
        if worker_pid is not None:
            try:
                self._root = psutil.Process(worker_pid)
            except psutil.Error:
                pass
        self._members: list[psutil.Process] = []
        self._members_at = float("-inf")
        self._own = psutil.Process()
        self._gpu: GpuSource | None = gpu_reader if gpu_reader is not None else open_gpu_reader() if gpu else None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fwadvisor-load", daemon=True)
        self._last = self._snapshot()

    def _snapshot(self) -> _CpuSnapshot:
        if time.monotonic() - self._members_at >= TREE_REFRESH_S:
            self._members, self._members_at = process_tree(self._root), time.monotonic()
        busy, steal, total = system_cpu_seconds()
        own = self._own.cpu_times()
        tree = processes_cpu_seconds(self._members)
        return _CpuSnapshot(time.monotonic(), busy, steal, total, own.user + own.system, tree)

    def sample_now(self, min_s: float = MIN_SAMPLE_S) -> LoadSample | None:
        """Close the current interval now (when it is at least `min_s` long) and keep its sample."""
        with self._lock:
            if time.monotonic() - self._last.at < min_s:
                return None
            now = self._snapshot()
            before, self._last = self._last, now
            root = self._root_pid
            if root is not None and root in before.tree and root not in now.tree:
                # The worker ended in this interval: its last CPU seconds can no longer be read, so the
                # interval cannot be split into the worker's and everyone else's. No sample beats a
                # sample that blames the worker's own last moments on other processes.
                return None
            wall = now.at - before.at
            worker = tree_cpu_delta(before.tree, now.tree, self._root_pid)
            other = now.busy_s - before.busy_s - worker - (now.own_s - before.own_s)
            total = now.total_s - before.total_s
            steal = 100.0 * (now.steal_s - before.steal_s) / total if total > 0 else None
            gpu = None
            if self._gpu is not None:
                try:
                    gpu = self._gpu.read(set(now.tree))
                except Exception:  # a driver hiccup costs one reading, never the run
                    gpu = None
            sample = LoadSample(now.at, wall, max(100.0 * other / wall, 0.0), steal, gpu)
            self.samples.append(sample)
            return sample

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            try:
                self.sample_now(min_s=0.0)
            except Exception:  # psutil on an odd /proc: the run goes on without load figures
                continue

    def start(self) -> LoadMonitor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        if self._gpu is not None:
            with self._lock:
                self._gpu.close()
                self._gpu = None

    def between(self, start: float, end: float) -> list[tuple[LoadSample, float]]:
        """The samples of [start, end] (parent clock), with their overlaps; see window()."""
        with self._lock:
            kept = list(self.samples)
        return window(kept, start, end)

    def all_samples(self) -> list[LoadSample]:
        with self._lock:
            return list(self.samples)

    def __enter__(self) -> LoadMonitor:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def other_cpu_now(duration_s: float = 0.5) -> float | None:
    """Other processes' CPU use over the next `duration_s` (no worker running), percent of one CPU."""
    try:
        monitor = LoadMonitor(None)
        time.sleep(duration_s)
        sample = monitor.sample_now(min_s=0.0)
    except Exception:  # no /proc or psutil cannot read it: nothing known
        return None
    return sample.other_cpu_percent if sample is not None else None
