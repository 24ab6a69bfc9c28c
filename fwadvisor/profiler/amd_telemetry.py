"""Live readings of an AMD GPU through amdsmi (AMD's own Python binding of its SMI library), the
ROCm counterpart of telemetry.py's NVML reader: clocks, temperature, power, utilisation and the
other processes computing on the card.

amdsmi is optional and never required: without it (or without a driver or a card) the run is
sampled for CPU only and says so. The API changed between ROCm releases (6.0: power through
amdsmi_get_power_measure, clocks through amdsmi_get_clock_measure, processes as handles read with
amdsmi_get_gpu_process_info; 6.1 and later: amdsmi_get_power_info, amdsmi_get_clock_info, processes
as dicts), so each reading tries the newer call and then the older one, and a sensor that a card
lacks ("N/A", or an AmdSmiException) is a None, never an error. Written from AMD's amdsmi Python API
reference (rocm.docs.amd.com/projects/amdsmi, py-interface/README.md of ROCm/amdsmi, read
2026-12-07); it could not be run on an AMD card here.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any, Final

from fwadvisor.profiler.telemetry import TREE_REFRESH_S, GpuReading, process_name

# Which card HIP gives the worker: the first index any of these names (HIP reads all three).
VISIBLE_DEVICES_VARIABLES: Final = ("HIP_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES")


def _number(value: Any) -> float | None:
    """A reading as a float; None for amdsmi's "N/A", a missing key, or anything not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _field(reading: Any, *keys: str) -> float | None:
    """The first of `keys` in a reading dict that holds a number."""
    if not isinstance(reading, Mapping):
        return None
    for key in keys:
        value = _number(reading.get(key))
        if value is not None:
            return value
    return None


