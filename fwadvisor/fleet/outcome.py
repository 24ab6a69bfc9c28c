"""What came back from one node, and where the fleet's runs are saved (`runs/fleet-<UTC stamp>/`).

Every launcher (ssh, Slurm) ends each node with a `NodeOutcome`: the run it sent back, checked as a
run document, or why there is none. The runs are saved as `<label>.json`, atomically, in a folder of
their own, so that `fwadvisor profile merge` (and the fleet report) reads the label from the name.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import msgspec

from fwadvisor.atomic import WriteError, write_atomic
from fwadvisor.errors import InputError
from fwadvisor.paths import runs_dir
from fwadvisor.profiler.documents import RunDocument
from fwadvisor.profiler.run_file import MAX_RUN_BYTES, run_from_data
from fwadvisor.safe_text import MESSAGE_CHARS, excerpt, one_line

Status = Literal["ok", "failed", "timed out", "cancelled"]


@dataclass
class NodeOutcome:
    label: str
    status: Status
    seconds: float
    why: str | None = None  # for a node without a usable run: what went wrong, in words
    document: RunDocument | None = None
    saved: Path | None = None

    @property
    def passed(self) -> bool:
        """The node ran and every benchmark of its run ran and checked out."""
        from fwadvisor.profiler.session import run_failed  # the runner behind it is slow to import

        return self.status == "ok" and self.document is not None and not run_failed(self.document)


def read_sent_run(raw: bytes, source: str) -> RunDocument:
    """The run a node sent back, checked as a saved run is; an InputError says what is wrong with it."""
    if not raw.strip():
        raise InputError("it sent back no run", file=source)
    if len(raw) > MAX_RUN_BYTES:
        raise InputError(f"it sent back {len(raw):,} bytes, more than a run can be ({MAX_RUN_BYTES:,})", file=source)
    try:
        data = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise InputError(f"what it sent back is not JSON: {excerpt(exc, 200)}", file=source) from None
    return run_from_data(data, source)


def last_line(text: str | bytes) -> str:
    """The last non-empty line of a node's stderr, as data: one line, cleaned and cut."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    return excerpt(one_line(lines[-1]), MESSAGE_CHARS) if lines else ""


def utc_stamp(now: dt.datetime | None = None) -> str:
    """`20261207T174448Z`: the moment in a file or object name (sorts by time)."""
    return (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")


def new_fleet_folder(base: Path | None = None, now: dt.datetime | None = None) -> Path:
    """A new, empty `fleet-<UTC stamp>` folder in the runs folder (`fleet-<stamp>.002` when a fleet run
    started in the same second already took the name)."""
    base = runs_dir() if base is None else base
    stamp = utc_stamp(now)
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteError(base, exc.strerror or str(exc), refused=False, code=exc.errno) from None
    for number in range(1, 1000):
        folder = base / (f"fleet-{stamp}" if number == 1 else f"fleet-{stamp}.{number:03d}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
        except OSError as exc:
            raise WriteError(folder, exc.strerror or str(exc), refused=False, code=exc.errno) from None
    raise WriteError(base / f"fleet-{stamp}", "999 fleet folders of that second already exist", refused=False)


def save_node_run(folder: Path, label: str, raw: bytes) -> Path:
    """The run exactly as the node sent it (already checked), as `<label>.json`, written atomically."""
    path = folder / f"{label}.json"
    write_atomic(path, raw)
    return path


def unique_label(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3` ... when another node has it already (two Slurm jobs on one node)."""
    label, number = wanted, 1
    while label in taken:
        number += 1
        label = f"{wanted}-{number}"
    taken.add(label)
    return label


def describe(outcome: NodeOutcome) -> str:
    """One line for a finished node: how it went and why, in words (outside text cleaned)."""
    took = f"{outcome.seconds:.1f} s"
    if outcome.status == "ok" and outcome.document is not None:
        count = len(outcome.document.results)
        cases = f"{count} result{'s' if count != 1 else ''}"
        if outcome.passed:
            return f"ok ({cases}, {took})"
        problem = (
            "cancelled on the node" if outcome.document.cancelled else "some benchmarks failed or did not check out"
        )
        return f"ran, but {problem} ({cases}, {took})"
    return f"{outcome.status} after {took}: {one_line(outcome.why or 'no reason given')}"


def relative_to_runs(path: Path) -> str:
    """A saved path as the lines show it: from the runs folder down when it is inside."""
    try:
        return os.path.relpath(path, runs_dir()) if path.is_relative_to(runs_dir()) else str(path)
    except ValueError:
        return str(path)
