"""A GPU case's circumstances in words: its clocks, heat and power while it ran, and where its number
stands against the usual range for its card (every table, report and the app's details)."""

from __future__ import annotations

from fwadvisor.profiler.documents import Expected, GpuTelemetry
from fwadvisor.safe_text import one_line


def _range(values: tuple[float, float], unit: str) -> str:
    low, high = round(values[0]), round(values[1])
    return f"{low} {unit}" if low == high else f"{low}-{high} {unit}"


def gpu_state_text(telemetry: GpuTelemetry | None) -> str:
    """The GPU while a case ran, compactly: "SM 1755-1980 MHz, up to 64 °C, up to 612 W, throttled (sw_thermal)"."""
    if telemetry is None or not telemetry.samples:
        return ""
    parts = []
    if telemetry.sm_clock_mhz is not None:
        parts.append("SM " + _range((telemetry.sm_clock_mhz.min, telemetry.sm_clock_mhz.max), "MHz"))
    if telemetry.temperature_c is not None:
        parts.append(f"up to {telemetry.temperature_c.max:.0f} °C")
    if telemetry.power_w is not None:
        parts.append(f"up to {telemetry.power_w.max:.0f} W")
    if telemetry.throttled:
        reasons = ", ".join(one_line(reason) for reason in telemetry.throttle_reasons)
        parts.append("throttled" + (f" ({reasons})" if reasons else ""))
    return ", ".join(parts)


def expected_text(expected: Expected) -> str:
    """Where a GPU number stands against what public runs measured on its card, in words."""
    span = f"{expected.low:.4g}-{expected.high:.4g} {expected.unit}"
    return one_line(f"{expected.verdict} the usual {span} for {expected.card}")