class AmdGpuReader:
    """amdsmi readings of the worker's GPU: the card its processes compute on once amdsmi lists them,
    until then the first one HIP_VISIBLE_DEVICES (or ROCR_ / CUDA_VISIBLE_DEVICES) names."""

    def __init__(self) -> None:
        import amdsmi

        self.smi: Any = amdsmi
        self.error: type[BaseException] = getattr(amdsmi, "AmdSmiException", Exception)
        flags = getattr(amdsmi, "AmdSmiInitFlags", None)
        if flags is not None and hasattr(flags, "INIT_AMD_GPUS"):
            amdsmi.amdsmi_init(flags.INIT_AMD_GPUS)
        else:
            amdsmi.amdsmi_init()
        self.handles: list[Any] = list(amdsmi.amdsmi_get_processor_handles())
        self.handle: Any = self._visible_handle()
        self.found = False
        self._pids: dict[int, tuple[float, set[int]]] = {}  # id(handle) -> (read at, pids)

    def _visible_handle(self) -> Any:
        for variable in VISIBLE_DEVICES_VARIABLES:
            first = (os.environ.get(variable) or "").split(",")[0].strip()
            if first.isdigit() and int(first) < len(self.handles):
                return self.handles[int(first)]
        return self.handles[0] if self.handles else None

    def _read(self, name: str, *args: Any) -> Any:
        """amdsmi.<name>(handle, *args), or None where this amdsmi lacks the call or the card the sensor."""
        fn = getattr(self.smi, name, None)
        if fn is None:
            return None
        try:
            return fn(self.handle, *args)
        except self.error:
            return None

    def _enum(self, enum_name: str, member: str) -> Any:
        enum = getattr(self.smi, enum_name, None)
        return getattr(enum, member, None) if enum is not None else None

    def _compute_pids(self, handle: Any) -> set[int]:
        """The pids computing on a card, read at most once a second: amdsmi's process list is a
        slow call, and AMD's reference asks for a second between calls for valid figures."""
        now = time.monotonic()
        cached = self._pids.get(id(handle))
        if cached is not None and now - cached[0] < TREE_REFRESH_S:
            return cached[1]
        pids: set[int] = set()
        try:
            listed = self.smi.amdsmi_get_gpu_process_list(handle)
        except (self.error, AttributeError):
            listed = []
        for entry in listed or []:
            info = entry
            if not isinstance(entry, Mapping):  # ROCm 6.0: a process handle, read with another call
                try:
                    info = self.smi.amdsmi_get_gpu_process_info(handle, entry)
                except (self.error, AttributeError):
                    continue
            pid = _field(info, "pid")
            if pid is not None:
                pids.add(int(pid))
        self._pids[id(handle)] = (now, pids)
        return pids

    def _temperature_c(self) -> float | None:
        current = self._enum("AmdSmiTemperatureMetric", "CURRENT")
        # MI300-class parts have no edge sensor; the hotspot (junction) is what every Instinct reports.
        for sensor in ("HOTSPOT", "EDGE"):
            kind = self._enum("AmdSmiTemperatureType", sensor)
            if kind is None or current is None:
                continue
            value = _number(self._read("amdsmi_get_temp_metric", kind, current))
            if value is not None:
                # Degrees Celsius; a reading in millidegrees (the older rocm-smi unit) is scaled down.
                return round(value / 1000 if value > 1000 else value, 1)
        return None

    def _clock_mhz(self, clock: str) -> float | None:
        kind = self._enum("AmdSmiClkType", clock)
        if kind is None:
            return None
        value = _field(self._read("amdsmi_get_clock_info", kind), "clk", "cur_clk")
        if value is None:  # ROCm 6.0's name for the same reading
            value = _field(self._read("amdsmi_get_clock_measure", kind), "cur_clk", "avg_clk")
        return value

    def _power_w(self) -> float | None:
        # amdsmi 6.4 and later name the instant reading socket_power; MI300 on older releases reports
        # current_socket_power and "N/A" for the average; older parts only the average.
        keys = ("socket_power", "current_socket_power", "average_socket_power")
        value = _field(self._read("amdsmi_get_power_info"), *keys)
        if value is None:  # ROCm 6.0's name for the same reading
            value = _field(self._read("amdsmi_get_power_measure"), *keys)
        return value

    def _power_limit_w(self) -> float | None:
        cap = _field(self._read("amdsmi_get_power_cap_info"), "power_cap")
        if cap is None:
            return None
        # amdsmi gives the cap in microwatts (amdsmi_set_power_cap takes microwatts); a value that is
        # already plausible watts (no card draws 100 kW) is kept as it is.
        return round(cap / 1e6 if cap > 1e5 else cap, 1)

    def _utilization_percent(self) -> float | None:
        busy = _field(self._read("amdsmi_get_gpu_activity"), "gfx_activity")
        # Older amdsmi passes the driver's "no reading" (0xFFFF) through as a number; newer says "N/A".
        return busy if busy is not None and 0 <= busy <= 100 else None

    def read(self, tree: set[int]) -> GpuReading | None:
        if not self.found and tree:
            for handle in self.handles:
                if self._compute_pids(handle) & tree:
                    self.handle, self.found = handle, True
                    break
        if self.handle is None:
            return None
        others = []
        for pid in sorted(self._compute_pids(self.handle) - tree - {os.getpid()}):
            name = process_name(pid)
            if name is not None:  # a pid this process cannot see (another container's) is left out
                others.append(f"{pid} {name}")
        power = self._power_w()
        return GpuReading(
            sm_clock_mhz=self._clock_mhz("GFX"),
            memory_clock_mhz=self._clock_mhz("MEM"),
            temperature_c=self._temperature_c(),
            power_w=round(power, 1) if power is not None else None,
            power_limit_w=self._power_limit_w(),
            utilization_percent=self._utilization_percent(),
            # amdsmi reports throttling only in its per-ASIC metrics table, whose fields differ by
            # generation: not read, so an AMD record is never marked throttled (said in the run).
            clock_reasons=(),
            other_processes=tuple(others),
        )

    def close(self) -> None:
        try:
            self.smi.amdsmi_shut_down()
        except self.error:
            pass


def open_amd_reader() -> AmdGpuReader | None:
    """amdsmi for the live readings, or None without the package, a driver or a card."""
    try:
        reader = AmdGpuReader()
    except Exception:  # ImportError, AmdSmiException, a library that fails to load: no GPU readings
        return None
    if reader.handle is None:
        reader.close()
        return None
    return reader
