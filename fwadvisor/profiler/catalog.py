"""The benchmark catalogue: one BenchmarkSpec per benchmark id, and the case vocabulary both sides share.

Every place that names a benchmark asks here: the suites check a case's parameters and dtypes against
it, the worker's recipes take their dtype rule and GPU need from it, the reports word a shape, a unit
and what both frameworks were given from it. Adding a benchmark is an entry here plus a recipe
(fwadvisor/bench/recipes). Numpy-free and framework-free: the parent process and the worker import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from fwadvisor.profiler.benchmark_spec import (
    BenchmarkSpec,
    listed_params,
)
from fwadvisor.profiler.cluster_specs import cluster_specs
from fwadvisor.safe_text import excerpt, invisible_note

# The dtype and layout names a case carries, on both sides of the process boundary: the suites check
# them, the worker's dtype rules apply them (bench/dtype_rules.py), the GPU table and the reports read them.
DTYPES: Final = ("fp32", "tf32", "fp16", "bf16")  # matmul and conv2d; each framework adapter maps these names
CPU_DTYPES: Final = ("fp32", "bf16")  # TF32 does not exist on a CPU; fp16 GEMM there is no fair result
# Mixed-precision training: the forward pass and loss in that dtype, float32 weights and updates.
MIXED_DTYPES: Final = ("bf16", "fp16")
FLOAT32_DTYPES: Final = ("fp32", "tf32")  # float32 tensors; "tf32" allows TF32 math on the GPU
# Training benchmarks: float32 or, on a GPU, mixed precision, as GPU training runs. On a CPU they train
# in fp32 only: mixed precision there is no common practice, and its speed depends on whether the CPU
# has bf16 instructions (AVX512-BF16, AMX) more than on the framework.
TRAINING_DTYPES: Final = ("fp32", "tf32", *MIXED_DTYPES)
# PyTorch's memory layouts for image tensors (a case's `torch_layout` param): channels_last keeps NCHW
# shapes with NHWC strides, what PyTorch users run convolutions in on GPUs; "nchw" is PyTorch's default.
# TensorFlow runs NHWC in every case: the param names the PyTorch side of a pair of records.
TORCH_LAYOUTS: Final = ("channels_last", "nchw")
TORCH_LAYOUT_PARAM: Final = "torch_layout"
# Without `torch_layouts`, GPU cases of image benchmarks run channels_last (what PyTorch users run on
# GPUs) and say so in their params; CPU cases keep PyTorch's default NCHW and their params unchanged.
GPU_DEFAULT_TORCH_LAYOUTS: Final = ("channels_last",)


def _matmul(p: Mapping[str, object]) -> str:
    return f"{p['m']}×{p['k']} @ {p['k']}×{p['n']}"


def _conv2d(p: Mapping[str, object]) -> str:
    return f"{p['batch']}×{p['height']}×{p['width']}, {p['channels_in']}→{p['channels_out']}, k{p['kernel']}"


def _copy(p: Mapping[str, object]) -> str:
    return f"{p['megabytes']} MB, {'pinned' if p.get('pinned') else 'pageable'}"


FLOPS: Final = ("TFLOP/s", "GFLOP/s")
SAME_BATCH: Final = "identical NumPy weights and the same seeded synthetic batch"
SAME_DIGITS: Final = "the same digits split, seeded batch order and NumPy initial weights"
SAME_OPERANDS: Final = "identical NumPy operands for the check; timed operands of the same shape drawn on the device"
PRACTICE_PARAMS: Final = {
    "epochs": "passes over the training set",
    "batch": "images per step",
    "test_percent": "share of the digits held out for testing (stratified)",
    "seed": "split, shuffle order and initial weights",
}
COPY_PARAMS: Final = {
    "host_to_device": {
        "megabytes": "bytes copied from host memory to the GPU per call",
        "pinned": "1: from pinned (page-locked) host memory; 0: pageable (a NumPy buffer)",
    },
    "device_to_host": {
        "megabytes": "bytes copied from the GPU to host memory per call",
        "pinned": "1: into pinned (page-locked) host memory; 0: pageable",
    },
}


def _practice_model(benchmark: str, params: Mapping[str, str], model: str) -> BenchmarkSpec:
    """A practice benchmark: trains `model` on the digits, records its curve, ends in a test accuracy."""
    return BenchmarkSpec(
        benchmark,
        params,
        ("test accuracy",),
        "float32",
        listed_params,
        SAME_DIGITS,
        compared_as_speed=False,
        trains=True,
        curve=model,
        practice=True,
    )


_SPECS: Final = (
    BenchmarkSpec(
        "matmul",
        {"m": "rows of A", "n": "columns of B", "k": "inner dimension"},
        FLOPS,
        "math",
        _matmul,
        SAME_OPERANDS,
        speed_rule_metric=True,
    ),
    BenchmarkSpec(
        "conv2d",
        {
            "batch": "images",
            "height": "pixels",
            "width": "pixels",
            "channels_in": "input channels",
            "channels_out": "output channels",
            "kernel": "square kernel side",
        },
        FLOPS,
        "math",
        _conv2d,
        SAME_OPERANDS,
        torch_layouts=True,
        speed_rule_metric=True,
    ),
    BenchmarkSpec(
        "bandwidth",
        {"megabytes": "buffer size (1 MB = 1e6 bytes), read once and written once per call"},
        ("GB/s",),
        "float32",
        lambda p: f"{p['megabytes']} MB",
        "a float32 vector of the same size (y = x * 2)",
    ),
    BenchmarkSpec(
        "host_to_device",
        COPY_PARAMS["host_to_device"],
        ("GB/s",),
        "float32",
        _copy,
        "the same NumPy host buffer",
        gpu_only="there is no host-to-device copy on a CPU",
        host_link=True,
        flags=frozenset({"pinned"}),
    ),
    BenchmarkSpec(
        "device_to_host",
        COPY_PARAMS["device_to_host"],
        ("GB/s",),
        "float32",
        _copy,
        "a device buffer of the same size",
        gpu_only="there is no device-to-host copy on a CPU",
        host_link=True,
        flags=frozenset({"pinned"}),
    ),
    BenchmarkSpec(
        "eager_overhead",
        {"ops": "tiny elementwise ops per call", "size": "elements per tensor"},
        ("us/op",),
        "float32",
        lambda p: f"{p['ops']} ops × {p['size']} elems",
        "identical NumPy vectors, the same chain of adds",
        lower_is_better=True,
    ),
    BenchmarkSpec(
        "compiled_speedup",
        {"batch": "sequences", "seq_len": "tokens per sequence", "width": "model width", "mlp": "MLP hidden units"},
        ("x",),
        "math",
        lambda p: f"LN+MLP b{p['batch']} seq{p['seq_len']} {p['width']}→{p['mlp']}",
        "identical NumPy weights and input",
        compared_as_speed=False,
    ),
    BenchmarkSpec(
        "train_cnn",
        {
            "batch": "images per step",
            "image": "square image side",
            "channels": "input channels",
            "classes": "output classes",
        },
        ("steps/s",),
        "training",
        lambda p: f"CNN b{p['batch']} {p['image']}²×{p['channels']} →{p['classes']}",
        SAME_BATCH,
        torch_layouts=True,
        trains=True,
        speed_rule_metric=True,
    ),
    BenchmarkSpec(
        "train_rnn",
        {
            "batch": "sequences per step",
            "seq_len": "time steps",
            "features": "inputs per step",
            "hidden": "LSTM units",
            "classes": "output classes",
        },
        ("steps/s",),
        "training",
        lambda p: f"LSTM b{p['batch']} seq{p['seq_len']} {p['features']}→{p['hidden']}",
        SAME_BATCH,
        trains=True,
        speed_rule_metric=True,
    ),
    BenchmarkSpec(
        "train_transformer",
        {
            "batch": "sequences per step",
            "seq_len": "tokens per sequence",
            "width": "model width (d_model)",
            "heads": "attention heads",
            "mlp": "MLP hidden units",
            "classes": "output classes",
        },
        ("steps/s",),
        "training",
        lambda p: f"block b{p['batch']} seq{p['seq_len']} d{p['width']} h{p['heads']}",
        SAME_BATCH,
        trains=True,
        speed_rule_metric=True,
    ),
    # The practice suite trains for real on scikit-learn's digits (10 classes, 8x8 images).
    _practice_model("practice_cnn", PRACTICE_PARAMS, "CNN"),
    _practice_model(
        "practice_rnn",
        {
            "epochs": PRACTICE_PARAMS["epochs"],
            "batch": PRACTICE_PARAMS["batch"],
            "hidden": "LSTM units (each image read as 8 rows of 8 pixels)",
            "test_percent": PRACTICE_PARAMS["test_percent"],
            "seed": PRACTICE_PARAMS["seed"],
        },
        "LSTM",
    ),
    # Exports the trained CNN and reloads it in a fresh process: the metric is the load time.
    BenchmarkSpec(
        "export_roundtrip",
        {"batch": "test images run through the reloaded model and compared"},
        ("load s",),
        "float32",
        listed_params,
        "the same trained CNN and test rows",
        lower_is_better=True,
        practice=True,
    ),
)


CATALOG: Final[Mapping[str, BenchmarkSpec]] = {
    spec.id: spec for spec in (*_SPECS, *cluster_specs({spec.id: spec for spec in _SPECS}))
}
BENCHMARKS: Final = tuple(CATALOG)  # in the order suites, recipes and "known benchmarks" lists name them


def spec_of(benchmark: str) -> BenchmarkSpec | None:
    """The benchmark's spec; None for an id the catalogue does not know (a saved run from elsewhere)."""
    return CATALOG.get(benchmark)


