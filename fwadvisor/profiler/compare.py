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
from typing import Any, Final

from fwadvisor.frameworks import display_name
from fwadvisor.profiler.catalog import LOWER_IS_BETTER
from fwadvisor.profiler.documents import (
    CaseKey,
    Record,
    ResultStatus,
    RunDocument,
    case_key,
    classify,
    ran_and_checked,
)
from fwadvisor.profiler.intervals import beyond_noise, change_interval
from fwadvisor.safe_text import excerpt

BEYOND: Final = "beyond the noise"
WITHIN: Final = "within the noise"
NO_INTERVAL: Final = "no interval (too few samples)"
RUNS: Final = ("first", "second")


def _key(record: Record) -> tuple[CaseKey, str]:
    """A record's place in a run: its case and its framework."""
    return case_key(record.benchmark, record.dtype, record.params), record.framework


def _mapping(value: Any) -> dict[str, Any]:
    """A section of a saved environment as a mapping; anything else (a hand-edited file) as empty."""
    return value if isinstance(value, dict) else {}


def _gpus(document: RunDocument) -> list[dict[str, Any]]:
    gpus = _mapping(document.environment.get("gpu")).get("gpus")
    return [_mapping(g) for g in gpus] if isinstance(gpus, list) else []


def _recorded(value: Any) -> bool:
    return value is not None and value != [] and value != {}


def _text(value: Any) -> str:
    """A saved value in a sentence: short, one line ("unknown" when the run did not record it)."""
    if not _recorded(value):
        return "unknown"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a power limit of 300.0 W reads as 300 W
    return excerpt(value, 60)


def _describe(document: RunDocument) -> dict[str, Any]:
    gpu = _mapping(document.environment.get("gpu"))
    return {
        "device": sorted({r.device for r in document.results if r.device != "unknown"}),
        "driver": gpu.get("driver"),
        "versions": {r.framework: r.framework_version for r in document.results if r.framework_version},
        "gpu": [g.get("name") for g in _gpus(document)],
        "threads": document.suite.threads,
    }


def _differs(label: str, first: Any, second: Any, unit: str = "") -> str:
    """One sentence: the runs differ in `label`, the second run's value first (it is the one compared)."""
    return (
        f"the runs used different {label}: the second run's was {_text(second)}{unit}, the first's {_text(first)}{unit}"
    )


def _known_and_different(first: Any, second: Any) -> bool:
    """Both runs recorded it and the records differ (a run that did not record it says nothing)."""
    return _recorded(first) and _recorded(second) and first != second


def _per_gpu(key: str) -> Callable[[RunDocument], list[Any] | None]:
    def read(document: RunDocument) -> list[Any] | None:
        values = [g.get(key) for g in _gpus(document)]
        return values if any(v is not None for v in values) else None

    return read


def _pcie(document: RunDocument) -> list[str] | None:
    links = [
        f"gen {g.get('pcie_generation')} x{g.get('pcie_width')}"
        for g in _gpus(document)
        if g.get("pcie_generation") is not None or g.get("pcie_width") is not None
    ]
    return links or None


# Set-up facts compared only when both runs recorded them: (what they are, how to read them, unit).
_SETUP: Final[list[tuple[str, Callable[[RunDocument], Any], str]]] = [
    ("CUDA driver versions", lambda d: _mapping(d.environment.get("gpu")).get("cuda_driver"), ""),
    ("GPU power limits", _per_gpu("power_limit_w"), " W"),
    ("PCIe links", _pcie, ""),
    # The CPU sets every CPU number and the launch overhead of GPU ones: a new CPU is a new baseline.
    ("CPU models", lambda d: _mapping(d.environment.get("cpu")).get("model"), ""),
    ("CPU frequency governors", lambda d: _mapping(d.environment.get("cpu")).get("governor"), ""),
]


