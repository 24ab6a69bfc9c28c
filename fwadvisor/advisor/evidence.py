"""Turn a saved profile run into the metrics rules test, keeping only numbers that may back advice.

A number counts only when it ran, checked out against its reference, has a narrow spread and was
not measured while other processes kept the machine busy (documents.classify says ok). Each speed
ratio comes with its 95% interval (profiler/intervals.py), so a rule can test the conservative end.
Everything considered, used or not, is listed so the advice can be audited even when no rule fired.
Headless: reads a RunDocument, imports no framework or numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from fwadvisor.advisor.cluster_evidence import distributed_evidence, skipped_by_design
from fwadvisor.advisor.jax_evidence import Findings, add_device_evidence, add_jax_evidence
from fwadvisor.frameworks import PYTORCH, TENSORFLOW
from fwadvisor.profiler.catalog import SPEED_METRIC_BENCHMARKS
from fwadvisor.profiler.documents import ResultStatus, case_key, classify, ran_and_checked, unsteady_words
from fwadvisor.profiler.intervals import framework_comparisons
from fwadvisor.safe_text import NAME_CHARS, cut

if TYPE_CHECKING:
    from fwadvisor.advisor.model import Rule
    from fwadvisor.profiler.documents import Comparison, Record, RunDocument


class ConsideredNumber(msgspec.Struct, frozen=True):
    """One number of the run, and whether it backs the advice (and why not, when it does not)."""

    benchmark: str
    framework: str
    dtype: str | None
    value: float | None
    unit: str
    used: bool
    why_not: str | None


class TriggeredRule(msgspec.Struct, frozen=True):
    """A rule on measurements that fired: the numbers changed the advice through it."""

    rule: str
    effect: str
    framework: str | None
    weight: float


class ProfileUse(msgspec.Struct, frozen=True):
    """The Recommendation's `profile`: the run the advice used, what it measured, and which rules its
    numbers triggered (the JSON report joins it to the run's own data)."""

    path: str | None
    created: str | None
    device: str
    suite: str | None
    metrics: dict[str, float]
    details: dict[str, str]
    considered: list[ConsideredNumber]
    triggered: list[TriggeredRule]


@dataclass
class ProfileEvidence:
    """What a profile run contributes to the advice."""

    path: str | None
    created: str | None
    device: str
    suite: str | None
    metrics: dict[str, float] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)  # metric -> the numbers it came from
    considered: list[ConsideredNumber] = field(default_factory=list)
    # Words a message may quote (metrics.KNOWN_TEXTS): made here from the numbers, never outside text.
    texts: dict[str, str] = field(default_factory=dict)

    def message_context(self) -> dict[str, str | float]:
        """Names a rule's message may use: metrics, their inverses, the texts, the device and the suite."""
        context: dict[str, str | float] = {"device": self.device, "suite": self.suite or "?", **self.texts}
        for name, value in self.metrics.items():
            context[name] = value
            if value:
                context[f"inv_{name}"] = 1 / value
        return context

    def use(self, triggered: list[Rule]) -> ProfileUse:
        """What the advice took from the run; `triggered`: the rules on measurements that fired."""
        return ProfileUse(
            self.path,
            self.created,
            self.device,
            self.suite,
            self.metrics,
            self.details,
            self.considered,
            [TriggeredRule(r.id, r.effect, r.framework, r.weight) for r in triggered],
        )


# A ratio of the two frameworks' numbers outside this range is no finding but a broken number
# (a hand-edited run, a timer that failed): it never backs advice.
PLAUSIBLE_RATIO = (1e-4, 1e4)


