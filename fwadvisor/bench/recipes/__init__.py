"""Every benchmark, written once as a recipe over a framework Adapter (worker side only).

    recipes/adapter.py    the Adapter protocol: what a framework supplies (tensors, kernels, models,
                          train step, epoch loop, sync, export); backends/*_adapter.py implement it
    recipes/skeleton.py   the skeleton around every recipe: the catalogue's device and dtype rule,
                          precision flags, record
    recipes/kernels.py    matmul, conv2d, bandwidth, eager_overhead
    recipes/copies.py     host_to_device, device_to_host (pinned or pageable host memory)
    recipes/models.py     train_cnn, train_rnn
    recipes/transformer.py  train_transformer, compiled_speedup (a pre-norm block's MLP, eager vs compiled)
    recipes/practice.py   practice_cnn, practice_rnn, export_roundtrip (data in recipes/digits.py)

A new benchmark is one recipe here and its entry in the catalogue (profiler/catalog.py: parameters,
unit, dtype rule, GPU need, shape in words); a new framework is one adapter and its backend module.
Only the adapters import a framework; recipes import NumPy.
"""

from __future__ import annotations

from fwadvisor.bench.recipes import copies, kernels, models, practice, transformer
from fwadvisor.bench.recipes.adapter import Adapter
from fwadvisor.bench.recipes.skeleton import Recipe, run_case
from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.documents import GpuProperties, Record
from fwadvisor.profiler.protocol import Hello

# One recipe per catalogue entry, in the catalogue's order (the "known:" list of an unknown-benchmark
# error); what each may run (device, dtype rule) is its catalogue entry's.
RECIPES: dict[str, Recipe] = {
    "matmul": kernels.matmul,
    "conv2d": kernels.conv2d,
    "bandwidth": kernels.bandwidth,
    "host_to_device": copies.host_to_device,
    "device_to_host": copies.device_to_host,
    "eager_overhead": kernels.eager_overhead,
    "compiled_speedup": transformer.compiled_speedup,
    "train_cnn": models.train_cnn,
    "train_rnn": models.train_rnn,
    "train_transformer": transformer.train_transformer,
    "practice_cnn": practice.practice_cnn,
    "practice_rnn": practice.practice_rnn,
    "export_roundtrip": practice.export_roundtrip,
}


def run_benchmark(adapter: Adapter | None, benchmark: str, params: Params, dtype: str, budget_s: float) -> Record:
    """One case in one framework: its record; ValueError for an unknown or refused case, MemoryError
    when the device or host ran out of memory; anything else the framework raised. `adapter` is the
    backend's, None until its setup() made one."""
    if adapter is None:
        raise RuntimeError("call setup(device, threads) before run_benchmark")
    return run_case(adapter, RECIPES, benchmark, params, dtype, budget_s)


def hello(adapter: Adapter, gpu_properties: GpuProperties | None, build: dict[str, str]) -> Hello:
    """What a backend's setup() answers: the adapter it made, its GPU (None on a CPU) and its build."""
    return Hello(
        framework=adapter.framework,  # type: ignore[arg-type]  # a backend's FRAMEWORK, a profiler id
        framework_version=adapter.version,
        device=adapter.label,
        threads=adapter.threads,
        gpu_properties=gpu_properties,
        build=build,
    )
