"""Hand-made runs of the cluster suite (all_reduce, ddp_scaling), shaped as the contract of issue 22 says
the worker and the parent fill them: for the advice and the reports without starting a rank."""

from __future__ import annotations

from fwadvisor.profiler.documents import RunDocument
from fwadvisor.profiler.run_file import run_from_data

LAUNCHERS = {
    ("torch", 0): "torchrun, one process per device",
    ("tensorflow", 0): "TF_CONFIG, one process per device",
    ("tensorflow", 1): "MirroredStrategy, one process",
}
CNN = {"model": "train_cnn", "batch": 8, "image": 32, "channels": 3, "classes": 10}
SPREAD = 0.01  # each median's 95% interval: ±1%


def _timed(median: float) -> dict:
    samples = [median * f for f in (0.995, 1.0, 1.005, 0.998, 1.002, 1.0, 0.999, 1.001)]
    return {
        "median_s": median,
        "median_low_s": median * (1 - SPREAD),
        "median_high_s": median * (1 + SPREAD),
        "samples_s": samples,
        "spread_s": median * 0.004,
        "rel_spread": 0.004,
        "unsteady": False,
        "halves_drift": 0.001,
        "repeats": len(samples),
    }


def all_reduce(
    framework: str,
    mebibytes: int,
    busbw: float,
    *,
    world: int = 4,
    single: int = 0,
    device: str = "cuda",
    reference: float | None = None,
    **fields: object,
) -> dict:
    """One all_reduce record: `busbw` GB/s bus bandwidth at `world` ranks (the time follows from it)."""
    size = mebibytes * 2**20
    algbw = busbw * world / (2 * (world - 1))
    gpu = device == "cuda"
    backend = ("nccl" if gpu else "gloo") if framework == "torch" else ("NCCL" if gpu else "RING")
    extra: dict[str, object] = {
        "bytes": size,
        "algbw_gbs": algbw,
        "busbw_gbs": busbw,
        "world_size": world,
        "backend": "auto" if single else backend,
        "launcher": LAUNCHERS[(framework, single)],
        "in_place": framework == "torch",
        "timing": "rank 0; barrier before each call; device synchronised",
        "warmup": 5,
        "iterations": 20,
    }
    if reference is not None:
        extra |= {"reference_busbw_gbs": reference, "share_of_reference": busbw / reference}
    return {
        "benchmark": "all_reduce",
        "framework": framework,
        "framework_version": "1.0",
        "device": "cuda:0" if gpu else "cpu",
        "dtype": "fp32",
        "params": {"mebibytes": mebibytes, "world_size": world, "single_process": single},
        "threads": 1,
        "metric": {"name": "GB/s", "value": busbw},
        "correct": True,
        "check": "ones sum to the world size",
        "extra": extra,
        **_timed(size / (algbw * 1e9)),
        **fields,
    }


def skipped_single_process(framework: str, mebibytes: int, world: int = 4) -> dict:
    """PyTorch's answer to a single-process all_reduce case: skipped, saying why."""
    return {
        "benchmark": "all_reduce",
        "framework": framework,
        "device": "cuda:0",
        "dtype": "fp32",
        "params": {"mebibytes": mebibytes, "world_size": world, "single_process": 1},
        "metric": {"name": "GB/s", "value": None},
        "skipped": "not measured: DDP with one process per device is what PyTorch recommends; DataParallel is legacy",
    }