def plausible_ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator when both are positive and the ratio is finite and plausible, else None."""
    if not numerator or not denominator or numerator < 0 or denominator < 0:
        return None
    ratio = numerator / denominator
    low, high = PLAUSIBLE_RATIO
    return ratio if math.isfinite(ratio) and low <= ratio <= high else None


def _label(record: Record) -> str:
    return f"{record.metric.value:.4g} {record.metric.name}".strip()


def _device(document: RunDocument) -> str:
    """The device label of the run; a CPU is named with its model and the threads used."""
    devices = sorted({r.device for r in document.results if r.device and r.device != "unknown"})
    label = ", ".join(devices) or document.suite.device or "unknown device"
    if label == "cpu":
        model = document.environment.cpu.model
        model = cut(str(model), NAME_CHARS) if model else None  # outside text: a run may say anything
        threads = document.suite.threads
        details = ", ".join(
            x for x in (model, f"{threads} thread{'' if threads == 1 else 's'}" if threads else None) if x
        )
        return f"cpu ({details})" if details else label
    return label


BUSY_WHY = "measured while other processes were busy"


def _why_not(record: Record, status: ResultStatus) -> str | None:
    """Why a number does not back the advice, in words (None when it does)."""
    if status is ResultStatus.OK:
        return None
    if unsupported := getattr(record, "unsupported", None):  # a result, not a failure (issue 23)
        return f"not supported here: {unsupported}"
    if status is ResultStatus.WRONG:
        return "did not match its reference"
    if status is ResultStatus.WIDE_SPREAD:
        return unsteady_words(record)
    if status is ResultStatus.BUSY:
        return f"{BUSY_WHY}: {record.busy_reason}" if record.busy_reason else BUSY_WHY
    if status is ResultStatus.SKIPPED:
        return record.skipped
    return record.error or ("cancelled" if status is ResultStatus.CANCELLED else "no number")


def evidence_from_profile(document: RunDocument, path: Path | str | None = None) -> ProfileEvidence:
    suite = document.suite
    evidence = ProfileEvidence(str(path) if path else None, document.created or None, _device(document), suite.name)
    results = document.results
    for record in results:
        status = classify(record)
        usable = status is ResultStatus.OK
        evidence.considered.append(
            ConsideredNumber(
                record.benchmark,
                record.framework,
                record.dtype,
                record.metric.value,
                record.metric.name,
                usable,
                _why_not(record, status),
            )
        )

    metrics = evidence.metrics
    usable_count = sum(1 for c in evidence.considered if c.used)
    metrics["usable_measurements"] = float(usable_count)
    # A case skipped by design (PyTorch has no one-process all-reduce to measure) is no gap in the run.
    # So is a framework with no path to the device (TensorFlow on an Apple GPU): a result, not a failure.
    attempted = sum(1 for r in results if not skipped_by_design(r) and not getattr(r, "unsupported", None))
    metrics["total_measurements"] = float(attempted)
    workers = document.workers
    complete = (
        not document.cancelled
        and usable_count == attempted
        and all(w.status in ("ok", "not_supported") for w in workers.values())
    )
    metrics["profile_complete"] = 1.0 if complete else 0.0  # a busy record is no usable one: 0 then too
    metrics["busy_measurements"] = float(sum(1 for r in results if classify(r) is ResultStatus.BUSY))
    # Any vendor's GPU (cuda, rocm, mps, xpu) is a GPU run; only the CPU is not.
    on_gpu = suite.device not in ("cpu", "")
    metrics["measured_on_gpu"] = 1.0 if on_gpu else 0.0
    metrics["gpu_present"] = 1.0 if document.environment.gpu.gpus else 0.0
    if on_gpu:
        for framework in ("torch", "tensorflow", "jax"):
            worker = workers.get(framework)
            if worker is None:
                continue
            if worker.status == "no_gpu":
                metrics[f"{framework}_gpu_usable"] = 0.0
                evidence.details[f"{framework}_gpu_usable"] = worker.error or "no usable GPU"
            elif worker.status in ("ok", "failed"):
                metrics[f"{framework}_gpu_usable"] = 1.0

    _speed_metrics(evidence, document)
    jax_and_devices = Findings(evidence.device)
    add_jax_evidence(jax_and_devices, document)
    add_device_evidence(jax_and_devices, document)
    metrics.update(jax_and_devices.metrics)
    evidence.details.update(jax_and_devices.details)
    evidence.texts.update(jax_and_devices.texts)
    # The cluster suite's scaling and all-reduce numbers: GPU runs only (a CPU run says why it gives none).
    cluster = distributed_evidence(document)
    metrics.update(cluster.metrics)
    evidence.details.update(cluster.details)
    # Accuracy does not depend on how steady the epoch timings were: any checked practice result counts.
    accuracies = {
        r.framework: r.metric.value
        for r in results
        if r.benchmark == "practice_cnn" and ran_and_checked(r) and r.metric.value is not None
    }
    if "torch" in accuracies and "tensorflow" in accuracies:  # JAX's accuracy is no part of this gap
        torch_accuracy, tf_accuracy = accuracies["torch"], accuracies["tensorflow"]
        gap = 100 * (torch_accuracy - tf_accuracy)
        metrics["practice_cnn_accuracy_gap"] = gap
        metrics["practice_cnn_accuracy_gap_abs"] = abs(gap)
        evidence.details["practice_cnn_accuracy_gap"] = (
            f"test accuracy PyTorch {100 * torch_accuracy:.1f}%, TensorFlow {100 * tf_accuracy:.1f}%"
        )
    return evidence


def _first_usable(comparisons: list[Comparison], benchmark: str, dtype: str | None = None) -> Comparison | None:
    """The first case of `benchmark` (of `dtype`, when given) whose two records both count as evidence
    and whose ratio is plausible: as the records ran, so the first dtype both measured."""
    for comparison in comparisons:
        if comparison.benchmark != benchmark or not comparison.usable:
            continue
        if dtype is not None and comparison.dtype != dtype:
            continue
        if plausible_ratio(comparison.speed, 1.0) is not None:
            return comparison
    return None


def _interval_text(comparison: Comparison) -> str:
    """The ratio and its 95% interval in words, both bounds in the leader's direction."""
    speed, low, high = comparison.speed, comparison.low, comparison.high
    if speed >= 1:
        leader, shown, bounds = PYTORCH.name, speed, (low, high)
    else:
        leader, shown = TENSORFLOW.name, 1 / speed
        bounds = (1 / high if high else None, 1 / low if low else None)
    text = f"{leader} {shown:.2f}x"
    if bounds[0] is None or bounds[1] is None:
        return f"{text} (no interval: too few samples)"
    return f"{text} (95% interval {bounds[0]:.2f}-{bounds[1]:.2f})"


