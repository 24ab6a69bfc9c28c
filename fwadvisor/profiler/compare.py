"""Compare two profile runs benchmark by benchmark, warning where the runs are not like for like.

Each row carries the change (above 1: the second run did better) with its 95% interval
(intervals.change_interval) and a verdict: "beyond the noise" when the interval leaves out 1.0,
"within the noise" when it does not. The interval covers the noise within each run's samples only;
a record measured while other processes were busy moved for a reason no interval sees, so such a
row says so instead of giving a verdict. The warnings say, one sentence each, what differs between
the two machines or set-ups (driver, builds, power limit, PCIe link, governor, load ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import msgspec

from fwadvisor.frameworks import OPTIONAL_PROFILER_IDS, display_name
from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.catalog import LOWER_IS_BETTER
from fwadvisor.profiler.documents import (
    COMPARABLE,
    CaseKey,
    Record,
    ResultStatus,
    RunDocument,
    case_key,
    classify,
    ratio_status_of,
)
from fwadvisor.profiler.intervals import beyond_noise, change_interval
from fwadvisor.profiler.run_environment import GpuDevice
from fwadvisor.safe_text import excerpt

BEYOND: Final = "beyond the noise"
WITHIN: Final = "within the noise"
NO_INTERVAL: Final = "no interval (too few samples)"
RUNS: Final = ("first", "second")


class ComparedCase(msgspec.Struct, frozen=True, kw_only=True):
    """A case of one framework in a run: what `profile compare` pairs, and lists when one run lacks it."""

    benchmark: str
    framework: str
    dtype: str | None
    params: Params

    @property
    def key(self) -> tuple[CaseKey, str]:
        """Its case and its framework, as the records it stands for are told apart."""
        return case_key(self.benchmark, self.dtype, self.params), self.framework


class ComparisonRow(ComparedCase, frozen=True, kw_only=True):
    """One case of one framework in both runs: the two numbers and the change (second / first, turned so
    that above 1 is better) with its 95% interval and verdict, or `note` saying why there is none.

    `status` is the row's one classification: a change is as doubtful as its most doubtful number
    (ok, wide_spread or busy), marked as every other table marks a ratio; without a change, the
    status that stopped it (failed, wrong ...)."""

    metric: str
    first: float | None
    second: float | None
    ratio: float | None = None
    low: float | None = None
    high: float | None = None
    verdict: str | None = None
    busy: bool = False
    note: str = ""
    status: ResultStatus = ResultStatus.OK


class RunComparison(msgspec.Struct, frozen=True, kw_only=True):
    """Two runs compared: the rows of the cases both measured, why they are not like for like, and the
    cases only one run measured."""

    warnings: list[str]
    rows: list[ComparisonRow]
    only_first: list[ComparedCase]
    only_second: list[ComparedCase]


def _key(record: Record) -> tuple[CaseKey, str]:
    """A record's place in a run: its case and its framework."""
    return record.key, record.framework


def _recorded(value: object) -> bool:
    return value is not None and value != [] and value != {}


def _text(value: object) -> str:
    """A saved value in a sentence: short, one line ("unknown" when the run did not record it)."""
    if not _recorded(value):
        return "unknown"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a power limit of 300.0 W reads as 300 W
    return excerpt(value, 60)


@dataclass(frozen=True)
class _Setup:
    """What must match for two runs to be like for like (compared whether or not a run recorded it)."""

    devices: list[str]
    driver: str | None
    versions: dict[str, str]
    gpus: list[str | None]
    threads: int | None


def _setup(document: RunDocument) -> _Setup:
    return _Setup(
        devices=sorted({r.device for r in document.results if r.device != "unknown"}),
        driver=document.environment.gpu.driver,
        versions={r.framework: r.framework_version for r in document.results if r.framework_version},
        gpus=[g.name for g in document.environment.gpu.gpus],
        threads=document.suite.threads,
    )


@dataclass(frozen=True)
class SetupDifference:
    """One way two runs' set-ups differ: what differs, each run's value as text, and the sentence
    `profile compare` prints for it (a fleet report words the same facts per node)."""

    what: str  # "CPU thread counts", "PyTorch versions", "PyTorch builds"
    first: str
    second: str
    sentence: str


def _differs(label: str, first: object, second: object, unit: str = "") -> SetupDifference:
    """One difference in `label`, worded with the second run's value first (it is the one compared)."""
    a, b = f"{_text(first)}{unit}", f"{_text(second)}{unit}"
    return SetupDifference(label, a, b, f"the runs used different {label}: the second run's was {b}, the first's {a}")


