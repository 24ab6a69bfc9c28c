"""all_reduce and ddp_scaling, written once against ClusterSide (side.py) for both frameworks.

Every rank runs every line here in the same order (the collectives need all of them); only rank 0's
record is sent. all_reduce: the ones-check (every element of a vector of ones sums to the world
size), then a fixed warm-up and the timed calls, algorithm and bus bandwidth with nccl-tests'
formula. ddp_scaling: train_cnn's or train_transformer's model and optimiser from the same NumPy
weights, each replica on its own seeded batch (seed + replica), p50/p90 of the global step, the loss
falling and the weights identical on every replica after the steps.
"""

from __future__ import annotations

import dataclasses
import statistics
from collections.abc import Callable

import numpy as np

from fwadvisor.bench import dtype_rules
from fwadvisor.bench import reference as ref
from fwadvisor.bench import reference_transformer as tref
from fwadvisor.bench.cluster.side import Batch, ClusterSide, Workload, gather_floats, side_process_count
from fwadvisor.bench.cluster.timed_steps import TIMING_WORDS, Counts, TimedCalls, timed_calls
from fwadvisor.bench.recipes.skeleton import case_layout, layout_extra
from fwadvisor.profiler.documents import Details, PrecisionFlags, Record
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.records import make_record

ALL_REDUCE_COUNTS = Counts(warmup=5, minimum=20, maximum=200)
# A training step lasts far longer than a small all-reduce: fewer calls pin its median down.
DDP_COUNTS = Counts(warmup=3, minimum=10, maximum=100)
DDP_MODELS = ("train_cnn", "train_transformer")
FLOAT32_BYTES = 4
MIB = 1 << 20
TRAIN_OPTIMIZER = f"SGD lr {ref.TRAIN_LR} momentum {ref.TRAIN_MOMENTUM}"


def bus_bandwidth_factor(world_size: int) -> float:
    """nccl-tests' all-reduce bus bandwidth factor 2(n-1)/n: busbw = algbw * factor (doc/PERFORMANCE.md)."""
    return 2.0 * (world_size - 1) / world_size


def _record(
    side: ClusterSide,
    case: Case,
    timed: TimedCalls,
    metric: tuple[str, float],
    correct: bool,
    check: str,
    extra: Details,
    precision: PrecisionFlags,
) -> Record:
    adapter = side.adapter
    return make_record(
        benchmark=case.benchmark,
        framework=adapter.framework,
        framework_version=adapter.version,
        device=adapter.label,
        dtype=case.dtype,
        params=case.params,
        threads=adapter.threads_in_use(),
        precision=precision,
        timing=timed.timing,
        metric_name=metric[0],
        metric_value=metric[1],
        correct=correct,
        check=check,
        extra={
            "world_size": side.world_size,
            "backend": side.backend,
            "launcher": side.launcher,
            "timing": TIMING_WORDS,
            "warmup": timed.warmup,
            "iterations": timed.iterations,
            **extra,
        },
    )


def _all_ranks(side: ClusterSide, ok: bool) -> int:
    """How many processes found `ok` False (0 on every rank when all passed)."""
    return round(side.sum_floats([0.0 if ok else 1.0])[0])


def all_reduce(side: ClusterSide, case: Case) -> Record:
    if case.dtype != "fp32":
        raise ValueError(f"all_reduce runs in fp32 only, not {case.dtype}")
    mebibytes = int(case.params["mebibytes"])
    if mebibytes < 1:
        raise ValueError(f"mebibytes must be at least 1, not {mebibytes}")
    elements = mebibytes * MIB // FLOAT32_BYTES
    size = elements * FLOAT32_BYTES
    n = side.world_size
    buffer = side.reduce_buffer(elements)
    # The check: ones on every replica sum to the world size, in every element, on every rank.
    buffer.fill(1.0)
    first = timed_calls(side, buffer.call, Counts(0, 0, 0), 0.0)
    failed = _all_ranks(side, buffer.all_equal(float(n)))
    check = (
        f"a vector of {elements} ones summed to {n} in every element on every replica"
        if not failed
        else f"a vector of ones did NOT sum to {n} in every element on {failed} process(es)"
    )
    buffer.fill(0.0)  # zeros stay zeros however often they are summed: no overflow over the timed calls
    timed = timed_calls(side, buffer.call, ALL_REDUCE_COUNTS, case.budget_s)
    timed = dataclasses.replace(timed, timing=dataclasses.replace(timed.timing, cold_s=first.timing.cold_s))
    algbw = size / timed.timing.median_s / 1e9
    busbw = algbw * bus_bandwidth_factor(n)
    in_place = buffer.in_place
    extra: Details = {
        "bytes": size,
        "algbw_gbs": algbw,
        "busbw_gbs": busbw,
        "busbw_formula": "algbw * 2(n-1)/n (nccl-tests)",
        "in_place": in_place,
        "in_place_words": "in place (the result overwrites the input)"
        if in_place
        else "out of place: the framework returns the sum as a new tensor",
        **buffer.notes,
    }
    return _record(side, case, timed, ("GB/s", busbw), not failed, check, extra, {"dtype": case.dtype})


