"""What a benchmark spec is: the dataclasses and names the catalogue (catalog.py) and the cluster
benchmarks' entries (cluster_specs.py) are written in. Numpy-free and framework-free."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

# "math": any of DTYPES (tf32 and fp16 GPU-only); "float32": float32 tensors only; "training": float32
# or, on a GPU, mixed precision. The worker applies the rule (bench/dtype_rules.py).
DtypeRule = Literal["math", "float32", "training"]
# A case's parameters: the catalogue's sizes and flags (ints) and, for PyTorch's image layouts, the
# torch_layout name, and a choice parameter's value (ddp_scaling's `model`).
Params = dict[str, int | str]
ShapeWords = Callable[[Mapping[str, object]], str]


# The number of ranks (one process per device) a cluster benchmark's case runs over. A suite may leave
# it out: the plan fills it from the device count (plan.py).
WORLD_SIZE_PARAM: Final = "world_size"


@dataclass(frozen=True)
class ParamChoice:
    """A string parameter whose value picks the rest of a benchmark's parameters: ddp_scaling's `model`
    names the single-device training benchmark whose step it scales, and then takes that benchmark's
    own parameters, with the same meanings."""

    name: str
    meaning: str
    options: Mapping[str, Mapping[str, str]]  # value -> the parameters it takes -> what each means


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
    choice: ParamChoice | None = None  # a string parameter whose value picks the other parameters
    # Runs over several processes, one per device, as launch groups (profiler/cluster_launch.py), one
    # launch per framework, world size and single_process flag; never in the single-device worker.
    cluster: bool = False
    planned: frozenset[str] = frozenset()  # params a suite may leave out: the plan fills them
    only_dtypes: tuple[str, ...] | None = None  # the dtypes it runs in whatever its dtype rule allows
    # Its GB/s is a collective's bus bandwidth: never read against the memory-bandwidth peak.
    no_peak: bool = False


def listed_params(p: Mapping[str, object]) -> str:
    """A shape as its params, `name=value` each: for benchmarks without a short form."""
    return " ".join(f"{k}={v}" for k, v in p.items())