def _known_and_different(first: object, second: object) -> bool:
    """Both runs recorded it and the records differ (a run that did not record it says nothing)."""
    return _recorded(first) and _recorded(second) and first != second


def _per_gpu(read: Callable[[GpuDevice], object]) -> Callable[[RunDocument], list[object] | None]:
    def per_gpu(document: RunDocument) -> list[object] | None:
        values = [read(g) for g in document.environment.gpu.gpus]
        return values if any(v is not None for v in values) else None

    return per_gpu


def _pcie(document: RunDocument) -> list[str] | None:
    links = [
        f"gen {g.pcie_generation} x{g.pcie_width}"
        for g in document.environment.gpu.gpus
        if g.pcie_generation is not None or g.pcie_width is not None
    ]
    return links or None


# Set-up facts compared only when both runs recorded them: (what they are, how to read them, unit).
_SETUP: Final[list[tuple[str, Callable[[RunDocument], object], str]]] = [
    ("CUDA driver versions", lambda d: d.environment.gpu.cuda_driver, ""),
    ("GPU power limits", _per_gpu(lambda g: g.power_limit_w), " W"),
    ("PCIe links", _pcie, ""),
    # The CPU sets every CPU number and the launch overhead of GPU ones: a new CPU is a new baseline.
    ("CPU models", lambda d: d.environment.cpu.model, ""),
    ("CPU frequency governors", lambda d: d.environment.cpu.governor, ""),
]


def _build_differences(first: RunDocument, second: RunDocument) -> list[SetupDifference]:
    """Each framework's build (CUDA, cuDNN, ... as its worker reported them), where both runs have it."""
    differences = []
    for framework in sorted(set(first.workers) & set(second.workers)):
        a, b = first.workers[framework].build, second.workers[framework].build
        changed = [key for key in sorted(set(a) & set(b)) if a[key] != b[key]]
        if changed:
            parts = "; ".join(
                f"{key} {_text(b[key])} in the second run, {_text(a[key])} in the first" for key in changed
            )
            differences.append(
                SetupDifference(
                    f"{display_name(framework)} builds",
                    "; ".join(f"{key} {_text(a[key])}" for key in changed),
                    "; ".join(f"{key} {_text(b[key])}" for key in changed),
                    f"the runs used different {display_name(framework)} builds: {parts}",
                )
            )
    return differences


def _busy_warnings(first: RunDocument, second: RunDocument) -> list[str]:
    """Whether either run was measured while other processes kept the machine busy, and how."""
    warnings = []
    for run, document in zip(RUNS, (first, second), strict=True):
        reasons = [
            load.reason or f"during the {display_name(fw)} run" for fw, load in document.load.items() if load.busy
        ]
        busy_records = sum(1 for r in document.results if r.machine_busy)
        if reasons or busy_records:
            why = "; ".join(_text(reason) for reason in reasons) or f"{busy_records} measurements marked busy"
            warnings.append(f"the {run} run was measured while other processes were busy ({why})")
    return warnings


def setup_differences(first: RunDocument, second: RunDocument) -> list[SetupDifference]:
    """How the two runs' software and settings differ, one entry per difference ([] when nothing does);
    whether either machine was busy is no set-up and is not among them."""
    a, b = _setup(first), _setup(second)
    differences = []
    if a.devices != b.devices:
        differences.append(_differs("devices", a.devices, b.devices))
    if a.gpus != b.gpus:
        differences.append(_differs("GPUs", a.gpus, b.gpus))
    if a.driver != b.driver:
        differences.append(_differs("GPU drivers", a.driver, b.driver))
    for label, read, unit in _SETUP:
        if _known_and_different(read(first), read(second)):
            differences.append(_differs(label, read(first), read(second), unit))
    for framework in sorted(set(a.versions) | set(b.versions)):
        old, new = _text(a.versions.get(framework)), _text(b.versions.get(framework))
        if framework in OPTIONAL_PROFILER_IDS and (framework in a.versions) != (framework in b.versions):
            # An optional framework (JAX) that ran in one run only is no version difference.
            run = "first" if framework in a.versions else "second"
            name = display_name(framework)
            differences.append(SetupDifference(f"{name} versions", old, new, f"{name} ran in the {run} run only"))
        elif old != new:
            name = display_name(framework)
            differences.append(
                SetupDifference(
                    f"{name} versions",
                    old,
                    new,
                    f"the runs used different framework versions: {name} {new} in the second run, {old} in the first",
                )
            )
    differences += _build_differences(first, second)
    if a.threads != b.threads:
        differences.append(_differs("CPU thread counts", a.threads, b.threads))
    return differences


