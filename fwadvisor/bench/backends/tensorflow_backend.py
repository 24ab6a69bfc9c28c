"""TensorFlow backend: the worker's entry for TensorFlow (see backends/__init__.py for the contract).

probe() and setup() are TensorFlow's own; run_benchmark() runs the shared recipe
(fwadvisor.bench.recipes) over the TensorFlowAdapter that setup() made, inside its device scope.
"""

from __future__ import annotations

import os
import platform
import sys

# Before TensorFlow loads: keep its C++ INFO/WARNING chatter out of the worker's stderr, and make
# tf.keras run on TensorFlow even when the user's Keras 3 is configured for another backend.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
if "keras" not in sys.modules:
    os.environ["KERAS_BACKEND"] = "tensorflow"

from typing import Any, Final

import tensorflow as tf

from fwadvisor.bench import recipes
from fwadvisor.bench.backends import NoGPUError, NotSupportedHere
from fwadvisor.bench.backends.device_support import TENSORFLOW_ROCM_HINT, tensorflow_refusal
from fwadvisor.bench.backends.tensorflow_adapter import FRAMEWORK as _FRAMEWORK
from fwadvisor.bench.backends.tensorflow_adapter import TensorFlowAdapter
from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.documents import GpuProperties, Record
from fwadvisor.profiler.protocol import DEVICE_IDS, Hello, Probe

FRAMEWORK: Final = _FRAMEWORK

# The devices TensorFlow runs on as "GPU" devices: NVIDIA's CUDA, and AMD's with a ROCm build.
GPU_DEVICES: Final = ("cuda", "rocm")
_ADAPTER: TensorFlowAdapter | None = None
_GPU_PROPERTIES: GpuProperties | None = None


def _build_info() -> dict[str, Any]:
    try:
        return dict(tf.sysconfig.get_build_info())
    except Exception:  # some builds lack build info; it only labels the build
        return {}


def build_info() -> dict[str, str]:
    """This TensorFlow's build as the run document keeps it (tf.sysconfig.get_build_info())."""
    info = _build_info()
    kind = "rocm" if info.get("is_rocm_build") else "cuda" if info.get("is_cuda_build") else "cpu"
    found = {
        "build": kind,
        "is_cuda_build": info.get("is_cuda_build"),
        "cuda": info.get("cuda_version"),
        "cudnn": info.get("cudnn_version"),
        "rocm": info.get("rocm_version"),
    }
    return {name: str(value) for name, value in found.items() if value is not None}


def _build() -> str:
    info = _build_info()
    if info.get("is_rocm_build"):
        return f"rocm {info.get('rocm_version', '?')}"
    if info.get("is_cuda_build"):
        return f"cuda {info.get('cuda_version', '?')}"
    return "cpu"


def _gpu_name(gpu: Any) -> str:
    try:
        return str(tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name))
    except Exception:  # details are optional; the device itself is what matters
        return str(gpu.name)


def probe() -> Probe:
    """What TensorFlow sees; lists physical devices without creating a GPU context."""
    gpus = tf.config.list_physical_devices("GPU")
    return Probe(
        framework=FRAMEWORK,
        framework_version=tf.__version__,
        gpu_available=bool(gpus),
        gpu_devices=[_gpu_name(g) for g in gpus],
        build=_build(),
    )


def _no_gpu_message() -> str:
    if _build() == "cpu":
        return (
            f"TensorFlow {tf.__version__} was built without CUDA: install the GPU build "
            "(pip install 'tensorflow[and-cuda]', Linux or WSL2), or run with --device cpu"
        )
    system = platform.system()
    if system == "Windows":
        hint = "native Windows GPU support ended with TensorFlow 2.10: run it under WSL2"
    elif system == "Darwin":
        hint = "TensorFlow has no official GPU support on macOS"
    else:
        hint = (
            "install the CUDA libraries with pip install 'tensorflow[and-cuda]' and check the driver "
            "with nvidia-smi and CUDA_VISIBLE_DEVICES"
        )
    return f"TensorFlow {tf.__version__} sees no GPU: {hint}; or run with --device cpu"


def setup(device: str, threads: int | None) -> Hello:
    """Configure devices and threads; must run before any TensorFlow op in the process."""
    global _ADAPTER, _GPU_PROPERTIES
    if device not in DEVICE_IDS:
        raise ValueError(f"device must be one of {', '.join(DEVICE_IDS)}, not {device!r}")
    refusal = tensorflow_refusal(device)
    if refusal is not None:  # before any device is touched: Apple and Intel GPUs have no TF path
        raise NotSupportedHere(refusal)
    if device == "rocm" and not tf.test.is_built_with_rocm():
        raise NoGPUError(f"TensorFlow {tf.__version__} is not a ROCm build. {TENSORFLOW_ROCM_HINT}")
    gpus = tf.config.list_physical_devices("GPU")
    if device in GPU_DEVICES and not gpus:
        raise NoGPUError(_no_gpu_message())
    if _ADAPTER is not None:
        # TensorFlow fixes devices and thread pools when its runtime starts: a second setup can only
        # confirm the first one.
        if (_ADAPTER.device, _ADAPTER.requested_threads) == (device, threads):
            return recipes.hello(_ADAPTER, _GPU_PROPERTIES, build_info())
        raise RuntimeError(
            "TensorFlow is already set up in this process for "
            f"{_ADAPTER.device} with threads={_ADAPTER.requested_threads}: use a new process"
        )
    for gpu in gpus:
        # Without this TensorFlow grabs nearly all GPU memory at its first op.
        tf.config.experimental.set_memory_growth(gpu, True)
    if device == "cpu":
        # Hide the GPUs so that every op really runs on the CPU.
        tf.config.set_visible_devices([], "GPU")
    if threads is not None:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    if device in GPU_DEVICES:
        details: dict[str, Any] = {}
        try:
            details = dict(tf.config.experimental.get_device_details(gpus[0]))
        except Exception:  # name and capability only label the device
            pass
        capability = details.get("compute_capability")
        _GPU_PROPERTIES = GpuProperties(
            name=details.get("device_name", gpus[0].name),
            compute_capability=".".join(map(str, capability)) if capability else None,
        )
        label = f"{device}:0 {_GPU_PROPERTIES.name}"
    else:
        label = "cpu"
    intra = tf.config.threading.get_intra_op_parallelism_threads()
    _ADAPTER = TensorFlowAdapter(device, label, intra or os.cpu_count() or 1, threads)
    return recipes.hello(_ADAPTER, _GPU_PROPERTIES, build_info())


def adapter() -> TensorFlowAdapter:
    """The adapter setup() made (a cluster rank builds its models and tensors with it)."""
    if _ADAPTER is None:
        raise RuntimeError("call setup(device, threads) first")
    return _ADAPTER


def run_benchmark(benchmark: str, params: Params, dtype: str, budget_s: float) -> Record:
    """Run one case and return its record; out-of-memory becomes MemoryError with a clear message."""
    return recipes.run_benchmark(_ADAPTER, benchmark, params, dtype, budget_s)
