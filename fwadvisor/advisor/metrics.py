"""Measured metrics that rules may test, computed from a saved profile run (see evidence.py).

Every speed ratio is PyTorch over TensorFlow, so above 1 means PyTorch was faster; each has an
`inv_` twin in message templates (TensorFlow over PyTorch) for wording the other way round. Each
ratio has `_low` / `_high` twins, its 95% interval (bootstrap over the records' samples, see
profiler/intervals.py), present only when both records kept enough samples for one. A rule that
says one framework was faster tests the conservative end: `_low` for PyTorch ahead, `_high` for
TensorFlow ahead (in a message, `inv_<ratio>_high` is then the low end of TensorFlow's lead).

JAX's ratios (advisor/jax_evidence.py) are JAX over the other framework, `jax_over_torch_<benchmark>`
and `jax_over_tensorflow_<benchmark>`, with the same `_low` / `_high` twins. KNOWN_TEXTS are words a
message may quote, made from the numbers (never outside text).
"""

from __future__ import annotations

KNOWN_METRICS: dict[str, str] = {
    "measured_on_gpu": "1 when the profile ran on a GPU, 0 when it ran on the CPU",
    "gpu_present": "1 when NVML found an NVIDIA GPU on the profiled machine, else 0",
    "torch_gpu_usable": "GPU runs only: 1 when PyTorch could use the GPU, 0 when it could not",
    "tensorflow_gpu_usable": "GPU runs only: 1 when TensorFlow could use the GPU, 0 when it could not",
    "speed_matmul": "PyTorch / TensorFlow matmul throughput (first dtype both measured)",
    "speed_matmul_low": "low end of the 95% interval of speed_matmul",
    "speed_matmul_high": "high end of the 95% interval of speed_matmul",
    "speed_conv2d": "PyTorch / TensorFlow conv2d throughput",
    "speed_conv2d_low": "low end of the 95% interval of speed_conv2d",
    "speed_conv2d_high": "high end of the 95% interval of speed_conv2d",
    "speed_train_cnn": "PyTorch / TensorFlow training steps per second, small CNN",
    "speed_train_cnn_low": "low end of the 95% interval of speed_train_cnn",
    "speed_train_cnn_high": "high end of the 95% interval of speed_train_cnn",
    "speed_train_rnn": "PyTorch / TensorFlow training steps per second, small LSTM",
    "speed_train_rnn_low": "low end of the 95% interval of speed_train_rnn",
    "speed_train_rnn_high": "high end of the 95% interval of speed_train_rnn",
    "speed_train_transformer": "PyTorch / TensorFlow training steps per second, one transformer encoder block",
    "speed_train_transformer_low": "low end of the 95% interval of speed_train_transformer",
    "speed_train_transformer_high": "high end of the 95% interval of speed_train_transformer",
    "eager_overhead_ratio": "TensorFlow / PyTorch time per tiny eager op (above 1: TensorFlow slower)",
    "eager_overhead_ratio_low": "low end of the 95% interval of eager_overhead_ratio",
    "eager_overhead_ratio_high": "high end of the 95% interval of eager_overhead_ratio",
    "practice_cnn_accuracy_gap": "PyTorch minus TensorFlow final test accuracy of the practice CNN, points",
    "practice_cnn_accuracy_gap_abs": "the size of that gap, points",
    # The cluster suite (advisor/cluster_evidence.py): GPU runs only, from usable records and their
    # usable one-device baselines. Efficiency = t(1)/t(N) at the same per-device batch (1.0 is perfect).
    "scaling_efficiency_torch": "GPU runs only: PyTorch DDP's scaling efficiency at the largest N both "
    "frameworks measured, low end of its 95% interval (the lowest over the models)",
    "scaling_efficiency_tensorflow": "GPU runs only: TensorFlow MultiWorkerMirroredStrategy's scaling "
    "efficiency at the largest N both measured, low end of its 95% interval (the lowest over the models)",
    "scaling_ratio": "GPU runs only: PyTorch / TensorFlow scaling efficiency (above 1: PyTorch kept more of "
    "its one-device speed), geometric mean over the models",
    "scaling_ratio_low": "low end of scaling_ratio's 95% interval (the lowest over the models)",
    "scaling_ratio_high": "high end of scaling_ratio's 95% interval (the highest over the models)",
    "scaling_world_size": "GPU runs only: the number of devices the scaling ratio compares at",
    "busbw_share_torch": "GPU runs only: PyTorch all-reduce bus bandwidth / nccl-tests', largest size, low end",
    "busbw_share_tensorflow": "GPU runs only: TensorFlow all-reduce bus bandwidth / nccl-tests' (its better "
    "launcher), largest size, low end",
    "distributed_measured_on_cpu": "1 when the run's cluster-suite numbers came from CPU processes over "
    "loopback (a plumbing check: no distributed metric is taken from them)",
    "profile_complete": "1 when every framework and benchmark of the run produced a usable number, else 0",
    "usable_measurements": "how many measurements of the run are usable as evidence",
    "total_measurements": "how many measurements the run attempted",
    "busy_measurements": "how many measurements ran while other processes kept the machine busy (never evidence)",
    "jax_gpu_usable": "GPU runs only: 1 when JAX could use the GPU, 0 when it could not",
    "jax_usable_measurements": "how many JAX measurements of the run are usable as evidence (absent: JAX did not run)",
    "measured_on_amd_gpu": "1 when the profile ran on an AMD GPU (device rocm)",
    "measured_on_apple_gpu": "1 when the profile ran on an Apple-silicon GPU (device mps)",
    "measured_on_intel_gpu": "1 when the profile ran on an Intel GPU (device xpu)",
    "torch_not_supported": "1 when PyTorch has no path to the run's device (its worker said 'not supported here')",
    "tensorflow_not_supported": "1 when TensorFlow has no path to the run's device, e.g. an Apple or Intel GPU",
    "jax_not_supported": "1 when JAX has no path to the run's device, e.g. an Apple or Intel GPU",
}

# profiler/catalog.py's SPEED_METRIC_BENCHMARKS, spelled out: the advice without a run loads no profiler
# code (tests/unit/test_jax_advice.py checks the two agree).
SPEED_BENCHMARKS = ("matmul", "conv2d", "train_cnn", "train_rnn", "train_transformer")
_FRAMEWORK_NAMES = {"torch": "PyTorch", "tensorflow": "TensorFlow"}
for _other, _name in _FRAMEWORK_NAMES.items():
    for _benchmark in SPEED_BENCHMARKS:
        _metric = f"jax_over_{_other}_{_benchmark}"
        KNOWN_METRICS[_metric] = f"JAX / {_name} {_benchmark} throughput (above 1: JAX faster; first dtype both ran)"
        KNOWN_METRICS[f"{_metric}_low"] = f"low end of the 95% interval of {_metric}"
        KNOWN_METRICS[f"{_metric}_high"] = f"high end of the 95% interval of {_metric}"

KNOWN_TEXTS: dict[str, str] = {
    "jax_measured_words": "JAX's usable ratios against PyTorch and TensorFlow in words, each in its leader's "
    "direction with its 95% interval (training benchmarks, else the kernels); present when JAX has one",
    "device_caution": "for a CPU run, a sentence saying the numbers come from a CPU; empty for a GPU run",
    "gpu_words": "the run's device in words: 'an Apple-silicon GPU (MPS)', 'an Intel GPU (XPU)', ... or 'the CPU'",
}
