"""The one skeleton every benchmark follows, and the record it ends in.

    dtype rule -> precision flags -> [recipe: small check against NumPy, inputs,
    measure(call, sync, budget), metric] -> record

A recipe (kernels.py, models.py, practice.py) writes only the bracketed part, against an Adapter;
run_recipe() does the rest the same way for every benchmark and every framework.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from fwadvisor.bench import reference as ref
from fwadvisor.bench.recipes.adapter import Adapter, ImageLayout
from fwadvisor.profiler.documents import Record
from fwadvisor.profiler.records import make_record, with_curve
from fwadvisor.profiler.timing import WIDE_SPREAD, Timing

# "math": matmul/conv dtypes (reference.check_math_dtype); "float32": float32 tensors only;
# "training": float32 or, on a GPU, mixed precision (reference.check_training_dtype).
DtypeRule = Literal["math", "float32", "training"]


@dataclass(frozen=True)
class Case:
    """One benchmark case as the worker asks for it."""

    benchmark: str
    params: dict[str, Any]
    dtype: str
    budget_s: float

    def ints(self, *names: str) -> tuple[int, ...]:
        return tuple(int(self.params[name]) for name in names)


def case_layout(adapter: Adapter, case: Case) -> ImageLayout:
    """The memory layout of a case's image tensors: its torch_layout param, or the device's default."""
    return adapter.image_layout(ref.torch_layout(case.params))


def layout_extra(layout: ImageLayout) -> dict[str, str]:
    """The record's words for a layout and its precise element order in memory."""
    return {"layout": layout.words, "memory_layout": layout.memory}


@dataclass(frozen=True)
class Outcome:
    """What a recipe measured; run_recipe() turns it into the record."""

    timing: Timing
    metric: tuple[str, float]  # (name, value)
    check: ref.Check
    extra: dict[str, Any]
    # A second timing the metric depends on (compiled_speedup's eager half): the record is only as
    # steady as its noisier half.
    paired_timing: Timing | None = None
    # The practice suite's per-epoch curve (records.with_curve).
    curve: list[dict[str, float]] | None = None
    # Precision flags only the recipe knows (mixed precision: autocast / Keras policy, loss scaling),
    # added to the ones set_precision() put in force.
    precision: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Recipe:
    """A benchmark: its dtype rule, the GPU it may need, and the recipe body."""

    measure: Callable[[Adapter, Case], Outcome]
    dtypes: DtypeRule
    needs_gpu: str | None = None  # the ValueError's text when the case cannot run on a CPU


def run_recipe(adapter: Adapter, recipe: Recipe, case: Case) -> Record:
    """The skeleton around one recipe (inside the adapter's case scope, set by the caller)."""
    if recipe.needs_gpu and not adapter.cuda:
        raise ValueError(recipe.needs_gpu)
    if recipe.dtypes == "math":
        ref.check_math_dtype(adapter.cuda, case.dtype)
    elif recipe.dtypes == "training":
        ref.check_training_dtype(adapter.cuda, case.benchmark, case.dtype)
    else:
        ref.check_float32_only(adapter.cuda, case.benchmark, case.dtype)
    precision = adapter.set_precision(case.dtype)
    outcome = recipe.measure(adapter, case)
    record = make_record(
        benchmark=case.benchmark,
        framework=adapter.framework,
        framework_version=adapter.version,
        device=adapter.label,
        dtype=case.dtype,
        params=case.params,
        threads=adapter.threads_in_use(),
        precision={**precision, **outcome.precision},
        timing=outcome.timing,
        metric_name=outcome.metric[0],
        metric_value=outcome.metric[1],
        correct=outcome.check.ok,
        check=outcome.check.text,
        extra=outcome.extra,
    )
    paired = outcome.paired_timing
    if paired is not None and paired.rel_spread > WIDE_SPREAD:
        record = msgspec.structs.replace(record, wide_spread=True)
    if paired is not None and paired.unsteady:  # the metric is a ratio of the two medians
        record = msgspec.structs.replace(record, unsteady=True)
    if outcome.curve is not None:
        record = with_curve(record, outcome.curve)
    return record


def run_case(
    adapter: Adapter, recipes: Mapping[str, Recipe], benchmark: str, params: dict[str, Any], dtype: str, budget_s: float
) -> Record:
    """Look the benchmark up and run it in the adapter's case scope (out-of-memory -> MemoryError)."""
    try:
        recipe = recipes[benchmark]
    except KeyError:
        raise ValueError(f"unknown benchmark {benchmark!r}; known: {', '.join(recipes)}") from None
    with adapter.case_scope():
        return run_recipe(adapter, recipe, Case(benchmark, dict(params), dtype, budget_s))