def benchmarks_where(test: Callable[[BenchmarkSpec], object]) -> tuple[str, ...]:
    """The ids, in catalogue order, of the benchmarks whose spec passes `test`."""
    return tuple(spec.id for spec in CATALOG.values() if test(spec))


GPU_ONLY: Final = frozenset(benchmarks_where(lambda s: s.gpu_only))
CURVE_BENCHMARKS: Final = benchmarks_where(lambda s: s.curve)
PRACTICE_SUITE_BENCHMARKS: Final = benchmarks_where(lambda s: s.practice)
TORCH_LAYOUT_BENCHMARKS: Final = benchmarks_where(lambda s: s.torch_layouts)
HOST_LINK_BENCHMARKS: Final = benchmarks_where(lambda s: s.host_link)
CLUSTER_BENCHMARKS: Final = benchmarks_where(lambda s: s.cluster)
# The benchmarks the single-device worker runs, each with its recipe (bench/recipes).
WORKER_BENCHMARKS: Final = benchmarks_where(lambda s: not s.cluster)
NO_PEAK_BENCHMARKS: Final = frozenset(benchmarks_where(lambda s: s.no_peak))
SPEED_METRIC_BENCHMARKS: Final = benchmarks_where(lambda s: s.speed_rule_metric)
# Devices whose GPU shares the host's memory (Apple silicon, mps): a "host to device" copy there crosses
# no link and lands in the same memory, so the copy benchmarks would read as a link they do not measure.
UNIFIED_MEMORY_DEVICES: Final = frozenset({"mps"})
UNIFIED_MEMORY_SKIP: Final = (
    "skipped on unified memory (Apple silicon): the GPU shares the host's memory, so there is no "
    "separate device memory to copy to and no host link to measure"
)


