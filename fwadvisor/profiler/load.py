"""What else the machine did while a framework's worker measured, as the run document says it.

profiler/telemetry.py samples the machine (other processes' CPU, steal, the GPU); the pure functions
here turn the samples in a case's time window into the run document's RecordLoad / GpuTelemetry and a
framework's run into its FrameworkLoad, decide what counts as busy, and word it. CaseLoads is the
runner's handle on one worker's monitor.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from typing import Final

from fwadvisor.frameworks import display_name
from fwadvisor.profiler.amd_telemetry import open_amd_reader
from fwadvisor.profiler.documents import (
    FrameworkLoad,
    GpuTelemetry,
    MinMax,
    Record,
    RecordLoad,
)
from fwadvisor.profiler.telemetry import GpuReading, GpuSource, LoadMonitor, LoadSample, MachineSample, open_gpu_reader

LIVE_SAMPLE_PERIOD_S: Final = 0.5  # how often the runner passes a sample on to on_event

# The busy rule. The worker uses `threads` CPUs; the others are free for the rest of the machine.
# Other processes may use up to half of each free CPU before they start to compete with the worker
# (SMT siblings, shared caches, memory bandwidth, the turbo budget, the scheduler moving threads),
# and a quarter of one CPU is background noise (a terminal, a browser tab, this fwadvisor's own
# display) that no measurement can avoid, even when the worker uses every CPU.
BUSY_SHARE_OF_FREE_CPU_PERCENT: Final = 50.0
BUSY_FLOOR_PERCENT: Final = 25.0
# A virtual machine whose host takes more than a tenth of its CPU time runs the worker in bursts.
BUSY_STEAL_PERCENT: Final = 10.0

# The reasons that mark a record `throttled`: heat, a hardware or power-brake slowdown. The software
# power cap is left out on purpose: it is how a data-centre card normally runs a heavy matmul (held at
# its power limit), so it would flag nearly every such record; it is still listed in throttle_reasons,
# and a lowered power limit shows in the run's environment (power_limit_w against the default).
THROTTLING_REASONS: Final = frozenset({"hw_slowdown", "sw_thermal", "hw_thermal", "hw_power_brake"})


# Busy detection without a vendor library: other processes' CPU only, said in the run's words.
_CPU_ONLY = "busy detection from other processes' CPU use only"
_NO_READINGS: Final = {
    "cuda": "none on this device (NVML could not be read: no nvidia-ml-py, driver or card)",
    "rocm": "none on this device (no NVML/amdsmi: AMD's amdsmi Python package, matching the ROCm install, adds it)",
    "mps": "none on this device (no NVML/amdsmi: Apple gives no GPU readings a process can take without root)",
    "xpu": "none on this device (no NVML/amdsmi: fwadvisor does not read Intel's xpu-smi or Level Zero Sysman)",
}
_READINGS: Final = {
    "cuda": "NVML (clocks, temperature, power, utilisation, clock-limit reasons, other processes on the GPU)",
    "rocm": (
        "amdsmi (clocks, temperature, power, utilisation, other processes on the GPU; no clock-limit reasons, "
        "so no record is marked throttled)"
    ),
}


def open_device_reader(device: str) -> GpuSource | None:
    """The vendor library that reads the run's GPU live: NVML on "cuda", amdsmi on "rocm"; none on
    "mps" and "xpu" (no such library fwadvisor reads) and on "cpu"."""
    if device == "cuda":
        return open_gpu_reader()
    if device == "rocm":
        return open_amd_reader()
    return None


def gpu_telemetry_words(device: str, reader: GpuSource | None) -> str | None:
    """What the run knows of its GPU while it measures, in words; None on the CPU."""
    if device == "cpu":
        return None
    if reader is not None and device in _READINGS:
        return f"GPU telemetry: {_READINGS[device]}"
    none = _NO_READINGS.get(device, "none on this device (no NVML/amdsmi)")
    return f"GPU telemetry: {none}; {_CPU_ONLY}"


def free_cpu_threads(wanted: int, logical_cpus: int, other_cpu_percent: float | None) -> int:
    """How many worker threads fit on the CPUs other processes leave free, at most `wanted`.

    A CPU counts as taken when other processes use more than half of it, the share the busy rule lets
    them have of a free CPU. A framework whose threads outnumber the free CPUs waits at every
    synchronisation for the thread that lost its CPU (PyTorch's OpenMP threads measured 30-80x slower
    on this project's 2-core machine beside one busy process; with one thread it measured 34x faster
    than that under the same load), so fewer threads give a number that is at least sane. Never fewer
    than one; `wanted` when the load is unknown.
    """
    if other_cpu_percent is None:
        return wanted
    taken = int((other_cpu_percent + BUSY_SHARE_OF_FREE_CPU_PERCENT) // 100)
    return max(1, min(wanted, logical_cpus - taken))


def threads_words(count: int) -> str:
    return f"{count} thread" if count == 1 else f"{count} threads"


def fewer_threads_reason(threads: int, default: int, other_cpu_percent: float) -> str:
    """Why a run used fewer threads than its default, in words."""
    return (
        f"other processes used {other_cpu_percent:.0f}% CPU just before the run, so the benchmarks ran "
        f"with {threads_words(threads)} instead of {default}, on the CPUs left free"
    )


# Why a busy machine matters and what to do, said under the busy notices.
BUSY_WHY = (
    "a framework's threads wait for each other when another process takes one of their CPUs "
    "(PyTorch's OpenMP threads most: many times slower)"
)


def busy_advice(threads: int | None, threads_default: int | None) -> str:
    """Why busy numbers are no evidence and what to do: said once under a busy run's notices.
    `threads_default` is set when fwadvisor already gave the run fewer threads (SuiteInfo)."""
    if threads_default is not None and threads is not None:
        what = (
            f"This run already used {threads_words(threads)} of {threads_default}, the CPUs left free; close "
            "other programs and run again for numbers that count."
        )
    elif threads is None or threads > 1:
        what = (
            "Close other programs and run again; if they must keep running, --threads 1 keeps the numbers "
            "from collapsing, though they still do not count."
        )
    else:
        what = "Close other programs and run again."
    return f"Why: {BUSY_WHY}. {what}"


def busy_threshold_percent(logical_cpus: int, worker_threads: int) -> float:
    """Other processes' CPU use (percent of one CPU) above which a case counts as measured while busy."""
    return max(BUSY_FLOOR_PERCENT, BUSY_SHARE_OF_FREE_CPU_PERCENT * (logical_cpus - worker_threads))


