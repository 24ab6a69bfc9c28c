"""The run document's parts that only the cluster suite fills: how each launch group went, and the
nccl-tests reference row. documents.py holds them (WorkerSummary.launches, RunDocument.collective_reference);
they are apart so that file stays readable. Both sides may import this module (no numpy, no framework)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

_Seconds = Annotated[float, msgspec.Meta(ge=0, le=1.7e308)]
_Rate = Annotated[float, msgspec.Meta(ge=0, le=1e15)]
_Count = Annotated[int, msgspec.Meta(ge=0)]
LaunchStatus = Literal[
    "ok",
    "failed",
    "missing_framework",
    "no_gpu",
    "setup_failed",
    "not_supported",
    "crashed",
    "timed_out",
    "cancelled",
    "not started",
]


class LaunchSummary(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One launch of a framework's run (the single-device worker, or a cluster launch group): what it
    was in words, its ranks and cases, how it ended. A failed launch costs its own cases only."""

    label: str  # "single-device worker", "torchrun, 4 ranks", "MirroredStrategy, one process over 2 devices"
    world_size: _Count = 1
    cases: _Count = 0
    status: LaunchStatus
    error: str | None = None
    returncode: int | None = None
    wall_s: _Seconds = 0.0
    stderr_tail: list[str] = []


class ReferenceRow(msgspec.Struct, frozen=True, kw_only=True):
    """One size of nccl-tests' all_reduce_perf table (its in-place or out-of-place half)."""

    bytes: _Count
    time_us: _Rate
    algbw_gbs: _Rate
    busbw_gbs: _Rate
    in_place: bool


class CollectiveReference(msgspec.Struct, kw_only=True):
    """nccl-tests' all-reduce over the same GPUs, run once before the frameworks: each framework's bus
    bandwidth is read as a share of it (the distributed analogue of a percent of peak)."""

    tool: str = "nccl-tests all_reduce_perf"
    command: list[str] = []
    rows: list[ReferenceRow] = []
    error: str | None = None  # why there are no rows (it failed, timed out, printed no table)
