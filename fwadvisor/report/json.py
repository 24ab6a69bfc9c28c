"""The report as JSON: the Recommendation's own object and, with a run, its `profile` object (the run
used and every measurement in it, joined by the advice's view of it), built in this one place.

What reads a run is imported in the functions that read one: `recommend --format json` without a run
must not pay for the profiler's modules at start-up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NotRequired, TypedDict

import msgspec

from fwadvisor.advisor.engine import Recommendation
from fwadvisor.advisor.plain import plain_data
from fwadvisor.report.model import RunShown

if TYPE_CHECKING:
    from fwadvisor.profiler.benchmark_spec import Params
    from fwadvisor.profiler.documents import CaseKey, Details, Record, ResultStatus, RunDocument
    from fwadvisor.report.held_equal import HeldEqualData

# JSON escapes C0 controls itself; DEL and the C1 range (an 8-bit CSI, 0x9b) it writes as they are,
# which is valid JSON but would reach a terminal that shows the report. Inside a JSON text such a
# character can only stand in a string, where its \u escape means the same.
_RAW_IN_JSON = re.compile("[\x7f-\x9f]")


class MetricEntry(TypedDict):
    name: str
    value: float | None


class MeasurementEntry(TypedDict):
    """One record in the JSON report's `measurements`; the last five keys only where they apply."""

    benchmark: str
    framework: str
    dtype: str | None
    params: Params
    metric: MetricEntry
    rel_spread: float | None
    wide_spread: bool
    percent_of_peak: float | None
    correct: bool | None
    error: str | None
    skipped: str | None
    cancelled: bool
    status: str
    machine_busy: bool
    busy_reason: str | None
    usable: bool
    # msgspec.to_builtins of the record's RecordLoad, GpuTelemetry, Expected and curve points.
    # (None fields of the first two are left out; a min/max pair is a two-number list).
    load: NotRequired[dict[str, float | list[str]]]
    gpu_telemetry: NotRequired[dict[str, int | bool | list[float] | list[str]]]
    expected: NotRequired[dict[str, str | float]]
    curve: NotRequired[list[dict[str, float | None]]]
    extra: NotRequired[Details]
    # Why the framework has no path to the run's device (status "unsupported"); only on such a record.
    unsupported: NotRequired[str]


class ComparisonEntry(TypedDict):
    """One case in the JSON report's `comparisons`: documents.Comparison's fields, then its status."""

    benchmark: str
    dtype: str | None
    params: Params
    metric: str
    speed: float
    low: float | None
    high: float | None
    usable: bool
    status: str


class PairEntry(TypedDict):
    """One pair of frameworks on one case in the JSON report's `pairs` (profile_table.PairLead): `ahead`
    ran `ratio` (>= 1) times faster than `behind`, with its 95% interval (low, high) in that direction."""

    benchmark: str
    dtype: str | None
    params: Params
    metric: str
    ahead: str
    behind: str
    ratio: float
    low: float | None
    high: float | None
    within_noise: bool
    usable: bool
    status: str


class ProfileSummary(TypedDict):
    """The JSON report's `profile` object as the run gives it (the engine's view of it is added after)."""

    path: str | None
    created: str | None
    device: str
    machine: str | None
    this_machine: bool | None
    suite: str
    threads: int | None
    frameworks: dict[str, dict[str, str | None]]  # per profiler id: version, status, error
    measurements: list[MeasurementEntry]
    load: dict[str, dict[str, bool | str | float | list[str]]]  # per framework: documents.FrameworkLoad
    busy: list[str]
    comparisons: list[ComparisonEntry]
    held_equal: HeldEqualData | None
    # Only for a run holding cluster-suite records (report/cluster_table.py: its tables as data).
    cluster: NotRequired[dict[str, object]]
    # Only for a run of other frameworks than PyTorch and TensorFlow alone (JAX): every pair's lead per
    # case, pairs in frameworks.ALL order; `comparisons` stays PyTorch against TensorFlow.
    pairs: NotRequired[list[PairEntry]]


