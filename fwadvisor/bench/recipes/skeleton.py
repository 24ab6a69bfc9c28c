"""The one skeleton every benchmark follows, and the record it ends in.

    device and dtype rule (the catalogue's) -> precision flags -> [recipe: small check against NumPy,
    inputs, measure(call, sync, budget), metric] -> record

A recipe (kernels.py, models.py, practice.py) writes only the bracketed part, against an Adapter;
run_recipe() does the rest the same way for every benchmark and every framework, reading what the
benchmark allows from its catalogue entry (profiler/catalog.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import msgspec

from fwadvisor.bench import dtype_rules
from fwadvisor.bench import reference as ref
from fwadvisor.bench.recipes.adapter import Adapter, ImageLayout
from fwadvisor.profiler.benchmark_spec import BenchmarkSpec, Params
from fwadvisor.profiler.catalog import CATALOG
from fwadvisor.profiler.documents import Details, PrecisionFlags, Record
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.records import make_record, with_curve
from fwadvisor.profiler.timing import WIDE_SPREAD, Timing


def case_layout(adapter: Adapter, case: Case) -> ImageLayout:
    """The memory layout of a case's image tensors: its torch_layout param, or the device's default."""
    return adapter.image_layout(dtype_rules.torch_layout(case.params))


def layout_extra(layout: ImageLayout) -> dict[str, str]:
    """The record's words for a layout and its precise element order in memory."""
    return {"layout": layout.words, "memory_layout": layout.memory}


@dataclass(frozen=True)
class Outcome:
    """What a recipe measured; run_recipe() turns it into the record."""

    timing: Timing
    metric: tuple[str, float]  # (name, value)
    check: ref.Check
    extra: Details
    # A second timing the metric depends on (compiled_speedup's eager half): the record is only as
    # steady as its noisier half.
    paired_timing: Timing | None = None
    # The practice suite's per-epoch curve (records.with_curve).
    curve: list[dict[str, float]] | None = None
    # Precision flags only the recipe knows (mixed precision: autocast / Keras policy, loss scaling),
    # added to the ones set_precision() put in force.
    precision: PrecisionFlags = field(default_factory=dict)


# A recipe: the body of one benchmark, written once against the Adapter protocol.
Recipe = Callable[[Adapter, Case], Outcome]


def run_recipe(adapter: Adapter, recipe: Recipe, case: Case, spec: BenchmarkSpec | None = None) -> Record:
    """The skeleton around one recipe (inside the adapter's case scope, set by the caller). `spec` is
    the case's catalogue entry unless given (a test may run a recipe under another dtype rule)."""
    spec = spec or CATALOG[case.benchmark]
    dtype_rules.check_case(spec, adapter.gpu, case.dtype)
    precision = adapter.set_precision(case.dtype)
    outcome = recipe(adapter, case)
    if outcome.metric[0] not in spec.units:  # the parent reads the unit's meaning from the catalogue
        raise ValueError(f"{case.benchmark} measured {outcome.metric[0]!r}, not one of its units {spec.units}")
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
    adapter: Adapter, recipes: Mapping[str, Recipe], benchmark: str, params: Params, dtype: str, budget_s: float
) -> Record:
    """Look the benchmark up and run it in the adapter's case scope (out-of-memory -> MemoryError)."""
    try:
        recipe = recipes[benchmark]
    except KeyError:
        raise ValueError(f"unknown benchmark {benchmark!r}; known: {', '.join(recipes)}") from None
    with adapter.case_scope():
        return run_recipe(adapter, recipe, Case(benchmark, dict(params), dtype, budget_s))
