"""`fwadvisor profile merge RUN...`: many nodes' saved runs merged into one fleet report.

Each node is one saved run, labelled by its fleet file's stem (`fleet-<stamp>/<label>.json`, as the
launchers save them) or else by the host name the run recorded; two runs with one label keep both,
the second suffixed, and a warning says so. Every case of every framework gets a row per node, and
the fleet's median, spread and straggler from the nodes whose number counts (model.FleetCase). The
warnings say what makes the nodes not like for like, with the same checks as `profile compare`
(profiler/compare.setup_differences), each node against the set-up most nodes share.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from fwadvisor.errors import InputError
from fwadvisor.fleet.model import FleetCase, FleetNode, FleetReport, NodeValue
from fwadvisor.frameworks import display_name
from fwadvisor.profiler.catalog import LOWER_IS_BETTER
from fwadvisor.profiler.compare import setup_differences
from fwadvisor.profiler.documents import (
    COMPARABLE,
    CaseKey,
    Record,
    ResultStatus,
    RunDocument,
    classify,
)
from fwadvisor.profiler.run_file import load_run
from fwadvisor.safe_text import MESSAGE_CHARS, NAME_CHARS, excerpt

# A folder the launchers save a fleet's runs in: `fleet-<UTC stamp>/<label>.json`.
FLEET_FOLDER_PREFIX: Final = "fleet-"
# Statuses that count as a failed record for the exit code (a skip or a cancel is no failure).
FAILED_STATUSES: Final = frozenset({ResultStatus.FAILED, ResultStatus.WRONG})
# Cases only some nodes ran are named in one warning up to this many; each case's row lists them all.
PARTIAL_CASES_NAMED: Final = 5

Run = tuple[str, RunDocument]


def run_files(paths: Iterable[Path | str]) -> list[Path]:
    """The run files the arguments name: a file as it is, a folder (a fleet folder) as its `*.json`
    files in name order. A folder without one is bad input."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.json") if not p.name.startswith("."))
            if not found:
                raise InputError("this folder holds no saved run (*.json) to merge", file=path)
            files += found
        else:
            files.append(path)
    return files


def label_of(path: Path, document: RunDocument | None) -> str:
    """A node's label: its file's stem in a fleet folder (the launcher named it), else the host name
    the run recorded, else the file's stem."""
    if path.parent.name.startswith(FLEET_FOLDER_PREFIX) or document is None:
        return _shown(path.stem)
    return _shown(document.environment.hostname or path.stem)


def load_runs(paths: Iterable[Path | str]) -> list[Run]:
    """Every run the paths name, read and validated as `profile compare` reads runs, with its label.
    The first file that cannot be read, is not a run or has the wrong schema raises InputError
    (one message naming the file; the CLI's exit 2)."""
    runs = []
    for path in run_files(paths):
        document = load_run(path)
        runs.append((label_of(path, document), document))
    return runs


def load_runs_leniently(paths: Iterable[Path | str]) -> tuple[list[Run], list[str], list[FleetNode]]:
    """Like load_runs, but a file that cannot be read is a missing node (with the one message saying
    why), and the rest still merge: the runs, their files, and the missing nodes."""
    runs: list[Run] = []
    sources: list[str] = []
    missing: list[FleetNode] = []
    for path in run_files(paths):
        try:
            document = load_run(path)
        except InputError as problem:
            missing.append(missing_node(label_of(path, None), str(problem), source=str(path)))
            continue
        runs.append((label_of(path, document), document))
        sources.append(str(path))
    return runs, sources, missing


def missing_node(label: str, reason: str, source: str = "") -> FleetNode:
    """A node that has no run to merge (its file could not be read, its host failed), and why."""
    return FleetNode(label=_shown(label), source=source, missing=True, missing_reason=excerpt(reason, MESSAGE_CHARS))


