"""Datasheet peaks of a device (or an estimate) and "percent of peak".

The figures come from the GPU table (gpu_table.py: profiles/gpus.yaml and the user's). This module
imports no framework: the parent process fills in percent of peak after the workers have finished.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypedDict

from fwadvisor.profiler.catalog import DTYPES
from fwadvisor.profiler.gpu_table import (
    BANDWIDTH_UNIT,
    FLOPS_UNIT,
    GpuPeaks,
    capability_text,
    load_table,
    lookup_gpu,
    normalize_device_name,
)

METRIC_KINDS = ("flops", "bandwidth")

# Framework spellings a record may carry; the table only knows the short names.
_DTYPE_ALIASES = {
    "float32": "fp32",
    "float": "fp32",
    "tensorfloat32": "tf32",
    "float16": "fp16",
    "half": "fp16",
    "bfloat16": "bf16",
}

# Every unit percent_of_peak accepts, as (kind, factor to the base unit FLOP/s or B/s).
UNITS: dict[str, tuple[str, float]] = {
    "FLOP/s": ("flops", 1.0),
    "GFLOP/s": ("flops", 1e9),
    "TFLOP/s": ("flops", 1e12),
    "PFLOP/s": ("flops", 1e15),
    "B/s": ("bandwidth", 1.0),
    "MB/s": ("bandwidth", 1e6),
    "GB/s": ("bandwidth", 1e9),
    "TB/s": ("bandwidth", 1e12),
    "MiB/s": ("bandwidth", 2.0**20),
    "GiB/s": ("bandwidth", 2.0**30),
    "TiB/s": ("bandwidth", 2.0**40),
}

# Names that only NVIDIA cards carry. ROCm builds of the frameworks also report a "compute
# capability" (gfx90a reads as 9.0), which must not be mistaken for Hopper's FP32 lanes.
_NVIDIA_NAME_HINTS = ("nvidia", "tesla", "geforce", "quadro", "titan", "rtx")


@dataclass(frozen=True)
class Peak:
    """The peak one result is compared with; `estimated` is True when no datasheet figure was found."""

    value: float
    unit: str
    source: str
    estimated: bool
    label: str
    verified: bool = True


def canonical_dtype(dtype: str | None) -> str | None:
    if dtype is None:
        return None
    key = dtype.strip().lower()
    key = _DTYPE_ALIASES.get(key, key)
    return key if key in DTYPES else None


class EstimateProperties(TypedDict, total=False):
    """What an FP32 estimate reads of a GPU: documents.GpuProperties as a dict, or another source's
    names for the same facts (a capability as "9.0", 9.0, (9, 0) or [9, 0]; see capability_text)."""

    name: str
    vendor: str | None
    sm_count: float | None
    multi_processor_count: float | None
    multiprocessor_count: float | None
    max_clock_mhz: float | None
    sm_clock_max_mhz: float | None
    compute_capability: str | float | tuple[int, int] | list[int] | None
    total_memory_bytes: int | None
    l2_cache_bytes: int | None


def peak_for(
    device_name: str, metric_kind: str, dtype: str | None, gpu_properties: EstimateProperties | None = None
) -> Peak | None:
    """The peak a result on `device_name` is compared with, or None when none is known.

    metric_kind is "flops" (a TFLOP/s peak for `dtype`) or "bandwidth" (GB/s; dtype is ignored).
    A card in the table gets its dense datasheet figure. An unknown NVIDIA GPU gets an FP32 estimate
    from gpu_properties {"sm_count", "max_clock_mhz", "compute_capability"}, marked estimated. A CPU
    gets None: no CPU peaks are tabulated, and a GPU figure must never be read against a CPU result.
    """
    if metric_kind not in METRIC_KINDS:
        raise ValueError(f"metric_kind must be one of {METRIC_KINDS}, not {metric_kind!r}")
    name = normalize_device_name(device_name)
    if not name or name == "cpu" or name.startswith("cpu:"):
        return None
    gpu = lookup_gpu(name)
    if gpu is not None:
        return _datasheet_peak(gpu, metric_kind, dtype)
    if metric_kind == "flops" and canonical_dtype(dtype) == "fp32":
        return _estimated_fp32_peak(device_name, name, gpu_properties)
    # No estimate for tensor-core dtypes (per-SM rates differ between data-centre and GeForce parts of
    # one architecture) nor for bandwidth (NVML's memory clock and bus width are not reliable enough).
    return None


def _datasheet_peak(gpu: GpuPeaks, metric_kind: str, dtype: str | None) -> Peak | None:
    suffix = "" if gpu.verified else " (unverified)"
    if metric_kind == "bandwidth":
        if gpu.memory_bandwidth_gbs is None:
            return None
        return Peak(
            value=gpu.memory_bandwidth_gbs,
            unit=BANDWIDTH_UNIT,
            source=gpu.source,
            estimated=False,
            label=f"{gpu.name} datasheet, memory bandwidth{suffix}",
            verified=gpu.verified,
        )
    key = canonical_dtype(dtype)
    value = gpu.peaks_tflops.get(key) if key else None
    if key is None or value is None:  # the card has no such mode (T4 BF16), or the dtype is not one we know
        return None
    return Peak(
        value=value,
        unit=FLOPS_UNIT,
        source=gpu.source,
        estimated=False,
        label=f"{gpu.name} datasheet, dense {key.upper()}{suffix}",
        verified=gpu.verified,
    )


def _estimated_fp32_peak(device_name: str, name: str, props: EstimateProperties | None) -> Peak | None:
    if not props or not _looks_nvidia(name, props):
        return None
    sm_count = _positive_number(
        props.get("sm_count"), props.get("multi_processor_count"), props.get("multiprocessor_count")
    )
    clock_mhz = _positive_number(props.get("max_clock_mhz"), props.get("sm_clock_max_mhz"))
    capability = props.get("compute_capability")
    if sm_count is None or clock_mhz is None or capability is None:
        return None
    table = load_table()
    lanes = table.fp32_lanes_per_sm.get(capability_text(capability))
    if lanes is None:
        return None
    # An FMA counts as two floating-point operations, as in NVIDIA's own peak figures.
    tflops = sm_count * lanes * 2 * clock_mhz * 1e6 / 1e12
    label = (
        f"estimated from {sm_count:g} SMs x {lanes} FP32 lanes x 2 x {clock_mhz:g} MHz "
        f"(no datasheet entry for {device_name.strip()!r})"
    )
    return Peak(
        value=round(tflops, 2), unit=FLOPS_UNIT, source=table.lanes_source, estimated=True, label=label, verified=False
    )


def _looks_nvidia(name: str, props: EstimateProperties) -> bool:
    vendor = props.get("vendor")
    if isinstance(vendor, str) and vendor:
        return vendor.strip().lower() == "nvidia"
    return any(hint in name for hint in _NVIDIA_NAME_HINTS)


def _positive_number(*values: float | None) -> float | None:
    """The first of `values` that is a positive number (not a bool)."""
    for value in values:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
    return None


def percent_of_peak(value: float | None, unit: str, peak: Peak | None) -> float | None:
    """`value` in `unit` as a percentage of `peak`, converting units (GFLOP/s against TFLOP/s ...).

    None when there is nothing to compare. Comparing a FLOP/s figure with a bandwidth peak is a
    programming error and raises, so that it can never pass as a number.
    """
    if value is None or peak is None or not math.isfinite(value) or peak.value <= 0:
        return None
    if unit not in UNITS or peak.unit not in UNITS:
        raise ValueError(f"unknown unit {unit if unit not in UNITS else peak.unit!r}; known: {', '.join(UNITS)}")
    value_kind, value_factor = UNITS[unit]
    peak_kind, peak_factor = UNITS[peak.unit]
    if value_kind != peak_kind:
        raise ValueError(f"cannot compare {unit} with a peak in {peak.unit}")
    return 100.0 * (value * value_factor) / (peak.value * peak_factor)
