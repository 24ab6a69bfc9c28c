"""Read the cluster suite's records (all_reduce, ddp_scaling) into what the advice and the reports use.

The records are the contract's (/work/shared: issue 22): an all_reduce record's metric is its bus
bandwidth (nccl-tests' busbw = algbw x 2(n-1)/n), its extra the sizes, backend, launcher and, when
nccl-tests ran, `reference_busbw_gbs` and `share_of_reference`; a ddp_scaling record's median_s is
the global step's p50 at `world_size` ranks with the same per-device batch (weak scaling), and the
parent adds `scaling_efficiency` = t(1)/t(N) with its interval from the two medians' 95% intervals.
Where a saved run lacks the parent's efficiency (a run saved by hand, or before it existed), it is
computed here the same way from the framework's world_size 1 record.

Only a GPU run gives metrics: CPU ranks over loopback test that the code paths work, not how a GPU
cluster scales, so from a CPU run the reports say so and no rule sees a number. A number counts only
when its record is usable (documents.classify says ok), and so is its one-device baseline.
Headless: reads a RunDocument, imports no framework or numpy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from fwadvisor.frameworks import PYTORCH, TENSORFLOW
from fwadvisor.profiler.documents import Record, ResultStatus, RunDocument, classify, ran_and_checked

ALL_REDUCE: Final = "all_reduce"
DDP_SCALING: Final = "ddp_scaling"
CLUSTER_BENCHMARKS: Final = (ALL_REDUCE, DDP_SCALING)
# The contract's words: every report of a CPU run of the cluster suite says this.
CPU_PLUMBING: Final = (
    "These numbers were measured on CPU processes over loopback: they test that the distributed code "
    "paths work in both frameworks, not how a GPU cluster scales."
)
CLAIM: Final = "TensorFlow has the more efficient distributed training"
SINGLE_PROCESS_LABEL: Final = "MirroredStrategy, one process"


def is_cluster(record: Record) -> bool:
    return record.benchmark in CLUSTER_BENCHMARKS


def has_cluster_records(document: RunDocument) -> bool:
    return any(is_cluster(r) for r in document.results)


def on_gpu(document: RunDocument) -> bool:
    """Whether the run's devices were GPUs (the suite's device; a record may name cuda:0 and so on)."""
    return document.suite.device == "cuda"


def plumbing_note(document: RunDocument) -> str:
    """CPU_PLUMBING for a CPU run with cluster records (the app says it under the run), else ""."""
    return CPU_PLUMBING if has_cluster_records(document) and not on_gpu(document) else ""


def number(details: Mapping[str, object], key: str) -> float | None:
    """A finite number of a record's `extra` (None for text, a flag, a missing key or a NaN)."""
    value = details.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def words(details: Mapping[str, object], key: str) -> str | None:
    value = details.get(key)
    return str(value) if value is not None and not isinstance(value, list | dict) else None


def world_size(record: Record) -> int | None:
    size = record.params.get("world_size")
    if isinstance(size, int) and size > 0:
        return size
    extra = number(record.extra, "world_size")
    return int(extra) if extra and extra > 0 else None


def single_process(record: Record) -> bool:
    """TensorFlow's MirroredStrategy in one process (no PyTorch partner: shown alone, labelled)."""
    return record.params.get("single_process") == 1 or record.extra.get("strategy") == "MirroredStrategy"


def skipped_by_design(record: Record) -> bool:
    """PyTorch's answer to a single-process all_reduce case: skipped on purpose (DDP, one process per
    device, is its way), so it leaves no gap in the run."""
    return record.framework == "torch" and record.skipped is not None and single_process(record)


def usable(record: Record | None) -> bool:
    return record is not None and classify(record) is ResultStatus.OK


@dataclass(frozen=True)
class Efficiency:
    """Scaling efficiency t(1)/t(N) of one record (weak scaling: 1.0 is perfect), with its interval."""

    value: float
    low: float | None
    high: float | None
    baseline_s: float | None

    def text(self) -> str:
        bounds = f" ({self.low:.2f}-{self.high:.2f})" if self.low is not None and self.high is not None else ""
        return f"{self.value:.2f}{bounds}"


def model_key(record: Record) -> tuple[str, str, tuple[tuple[str, int | str], ...]]:
    """What a ddp_scaling case is apart from its world size: framework, dtype and the model's params."""
    rest = tuple(sorted((k, v) for k, v in record.params.items() if k not in ("world_size", "single_process")))
    return record.framework, record.dtype or "", rest


def baselines(records: Iterable[Record]) -> dict[tuple[str, str, tuple[tuple[str, int | str], ...]], Record]:
    """Each framework's world_size 1 ddp_scaling record (its plain one-device step), by model case."""
    return {model_key(r): r for r in records if r.benchmark == DDP_SCALING and world_size(r) == 1}


