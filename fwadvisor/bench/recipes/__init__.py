"""Every benchmark, written once as a recipe over a framework Adapter (worker side only).

    recipes/adapter.py    the Adapter protocol: what a framework supplies (tensors, kernels, models,
                          train step, epoch loop, sync, export); backends/*_adapter.py implement it
    recipes/skeleton.py   the skeleton around every recipe: dtype rule, precision flags, record
    recipes/kernels.py    matmul, conv2d, bandwidth, eager_overhead
    recipes/copies.py     host_to_device, device_to_host (pinned or pageable host memory)
    recipes/models.py     train_cnn, train_rnn
    recipes/transformer.py  train_transformer, compiled_speedup (a pre-norm block's MLP, eager vs compiled)
    recipes/practice.py   practice_cnn, practice_rnn, export_roundtrip (data in recipes/digits.py)

A new benchmark is one recipe here (and its parameters in suites.py); a new framework is one adapter
and its backend module. Only the adapters import a framework; recipes import NumPy.
"""

from __future__ import annotations

from typing import Any

from fwadvisor.bench.recipes import copies, kernels, models, practice, transformer
from fwadvisor.bench.recipes.adapter import Adapter
from fwadvisor.bench.recipes.skeleton import Recipe, run_case
from fwadvisor.profiler.documents import Record

# In the order of records.BENCHMARKS (the "known:" list of an unknown-benchmark error).
RECIPES: dict[str, Recipe] = {
    "matmul": Recipe(kernels.matmul, "math"),
    "conv2d": Recipe(kernels.conv2d, "math"),
    "bandwidth": Recipe(kernels.bandwidth, "float32"),
    "host_to_device": copies.HOST_TO_DEVICE,
    "device_to_host": copies.DEVICE_TO_HOST,
    "eager_overhead": Recipe(kernels.eager_overhead, "float32"),
    "compiled_speedup": Recipe(transformer.compiled_speedup, "math"),
    "train_cnn": Recipe(models.train_cnn, "training"),
    "train_rnn": Recipe(models.train_rnn, "training"),
    "train_transformer": Recipe(transformer.train_transformer, "training"),
    "practice_cnn": Recipe(practice.practice_cnn, "float32"),
    "practice_rnn": Recipe(practice.practice_rnn, "float32"),
    "export_roundtrip": Recipe(practice.export_roundtrip, "float32"),
}


def run_benchmark(adapter: Adapter, benchmark: str, params: dict[str, Any], dtype: str, budget_s: float) -> Record:
    """One case in one framework: its record; ValueError for an unknown or refused case, MemoryError
    when the device or host ran out of memory; anything else the framework raised."""
    return run_case(adapter, RECIPES, benchmark, params, dtype, budget_s)