def _weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    pairs = list(pairs)
    weight = sum(w for _, w in pairs)
    if not pairs or weight <= 0:
        return None
    return sum(value * w for value, w in pairs) / weight


def _round(value: float | None) -> float | None:
    return None if value is None else round(max(value, 0.0), 1)


def record_load(covered: Sequence[tuple[LoadSample, float]]) -> RecordLoad:
    """What else ran during one case, from its window's samples."""
    steal = [(s.steal_percent, w) for s, w in covered if s.steal_percent is not None]
    others = sorted({name for s, _ in covered if s.gpu is not None for name in s.gpu.other_processes})
    return RecordLoad(
        samples=len(covered),
        other_cpu_percent=_round(_weighted_mean((s.other_cpu_percent, w) for s, w in covered)),
        other_cpu_percent_max=_round(max((s.other_cpu_percent for s, _ in covered), default=None)),
        steal_percent=_round(_weighted_mean(steal)),
        gpu_other_processes=others,
    )


def _min_max(values: Iterable[float | None]) -> MinMax | None:
    present = [v for v in values if v is not None]
    return MinMax(round(min(present), 1), round(max(present), 1)) if present else None


def gpu_telemetry(covered: Sequence[tuple[LoadSample, float]]) -> GpuTelemetry | None:
    """The GPU's clocks, temperature, power and utilisation over one case, as [min, max]."""
    readings = [s.gpu for s, _ in covered if s.gpu is not None]
    if not readings:
        return None
    reasons = sorted({name for r in readings for name in r.clock_reasons})
    return GpuTelemetry(
        samples=len(readings),
        sm_clock_mhz=_min_max(r.sm_clock_mhz for r in readings),
        memory_clock_mhz=_min_max(r.memory_clock_mhz for r in readings),
        temperature_c=_min_max(r.temperature_c for r in readings),
        power_w=_min_max(r.power_w for r in readings),
        utilization_percent=_min_max(r.utilization_percent for r in readings),
        throttle_reasons=reasons,
        throttled=bool(THROTTLING_REASONS.intersection(reasons)),
    )


def _busy_words(load: RecordLoad, threshold: float, during: str, up_to: bool = False) -> str | None:
    """Why a span of time counts as busy, in words ("other processes used 180% CPU while this case
    ran"), or None when it does not. `up_to`: the figures are the worst of several spans."""
    most = "up to " if up_to else ""
    reasons = []
    if load.other_cpu_percent is not None and load.other_cpu_percent > threshold:
        reasons.append(f"other processes used {most}{load.other_cpu_percent:.0f}% CPU {during}")
    if load.steal_percent is not None and load.steal_percent > BUSY_STEAL_PERCENT:
        reasons.append(f"the virtual machine's host took {most}{load.steal_percent:.0f}% of its CPU time {during}")
    if load.gpu_other_processes:
        reasons.append(f"another process used the GPU {during} ({', '.join(load.gpu_other_processes)})")
    return "; ".join(reasons) or None


def case_busy_reason(load: RecordLoad, threshold: float) -> str | None:
    return _busy_words(load, threshold, "while this case ran")


def measured(record: Record) -> bool:
    """A record with a number (the ones a busy machine can spoil)."""
    return record.error is None and record.skipped is None and not record.cancelled and record.metric.value is not None