def _put_ratio(evidence: ProfileEvidence, name: str, comparison: Comparison, detail: str) -> None:
    """A ratio metric with its interval bounds as `<name>_low` / `<name>_high` (when it has them)."""
    evidence.metrics[name] = comparison.speed
    if comparison.low is not None and comparison.high is not None:
        evidence.metrics[f"{name}_low"] = comparison.low
        evidence.metrics[f"{name}_high"] = comparison.high
    evidence.details[name] = f"{detail}; {_interval_text(comparison)}"


def _speed_metrics(evidence: ProfileEvidence, document: RunDocument) -> None:
    """speed_<benchmark> (PyTorch over TensorFlow) and eager_overhead_ratio, each with its interval.

    The comparisons are computed from the records as they are now rather than read as saved: for an
    untouched run they are the same numbers (the bootstrap has a fixed seed), and a record edited
    after the run (or a saved list that no longer matches its records) can never leave a stale ratio.
    """
    comparisons = framework_comparisons(document.results)
    usable = (r for r in document.results if classify(r) is ResultStatus.OK)
    records = {(case_key(r.benchmark, r.dtype, r.params), r.framework): r for r in usable}

    def labels(comparison: Comparison) -> str:
        case = case_key(comparison.benchmark, comparison.dtype, comparison.params)
        torch, tensorflow = records.get((case, "torch")), records.get((case, "tensorflow"))
        if torch is None or tensorflow is None:
            return comparison.benchmark
        return f"{PYTORCH.name} {_label(torch)}, {TENSORFLOW.name} {_label(tensorflow)}"

    for benchmark in SPEED_METRIC_BENCHMARKS:
        comparison = _first_usable(comparisons, benchmark)
        if comparison is not None:
            detail = f"{benchmark} {comparison.dtype or ''}".rstrip() + f": {labels(comparison)}"
            _put_ratio(evidence, f"speed_{benchmark}", comparison, detail)
    # Time per op: PyTorch ran `speed` times faster = TensorFlow took `speed` times as long per op.
    overhead = _first_usable(comparisons, "eager_overhead", "fp32")
    if overhead is not None:
        _put_ratio(evidence, "eager_overhead_ratio", overhead, labels(overhead))
