"""What the parent adds to the cluster suite's records once both frameworks ran: each ddp_scaling
record's scaling efficiency against its framework's one-device step, and, on GPUs where nccl-tests'
`all_reduce_perf` is installed, each all_reduce record's share of nccl-tests' bus bandwidth."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from typing import Final

from fwadvisor.profiler.benchmark_spec import WORLD_SIZE_PARAM
from fwadvisor.profiler.cluster_documents import CollectiveReference, ReferenceRow
from fwadvisor.profiler.documents import Record
from fwadvisor.safe_text import one_line

DDP_SCALING: Final = "ddp_scaling"
ALL_REDUCE: Final = "all_reduce"
NCCL_TESTS_PROGRAM: Final = "all_reduce_perf"
REFERENCE_TIMEOUT_S: Final = 300.0
MEBIBYTE: Final = 1 << 20


def add_scaling_efficiency(records: Iterable[Record]) -> None:
    """Weak scaling: t(1)/t(N) from p50 step times (1.0 is perfect), with the bounds its medians' 95%
    intervals give (low = t1_low / tN_high, high = t1_high / tN_low). The baseline is the world_size 1
    record of the same framework, model, params and dtype; a record without a usable one gets none."""
    scaling = [r for r in records if r.benchmark == DDP_SCALING]
    baselines = {_baseline_key(r): r for r in scaling if int(r.params.get(WORLD_SIZE_PARAM, 0)) == 1 and _timed(r)}
    for record in scaling:
        base = baselines.get(_baseline_key(record))
        if base is None or not _timed(record) or record is base:
            continue
        t1, tn = float(base.median_s or 0), float(record.median_s or 0)
        extra = dict(record.extra)
        extra["baseline_step_s"] = t1
        extra["scaling_efficiency"] = round(t1 / tn, 4)
        if None not in (base.median_low_s, base.median_high_s, record.median_low_s, record.median_high_s):
            t1_low, t1_high = float(base.median_low_s or 0), float(base.median_high_s or 0)
            tn_low, tn_high = float(record.median_low_s or 0), float(record.median_high_s or 0)
            if tn_low > 0 and tn_high > 0:
                extra["scaling_efficiency_low"] = round(t1_low / tn_high, 4)
                extra["scaling_efficiency_high"] = round(t1_high / tn_low, 4)
        record.extra = extra


def _baseline_key(record: Record) -> tuple[str, str | None, bytes]:
    import msgspec

    params = {k: v for k, v in record.params.items() if k != WORLD_SIZE_PARAM}
    return record.framework, record.dtype, msgspec.json.encode(params, order="sorted")


def _timed(record: Record) -> bool:
    return record.error is None and record.skipped is None and bool(record.median_s)


def reference_command(world_size: int) -> list[str] | None:
    """nccl-tests' all-reduce over the suite's sizes (1 MiB to 1 GiB, powers of 4) on `world_size`
    GPUs in one process; None when all_reduce_perf is not on PATH."""
    program = shutil.which(NCCL_TESTS_PROGRAM)
    if program is None:
        return None
    return [program, "-b", "1M", "-e", "1G", "-f", "4", "-g", str(world_size), "-w", "5", "-n", "20"]


def run_reference(world_size: int, timeout_s: float = REFERENCE_TIMEOUT_S) -> CollectiveReference | None:
    """Run nccl-tests once (bounded by `timeout_s`); None when it is not installed."""
    command = reference_command(world_size)
    if command is None:
        return None
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout_s, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return CollectiveReference(command=command, error=f"it did not finish within {timeout_s:g} s")
    except OSError as exc:
        return CollectiveReference(command=command, error=f"it could not start: {one_line(str(exc))}")
    rows = parse_all_reduce_perf(done.stdout.decode(errors="replace"))
    error = None
    if done.returncode != 0:
        tail = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        error = f"it exited with code {done.returncode}: {one_line(tail)}"
    elif not rows:
        error = "it printed no result table"
    return CollectiveReference(command=command, rows=rows, error=error)


def parse_all_reduce_perf(text: str) -> list[ReferenceRow]:
    """The rows of nccl-tests' result table: each size's out-of-place and in-place halves (the header
    line that names them says which comes first). Lines that are not table rows are passed over."""
    in_place_first = False
    rows: list[ReferenceRow] = []
    for line in text.splitlines():
        if line.startswith("#"):
            if "out-of-place" in line and "in-place" in line:
                in_place_first = line.index("in-place") < line.index("out-of-place")
            continue
        fields = line.split()
        if len(fields) < 12 or not fields[0].isdigit():
            continue
        halves = (fields[-8:-4], fields[-4:])
        for number, half in enumerate(halves):
            try:
                time_us, algbw, busbw = (float(value) for value in half[:3])
            except ValueError:
                continue
            rows.append(
                ReferenceRow(
                    bytes=int(fields[0]),
                    time_us=time_us,
                    algbw_gbs=algbw,
                    busbw_gbs=busbw,
                    in_place=(number == 0) == in_place_first,
                )
            )
    return rows


def add_reference_share(records: Iterable[Record], reference: CollectiveReference | None) -> None:
    """Each all_reduce record's bus bandwidth as a share of nccl-tests' in-place row of the same bytes."""
    if reference is None:
        return
    by_bytes = {row.bytes: row for row in reference.rows if row.in_place and row.busbw_gbs > 0}
    for record in records:
        if record.benchmark != ALL_REDUCE or record.metric.value is None:
            continue
        size = record.extra.get("bytes")
        size = size if isinstance(size, int) else int(record.params.get("mebibytes", 0)) * MEBIBYTE
        row = by_bytes.get(size)
        if row is None:
            continue
        record.extra = {
            **record.extra,
            "reference_busbw_gbs": row.busbw_gbs,
            "share_of_reference": round(record.metric.value / row.busbw_gbs, 4),
        }
