"""The dtype and layout rules every recipe applies in the worker, so both frameworks refuse and accept
exactly the same cases. The rule a benchmark follows and the names are the catalogue's
(profiler/catalog.py), which the suites check too; this module only says no, in the worker's words.
Pure Python: no NumPy, no framework.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from fwadvisor.profiler.benchmark_spec import BenchmarkSpec
from fwadvisor.profiler.catalog import (
    CPU_DTYPES,
    DTYPES,
    FLOAT32_DTYPES,
    MIXED_DTYPES,
    TORCH_LAYOUT_PARAM,
    TORCH_LAYOUTS,
    TRAINING_DTYPES,
)


def check_math_dtype(cuda: bool, dtype: str, known: Collection[str] = DTYPES) -> None:
    """matmul/conv dtypes: fp32, tf32, fp16, bf16; tf32 and fp16 are GPU-only cases."""
    if dtype not in known:
        raise ValueError(f"unknown dtype {dtype!r}; choose from {', '.join(known)}")
    if not cuda and dtype not in CPU_DTYPES:
        raise ValueError(f"dtype {dtype} is GPU-only; on a CPU use {' or '.join(CPU_DTYPES)}")


def check_float32_only(cuda: bool, benchmark: str, dtype: str) -> None:
    allowed = FLOAT32_DTYPES if cuda else ("fp32",)
    if dtype not in allowed:
        raise ValueError(f"{benchmark} runs in float32: dtype must be {' or '.join(allowed)}, not {dtype}")


def check_training_dtype(cuda: bool, benchmark: str, dtype: str) -> None:
    allowed = TRAINING_DTYPES if cuda else ("fp32",)
    if dtype not in allowed:
        if dtype in TRAINING_DTYPES:
            raise ValueError(f"{benchmark} trains in {dtype} on a GPU only: on a CPU use fp32")
        raise ValueError(f"{benchmark} trains in {' or '.join(allowed)}, not {dtype}")


def check_case(spec: BenchmarkSpec, cuda: bool, dtype: str) -> None:
    """ValueError when the benchmark cannot run this dtype on this device (its catalogue entry says)."""
    if spec.gpu_only and not cuda:
        raise ValueError(f"{spec.id} needs a GPU ({spec.gpu_only})")
    if spec.dtype_rule == "math":
        check_math_dtype(cuda, dtype)
    elif spec.dtype_rule == "training":
        check_training_dtype(cuda, spec.id, dtype)
    else:
        check_float32_only(cuda, spec.id, dtype)


def mixed_precision(dtype: str) -> str | None:
    """The narrow dtype of a mixed-precision training case ("bf16", "fp16"), None for float32."""
    return dtype if dtype in MIXED_DTYPES else None


def torch_layout(params: Mapping[str, object]) -> str | None:
    """A case's torch_layout (None when it has none); ValueError for an unknown one."""
    value = params.get(TORCH_LAYOUT_PARAM)
    if value is None:
        return None
    if value not in TORCH_LAYOUTS:
        raise ValueError(f"torch_layout must be {' or '.join(TORCH_LAYOUTS)}, not {value!r}")
    return str(value)
