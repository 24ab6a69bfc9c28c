"""Is a GPU number normal? Each matmul and bandwidth record against the range public runs measured on
its card (profiles/gpus.yaml `expected:`, loaded with the peaks by peaks.py)."""

from __future__ import annotations

import math
from typing import Literal

from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.documents import Expected, Record, ran_and_checked
from fwadvisor.profiler.gpu_table import lookup_gpu, normalize_device_name
from fwadvisor.profiler.peaks import UNITS, canonical_dtype

# What a verdict usually means, in words for reports (issue #11: "is my number normal?").
BELOW_USUALLY_MEANS = (
    "A number below the range public runs measured on this card usually means the GPU ran in a lower "
    "power or clock state (a power cap, heat, a shared or virtualised card), another process used the "
    "GPU at the same time, or the framework build lacks this card's fast kernels; for matmul, TF32 "
    "switched off (or fp32 measured as true FP32) and, for host copies, a slower PCIe slot also do it."
)
ABOVE_USUALLY_MEANS = (
    "A number above the range usually means a newer framework or library build with faster kernels, "
    "a better-cooled or higher-power variant of the card than the public runs had, or, for bandwidth "
    "above the datasheet figure, data served from cache rather than device memory."
)


def expected_for(record: Record) -> Expected | None:
    """Whether a GPU record's number is inside, below or above the range public runs measured.

    None unless the record is a GPU matmul or bandwidth case that ran and passed its check, on a card
    the table has a range for, with exactly the params (and for matmul the dtype) the range was
    measured at: a range for 8192^3 says nothing about 4096^3.
    """
    value = record.metric.value
    if value is None or not math.isfinite(value) or not ran_and_checked(record):
        return None
    record_unit = UNITS.get(record.metric.name)  # (kind, factor to FLOP/s or B/s)
    if record_unit is None:
        return None
    name = normalize_device_name(record.device)
    if not name or name == "cpu" or name.startswith("cpu:") or name == "unknown":
        return None
    gpu = lookup_gpu(name)
    if gpu is None:
        return None
    dtype = canonical_dtype(record.dtype or "fp32") if record.benchmark == "matmul" else None
    # A record labelled fp32 whose matmuls were allowed TF32 is not an FP32 measurement.
    if dtype == "fp32" and record.precision.get("tf32_matmul") is True:
        return None
    for band in gpu.bands:
        if band.benchmark != record.benchmark or band.dtype != dtype or not _same_params(band.params, record.params):
            continue
        band_kind, band_factor = UNITS[band.unit]
        if band_kind != record_unit[0]:
            return None
        in_band_unit = value * record_unit[1] / band_factor
        verdict: Literal["inside", "below", "above"] = (
            "below" if in_band_unit < band.low else "above" if in_band_unit > band.high else "inside"
        )
        return Expected(
            verdict=verdict,
            low=band.low,
            high=band.high,
            unit=band.unit,
            card=gpu.name,
            source=band.source,
            note=band.note,
        )
    return None


def add_expected(records: list[Record]) -> None:
    """Set each record's expected-range verdict (None where the table has no range that applies)."""
    for record in records:
        record.expected = expected_for(record)


def _same_params(wanted: dict[str, int | float | str], got: Params) -> bool:
    """The record's params are exactly the range's: same keys, equal values (8192 == 8192.0)."""
    if set(wanted) != set(got):
        return False
    for key, value in wanted.items():
        other = got[key]
        if isinstance(value, str) or isinstance(other, (str, bool)):
            if value != other:
                return False
        elif not isinstance(other, (int, float)) or float(other) != float(value):
            return False
    return True
