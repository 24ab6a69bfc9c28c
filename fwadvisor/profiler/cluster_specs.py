"""The cluster benchmarks' catalogue entries: all_reduce and ddp_scaling run over several processes,
one per device, as launch groups (profiler/cluster_launch.py), never in the single-device worker.
catalog.py adds them to CATALOG; ddp_scaling takes the parameters of the training benchmark it scales."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from fwadvisor.profiler.benchmark_spec import WORLD_SIZE_PARAM, BenchmarkSpec, ParamChoice, listed_params

RANKS_MEANING: Final = "ranks, one process per device (the plan sets it from the device count when left out)"
# ddp_scaling's models: the single-device training benchmarks it scales, with their own parameters.
SCALED_MODELS: Final = ("train_cnn", "train_transformer")
SINGLE_PROCESS_MEANING: Final = (
    "1: TensorFlow's MirroredStrategy in one process over the devices; 0: one process per device"
)


def _all_reduce(p: Mapping[str, object]) -> str:
    ranks = f" on {p[WORLD_SIZE_PARAM]}" if WORLD_SIZE_PARAM in p else ""
    return f"{p['mebibytes']} MiB{ranks}{', one process' if p.get('single_process') else ''}"


def _per_device(params: Mapping[str, str]) -> dict[str, str]:
    """A model's parameters under data parallelism: its batch is what each device steps on."""
    return {name: f"{meaning}, per device" if name == "batch" else meaning for name, meaning in params.items()}


def cluster_specs(models: Mapping[str, BenchmarkSpec]) -> tuple[BenchmarkSpec, ...]:
    """all_reduce and ddp_scaling; `models` holds the training benchmarks ddp_scaling scales."""

    def ddp_shape(p: Mapping[str, object]) -> str:
        """The model's own shape (its batch is per device), then the ranks: "CNN b32 32²×3 →10 on 4"."""
        model = models.get(str(p.get("model", "")))
        inner = {k: v for k, v in p.items() if k not in ("model", WORLD_SIZE_PARAM)}
        shape = model.shape(inner) if model is not None else listed_params(inner)
        return f"{shape} on {p[WORLD_SIZE_PARAM]}" if WORLD_SIZE_PARAM in p else shape

    return (
        BenchmarkSpec(
            "all_reduce",
            {
                "mebibytes": "float32 buffer per rank, in MiB (2^20 bytes), summed across the ranks",
                WORLD_SIZE_PARAM: RANKS_MEANING,
                "single_process": SINGLE_PROCESS_MEANING,
            },
            ("GB/s",),
            "float32",
            _all_reduce,
            "a float32 buffer of ones on every rank (the check: every element sums to the world size)",
            flags=frozenset({"single_process"}),
            cluster=True,
            planned=frozenset({WORLD_SIZE_PARAM}),
            only_dtypes=("fp32",),
            no_peak=True,
        ),
        BenchmarkSpec(
            "ddp_scaling",
            {
                "model": "the training step scaled: " + " or ".join(SCALED_MODELS),
                WORLD_SIZE_PARAM: RANKS_MEANING + "; 1 is the plain one-device step, no strategy",
            },
            ("steps/s",),
            "training",
            ddp_shape,
            "identical NumPy weights and the same seeded synthetic batch on every device, the same "
            "optimiser, loss and precision as the one-device step",
            trains=True,
            choice=ParamChoice(
                "model", "the training step scaled", {m: _per_device(models[m].params) for m in SCALED_MODELS}
            ),
            cluster=True,
            planned=frozenset({WORLD_SIZE_PARAM}),
        ),
    )