def ddp_scaling(
    framework: str,
    world: int,
    step_s: float,
    *,
    baseline_s: float | None = None,
    device: str = "cuda",
    parent_fields: bool = True,
    **fields: object,
) -> dict:
    """One ddp_scaling record of the small CNN: `step_s` per global step at `world` ranks. With
    `baseline_s` (the world_size 1 step) and `parent_fields`, the efficiency as the parent adds it."""
    gpu = device == "cuda"
    extra: dict[str, object] = {"world_size": world, "p90_s": step_s * 1.05, "global_batch": 8 * world}
    if world == 1:
        extra |= {"strategy": "none (one device)", "backend": "none", "launcher": "one process"}
    elif framework == "torch":
        extra |= {
            "strategy": "DistributedDataParallel",
            "backend": "nccl" if gpu else "gloo",
            "launcher": LAUNCHERS[("torch", 0)],
            "bucket_cap_mb": 25,
            "gradient_as_bucket_view": False,
        }
    else:
        extra |= {
            "strategy": "MultiWorkerMirroredStrategy",
            "backend": "NCCL" if gpu else "RING",
            "launcher": LAUNCHERS[("tensorflow", 0)],
            "bytes_per_pack": 0,
        }
    if world > 1 and baseline_s is not None and parent_fields:
        low = baseline_s * (1 - SPREAD) / (step_s * (1 + SPREAD))
        high = baseline_s * (1 + SPREAD) / (step_s * (1 - SPREAD))
        extra |= {
            "baseline_step_s": baseline_s,
            "scaling_efficiency": baseline_s / step_s,
            "scaling_efficiency_low": low,
            "scaling_efficiency_high": high,
        }
    return {
        "benchmark": "ddp_scaling",
        "framework": framework,
        "framework_version": "1.0",
        "device": "cuda:0" if gpu else "cpu",
        "dtype": "fp32",
        "params": {**CNN, "world_size": world},
        "threads": 1,
        "metric": {"name": "steps/s", "value": 1 / step_s},
        "correct": True,
        "check": "loss fell; every rank holds the same weights",
        "extra": extra,
        **_timed(step_s),
        **fields,
    }


def scaling(torch_steps: dict[int, float], tf_steps: dict[int, float], **options: object) -> list[dict]:
    """Both frameworks' ddp_scaling records, one per world size (1 first: the baselines)."""
    out = []
    for framework, steps in (("torch", torch_steps), ("tensorflow", tf_steps)):
        for world, step in sorted(steps.items()):
            out.append(ddp_scaling(framework, world, step, baseline_s=steps.get(1), **options))  # type: ignore[arg-type]
    return out


def cluster_run(*records: dict, device: str = "cuda") -> RunDocument:
    gpus = [{"index": i, "name": "NVIDIA H100 80GB HBM3"} for i in range(4)] if device == "cuda" else []
    return run_from_data(
        {
            "kind": "fwadvisor-profile",
            "schema_version": 2,
            "created": "2026-12-07T12:00:00Z",
            "suite": {"name": "cluster", "device": device, "threads": 4},
            "environment": {"gpu": {"gpus": gpus}} if gpus else {},
            "workers": {"torch": {"status": "ok"}, "tensorflow": {"status": "ok"}},
            "results": list(records),
        }
    )


def gpu_run(tf_scales: str = "worse", reference: bool = True) -> RunDocument:
    """A 4-GPU run. `tf_scales`: "worse" (PyTorch keeps 0.95 at 4, TensorFlow 0.70), "better" (the
    reverse) or "same" (both 0.90: the intervals overlap)."""
    torch4, tf4 = {"worse": (0.95, 0.70), "better": (0.70, 0.95), "same": (0.90, 0.90)}[tf_scales]
    ref = 360.0 if reference else None
    records = [
        all_reduce("torch", 1, 40.0, reference=ref and 60.0),
        all_reduce("tensorflow", 1, 30.0, reference=ref and 60.0),
        all_reduce("tensorflow", 1, 20.0, single=1, reference=ref and 60.0),
        all_reduce("torch", 1024, 340.0, reference=ref),
        all_reduce("tensorflow", 1024, 150.0, reference=ref),
        all_reduce("tensorflow", 1024, 250.0, single=1, reference=ref),
        skipped_single_process("torch", 1024),
    ]
    records += scaling({1: 0.010, 2: 0.0102, 4: 0.010 / torch4}, {1: 0.012, 2: 0.0125, 4: 0.012 / tf4})
    return cluster_run(*records)


def cpu_run() -> RunDocument:
    records = [
        all_reduce("torch", 1, 1.5, device="cpu"),
        all_reduce("tensorflow", 1, 0.9, device="cpu"),
        all_reduce("tensorflow", 1, 1.1, single=1, device="cpu"),
        *scaling({1: 0.02, 2: 0.03}, {1: 0.03, 2: 0.05}, device="cpu"),
    ]
    return cluster_run(*records, device="cpu")
