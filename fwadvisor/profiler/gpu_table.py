"""The GPU table: profiles/gpus.yaml (dense datasheet figures, no sparsity; see its header) with the
ranges public runs measured on common cards (`expected:`), read and validated.

A user file at <user config>/profiles/gpus.yaml is read first, so its entries win; a misspelled key
is refused with its line. peaks.py reads the peaks from it, expected.py the ranges.
"""

from __future__ import annotations

import datetime as dt
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
FLOPS_UNIT = "TFLOP/s"
BANDWIDTH_UNIT = "GB/s"
# Device strings look like "cuda:0 NVIDIA H100 80GB HBM3" in result records ("rocm:0 AMD Instinct
# MI300X", "xpu:0 Intel(R) Data Center GPU Max 1550", "mps Apple M2 Max" on other vendors' devices);
# only the name matters.
_DEVICE_PREFIX = re.compile(r"^(cuda|rocm|xpu|mps|gpu)(:\d+)?\s+")


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
                lanes[capability_text(capability)] = row if isinstance(row, int) else row.lanes
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
        compute_capability=capability_text(capability) if capability is not None else None,
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


def capability_text(capability: Any) -> str:
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
