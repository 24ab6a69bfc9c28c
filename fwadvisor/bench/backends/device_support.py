"""Which framework has a maintained path to which device, said in words; imports no framework.

A backend's setup() asks here before it touches a device and raises NotSupportedHere with the reason:
"not supported here" is a result the reports show ("⊘ not supported"), not a worker error. Each reason
is one sentence with the fact and its date, so a reader can check it (sources in /work/shared/facts.md
and the README's device list).
"""

from __future__ import annotations

from typing import Final

# TensorFlow's GPU paths beyond NVIDIA: Apple's tensorflow-metal plug-in last shipped 1.2.0 in January
# 2025 and is reported not to load with TensorFlow 2.21; Intel's Extension for TensorFlow supports
# TensorFlow 2.15 only and Intel said in September 2026 that it is about to reach end of life
# (intel/intel-extension-for-tensorflow#91), moving to JAX and PyTorch.
TENSORFLOW_REASONS: Final = {
    "mps": (
        "TensorFlow has no maintained GPU path on Apple silicon: tensorflow-metal stopped at 1.2.0 "
        "(January 2025); TensorFlow would run on this Mac's CPU only"
    ),
    "xpu": (
        "TensorFlow has no maintained path to Intel GPUs: Intel's Extension for TensorFlow supports "
        "TensorFlow 2.15 only and is reaching end of life (Intel, September 2026); TensorFlow would "
        "run on the CPU only"
    ),
}
TENSORFLOW_ROCM_HINT: Final = (
    "TensorFlow needs AMD's ROCm build for an AMD GPU: pip install tensorflow-rocm (Linux), or run with --device cpu"
)


def tensorflow_refusal(device: str) -> str | None:
    """Why TensorFlow cannot run on `device` at all (a "not supported here" result); None when it
    may (cpu, cuda, and rocm with a ROCm build, which setup() checks)."""
    return TENSORFLOW_REASONS.get(device)