# TF32 is a tensor-core math mode of NVIDIA's GPUs (and AMD's CDNA3 through ROCm); Apple's GPU has none,
# so a "tf32" case there would run fp32 under a tf32 label.
NO_TF32_DEVICES: Final = frozenset({"mps"})
NO_TF32_SKIP: Final = "skipped: Apple silicon's GPU has no TF32 mode; the fp32 case is its float32 number"


def device_skip(benchmark: str, device: str, dtype: str | None = None) -> str | None:
    """Why a case of `benchmark` does not run on `device` although the device is a GPU (its record
    says so as `skipped`); None when it runs."""
    if device in UNIFIED_MEMORY_DEVICES and benchmark in HOST_LINK_BENCHMARKS:
        return UNIFIED_MEMORY_SKIP
    if device in NO_TF32_DEVICES and dtype == "tf32":
        return NO_TF32_SKIP
    return None


# The one practice benchmark that is timed, not trained: its row reads as a time.
EXPORT_BENCHMARK: Final = "export_roundtrip"
# Metrics where a smaller number is better (a time, not a rate), and metrics that are no speed.
LOWER_IS_BETTER: Final = frozenset(unit for s in CATALOG.values() if s.lower_is_better for unit in s.units)
NOT_A_SPEED: Final = frozenset(unit for s in CATALOG.values() if not s.compared_as_speed for unit in s.units)


