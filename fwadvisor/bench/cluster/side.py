"""What a framework supplies to the cluster recipes (recipes.py): the ClusterSide protocol.

One ClusterSide is one rank (a process with one device, or TensorFlow's MirroredStrategy: one process
with every replica). Its collectives run on every rank in the same order: a recipe calls them on all
ranks alike, and only rank 0 reports. Arrays cross in NumPy, models are built by the single-device
adapter (recipes/adapter.py) from the shared NumPy weights, so each framework trains the same model
as train_cnn / train_transformer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from fwadvisor.bench.recipes.adapter import Adapter
from fwadvisor.profiler.documents import Details, PrecisionFlags


@dataclass(frozen=True)
class Batch:
    """One replica's per-device batch: x in the adapter's native layout, integer labels."""

    x: np.ndarray
    labels: np.ndarray


@dataclass(frozen=True)
class Workload:
    """A model and its data, for one rank: what ClusterSide.trainer() trains."""

    # One replica's model, built by the single-device adapter (inside model_precision and, where the
    # framework has one, the strategy's scope) from the shared NumPy weights.
    build: Callable[[Adapter], Any]
    # One replica's input tensor from its NumPy x, on the device the adapter (or the replica) is on.
    to_input: Callable[[Adapter, np.ndarray], Any]
    batches: Sequence[Batch]  # one per local replica, in local_replicas' order


@dataclass(frozen=True)
class ReduceBuffer:
    """An fp32 buffer all-reduced (SUM) across every replica by `call`."""

    call: Callable[[], Any]  # one all-reduce; returns without waiting for the device (side.sync waits)
    fill: Callable[[float], None]  # set every element of every local replica's input to this value
    all_equal: Callable[[float], bool]  # every element of every local replica's result equals the value
    in_place: bool  # the result overwrites the input (torch.distributed); False: a new tensor (TF)
    notes: Details = field(default_factory=dict)


@dataclass(frozen=True)
class DistributedTrainer:
    """Training steps of one model on every replica's own batch, gradients averaged across replicas."""

    step: Callable[[], Any]  # one global optimiser step (every local replica); returns without waiting
    loss: Callable[[], float]  # this rank's mean loss over its local replicas' batches, inference mode
    checksums: Callable[[], list[float]]  # one weight checksum per local replica (float64, exact)
    precision: PrecisionFlags = field(default_factory=dict)
    notes: Details = field(default_factory=dict)  # strategy's settings: bucket_cap_mb, bytes_per_pack ...


class ClusterSide(Protocol):
    """One rank of one framework (see the module docstring)."""

    adapter: Adapter  # the single-device adapter: version, label, threads, models, precision
    rank: int  # 0 reports
    world_size: int  # replicas in the whole job
    local_replicas: tuple[int, ...]  # the replica ids this process runs (one, or all of MirroredStrategy's)
    backend: str  # "gloo", "nccl", "RING", "NCCL", "ReductionToOneDevice", "none" ...
    launcher: str  # in words: "torchrun, one process per device" ...
    strategy: str  # "DistributedDataParallel", "MultiWorkerMirroredStrategy", "MirroredStrategy" ...
    sync: Callable[[], None]  # waits for this process's devices

    def barrier(self) -> None:
        """Returns on every rank once all ranks have called it."""
        ...

    def sum_floats(self, values: Sequence[float]) -> list[float]:
        """The element-wise float64 SUM of `values` over ranks (same length on every rank)."""
        ...

    def case_scope(self) -> AbstractContextManager[None]:
        """Around one case: out-of-memory becomes MemoryError."""
        ...

    def reduce_buffer(self, elements: int) -> ReduceBuffer: ...

    def trainer(self, workload: Workload, dtype: str) -> DistributedTrainer:
        """SGD (reference.TRAIN_LR, TRAIN_MOMENTUM) as train_cnn's; world_size 1: no strategy at all."""
        ...


def gather_floats(side: ClusterSide, values: Sequence[float]) -> list[float]:
    """Every rank's `values` (same length everywhere), rank after rank, on every rank (a SUM of slots)."""
    slots = [0.0] * (len(values) * side_process_count(side))
    start = side.rank * len(values)
    slots[start : start + len(values)] = values
    return side.sum_floats(slots)


def side_process_count(side: ClusterSide) -> int:
    """How many processes take part in the side's collectives (1 for MirroredStrategy's one process)."""
    return side.world_size // len(side.local_replicas)


def broadcast_int(side: ClusterSide, value: int) -> int:
    """Rank 0's value on every rank."""
    return int(side.sum_floats([float(value) if side.rank == 0 else 0.0])[0])
