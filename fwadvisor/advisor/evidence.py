"""Turn a saved profile run into the metrics rules test, keeping only numbers that may back advice.

A number counts only when it ran, checked out against its reference and has a narrow spread
(records.usable_as_evidence). Everything considered, used or not, is listed so the advice can be
audited even when no rule fired. Headless: reads plain JSON data, imports no framework or numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fwadvisor.profiler.records import usable_as_evidence

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


def _label(record: dict[str, Any]) -> str:
    metric = record.get("metric") or {}
    return f"{metric.get('value'):.4g} {metric.get('name', '')}".strip()


def _device(document: dict[str, Any]) -> str:
    """The device label of the run; a CPU is named with its model and the threads used."""
    devices = sorted(
        {r.get("device") for r in document.get("results", []) if r.get("device") and r.get("device") != "unknown"}
    )
    label = ", ".join(devices) or document.get("suite", {}).get("device", "unknown device")
    if label == "cpu":
        model = (document.get("environment", {}).get("cpu") or {}).get("model")
        threads = document.get("suite", {}).get("threads")
        details = ", ".join(x for x in (model, f"{threads} threads" if threads else None) if x)
        return f"cpu ({details})" if details else label
    return label


def evidence_from_profile(document: dict[str, Any], path: Path | str | None = None) -> ProfileEvidence:
    suite = document.get("suite", {})
    evidence = ProfileEvidence(
        str(path) if path else None, document.get("created"), _device(document), suite.get("name")
    )
    results = document.get("results", [])
    by_key: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for record in results:
        usable = usable_as_evidence(record)
        why = None
        if not usable:
            why = (
                record.get("error")
                or record.get("skipped")
                or ("did not match its reference" if record.get("correct") is False else None)
                or ("spread over 10% of the median" if record.get("wide_spread") else "no number")
            )
        evidence.considered.append(
            {
                "benchmark": record["benchmark"],
                "framework": record["framework"],
                "dtype": record.get("dtype"),
                "value": (record.get("metric") or {}).get("value"),
                "unit": (record.get("metric") or {}).get("name"),
                "used": usable,
                "why_not": why,
            }
        )
        if usable:
            by_key.setdefault((record["benchmark"], record.get("dtype") or ""), {})[record["framework"]] = record

    metrics = evidence.metrics
    usable_count = sum(1 for c in evidence.considered if c["used"])
    metrics["usable_measurements"] = float(usable_count)
    metrics["total_measurements"] = float(len(results))
    workers = document.get("workers", {})
    complete = (
        not document.get("cancelled")
        and usable_count == len(results)
        and all(w.get("status") == "ok" for w in workers.values())
    )
    metrics["profile_complete"] = 1.0 if complete else 0.0
    on_gpu = suite.get("device") == "cuda"
    metrics["measured_on_gpu"] = 1.0 if on_gpu else 0.0
    metrics["gpu_present"] = 1.0 if (document.get("environment", {}).get("gpu", {}).get("gpus")) else 0.0
    if on_gpu:
        for framework in ("torch", "tensorflow"):
            status = workers.get(framework, {}).get("status")
            if status == "no_gpu":
                metrics[f"{framework}_gpu_usable"] = 0.0
                evidence.details[f"{framework}_gpu_usable"] = workers[framework].get("error") or "no usable GPU"
            elif status in ("ok", "failed"):
                metrics[f"{framework}_gpu_usable"] = 1.0

    for benchmark in SPEED_BENCHMARKS:
        for (name, dtype), pair in by_key.items():
            if name != benchmark or len(pair) < 2:
                continue
            torch_value = pair["torch"]["metric"]["value"]
            tf_value = pair["tensorflow"]["metric"]["value"]
            if torch_value and tf_value:
                metrics[f"speed_{benchmark}"] = torch_value / tf_value
                evidence.details[f"speed_{benchmark}"] = (
                    f"{benchmark} {dtype}: PyTorch {_label(pair['torch'])}, TensorFlow {_label(pair['tensorflow'])}"
                )
                break
    overhead = by_key.get(("eager_overhead", "fp32"))
    if overhead and len(overhead) == 2 and overhead["torch"]["metric"]["value"]:
        tf_cost, torch_cost = overhead["tensorflow"]["metric"]["value"], overhead["torch"]["metric"]["value"]
        metrics["eager_overhead_ratio"] = tf_cost / torch_cost
        evidence.details["eager_overhead_ratio"] = (
            f"PyTorch {_label(overhead['torch'])}, TensorFlow {_label(overhead['tensorflow'])}"
        )
    # Accuracy does not depend on how steady the epoch timings were: any checked practice result counts.
    checked = {
        r["framework"]: r
        for r in results
        if r["benchmark"] == "practice_cnn"
        and not r.get("error")
        and r.get("correct") is not False
        and (r.get("metric") or {}).get("value") is not None
    }
    practice = checked if len(checked) == 2 else None
    if practice:
        gap = 100 * (practice["torch"]["metric"]["value"] - practice["tensorflow"]["metric"]["value"])
        metrics["practice_cnn_accuracy_gap"] = gap
        metrics["practice_cnn_accuracy_gap_abs"] = abs(gap)
        evidence.details["practice_cnn_accuracy_gap"] = (
            f"test accuracy PyTorch {100 * practice['torch']['metric']['value']:.1f}%, "
            f"TensorFlow {100 * practice['tensorflow']['metric']['value']:.1f}%"
        )
    return evidence