def efficiency(record: Record, baseline: Record | None, *, shown: bool = False) -> Efficiency | None:
    """The record's scaling efficiency: the parent's (extra), else t(1)/t(N) from its baseline record.
    None when the record or its baseline is not usable, or at world size 1 (no scaling to speak of).
    `shown`: for a table, which marks a doubtful number rather than hiding it: an unsteady or busy
    record (or baseline) that ran and checked out gives its efficiency too."""
    fit = ran_and_checked if shown else usable
    if not fit(record) or (world_size(record) or 0) < 2:
        return None
    if baseline is not None and not fit(baseline):
        return None
    extra = record.extra
    value = number(extra, "scaling_efficiency")
    if value is not None and value > 0:
        low, high = number(extra, "scaling_efficiency_low"), number(extra, "scaling_efficiency_high")
        return Efficiency(value, low, high, number(extra, "baseline_step_s"))
    if baseline is None or not baseline.median_s or not record.median_s:
        return None
    t1, tn = baseline.median_s, record.median_s
    low = high = None
    if baseline.median_low_s and baseline.median_high_s and record.median_low_s and record.median_high_s:
        low, high = baseline.median_low_s / record.median_high_s, baseline.median_high_s / record.median_low_s
    return Efficiency(t1 / tn, low, high, t1)


@dataclass(frozen=True)
class ScalingComparison:
    """PyTorch DDP against TensorFlow MultiWorkerMirroredStrategy on one model at the largest N both
    measured: the ratio of their scaling efficiencies (above 1: PyTorch kept more of its speed)."""

    model: str
    dtype: str
    world_size: int
    torch: Efficiency
    tensorflow: Efficiency
    ratio: float
    low: float | None
    high: float | None


def scaling_comparisons(document: RunDocument) -> list[ScalingComparison]:
    """Per model case (dtype and shape), the efficiencies of both frameworks at the largest world size
    where both are usable; the interval of the ratio from the two efficiencies' intervals."""
    records = [r for r in document.results if r.benchmark == DDP_SCALING and not single_process(r)]
    base = baselines(records)
    found: dict[tuple[str, tuple[tuple[str, int | str], ...]], dict[int, dict[str, Efficiency]]] = {}
    for record in records:
        size = world_size(record)
        key = model_key(record)
        eff = efficiency(record, base.get(key))
        if size is None or eff is None:
            continue
        found.setdefault(key[1:], {}).setdefault(size, {})[record.framework] = eff
    out = []
    for (dtype, params), by_size in found.items():
        both = [size for size, effs in by_size.items() if {"torch", "tensorflow"} <= set(effs)]
        if not both:
            continue
        size = max(both)
        torch, tensorflow = by_size[size]["torch"], by_size[size]["tensorflow"]
        low = high = None
        if torch.low is not None and torch.high is not None and tensorflow.low and tensorflow.high:
            low, high = torch.low / tensorflow.high, torch.high / tensorflow.low
        model = str(dict(params).get("model", DDP_SCALING))
        out.append(ScalingComparison(model, dtype, size, torch, tensorflow, torch.value / tensorflow.value, low, high))
    return out


@dataclass(frozen=True)
class BusShare:
    """A framework's all-reduce bus bandwidth against nccl-tests' at the largest size both measured."""

    framework: str
    launcher: str
    mebibytes: float
    busbw: float
    busbw_low: float
    reference: float

    @property
    def share_low(self) -> float:
        return self.busbw_low / self.reference


def bus_shares(document: RunDocument) -> dict[str, BusShare]:
    """Per framework, its share of nccl-tests' bus bandwidth at the largest usable size with a
    reference, low end (the bandwidth at the slow end of the median's 95% interval). TensorFlow's
    better launcher counts (one process per device, or MirroredStrategy in one): a caveat about its
    all-reduce must not rest on the slower way of running it."""
    best: dict[str, BusShare] = {}
    for record in document.results:
        if record.benchmark != ALL_REDUCE or not usable(record) or (world_size(record) or 0) < 2:
            continue
        busbw, reference = record.metric.value, number(record.extra, "reference_busbw_gbs")
        if not busbw or not reference or reference <= 0:
            continue
        slow = record.median_high_s
        busbw_low = busbw * record.median_s / slow if slow and record.median_s else busbw
        size = (number(record.extra, "bytes") or 0) / 2**20 or float(record.params.get("mebibytes", 0) or 0)
        launcher = words(record.extra, "launcher") or ("" if not single_process(record) else SINGLE_PROCESS_LABEL)
        share = BusShare(record.framework, launcher, size, busbw, busbw_low, reference)
        held = best.get(record.framework)
        if held is None or (size, share.share_low) > (held.mebibytes, held.share_low):
            best[record.framework] = share
    return best