def like_for_like_warnings(first: RunDocument, second: RunDocument) -> list[str]:
    """Why the two runs are not like for like, one sentence per difference ([] when nothing differs)."""
    return [difference.sentence for difference in setup_differences(first, second)] + _busy_warnings(first, second)


def _busy_note(record: Record, other: Record) -> str:
    """Which run's record was measured on a busy machine, in words ("" when neither was)."""
    runs = [run for run, r in zip(RUNS, (record, other), strict=True) if classify(r) is ResultStatus.BUSY]
    if not runs:
        return ""
    which = "both runs" if len(runs) == 2 else f"the {runs[0]} run"
    reasons = [r.busy_reason for r in (record, other) if r.machine_busy and r.busy_reason]
    return f"measured while other processes were busy in {which}" + (f" ({_text(reasons[0])})" if reasons else "")


def _row(record: Record, other: Record) -> ComparisonRow:
    x, y = record.metric.value, other.metric.value
    statuses = [classify(record), classify(other)]
    usable = all(status in COMPARABLE for status in statuses)  # steady or not: the ratio shows the move
    ratio = low = high = None
    verdict: str | None = None
    note = ""
    if usable and x and y:
        ratio = y / x
        if record.metric.name in LOWER_IS_BETTER:
            ratio = 1 / ratio
        change = change_interval(record, other)
        if change is not None:
            _, low, high = change
        note = _busy_note(record, other)
        if note:
            verdict = None  # the interval sees each run's own noise, not what the other processes did
        elif low is not None and high is not None:
            verdict = BEYOND if beyond_noise(low, high) else WITHIN
        else:
            note = NO_INTERVAL
    elif ResultStatus.UNSUPPORTED in statuses:  # a result of its own, never called a failure
        runs = [run for run, status in zip(RUNS, statuses, strict=True) if status is ResultStatus.UNSUPPORTED]
        note = "not supported here in " + ("both runs" if len(runs) == 2 else f"the {runs[0]} run")
    else:
        note = "failed or wrong in one run"
    stopped = [status for status in statuses if status not in COMPARABLE]
    return ComparisonRow(
        **msgspec.structs.asdict(_case(record)),
        metric=record.metric.name,
        first=x,
        second=y,
        ratio=ratio,
        low=low,
        high=high,
        verdict=verdict,
        busy=bool(_busy_note(record, other)),
        note=note,
        status=stopped[0] if ratio is None and stopped else ratio_status_of(statuses),
    )


def _case(record: Record) -> ComparedCase:
    return ComparedCase(
        benchmark=record.benchmark, framework=record.framework, dtype=record.dtype, params=record.params
    )


def _suites_warning(first: RunDocument, second: RunDocument, only_first: int, only_second: int) -> str:
    """Why some cases have no row: one sentence with the two suites and how many cases each run alone has."""
    a, b = first.suite.name, second.suite.name
    what = (
        f"the suites differ (the first run's was {_text(a)}, the second's {_text(b)})"
        if a != b
        else (f"the runs measured different cases of the suite {_text(a)}")
    )
    return (
        f"{what}: {only_first} case{'' if only_first == 1 else 's'} of the first run and {only_second} of the "
        "second were measured in one run only and are left out"
    )


def compare_documents(first: RunDocument, second: RunDocument) -> RunComparison:
    """The rows of the cases both runs measured, the warnings, and the cases only one run measured."""
    warnings = like_for_like_warnings(first, second)
    second_by_key = {_key(r): r for r in second.results}
    first_keys = {_key(r) for r in first.results}
    only_first = [_case(r) for r in first.results if _key(r) not in second_by_key]
    only_second = [_case(r) for r in second.results if _key(r) not in first_keys]
    if only_first or only_second:
        warnings.append(_suites_warning(first, second, len(only_first), len(only_second)))
    rows = []
    flag_warned = False
    for record in first.results:
        other = second_by_key.get(_key(record))
        if other is None:
            continue
        # A case "not supported here" ran nothing: it has no flags to differ.
        unsupported = ResultStatus.UNSUPPORTED in (classify(record), classify(other))
        if record.precision != other.precision and not flag_warned and not unsupported:
            warnings.append(
                f"precision flags differ ({record.benchmark} {record.framework}: "
                f"{record.precision} vs {other.precision})"
            )
            flag_warned = True
        rows.append(_row(record, other))
    return RunComparison(warnings=warnings, rows=rows, only_first=only_first, only_second=only_second)
