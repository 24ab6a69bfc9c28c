"""The benchmark catalogue: one BenchmarkSpec per benchmark id, and the case vocabulary both sides share.

Every place that names a benchmark asks here: the suites check a case's parameters and dtypes against
it, the worker's recipes take their dtype rule and GPU need from it, the reports word a shape, a unit
and what both frameworks were given from it. Adding a benchmark is an entry here plus a recipe
(fwadvisor/bench/recipes). Numpy-free and framework-free: the parent process and the worker import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

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

# "math": any of DTYPES (tf32 and fp16 GPU-only); "float32": float32 tensors only; "training": float32
# or, on a GPU, mixed precision. The worker applies the rule (bench/dtype_rules.py).
DtypeRule = Literal["math", "float32", "training"]
# A case's parameters: the catalogue's sizes and flags (ints) and, for PyTorch's image layouts, the
# torch_layout name.
Params = dict[str, int | str]
ShapeWords = Callable[[Mapping[str, object]], str]


@dataclass(frozen=True)
class BenchmarkSpec:
    """What one benchmark is, for every part of the program that names it."""

    id: str
    params: Mapping[str, str]  # parameter -> what it means (both frameworks run the same shapes)
    units: tuple[str, ...]  # the metric names its records carry (a CPU figure never reads as a GPU one)
    dtype_rule: DtypeRule
    shape: ShapeWords  # the shape in the short form people write it in, from its params
    inputs: str  # what the code gives both frameworks alike (reference.py builds it from fixed seeds)
    lower_is_better: bool = False  # a time, not a rate
    # The PyTorch / TensorFlow ratio of its metric is a speed (not a speed-up factor or an accuracy).
    compared_as_speed: bool = True
    gpu_only: str | None = None  # why it cannot run on a CPU; None when it can
    flags: frozenset[str] = frozenset()  # yes/no params: 0 or 1, and 0 when a suite leaves them out
    torch_layouts: bool = False  # its image tensors have a PyTorch memory layout (the torch_layout param)
    trains: bool = False  # trains a model (so a narrow dtype means mixed precision)
    curve: str | None = None  # a practice model that records a per-epoch curve: the model's short name
    practice: bool = False  # one of the practice suite's benchmarks (reports show them apart)
    host_link: bool = False  # a copy between host memory and the GPU: its share of the PCIe link counts
    # Rules may test the frameworks' speed ratio on it, as the metric `speed_<id>` (advisor/metrics.py
    # words it; advisor/evidence.py computes it from the run).
    speed_rule_metric: bool = False


def _matmul(p: Mapping[str, object]) -> str:
    return f"{p['m']}×{p['k']} @ {p['k']}×{p['n']}"


def _conv2d(p: Mapping[str, object]) -> str:
    return f"{p['batch']}×{p['height']}×{p['width']}, {p['channels_in']}→{p['channels_out']}, k{p['kernel']}"


def _copy(p: Mapping[str, object]) -> str:
    return f"{p['megabytes']} MB, {'pinned' if p.get('pinned') else 'pageable'}"


def _listed(p: Mapping[str, object]) -> str:
    return " ".join(f"{k}={v}" for k, v in p.items())


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
        _listed,
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
        _listed,
        "the same trained CNN and test rows",
        lower_is_better=True,
        practice=True,
    ),
)

CATALOG: Final[Mapping[str, BenchmarkSpec]] = {spec.id: spec for spec in _SPECS}
BENCHMARKS: Final = tuple(CATALOG)  # in the order suites, recipes and "known benchmarks" lists name them


def spec_of(benchmark: str) -> BenchmarkSpec | None:
    """The benchmark's spec; None for an id the catalogue does not know (a saved run from elsewhere)."""
    return CATALOG.get(benchmark)


def benchmarks_where(test: Callable[[BenchmarkSpec], object]) -> tuple[str, ...]:
    """The ids, in catalogue order, of the benchmarks whose spec passes `test`."""
    return tuple(spec.id for spec in _SPECS if test(spec))


GPU_ONLY: Final = frozenset(benchmarks_where(lambda s: s.gpu_only))
CURVE_BENCHMARKS: Final = benchmarks_where(lambda s: s.curve)
PRACTICE_SUITE_BENCHMARKS: Final = benchmarks_where(lambda s: s.practice)
TORCH_LAYOUT_BENCHMARKS: Final = benchmarks_where(lambda s: s.torch_layouts)
HOST_LINK_BENCHMARKS: Final = benchmarks_where(lambda s: s.host_link)
SPEED_METRIC_BENCHMARKS: Final = benchmarks_where(lambda s: s.speed_rule_metric)
# The one practice benchmark that is timed, not trained: its row reads as a time.
EXPORT_BENCHMARK: Final = "export_roundtrip"
# Metrics where a smaller number is better (a time, not a rate), and metrics that are no speed.
LOWER_IS_BETTER: Final = frozenset(unit for s in _SPECS if s.lower_is_better for unit in s.units)
NOT_A_SPEED: Final = frozenset(unit for s in _SPECS if not s.compared_as_speed for unit in s.units)


def param_problem(benchmark: str, params: Mapping[str, int | str]) -> str | None:
    """What is wrong with a case's params for `benchmark` (a known id), or None when they fit."""
    spec = CATALOG[benchmark]
    expected = set(spec.params)
    unknown = sorted(set(params) - expected)
    if unknown:  # a parameter's name is outside text: shown cleaned, invisible characters named
        named = ", ".join(f"'{excerpt(name, 40)}'{invisible_note(name)}" for name in unknown)
        return f"benchmark '{benchmark}' has no parameter {named}; it takes {', '.join(sorted(expected))}"
    if set(params) | spec.flags != expected:
        return (
            f"benchmark '{benchmark}' takes the parameters "
            f"{', '.join(sorted(expected))}; got {', '.join(sorted(params))}"
        )
    for name, value in params.items():
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
        return spec.shape(params) if spec is not None else _listed(params)
    except KeyError:  # a saved run's params that lack a shape's part
        return _listed(params)
