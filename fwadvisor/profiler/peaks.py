"""Datasheet peaks of a device (or an estimate), "percent of peak", and whether a GPU number is normal.

The table lives in profiles/gpus.yaml (dense figures, no sparsity; see its header), with the ranges
public runs measured on common cards (`expected:`). A user file at <user config>/profiles/gpus.yaml is
read first, so its entries win. This module imports no framework: the parent process fills in percent
of peak and the expected-range verdicts after the workers have finished.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from fwadvisor.errors import InputError
from fwadvisor.paths import builtin_profiles_dir, user_profiles_dir
from fwadvisor.profiler.catalog import DTYPES
from fwadvisor.validation import FileModel, convert_or_explain
from fwadvisor.yamlio import line_of, load_yaml

TABLE_FILE = "gpus.yaml"
METRIC_KINDS = ("flops", "bandwidth")
FLOPS_UNIT = "TFLOP/s"
BANDWIDTH_UNIT = "GB/s"

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

# Device strings look like "cuda:0 NVIDIA H100 80GB HBM3" in result records; only the name matters.
_DEVICE_PREFIX = re.compile(r"^(cuda|gpu)(:\d+)?\s+")
# Names that only NVIDIA cards carry. ROCm builds of the frameworks also report a "compute
# capability" (gfx90a reads as 9.0), which must not be mistaken for Hopper's FP32 lanes.
_NVIDIA_NAME_HINTS = ("nvidia", "tesla", "geforce", "quadro", "titan", "rtx")


# The file's shape (profiles/gpus.yaml, or the user's): a misspelled key is refused with its line.
PositiveOrNull = Annotated[float, Meta(gt=0)] | None
Capability = str | float  # '9.0' as the file writes it; 9.0 when a user leaves the quotes out


class DtypePeaks(FileModel, frozen=True):
    """Dense TFLOP/s per dtype; null (or left out) where the card has no such mode."""

    fp32: PositiveOrNull = None
    tf32: PositiveOrNull = None
    fp16: PositiveOrNull = None
    bf16: PositiveOrNull = None


class ExpectedRange(FileModel, frozen=True):
    """What public runs measured on a card: [low, high], where they came from and how the range was set."""

    low: Annotated[float, Meta(ge=0)]
    high: Annotated[float, Meta(gt=0)]
    source: str = ""
    checked: dt.date | None = None
    note: str = ""


CaseParams = Annotated[dict[str, int | float | str], Meta(min_length=1)]


class ExpectedMatmul(FileModel, frozen=True):
    """Ranges in TFLOP/s per dtype, for matmul records whose params are exactly `params`."""

    params: CaseParams
    fp32: ExpectedRange | None = None
    tf32: ExpectedRange | None = None
    fp16: ExpectedRange | None = None
    bf16: ExpectedRange | None = None


class ExpectedBandwidth(FileModel, frozen=True):
    """A range in GB/s (bytes read + written) for bandwidth records whose params are exactly `params`."""

    params: CaseParams
    low: Annotated[float, Meta(ge=0)]
    high: Annotated[float, Meta(gt=0)]
    source: str = ""
    checked: dt.date | None = None
    note: str = ""


class ExpectedRanges(FileModel, frozen=True):
    matmul: ExpectedMatmul | None = None
    bandwidth: ExpectedBandwidth | None = None


class GpuEntry(FileModel, frozen=True):
    """One card of the table."""

    name: Annotated[str, Meta(min_length=1)]
    match: Annotated[list[Annotated[str, Meta(min_length=1)]], Meta(min_length=1)]
    architecture: str = ""
    compute_capability: Capability | None = None
    peaks_tflops: DtypePeaks = DtypePeaks()
    memory_bandwidth_gbs: PositiveOrNull = None
    source: str = ""
    checked: dt.date | None = None
    verified: bool = True
    note: str = ""
    expected: ExpectedRanges | None = None


class LanesRow(FileModel, frozen=True):
    lanes: Annotated[int, Meta(gt=0)]
    verified: bool = True


class LanesTable(FileModel, frozen=True):
    """FP32 lanes per SM by compute capability, for the estimate of a card not in the table."""

    by_compute_capability: dict[Capability, LanesRow | Annotated[int, Meta(gt=0)]]
    source: str = ""
    also: str = ""
    checked: dt.date | None = None
    note: str = ""


class GpuTableFile(FileModel, frozen=True):
    schema_version: Literal[1] = 1
    gpus: list[GpuEntry] | None = None
    fp32_lanes_per_sm: LanesTable | None = None


@dataclass(frozen=True)
class Band:
    """One expected range, as read: the benchmark and params it applies to, and its provenance."""

    benchmark: str  # "matmul" or "bandwidth"
    dtype: str | None  # matmul only
    params: dict[str, int | float | str]
    low: float
    high: float
    unit: str
    source: str
    checked: str | None
    note: str


@dataclass(frozen=True)
class GpuPeaks:
    """One card's dense datasheet peaks (TFLOP/s per dtype) and memory bandwidth (GB/s)."""

    name: str
    match: tuple[re.Pattern[str], ...]
    peaks_tflops: dict[str, float | None]
    memory_bandwidth_gbs: float | None
    source: str
    checked: str | None
    verified: bool
    note: str
    compute_capability: str | None
    origin: Path
    bands: tuple[Band, ...] = ()

    def matches(self, normalized_name: str) -> bool:
        return any(pattern.search(normalized_name) for pattern in self.match)