def expected_params(spec: BenchmarkSpec, params: Mapping[str, int | str]) -> dict[str, str]:
    """The parameters a case of `spec` takes, with their meanings: its own, and those its choice
    parameter's value picks (none when that value is missing or not one of the choices)."""
    expected = dict(spec.params)
    if spec.choice is not None:
        expected.update(spec.choice.options.get(str(params.get(spec.choice.name, "")), {}))
    return expected


def param_problem(benchmark: str, params: Mapping[str, int | str]) -> str | None:
    """What is wrong with a case's params for `benchmark` (a known id), or None when they fit."""
    spec = CATALOG[benchmark]
    choice = spec.choice
    if choice is not None:
        value = params.get(choice.name)
        allowed = ", ".join(choice.options)
        if value is None:
            return f"benchmark '{benchmark}' needs `{choice.name}` ({choice.meaning}): one of {allowed}"
        if not isinstance(value, str) or value not in choice.options:
            shown = f"'{excerpt(value, 40)}'{invisible_note(value)}" if isinstance(value, str) else str(value)
            return f"`{choice.name}` of benchmark '{benchmark}' is one of {allowed}; got {shown}"
    expected = set(expected_params(spec, params))
    unknown = sorted(set(params) - expected)
    if unknown:  # a parameter's name is outside text: shown cleaned, invisible characters named
        named = ", ".join(f"'{excerpt(name, 40)}'{invisible_note(name)}" for name in unknown)
        return f"benchmark '{benchmark}' has no parameter {named}; it takes {', '.join(sorted(expected))}"
    if not expected - spec.flags - spec.planned <= set(params):
        return (
            f"benchmark '{benchmark}' takes the parameters "
            f"{', '.join(sorted(expected))}; got {', '.join(sorted(params))}"
        )
    for name, value in params.items():
        if choice is not None and name == choice.name:
            continue
        if isinstance(value, str):
            shown = f"'{excerpt(value, 40)}'{invisible_note(value)}"
            return f"`{name}` of benchmark '{benchmark}' is a whole number; got {shown}"
        if name in spec.flags and value not in (0, 1):
            return f"`{name}` is 0 or 1; got {value}"
        if name not in spec.flags and value == 0:
            return f"`{name}` must be greater than 0"
    return None


def shape_text(params: Mapping[str, object], benchmark: str = "") -> str:
    """Shapes in the short form people write them in (all values are in the JSON document)."""
    layout = params.get(TORCH_LAYOUT_PARAM)
    if layout is not None:  # which PyTorch layout the row pairs with TensorFlow's NHWC
        rest = {k: v for k, v in params.items() if k != TORCH_LAYOUT_PARAM}
        return f"{shape_text(rest, benchmark)}, torch {'NCHW' if layout == 'nchw' else layout}"
    spec = CATALOG.get(benchmark)
    try:
        return spec.shape(params) if spec is not None else listed_params(params)
    except KeyError:  # a saved run's params that lack a shape's part
        return listed_params(params)
