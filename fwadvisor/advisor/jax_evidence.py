"""JAX's numbers and the devices a framework has no path to, as metrics and words the rules read.

The advice still chooses between PyTorch and TensorFlow (frameworks.VERDICT); JAX is measured so the
alternative it is named as can cite what it did on the user's machine. Every JAX ratio is JAX over
the other framework (above 1: JAX faster), with its 95% interval, from the same bootstrap as the
PyTorch-TensorFlow ratios (profiler/intervals.py), and only pairs of records usable as evidence (ran,
checked, steady, not measured while the machine was busy) become metrics.

A framework "not supported here" (its worker's setup refused the device: TensorFlow on an Apple or
Intel GPU, JAX without its plugin) is a result, not a failure: `<framework>_not_supported` says so.
Headless: reads a RunDocument, imports no framework or numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fwadvisor.frameworks import JAX, PYTORCH, TENSORFLOW
from fwadvisor.profiler.catalog import SPEED_METRIC_BENCHMARKS
from fwadvisor.profiler.documents import Comparison, usable_as_evidence
from fwadvisor.profiler.intervals import beyond_noise, pair_comparisons

if TYPE_CHECKING:
    from fwadvisor.profiler.documents import RunDocument

NAMES = {fw.profiler_id: fw.name for fw in (PYTORCH, TENSORFLOW, JAX)}
# The pairs JAX is measured against, as metric names read them: jax_over_torch_<benchmark> ...
JAX_PAIRS = ("torch", "tensorflow")
# Training is closest to a project's work; the kernels stand in only when no training pair is usable.
TRAINING_BENCHMARKS = tuple(b for b in SPEED_METRIC_BENCHMARKS if b.startswith("train_"))
KERNEL_BENCHMARKS = tuple(b for b in SPEED_METRIC_BENCHMARKS if not b.startswith("train_"))
# Device ids of a run (contract of issue 23) -> the GPU in words, and the metric that says it was that GPU.
GPU_WORDS = {
    "cuda": "an NVIDIA GPU (CUDA)",
    "rocm": "an AMD GPU (ROCm)",
    "mps": "an Apple-silicon GPU (MPS)",
    "xpu": "an Intel GPU (XPU)",
}
VENDOR_METRICS = {"rocm": "measured_on_amd_gpu", "mps": "measured_on_apple_gpu", "xpu": "measured_on_intel_gpu"}
CPU_CAUTION = (
    "This was a CPU run: JAX, PyTorch and TensorFlow are mostly used on GPUs and TPUs, where the "
    "ranking can differ, so run the profiler there before weighing it."
)


@dataclass
class Findings:
    """What this module adds to a run's ProfileEvidence (advisor/evidence.py merges it in)."""

    device: str  # the run's device label, as the evidence says it
    metrics: dict[str, float] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


def jax_metric(other: str, benchmark: str) -> str:
    """The name of JAX's ratio over `other` ("torch" or "tensorflow") on `benchmark`."""
    return f"jax_over_{other}_{benchmark}"


def pair_words(comparison: Comparison, ahead: str, behind: str) -> str:
    """One pair in words, in the leader's direction: "JAX ran 1.30x as fast as PyTorch (95% interval
    1.20-1.40)"; a lead the interval does not clear is said to be within the noise."""
    speed, low, high = comparison.speed, comparison.low, comparison.high
    first, second = NAMES.get(ahead, ahead), NAMES.get(behind, behind)
    if speed < 1:
        first, second, speed = second, first, 1 / speed
        low, high = (1 / high if high else None, 1 / low if low else None)
    text = f"{first} ran {speed:.2f}x as fast as {second}"
    if low is None or high is None:
        return f"{text} (no interval: too few samples)"
    noise = "" if beyond_noise(low, high) else ", within the noise"
    return f"{text} (95% interval {low:.2f}-{high:.2f}{noise})"


def _first_usable(comparisons: list[Comparison], benchmark: str) -> Comparison | None:
    return next((c for c in comparisons if c.benchmark == benchmark and c.usable and 1e-4 <= c.speed <= 1e4), None)


def _joined(pairs: list[str]) -> str:
    """Two pairs as one clause: "JAX ran 2x as fast as PyTorch (...) and 3x as fast as TensorFlow (...)"."""
    lead = f"{JAX.name} ran "
    if len(pairs) == 2 and all(p.startswith(lead) for p in pairs):
        return f"{pairs[0]} and {pairs[1].removeprefix(lead)}"
    return " and ".join(pairs)


def add_jax_evidence(evidence: Findings, document: RunDocument) -> None:
    """jax_over_<other>_<benchmark> (+ _low/_high), jax_usable_measurements, and the words
    `jax_measured_words` (the training pairs, else the kernels) when JAX has usable numbers."""
    results = document.results
    jax_usable = sum(1 for r in results if r.framework == JAX.profiler_id and usable_as_evidence(r))
    if not any(r.framework == JAX.profiler_id for r in results):
        return  # JAX did not run: no JAX metric at all, so no JAX rule can fire on a gap
    evidence.metrics["jax_usable_measurements"] = float(jax_usable)
    sentences: dict[str, list[str]] = {}
    for other in JAX_PAIRS:
        comparisons = pair_comparisons(results, JAX.profiler_id, other)
        for benchmark in SPEED_METRIC_BENCHMARKS:
            comparison = _first_usable(comparisons, benchmark)
            if comparison is None:
                continue
            name = jax_metric(other, benchmark)
            evidence.metrics[name] = comparison.speed
            if comparison.low is not None and comparison.high is not None:
                evidence.metrics[f"{name}_low"] = comparison.low
                evidence.metrics[f"{name}_high"] = comparison.high
            words = pair_words(comparison, JAX.profiler_id, other)
            evidence.details[name] = f"{benchmark} {comparison.dtype or ''}".rstrip() + f": {words}"
            sentences.setdefault(benchmark, []).append(words)
    shown = [b for b in TRAINING_BENCHMARKS if b in sentences] or [b for b in KERNEL_BENCHMARKS if b in sentences]
    if shown:
        said = "; ".join(f"on {b}, " + _joined(sentences[b]) for b in shown)
        evidence.texts["jax_measured_words"] = f"In the profile run on {evidence.device}, {said}."


def add_device_evidence(evidence: Findings, document: RunDocument) -> None:
    """measured_on_<vendor>_gpu for the run's device, and <framework>_not_supported (with the
    worker's reason in the details) for each framework that has no path to it."""
    device = document.suite.device
    if device in VENDOR_METRICS:
        evidence.metrics[VENDOR_METRICS[device]] = 1.0
    evidence.texts["device_caution"] = CPU_CAUTION if device == "cpu" else ""
    evidence.texts["gpu_words"] = GPU_WORDS.get(device, "the CPU")
    for framework in NAMES:
        worker = document.workers.get(framework)
        reasons = [
            reason
            for r in document.results
            if r.framework == framework and (reason := getattr(r, "unsupported", None))  # Part 4's field
        ]
        if worker is not None and worker.status == "not_supported":
            reasons.insert(0, worker.error or "not supported here")
        if reasons:
            evidence.metrics[f"{framework}_not_supported"] = 1.0
            evidence.details[f"{framework}_not_supported"] = str(reasons[0])