@dataclass(frozen=True)
class Peak:
    """The peak one result is compared with; `estimated` is True when no datasheet figure was found."""

    value: float
    unit: str
    source: str
    estimated: bool
    label: str
    verified: bool = True


@dataclass(frozen=True)
class PeakTable:
    gpus: tuple[GpuPeaks, ...]
    fp32_lanes_per_sm: dict[str, int]
    lanes_source: str


def normalize_device_name(device_name: str | None) -> str:
    """Lowercase, collapsed spaces, no "cuda:0 " prefix: the form the table's patterns match."""
    name = " ".join((device_name or "").lower().split())
    return _DEVICE_PREFIX.sub("", name)


def table_files() -> list[Path]:
    """The files read, in priority order: the user's (when present), then the built-in one."""
    files = []
    user_file = user_profiles_dir() / TABLE_FILE
    if user_file.is_file():
        files.append(user_file)
    files.append(builtin_profiles_dir() / TABLE_FILE)
    return files


def load_table() -> PeakTable:
    files = table_files()
    # Keyed on modification times so that an edited user file is picked up without a restart.
    key = tuple((str(path), path.stat().st_mtime_ns if path.exists() else 0) for path in files)
    return _load_table(key)


@lru_cache(maxsize=8)
def _load_table(key: tuple[tuple[str, int], ...]) -> PeakTable:
    gpus: list[GpuPeaks] = []
    lanes: dict[str, int] = {}
    lanes_source = ""
    # Lowest priority first for the lanes table, so that a user's entry replaces the built-in one.
    for path_text, _mtime in reversed(key):
        path = Path(path_text)
        document = convert_or_explain(load_yaml(path, "GPU peak table"), GpuTableFile, path, "GPU peak table")
        gpus[:0] = [_gpu_peaks(entry, path, index) for index, entry in enumerate(document.gpus or [])]
        if document.fp32_lanes_per_sm is not None:
            table = document.fp32_lanes_per_sm
            for capability, row in table.by_compute_capability.items():
                lanes[_capability_text(capability)] = row if isinstance(row, int) else row.lanes
            lanes_source = table.source or lanes_source
    return PeakTable(gpus=tuple(gpus), fp32_lanes_per_sm=lanes, lanes_source=lanes_source)


def _gpu_peaks(entry: GpuEntry, path: Path, index: int) -> GpuPeaks:
    try:
        patterns = tuple(re.compile(m.lower()) for m in entry.match)
    except re.error as exc:
        raise InputError(
            f"GPU peak table: gpus[{index}] ({entry.name}): bad 'match' pattern: {exc}",
            file=path,
            line=line_of(path, ["gpus", index, "match"]),
        ) from None
    capability = entry.compute_capability
    return GpuPeaks(
        name=entry.name,
        match=patterns,
        peaks_tflops=msgspec.structs.asdict(entry.peaks_tflops),
        memory_bandwidth_gbs=entry.memory_bandwidth_gbs,
        # A user's own entry may leave the source out; the file it came from is then the source.
        source=entry.source or str(path),
        checked=entry.checked.isoformat() if entry.checked else None,
        verified=entry.verified,
        note=entry.note,
        compute_capability=_capability_text(capability) if capability is not None else None,
        origin=path,
        bands=_bands(entry, path, index),
    )