def merge_runs(runs: Sequence[Run], *, sources: Sequence[str] = (), missing: Sequence[FleetNode] = ()) -> FleetReport:
    """One fleet report from (label, run) pairs; `sources` names each run's file where known, and
    `missing` the nodes that have no run (they are listed and warned about, the rest merge)."""
    warnings: list[str] = []
    labels = _unique_labels([label for label, _ in runs], [m.label for m in missing], warnings)
    documents = [document for _, document in runs]
    nodes = [
        _node(label, document, sources[i] if i < len(sources) else "")
        for i, (label, document) in enumerate(zip(labels, documents, strict=True))
    ]
    for node in missing:
        warnings.append(f"{node.label} is missing: {node.missing_reason or 'no run came back'}")
    warnings += _same_host_warnings(labels, documents)
    warnings += _setup_warnings(labels, documents)
    warnings += _suite_warnings(labels, documents)
    cases = _cases(labels, documents)
    warnings += _partial_case_warnings(cases)
    for node in nodes:
        if node.busy:
            warnings.append(f"{node.label} was measured while other processes were busy ({node.busy_reason})")
    return FleetReport(nodes=nodes + list(missing), cases=cases, warnings=warnings)


def _shown(text: object) -> str:
    """A label or host name as every report shows it: one clean line, cut at NAME_CHARS."""
    return excerpt(text, NAME_CHARS) or "(no name)"


def _unique_labels(labels: list[str], taken: list[str], warnings: list[str]) -> list[str]:
    """The labels, a repeated one suffixed (`host-2`, `host-3` ...), each repeat warned about."""
    seen = Counter(taken)
    unique = []
    for label in labels:
        label = _shown(label)
        shown = label
        while seen[shown]:
            shown = f"{label}-{seen[label] + 1}"
            seen[label] += 1
        seen[shown] += 1
        if shown != label:
            warnings.append(
                f"two runs have the label {label} (the same host name, or one run given twice): "
                f"the later one is shown as {shown}"
            )
        unique.append(shown)
    return unique


def _node(label: str, document: RunDocument, source: str) -> FleetNode:
    busy_reasons = [
        load.reason or f"during the {display_name(fw)} run" for fw, load in document.load.items() if load.busy
    ]
    busy_records = sum(1 for r in document.results if r.machine_busy)
    busy = bool(busy_reasons or busy_records)
    return FleetNode(
        label=label,
        source=source,
        hostname=_shown(document.environment.hostname) if document.environment.hostname else None,
        suite=_shown(document.suite.name),
        device=_shown(document.suite.device),
        created=_shown(document.created) if document.created else None,
        busy=busy,
        busy_reason=(
            excerpt("; ".join(busy_reasons), MESSAGE_CHARS)
            or f"{busy_records} measurement{'' if busy_records == 1 else 's'} marked busy"
            if busy
            else None
        ),
        failed_records=sum(1 for r in document.results if classify(r) in FAILED_STATUSES),
    )


def _same_host_warnings(labels: list[str], documents: list[RunDocument]) -> list[str]:
    """Nodes with different labels whose runs name one host: one machine measured twice, perhaps."""
    by_host: dict[str, list[str]] = {}
    for label, document in zip(labels, documents, strict=True):
        if document.environment.hostname:
            by_host.setdefault(_shown(document.environment.hostname), []).append(label)
    return [
        f"{', '.join(named)} ran on one host name, {host}: the same machine may be counted more than once"
        for host, named in by_host.items()
        if len(named) > 1
    ]


def _setup_warnings(labels: list[str], documents: list[RunDocument]) -> list[str]:
    """Each node whose software or settings differ from the set-up most nodes share, one sentence a
    difference. The reference is the node that matches the most others (the first of a tie)."""
    if len(documents) < 2:
        return []
    matches = [
        sum(1 for j, other in enumerate(documents) if j != i and not setup_differences(document, other))
        for i, document in enumerate(documents)
    ]
    reference = max(range(len(documents)), key=lambda i: (matches[i], -i))
    shared = (
        f"the set-up {matches[reference] + 1} of {len(documents)} nodes share"
        if matches[reference]
        else "no two nodes share a set-up; compared with the first node"
    )
    ref_label = labels[reference]
    warnings = []
    for label, document in zip(labels, documents, strict=True):
        if label == ref_label:
            continue
        for difference in setup_differences(documents[reference], document):
            warnings.append(
                f"{label} differs from {ref_label} ({shared}) in {difference.what}: "
                f"{difference.second} on {label}, {difference.first} on {ref_label}"
            )
    return warnings