def json_text(data: object) -> str:
    """`data` as the JSON report writes it: indented, Unicode kept, no raw control character."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _RAW_IN_JSON.sub(lambda found: f"\\u{ord(found.group()):04x}", text) + "\n"


def render_json(rec: Recommendation, run: RunShown | None, *, width: int, replaced: Sequence[str]) -> str:
    """The JSON report (`width` is the terminal's: JSON has none). With `run`, the `profile` object is
    the run's summary, joined by the engine's view of it (its metrics, what was used, what it triggered)
    when the advice was given with these numbers."""
    profile = None
    if run is not None:
        engine_view = plain_data(rec.profile) if rec.profile is not None else {}
        profile = {**profile_summary(run.document, run.path), **engine_view}
    data = rec.to_dict(profile)
    if replaced:
        # Which rules the user's own rules replaced; absent when none did (the object is as it always was).
        data["replaced_rules"] = list(dict.fromkeys(replaced))
    return json_text(data)


def measurement(record: Record) -> MeasurementEntry:
    """One record as the JSON report lists it, with whether it counts as evidence."""
    from fwadvisor.advisor.cluster_evidence import CLUSTER_BENCHMARKS
    from fwadvisor.profiler.catalog import EXPORT_BENCHMARK
    from fwadvisor.profiler.documents import classify, usable_as_evidence
    from fwadvisor.report.practice import PRACTICE_MODELS
    from fwadvisor.safe_text import MESSAGE_CHARS, NAME_CHARS, clean, cut

    entry: MeasurementEntry = {
        "benchmark": record.benchmark,
        "framework": record.framework,
        "dtype": record.dtype,
        "params": record.params,
        "metric": {"name": record.metric.name, "value": record.metric.value},
        "rel_spread": record.rel_spread,
        "wide_spread": record.wide_spread,
        "percent_of_peak": record.percent_of_peak,
        "correct": record.correct,
        "error": record.error,
        "skipped": record.skipped,
        "cancelled": record.cancelled,
        # The one classification every table shows ("busy", "cancelled", ...), and what the machine did.
        "status": classify(record).value,
        "machine_busy": record.machine_busy,
        "busy_reason": record.busy_reason,
        "usable": usable_as_evidence(record),
    }
    if record.unsupported is not None:
        entry["unsupported"] = clean(cut(record.unsupported, MESSAGE_CHARS))
    if record.load is not None:
        entry["load"] = msgspec.to_builtins(record.load)
    if record.gpu_telemetry is not None:
        entry["gpu_telemetry"] = msgspec.to_builtins(record.gpu_telemetry)
    if record.expected is not None:
        entry["expected"] = msgspec.to_builtins(record.expected)
    if record.benchmark in PRACTICE_MODELS or record.curve:
        # Every point as recorded: the JSON report is the raw data for anyone's own plots.
        entry["curve"] = msgspec.to_builtins(record.curve)
    if record.benchmark == EXPORT_BENCHMARK:
        entry["extra"] = record.extra
    elif record.benchmark in CLUSTER_BENCHMARKS:
        # The cluster suite's details (sizes, launcher, backend, bucketing, scaling efficiency); its words
        # are the ranks' outside text: bounded, no control or invisible character, as a host name is.
        entry["extra"] = {k: clean(cut(v, NAME_CHARS)) if isinstance(v, str) else v for k, v in record.extra.items()}
    return entry


def comparisons(document: RunDocument) -> list[ComparisonEntry]:
    """PyTorch against TensorFlow per case, each with its `status`: ok, wide_spread or busy, the doubt of
    its most doubtful number (documents.ratio_status_of), which every table marks after the ratio."""
    from fwadvisor.profiler.documents import case_key, classify, ratio_status_of
    from fwadvisor.profiler.intervals import comparisons_for

    statuses: dict[CaseKey, list[ResultStatus]] = {}
    for record in document.results:
        statuses.setdefault(case_key(record.benchmark, record.dtype, record.params), []).append(classify(record))
    return [
        ComparisonEntry(
            benchmark=c.benchmark,
            dtype=c.dtype,
            params=c.params,
            metric=c.metric,
            speed=c.speed,
            low=c.low,
            high=c.high,
            usable=c.usable,
            status=ratio_status_of(statuses.get(c.key, ())).value,
        )
        for c in comparisons_for(document)
    ]


def pairs(document: RunDocument) -> list[PairEntry]:
    """Every pair of frameworks both with a comparable number, per case (profile_table.Row.pair_leads)."""
    from fwadvisor.profiler.documents import ResultStatus
    from fwadvisor.report.profile_table import rows

    out: list[PairEntry] = []
    for row in rows(document):
        for lead in row.pair_leads():
            status = row.pair_status(lead)
            sound = all(row.cells[fw].status is ResultStatus.OK for fw in (lead.ahead, lead.behind))
            out.append(
                PairEntry(
                    benchmark=row.benchmark,
                    dtype=row.dtype,
                    params=msgspec.json.decode(row.key.params),
                    metric=row.unit,
                    ahead=lead.ahead,
                    behind=lead.behind,
                    ratio=lead.ratio,
                    low=lead.interval[0] if lead.interval else None,
                    high=lead.interval[1] if lead.interval else None,
                    within_noise=lead.within_noise,
                    usable=sound,
                    status=status.value,
                )
            )
    return out


def profile_summary(document: RunDocument, path: Path | str | None) -> ProfileSummary:
    """What the JSON report carries about the run: where it came from and every measurement."""
    from fwadvisor.report.cluster_table import cluster_data
    from fwadvisor.report.columns import PAIR, shown_frameworks
    from fwadvisor.report.held_equal import held_equal
    from fwadvisor.report.machine import recorded_machine, run_is_from_this_machine
    from fwadvisor.report.profile_model import busy_sentences, framework_versions
    from fwadvisor.report.profile_table import device_label

    summary: ProfileSummary = {
        "path": str(path) if path else None,
        "created": document.created or None,
        "device": device_label(document),
        # Whose machine made the numbers: its recorded description, and whether it is this one (null: unknown).
        "machine": recorded_machine(document.environment).label,
        "this_machine": run_is_from_this_machine(document.environment),
        "suite": document.suite.name,
        "threads": document.suite.threads,
        "frameworks": msgspec.to_builtins(framework_versions(document)),
        "measurements": [measurement(r) for r in document.results],
        # Per framework, the machine's load around its run; and PyTorch against TensorFlow per case,
        # `speed` above 1 when PyTorch ran faster, with its 95% interval (low, high).
        "load": msgspec.to_builtins(document.load),
        "busy": busy_sentences(document),
        "comparisons": comparisons(document),
        # Per benchmark, what both frameworks shared and what differed by design; the pitfalls avoided.
        "held_equal": held.as_data() if (held := held_equal(document)) is not None else None,
    }
    if (cluster := cluster_data(document)) is not None:
        summary["cluster"] = cluster
    if shown_frameworks(document) != PAIR:
        summary["pairs"] = pairs(document)
    return summary