def _bands(entry: GpuEntry, path: Path, index: int) -> tuple[Band, ...]:
    expected = entry.expected
    if expected is None:
        return ()
    found: list[tuple[list[str | int], Band]] = []
    if expected.matmul is not None:
        for dtype in DTYPES:
            row = getattr(expected.matmul, dtype)
            if row is not None:
                where: list[str | int] = ["gpus", index, "expected", "matmul", dtype]
                found.append((where, _band("matmul", dtype, expected.matmul.params, row, FLOPS_UNIT, path)))
    if expected.bandwidth is not None:
        row = expected.bandwidth
        found.append(
            (["gpus", index, "expected", "bandwidth"], _band("bandwidth", None, row.params, row, BANDWIDTH_UNIT, path))
        )
    for where, band in found:
        if band.low > band.high:
            raise InputError(
                f"GPU peak table: gpus[{index}] ({entry.name}): expected range low {band.low:g} is above "
                f"high {band.high:g}",
                file=path,
                line=line_of(path, where),
            )
    return tuple(band for _where, band in found)


def _band(
    benchmark: str,
    dtype: str | None,
    params: dict[str, int | float | str],
    row: ExpectedRange | ExpectedBandwidth,
    unit: str,
    path: Path,
) -> Band:
    return Band(
        benchmark=benchmark,
        dtype=dtype,
        params=dict(params),
        low=row.low,
        high=row.high,
        unit=unit,
        source=row.source or str(path),  # a user's own range may leave the source out
        checked=row.checked.isoformat() if row.checked else None,
        note=row.note,
    )


def _capability_text(capability: Any) -> str:
    """ "9.0", 9.0, (9, 0) and [9, 0] all mean compute capability 9.0."""
    if isinstance(capability, (tuple, list)) and len(capability) == 2:
        return f"{int(capability[0])}.{int(capability[1])}"
    if isinstance(capability, float):
        return f"{capability:.1f}"
    return str(capability).strip()


def lookup_gpu(device_name: str) -> GpuPeaks | None:
    """The first table entry whose pattern matches the NVML / torch device name, or None."""
    name = normalize_device_name(device_name)
    if not name:
        return None
    return next((gpu for gpu in load_table().gpus if gpu.matches(name)), None)


def canonical_dtype(dtype: str | None) -> str | None:
    if dtype is None:
        return None
    key = dtype.strip().lower()
    key = _DTYPE_ALIASES.get(key, key)
    return key if key in DTYPES else None


def peak_for(
    device_name: str, metric_kind: str, dtype: str | None, gpu_properties: dict[str, Any] | None = None
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


def _estimated_fp32_peak(device_name: str, name: str, props: dict[str, Any] | None) -> Peak | None:
    if not props or not _looks_nvidia(name, props):
        return None
    sm_count = _positive_number(props, ("sm_count", "multi_processor_count", "multiprocessor_count"))
    clock_mhz = _positive_number(props, ("max_clock_mhz", "sm_clock_max_mhz"))
    capability = props.get("compute_capability")
    if sm_count is None or clock_mhz is None or capability is None:
        return None
    table = load_table()
    lanes = table.fp32_lanes_per_sm.get(_capability_text(capability))
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


def _looks_nvidia(name: str, props: dict[str, Any]) -> bool:
    vendor = props.get("vendor")
    if isinstance(vendor, str) and vendor:
        return vendor.strip().lower() == "nvidia"
    return any(hint in name for hint in _NVIDIA_NAME_HINTS)


def _positive_number(props: dict[str, Any], keys: tuple[str, ...]) -> float | None:
    for key in keys:
        value = props.get(key)
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