def _suite_warnings(labels: list[str], documents: list[RunDocument]) -> list[str]:
    by_suite: dict[str, list[str]] = {}
    for label, document in zip(labels, documents, strict=True):
        by_suite.setdefault(_shown(document.suite.name), []).append(label)
    if len(by_suite) < 2:
        return []
    ran = "; ".join(f"{suite} on {', '.join(named)}" for suite, named in by_suite.items())
    return [f"the nodes ran different suites ({ran}): only cases the nodes share are like for like"]


def _partial_case_warnings(cases: list[FleetCase]) -> list[str]:
    partial = [case for case in cases if case.not_run_on]
    if not partial:
        return []
    named = ", ".join(
        f"{case.benchmark} {display_name(case.framework)} (not on {', '.join(case.not_run_on)})"
        for case in partial[:PARTIAL_CASES_NAMED]
    )
    more = f" and {len(partial) - PARTIAL_CASES_NAMED} more" if len(partial) > PARTIAL_CASES_NAMED else ""
    return [f"{len(partial)} case{'' if len(partial) == 1 else 's'} ran on some nodes only: {named}{more}"]


def _cases(labels: list[str], documents: list[RunDocument]) -> list[FleetCase]:
    """Every case of every framework, in the order the nodes first ran them, one value per node."""
    by_key: dict[tuple[CaseKey, str], dict[str, Record]] = {}
    for label, document in zip(labels, documents, strict=True):
        for record in document.results:
            # A run holds one record per case and framework; a second one (a hand-edited file) is left out.
            by_key.setdefault((record.key, record.framework), {}).setdefault(label, record)
    return [_case(records, labels) for records in by_key.values()]


def _case(records: dict[str, Record], labels: list[str]) -> FleetCase:
    first = next(iter(records.values()))
    lower_is_better = first.metric.name in LOWER_IS_BETTER
    values = [_value(label, record) for label, record in records.items()]
    counted = [v for v in values if v.status in COMPARABLE - {ResultStatus.BUSY} and v.value is not None]
    case = FleetCase(
        benchmark=first.benchmark,
        framework=first.framework,
        dtype=first.dtype,
        params=first.params,
        metric=first.metric.name,
        lower_is_better=lower_is_better,
        nodes=sorted(values, key=lambda v: labels.index(v.node)),
        not_run_on=[label for label in labels if label not in records],
        counted=len(counted),
    )
    if not counted:
        return case
    numbers = [v.value for v in counted if v.value is not None]
    median = statistics.median(numbers)
    pick = max if lower_is_better else min
    straggler = pick(counted, key=lambda v: v.value or 0.0)
    slowest = straggler.value or 0.0
    case.median, case.low, case.high = median, min(numbers), max(numbers)
    case.straggler, case.straggler_value = straggler.node, slowest
    if median > 0 and slowest > 0:
        case.straggler_slowdown = slowest / median if lower_is_better else median / slowest
    return case


def _value(label: str, record: Record) -> NodeValue:
    status = classify(record)
    note = None
    if record.error is not None:
        note = record.error
    elif record.skipped is not None:
        note = record.skipped
    elif record.machine_busy:
        note = record.busy_reason or "measured while other processes were busy"
    return NodeValue(
        node=label,
        value=record.metric.value,
        status=status,
        busy=record.machine_busy,
        expected=record.expected.verdict if record.expected else None,
        note=excerpt(note, MESSAGE_CHARS) if note else None,
    )
