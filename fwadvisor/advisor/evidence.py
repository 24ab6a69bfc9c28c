"""Turn a saved profile run into the metrics rules test, keeping only numbers that may back advice.

A number counts only when it ran, checked out against its reference and has a narrow spread
(documents.classify says ok). Everything considered, used or not, is listed so the advice can be
audited even when no rule fired. Headless: reads a RunDocument, imports no framework or numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fwadvisor.profiler.documents import Record, ResultStatus, RunDocument, classify, ran_and_checked

SPEED_BENCHMARKS = ("matmul", "conv2d", "train_cnn", "train_rnn")


@dataclass
class ProfileEvidence:
    """What a profile run contributes to the advice."""

    path: str | None
    created: str | None
    device: str
    suite: str | None
    metrics: dict[str, float] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)  # metric -> the numbers it came from
    considered: list[dict[str, Any]] = field(default_factory=list)

    def message_context(self) -> dict[str, Any]:
        """Names a rule's message may use: metrics, their inverses, the device and the suite."""
        context: dict[str, Any] = {"device": self.device, "suite": self.suite or "?"}
        for name, value in self.metrics.items():
            context[name] = value
            if value:
                context[f"inv_{name}"] = 1 / value
        return context

    def summary(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "created": self.created,
            "device": self.device,
            "suite": self.suite,
            "metrics": self.metrics,
            "details": self.details,
            "considered": self.considered,
        }


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
        model = (document.environment.get("cpu") or {}).get("model")
        threads = document.suite.threads
        details = ", ".join(x for x in (model, f"{threads} threads" if threads else None) if x)
        return f"cpu ({details})" if details else label
    return label


def _why_not(record: Record, status: ResultStatus) -> str | None:
    """Why a number does not back the advice, in words (None when it does)."""
    if status is ResultStatus.OK:
        return None
    if status is ResultStatus.WRONG:
        return "did not match its reference"
    if status is ResultStatus.WIDE_SPREAD:
        return "spread over 10% of the median"
    if status is ResultStatus.SKIPPED:
        return record.skipped
    return record.error or ("cancelled" if status is ResultStatus.CANCELLED else "no number")


def evidence_from_profile(document: RunDocument, path: Path | str | None = None) -> ProfileEvidence:
    suite = document.suite
    evidence = ProfileEvidence(str(path) if path else None, document.created or None, _device(document), suite.name)
    results = document.results
    by_key: dict[tuple[str, str], dict[str, Record]] = {}
    for record in results:
        status = classify(record)
        usable = status is ResultStatus.OK
        evidence.considered.append(
            {
                "benchmark": record.benchmark,
                "framework": record.framework,
                "dtype": record.dtype,
                "value": record.metric.value,
                "unit": record.metric.name,
                "used": usable,
                "why_not": _why_not(record, status),
            }
        )
        if usable:
            by_key.setdefault((record.benchmark, record.dtype or ""), {})[record.framework] = record

    metrics = evidence.metrics
    usable_count = sum(1 for c in evidence.considered if c["used"])
    metrics["usable_measurements"] = float(usable_count)
    metrics["total_measurements"] = float(len(results))
    workers = document.workers
    complete = (
        not document.cancelled and usable_count == len(results) and all(w.status == "ok" for w in workers.values())
    )
    metrics["profile_complete"] = 1.0 if complete else 0.0
    on_gpu = suite.device == "cuda"
    metrics["measured_on_gpu"] = 1.0 if on_gpu else 0.0
    metrics["gpu_present"] = 1.0 if (document.environment.get("gpu") or {}).get("gpus") else 0.0
    if on_gpu:
        for framework in ("torch", "tensorflow"):
            worker = workers.get(framework)
            if worker is None:
                continue
            if worker.status == "no_gpu":
                metrics[f"{framework}_gpu_usable"] = 0.0
                evidence.details[f"{framework}_gpu_usable"] = worker.error or "no usable GPU"
            elif worker.status in ("ok", "failed"):
                metrics[f"{framework}_gpu_usable"] = 1.0

    for benchmark in SPEED_BENCHMARKS:
        for (name, dtype), pair in by_key.items():
            if name != benchmark or len(pair) < 2:
                continue
            speed = plausible_ratio(pair["torch"].metric.value, pair["tensorflow"].metric.value)
            if speed is not None:
                metrics[f"speed_{benchmark}"] = speed
                evidence.details[f"speed_{benchmark}"] = (
                    f"{benchmark} {dtype}: PyTorch {_label(pair['torch'])}, TensorFlow {_label(pair['tensorflow'])}"
                )
                break
    overhead = by_key.get(("eager_overhead", "fp32"))
    if overhead and len(overhead) == 2:
        ratio = plausible_ratio(overhead["tensorflow"].metric.value, overhead["torch"].metric.value)
        if ratio is not None:
            metrics["eager_overhead_ratio"] = ratio
            evidence.details["eager_overhead_ratio"] = (
                f"PyTorch {_label(overhead['torch'])}, TensorFlow {_label(overhead['tensorflow'])}"
            )
    # Accuracy does not depend on how steady the epoch timings were: any checked practice result counts.
    accuracies = {
        r.framework: r.metric.value
        for r in results
        if r.benchmark == "practice_cnn" and ran_and_checked(r) and r.metric.value is not None
    }
    if len(accuracies) == 2:
        torch_accuracy, tf_accuracy = accuracies["torch"], accuracies["tensorflow"]
        gap = 100 * (torch_accuracy - tf_accuracy)
        metrics["practice_cnn_accuracy_gap"] = gap
        metrics["practice_cnn_accuracy_gap_abs"] = abs(gap)
        evidence.details["practice_cnn_accuracy_gap"] = (
            f"test accuracy PyTorch {100 * torch_accuracy:.1f}%, TensorFlow {100 * tf_accuracy:.1f}%"
        )
    return evidence
