"""The cluster benchmarks in a plan: world sizes from the device count, and launch groups.

A suite's all_reduce and ddp_scaling entries leave out `world_size`; `expand_world_sizes` fills it
from the machine (every GPU on cuda; on a CPU up to MAX_CPU_RANKS logical CPU devices). At run time
each framework's cluster cases are split into launch groups, one per (world size, single_process):
each group is one launch (profiler/cluster_launch.py builds its command). Cases no launch can run
(PyTorch's single-process all-reduce, an all-reduce over one device) get their record from the parent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import msgspec

from fwadvisor.profiler.benchmark_spec import WORLD_SIZE_PARAM
from fwadvisor.profiler.catalog import CATALOG, device_skip
from fwadvisor.profiler.documents import Record
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.records import failed_record, unsupported_record
from fwadvisor.profiler.run_environment import Environment

# On a CPU the ranks are logical CPU devices; more than four on a laptop tests nothing more of the
# plumbing and divides the threads past usefulness.
MAX_CPU_RANKS: Final = 4
# Frameworks the cluster suite has no launches for: their cluster cases are "not supported here".
NO_CLUSTER_FRAMEWORKS: Final = frozenset({"jax"})
NO_CLUSTER_WHY: Final = "fwadvisor's cluster suite measures PyTorch and TensorFlow collectives; JAX's are not measured"
ALL_REDUCE: Final = "all_reduce"
SINGLE_PROCESS_PARAM: Final = "single_process"
# Why PyTorch has no single-process all-reduce row: said in its skipped record.
TORCH_SINGLE_PROCESS_WHY: Final = (
    "not measured: PyTorch's multi-device path is one process per device (torch.distributed, DDP); "
    "its single-process DataParallel is legacy and not recommended"
)


def is_cluster(case: Case) -> bool:
    spec = CATALOG.get(case.benchmark)
    return spec is not None and spec.cluster


def device_count(device: str, environment: Environment) -> tuple[int, str]:
    """How many ranks the machine gives a cluster case, and what they are in words."""
    if device == "cuda":
        count = len(environment.gpu.gpus) or 1
        return count, "GPU" if count == 1 else "GPUs"
    logical = environment.cpu.logical_cores or 1
    count = min(logical, MAX_CPU_RANKS)
    return count, "logical CPU device" if count == 1 else "logical CPU devices"


def scaling_sizes(devices: int) -> list[int]:
    """ddp_scaling's world sizes: 1, 2, 4, ... up to `devices`, and `devices` itself."""
    sizes, size = [], 1
    while size < devices:
        sizes.append(size)
        size *= 2
    return [*sizes, devices]


def expand_world_sizes(cases: Sequence[Case], device: str, environment: Environment) -> list[Case]:
    """The plan's cases with every cluster case's `world_size` set: a case that names one keeps it;
    all_reduce runs over every device, ddp_scaling at 1, 2, 4 ... up to every device."""
    devices, _ = device_count(device, environment)
    expanded: list[Case] = []
    for case in cases:
        if not is_cluster(case) or WORLD_SIZE_PARAM in case.params:
            expanded.append(case)
            continue
        sizes = [devices] if case.benchmark == ALL_REDUCE else scaling_sizes(devices)
        expanded += [msgspec.structs.replace(case, params={**case.params, WORLD_SIZE_PARAM: n}) for n in sizes]
    return expanded


def world_size(case: Case) -> int:
    return int(case.params.get(WORLD_SIZE_PARAM, 1))


def single_process(case: Case) -> bool:
    return bool(case.params.get(SINGLE_PROCESS_PARAM, 0))


def threads_per_rank(threads: int | None, ranks: int, device: str) -> int | None:
    """Each rank's CPU threads: the run's threads shared out over the ranks on a CPU (at least one each);
    on a GPU each rank keeps the run's count (its CPU threads feed the GPU)."""
    if threads is None or device != "cpu":
        return threads
    return max(1, threads // max(ranks, 1))


@dataclass
class LaunchGroup:
    """The cluster cases of one framework that run in one launch: same world size and process model.
    `indices` are the cases' places in the framework's list (the plan's order)."""

    framework: str
    world_size: int
    single_process: bool
    cases: list[Case] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The launch in words, for progress lines and errors."""
        if self.world_size == 1:
            return "one device, no strategy"
        if self.single_process:
            return f"MirroredStrategy, one process over {self.world_size} devices"
        if self.framework == "torch":
            return f"torchrun, {self.world_size} ranks"
        return f"TF_CONFIG, {self.world_size} ranks"


@dataclass
class FrameworkCases:
    """How one framework's cases run: the single-device worker's (with their places), the launch
    groups, and the records the parent answers itself (by place)."""

    worker: list[Case] = field(default_factory=list)
    worker_indices: list[int] = field(default_factory=list)
    groups: list[LaunchGroup] = field(default_factory=list)
    answered: dict[int, Record] = field(default_factory=dict)


def split_cases(framework: str, cases: Sequence[Case], device: str, environment: Environment) -> FrameworkCases:
    """The framework's cases by how they run; groups ordered by world size (the baseline first)."""
    split = FrameworkCases()
    groups: dict[tuple[int, bool], LaunchGroup] = {}
    for index, case in enumerate(cases):
        skip = device_skip(case.benchmark, device, case.dtype)
        if skip is not None:
            record = failed_record(case.benchmark, framework, skip, device=device, params=case.params, dtype=case.dtype)
            split.answered[index] = msgspec.structs.replace(record, error=None, skipped=skip)
            continue
        if is_cluster(case) and framework in NO_CLUSTER_FRAMEWORKS:
            split.answered[index] = unsupported_record(
                case.benchmark, framework, NO_CLUSTER_WHY, device=device, params=case.params, dtype=case.dtype
            )
            continue
        if not is_cluster(case):
            split.worker.append(case)
            split.worker_indices.append(index)
            continue
        why = parent_answer(framework, case, device, environment)
        if why is not None:
            record = failed_record(case.benchmark, framework, why, device=device, params=case.params, dtype=case.dtype)
            split.answered[index] = msgspec.structs.replace(record, error=None, skipped=why)
            continue
        key = (world_size(case), single_process(case))
        group = groups.setdefault(key, LaunchGroup(framework, key[0], key[1]))
        group.cases.append(case)
        group.indices.append(index)
    split.groups = [groups[key] for key in sorted(groups)]
    return split


def parent_answer(framework: str, case: Case, device: str, environment: Environment) -> str | None:
    """Why no launch runs this case (its record says it as `skipped`), or None when one does."""
    if case.benchmark != ALL_REDUCE:
        return None
    if single_process(case) and framework == "torch":
        return TORCH_SINGLE_PROCESS_WHY
    if world_size(case) < 2:
        count, what = device_count(device, environment)
        return f"an all-reduce needs at least 2 devices; this machine has {count} {what}"
    return None