def _build_warnings(first: RunDocument, second: RunDocument) -> list[str]:
    """Each framework's build (CUDA, cuDNN, ... as its worker reported them), where both runs have it."""
    warnings = []
    for framework in sorted(set(first.workers) & set(second.workers)):
        a, b = first.workers[framework].build, second.workers[framework].build
        changed = [key for key in sorted(set(a) & set(b)) if a[key] != b[key]]
        if changed:
            parts = "; ".join(
                f"{key} {_text(b[key])} in the second run, {_text(a[key])} in the first" for key in changed
            )
            warnings.append(f"the runs used different {display_name(framework)} builds: {parts}")
    return warnings


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


def like_for_like_warnings(first: RunDocument, second: RunDocument) -> list[str]:
    """Why the two runs are not like for like, one sentence per difference ([] when nothing differs)."""
    a, b = _describe(first), _describe(second)
    warnings = []
    if a["device"] != b["device"]:
        warnings.append(_differs("devices", a["device"], b["device"]))
    if a["gpu"] != b["gpu"]:
        warnings.append(_differs("GPUs", a["gpu"], b["gpu"]))
    if a["driver"] != b["driver"]:
        warnings.append(_differs("GPU drivers", a["driver"], b["driver"]))
    for label, read, unit in _SETUP:
        if _known_and_different(read(first), read(second)):
            warnings.append(_differs(label, read(first), read(second), unit))
    for framework in sorted(set(a["versions"]) | set(b["versions"])):
        old, new = a["versions"].get(framework), b["versions"].get(framework)
        if old != new:
            warnings.append(
                f"the runs used different framework versions: {display_name(framework)} {_text(new)} in the second "
                f"run, {_text(old)} in the first"
            )
    warnings += _build_warnings(first, second)
    if a["threads"] != b["threads"]:
        warnings.append(_differs("CPU thread counts", a["threads"], b["threads"]))
    warnings += _busy_warnings(first, second)
    return warnings


def _busy_note(record: Record, other: Record) -> str:
    """Which run's record was measured on a busy machine, in words ("" when neither was)."""
    runs = [run for run, r in zip(RUNS, (record, other), strict=True) if classify(r) is ResultStatus.BUSY]
    if not runs:
        return ""
    which = "both runs" if len(runs) == 2 else f"the {runs[0]} run"
    reasons = [r.busy_reason for r in (record, other) if r.machine_busy and r.busy_reason]
    return f"measured while other processes were busy in {which}" + (f" ({_text(reasons[0])})" if reasons else "")


def _row(record: Record, other: Record) -> dict[str, Any]:
    x, y = record.metric.value, other.metric.value
    usable = ran_and_checked(record) and ran_and_checked(other)  # steady or not: the ratio shows the move
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
    else:
        note = "failed or wrong in one run"
    return {
        "benchmark": record.benchmark,
        "framework": record.framework,
        "dtype": record.dtype,
        "params": record.params,
        "metric": record.metric.name,
        "first": x,
        "second": y,
        "ratio": ratio,
        "low": low,
        "high": high,
        "verdict": verdict,
        "busy": bool(_busy_note(record, other)),
        "note": note,
    }


def _case(record: Record) -> dict[str, Any]:
    return {
        "benchmark": record.benchmark,
        "framework": record.framework,
        "dtype": record.dtype,
        "params": record.params,
    }


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


def compare_documents(first: RunDocument, second: RunDocument) -> dict[str, Any]:
    """The rows of the cases both runs measured, the warnings, and the cases only one run measured
    (`only_first`, `only_second`: benchmark, framework, dtype and params each)."""
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
        if record.precision != other.precision and not flag_warned:
            warnings.append(
                f"precision flags differ ({record.benchmark} {record.framework}: "
                f"{record.precision} vs {other.precision})"
            )
            flag_warned = True
        rows.append(_row(record, other))
    return {"warnings": warnings, "rows": rows, "only_first": only_first, "only_second": only_second}