def _workload(side: ClusterSide, case: Case) -> tuple[Workload, int, Details]:
    """The model, one batch per local replica and the record's words for it; the per-device batch."""
    model = case.params.get("model")
    a = side.adapter
    if model == "train_cnn":
        batch, image, channels, classes = case.ints("batch", "image", "channels", "classes")
        if ref.cnn_flat_side(image) < 1:
            raise ValueError(f"image side {image} is too small for two 2x2 max-pools (need >= 4)")
        layout = case_layout(a, case)
        cnn_weights = ref.cnn_weights(channels, image, classes)
        axes = ref.IMAGE_AXES[a.layout]
        images = [ref.synthetic_images(batch, image, channels, classes, seed=ref.SEED + r) for r in side.local_replicas]
        workload = Workload(
            build=lambda adapter: adapter.in_layout(adapter.cnn(cnn_weights, image, channels, classes), layout),
            to_input=lambda adapter, x: adapter.in_layout(adapter.tensor(x), layout),
            batches=[Batch(ref.to_layout(x, axes), y) for x, y in images],
        )
        return workload, batch, {**layout_extra(layout), "init": "identical Glorot-uniform weights (from NumPy)"}
    if model == "train_transformer":
        batch, seq_len, width, heads, mlp, classes = case.ints("batch", "seq_len", "width", "heads", "mlp", "classes")
        tref.check_shape(width, heads)
        block_weights = tref.transformer_weights(width, heads, mlp, classes)
        sequences = [
            ref.synthetic_sequences(batch, seq_len, width, classes, seed=ref.SEED + r) for r in side.local_replicas
        ]
        workload = Workload(
            build=lambda adapter: adapter.transformer(block_weights, seq_len, heads, classes),
            to_input=lambda adapter, x: adapter.tensor(x),
            batches=[Batch(x, y) for x, y in sequences],
        )
        return workload, batch, {"init": tref.INIT, "attention": a.attention}
    raise ValueError(f"ddp_scaling's model is one of {', '.join(DDP_MODELS)}, not {model!r}")


def _global_loss(side: ClusterSide, local_loss: Callable[[], float]) -> float:
    """The mean loss over every replica's batch (each rank's mean weighted by its replicas)."""
    local = side.local_replicas
    return side.sum_floats([local_loss() * len(local)])[0] / side.world_size


def _p90(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=10, method="inclusive")[8] if len(samples) > 1 else samples[0]


def ddp_scaling(side: ClusterSide, case: Case) -> Record:
    a = side.adapter
    dtype_rules.check_training_dtype(a.gpu, case.benchmark, case.dtype)
    workload, batch, words = _workload(side, case)
    precision = a.set_precision(case.dtype)
    trainer = side.trainer(workload, case.dtype)
    first = _global_loss(side, trainer.loss)
    timed = timed_calls(side, trainer.step, DDP_COUNTS, case.budget_s)
    final = _global_loss(side, trainer.loss)
    learned = bool(np.isfinite(first) and np.isfinite(final) and final < first)
    checks = [
        f"loss {first:.4f} -> {final:.4f} over the timed steps, mean over {side.world_size} replica(s) "
        f"({'lower' if learned else 'NOT lower or not finite'})"
    ]
    identical = True
    if side.world_size > 1:
        sums = gather_floats(side, trainer.checksums())
        identical = len(set(sums)) == 1
        checks.append(
            f"weights identical on all {side.world_size} replicas (float64 checksum {sums[0]:.10g})"
            if identical
            else f"weights DIFFER between replicas after the steps (checksums {', '.join(f'{s:.10g}' for s in sums)})"
        )
    median = timed.timing.median_s
    extra: Details = {
        "strategy": side.strategy,
        "model": str(case.params["model"]),
        "p90_s": _p90(timed.timing.samples),
        "per_device_batch": batch,
        "global_batch": batch * side.world_size,
        "samples_per_s": batch * side.world_size / median,
        "scaling": "weak: the same per-device batch on every device",
        "data": "each replica its own seeded synthetic batch (seed + replica)",
        "processes": side_process_count(side),
        "mode": a.train_mode,
        "optimizer": TRAIN_OPTIMIZER,
        "first_loss": first,
        "final_loss": final,
        "steps": timed.iterations + timed.warmup + 1,
        **words,
        **trainer.notes,
    }
    return _record(
        side,
        case,
        timed,
        ("steps/s", 1.0 / median),
        learned and identical,
        "; ".join(checks),
        extra,
        {**precision, **trainer.precision},
    )


def precheck(case: Case, cuda: bool, world_size: int) -> None:
    """ValueError for a case no rank can run, found before any collective: every rank refuses it alike
    and goes on to the next case (an error inside a collective ends the whole launch instead)."""
    if case.benchmark not in RECIPES:
        raise ValueError(f"unknown cluster benchmark {case.benchmark!r}; known: {', '.join(RECIPES)}")
    if case.benchmark == "all_reduce":
        if case.dtype != "fp32":
            raise ValueError(f"all_reduce runs in fp32 only, not {case.dtype}")
        if int(case.params.get("mebibytes", 0)) < 1:
            raise ValueError("all_reduce's mebibytes must be at least 1")
        if world_size < 2:
            raise ValueError("all_reduce needs a world size of at least 2")
        return
    dtype_rules.check_training_dtype(cuda, case.benchmark, case.dtype)
    model = case.params.get("model")
    if model == "train_cnn":
        if ref.cnn_flat_side(case.ints("image")[0]) < 1:
            raise ValueError("image side is too small for two 2x2 max-pools (need >= 4)")
        dtype_rules.torch_layout(case.params)
    elif model == "train_transformer":
        tref.check_shape(*case.ints("width", "heads"))
    else:
        raise ValueError(f"ddp_scaling's model is one of {', '.join(DDP_MODELS)}, not {model!r}")


RECIPES: dict[str, Callable[[ClusterSide, Case], Record]] = {"all_reduce": all_reduce, "ddp_scaling": ddp_scaling}