def framework_load(
    framework: str,
    samples: Sequence[LoadSample],
    records: Sequence[Record],
    threshold: float,
    before_other_cpu_percent: float | None = None,
) -> FrameworkLoad:
    """The load around one framework's whole run; busy when any of its records was measured busy."""
    whole = record_load([(s, s.duration_s) for s in samples])
    busy = [r for r in records if r.machine_busy]
    name = display_name(framework)
    reason = None
    if busy:
        reason = _busy_words(whole, threshold, f"during the {name} run")
        if reason is None:  # the load came in bursts: say how many cases it hit, and the worst of them
            loads = [r.load for r in busy if r.load is not None]
            worst = RecordLoad(
                other_cpu_percent=max((x.other_cpu_percent or 0.0 for x in loads), default=0.0),
                steal_percent=max((x.steal_percent or 0.0 for x in loads), default=0.0),
                gpu_other_processes=sorted({p for x in loads for p in x.gpu_other_processes}),
            )
            during = f"during {len(busy)} of the {len(records)} {name} cases"
            reason = _busy_words(worst, threshold, during, up_to=True) or f"the machine was busy {during}"
    return FrameworkLoad(
        busy=bool(busy),
        reason=reason,
        samples=whole.samples,
        before_other_cpu_percent=_round(before_other_cpu_percent),
        other_cpu_percent=whole.other_cpu_percent,
        other_cpu_percent_max=whole.other_cpu_percent_max,
        steal_percent=whole.steal_percent,
        busy_threshold_percent=round(threshold, 1),
        busy_records=len(busy),
        gpu_other_processes=whole.gpu_other_processes,
    )


def machine_sample(sample: LoadSample) -> MachineSample:
    """One sample as the live line shows it."""
    gpu = sample.gpu or GpuReading()
    return MachineSample(
        other_cpu_percent=_round(sample.other_cpu_percent),
        steal_percent=_round(sample.steal_percent),
        sm_clock_mhz=gpu.sm_clock_mhz,
        memory_clock_mhz=gpu.memory_clock_mhz,
        temperature_c=gpu.temperature_c,
        power_w=gpu.power_w,
        power_limit_w=gpu.power_limit_w,
        utilization_percent=gpu.utilization_percent,
        gpu_other_processes=len(gpu.other_processes),
        throttle_reasons=list(gpu.clock_reasons),
    )


class CaseLoads:
    """The machine's load around one worker, for the runner: its monitor, each case's window (from
    its Start to its Result message, on this process's clock), and the samples already shown live."""

    def __init__(self, pid: int, device: str, threads: int | None) -> None:
        self.monitor: LoadMonitor | None
        reader = open_device_reader(device)
        self.has_gpu_readings = reader is not None
        self.telemetry_words = gpu_telemetry_words(device, reader)
        try:
            self.monitor = LoadMonitor(pid, gpu_reader=reader).start()
        except Exception:  # psutil cannot read this system: the run goes on without load figures
            self.monitor = None
            if reader is not None:
                reader.close()
        self.device = device
        self.threads = threads
        self.starts: dict[int, float] = {}
        self.records: list[Record] = []
        self.shown_until = 0.0
        self.shown_at = time.monotonic()

    def threshold(self) -> float:
        logical = os.cpu_count() or 1
        return busy_threshold_percent(logical, self.threads or logical)

    def started(self, index: int) -> None:
        self.starts[index] = time.monotonic()

    def finished(self, index: int, record: Record) -> None:
        """Fill the record's load, busy verdict and (GPU) telemetry from its case's samples."""
        if self.monitor is None:
            return
        end = time.monotonic()
        self.monitor.sample_now()  # closes the interval the case ended in, when it is long enough
        covered = self.monitor.between(self.starts.pop(index, end), end)
        if not covered:
            return
        record.load = record_load(covered)
        if self.has_gpu_readings:
            record.gpu_telemetry = gpu_telemetry(covered)
        reason = case_busy_reason(record.load, self.threshold()) if measured(record) else None
        record.machine_busy, record.busy_reason = reason is not None, reason
        self.records.append(record)

    def live(self) -> MachineSample | None:
        """The newest sample, about every LIVE_SAMPLE_PERIOD_S."""
        if self.monitor is None or time.monotonic() - self.shown_at < LIVE_SAMPLE_PERIOD_S:
            return None
        newest = self.monitor.samples[-1] if self.monitor.samples else None
        if newest is None or newest.end <= self.shown_until:
            return None
        self.shown_until, self.shown_at = newest.end, time.monotonic()
        return machine_sample(newest)

    def close(self, framework: str) -> FrameworkLoad | None:
        if self.monitor is None:
            return None
        self.monitor.stop()
        load = framework_load(framework, self.monitor.all_samples(), self.records, self.threshold())
        load.gpu_telemetry = self.telemetry_words
        return load