@dataclass
class DistributedEvidence:
    """What the cluster records give the advice: metrics (GPU runs only), where each came from, and,
    for a run that gives none, why."""

    metrics: dict[str, float] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    note: str | None = None  # why the run's cluster numbers give no metric (a CPU run)


def _conservative(comparisons: list[ScalingComparison]) -> tuple[float, float | None, float | None]:
    """One ratio over the models: their geometric mean, bounded by the lowest low and highest high (a
    rule that says one framework scaled better fires only when every model's interval agrees)."""
    point = math.exp(sum(math.log(c.ratio) for c in comparisons) / len(comparisons))
    lows = [c.low for c in comparisons if c.low is not None]
    highs = [c.high for c in comparisons if c.high is not None]
    if len(lows) < len(comparisons) or len(highs) < len(comparisons):
        return point, None, None
    return point, min(lows), max(highs)


def comparison_text(c: ScalingComparison) -> str:
    return (
        f"{c.model} {c.dtype} at {c.world_size} devices: scaling efficiency {PYTORCH.name} DDP "
        f"{c.torch.text()}, {TENSORFLOW.name} MultiWorkerMirroredStrategy {c.tensorflow.text()}"
    )


def distributed_evidence(document: RunDocument) -> DistributedEvidence:
    """The cluster records' metrics for the rules (GPU runs only; see the module's docstring)."""
    evidence = DistributedEvidence()
    if not has_cluster_records(document):
        return evidence
    if not on_gpu(document):
        evidence.metrics["distributed_measured_on_cpu"] = 1.0
        evidence.note = f"{CPU_PLUMBING} No distributed metric is taken from them."
        evidence.details["distributed_measured_on_cpu"] = evidence.note
        return evidence
    comparisons = scaling_comparisons(document)
    if comparisons:
        point, low, high = _conservative(comparisons)
        metrics = evidence.metrics
        metrics["scaling_ratio"] = point
        if low is not None and high is not None:
            metrics["scaling_ratio_low"], metrics["scaling_ratio_high"] = low, high
        metrics["scaling_world_size"] = float(min(c.world_size for c in comparisons))
        for framework in ("torch", "tensorflow"):
            effs = [getattr(c, framework) for c in comparisons]
            metrics[f"scaling_efficiency_{framework}"] = min(e.low if e.low is not None else e.value for e in effs)
        evidence.details["scaling_ratio"] = "; ".join(comparison_text(c) for c in comparisons)
    for framework, share in bus_shares(document).items():
        evidence.metrics[f"busbw_share_{framework}"] = share.share_low
        how = f", {share.launcher}" if share.launcher else ""
        evidence.details[f"busbw_share_{framework}"] = (
            f"all_reduce {share.mebibytes:.4g} MiB{how}: bus bandwidth {share.busbw:.4g} GB/s "
            f"(low end {share.busbw_low:.4g}), nccl-tests {share.reference:.4g} GB/s"
        )
    return evidence


def claim_sentence(document: RunDocument) -> str:
    """What this run's numbers mean for the claim "TensorFlow has the more efficient distributed
    training": supported, contradicted, cannot tell (intervals overlap), or not tested ("" when the run
    has no cluster record). Any interval clear of 1.0 gives a direction here; the rules
    (rules/distributed.yaml) weigh only a clearer gap."""
    if not has_cluster_records(document):
        return ""
    claim = f'the claim "{CLAIM}"'
    if not on_gpu(document):
        return (
            f"For {claim}: this run is a plumbing check on CPU processes, not evidence either way; run the "
            "cluster suite on the GPU machine (fwadvisor profile --suite cluster --device cuda) to test it."
        )
    comparisons = scaling_comparisons(document)
    if not comparisons:
        return f"For {claim}: this run has no usable ddp_scaling numbers in both frameworks, so it cannot test it."
    _, low, high = _conservative(comparisons)
    numbers = "; ".join(comparison_text(c) for c in comparisons)
    if low is None or high is None:
        return f"For {claim}: {numbers}; without intervals (too few samples) this run cannot tell."
    if high < 1:
        verdict = "on this machine the numbers support it: TensorFlow kept more of its one-device speed"
    elif low > 1:
        verdict = "on this machine the numbers go against it: PyTorch kept more of its one-device speed"
    else:
        verdict = (
            "on this machine the numbers cannot tell: the two efficiencies' 95% intervals overlap, so "
            "neither framework scaled measurably better"
        )
    return f"For {claim}, {verdict} ({numbers}; efficiency = one-device step time / step time at N, 1.00 is perfect)."
