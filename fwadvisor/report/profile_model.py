"""Build the "Evidence from this machine" section (report.model) from a run: every fact, sentence and mark.

Headless like the rest of report/: it reads the typed run (profiler.documents) and never imports
a framework, numpy or textual.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from fwadvisor.advisor.cluster_evidence import is_cluster
from fwadvisor.frameworks import PROFILER_IDS, display_name, identity
from fwadvisor.profiler.catalog import EXPORT_BENCHMARK, LOWER_IS_BETTER
from fwadvisor.profiler.documents import STATUS_MARKS, ResultStatus, RunDocument, ran_and_checked, usable_as_evidence
from fwadvisor.profiler.expected import BELOW_USUALLY_MEANS
from fwadvisor.report import practice
from fwadvisor.report.cluster_table import cluster_section
from fwadvisor.report.columns import PAIR, and_list, legend, shown_frameworks, unsupported_notes
from fwadvisor.report.held_equal import held_equal
from fwadvisor.report.machine import recorded_machine, run_is_from_this_machine, setup_facts
from fwadvisor.report.model import (
    AheadTone,
    CurveChart,
    EvidenceSection,
    PracticeModel,
    RatioBar,
    RatioChart,
    SpeedLine,
    SpeedTable,
    Table,
    TrustNotes,
)
from fwadvisor.report.profile_table import MARKS_LEGEND, Cell, Row, device_label, problems, rows
from fwadvisor.safe_text import MESSAGE_CHARS, NAME_CHARS, clean, cut, excerpt, shown_name

if TYPE_CHECKING:  # only their types: the `profile` command builds sections without the engine
    from fwadvisor.advisor.engine import Blocker, Caveat, Reason, Recommendation

    # A rule the measured numbers fired, as the advice states it.
    Triggered = Reason | Caveat | Blocker

TITLE = "Evidence from this machine"
# A run made elsewhere (or one that does not say where) is never "this machine": it names its machine.
OTHER_MACHINE_TITLE = "Evidence from the machine the run was made on ({machine})"
UNNAMED_MACHINE = "the run does not record which"
# What a marked ratio's mark means, said after it where there is room (Row.ratio_status).
RATIO_DOUBT = {ResultStatus.WIDE_SPREAD: "(uncertain)", ResultStatus.BUSY: "(busy machine)"}
BUSY = ResultStatus.BUSY
TRIGGERED_TITLE = "What these numbers changed in the advice"
NO_TRIGGER = "No rule used these numbers: the advice rests on your answers alone."
# Why a framework's number cannot be compared, per status (a missing cell: "not run").
NOT_COMPARABLE = {
    **{status: status.value for status in (ResultStatus.FAILED, ResultStatus.SKIPPED, ResultStatus.CANCELLED)},
    ResultStatus.WRONG: "result wrong",
    ResultStatus.UNSUPPORTED: "not supported here",
}


class FrameworkRun(msgspec.Struct, frozen=True):
    """A framework in a run: the version that ran (or was found) and how its worker ended (None: no worker)."""

    version: str | None
    status: str | None
    error: str | None


def framework_versions(document: RunDocument) -> dict[str, FrameworkRun]:
    """Per framework profiler id, in the frameworks' order: what ran and how it ended."""
    env_fws = document.environment.frameworks
    seen = [fw for fw in PROFILER_IDS if fw in document.workers or fw in env_fws]
    seen += sorted(set(document.workers) - set(seen))
    out: dict[str, FrameworkRun] = {}
    for fw in seen:
        worker = document.workers.get(fw)
        found = env_fws.get(fw)
        version = (worker.framework_version if worker else None) or (found.version if found else None)
        if version is None:
            version = next(
                (r.framework_version for r in document.results if r.framework == fw and r.framework_version), None
            )
        # Outside text (the JSON report carries it too): bounded, never megabytes.
        out[fw] = FrameworkRun(
            cut(str(version), NAME_CHARS) if version is not None else None,
            worker.status if worker else None,
            cut(worker.error, MESSAGE_CHARS) if worker and worker.error is not None else None,
        )
    return out


def hardware_text(document: RunDocument) -> str:
    """The GPU that ran the numbers, or the CPU model and its cores."""
    device = device_label(document)
    threads = document.suite.threads
    if device.startswith("cuda") or document.suite.device == "cuda":
        return f"GPU {device}"
    cpu = document.environment.cpu
    model = cut(cpu.model or "unknown CPU model", NAME_CHARS)
    cores = cpu.physical_cores
    logical = cpu.logical_cores
    details = []
    if cores:
        details.append(f"{cores} cores" + (f", {logical} logical" if logical and logical != cores else ""))
    if threads:
        details.append(f"{threads} thread{'' if threads == 1 else 's'} used")
    return f"CPU {model}" + (f" ({'; '.join(details)})" if details else "")


def environment_lines(document: RunDocument, path: Path | str | None) -> list[str]:
    """One or two plain sentences: what hardware and which framework versions, which run."""
    versions = []
    for fw, info in framework_versions(document).items():
        text = f"{display_name(fw)} {info.version or '(version unknown)'}"
        if info.status not in (None, "ok"):
            text += f" ({str(info.status).replace('_', ' ')})"
        versions.append(text)
    first = f"Measured on {hardware_text(document)}"
    first += f", with {and_list(versions)}." if versions else "."
    # Names from the run document and the file's path are outside text: one line each, bounded.
    created = excerpt(document.created, NAME_CHARS) if document.created else "at an unknown time"
    second = f"Suite {excerpt(document.suite.name, NAME_CHARS)}, run {created}"
    second += f"; saved as {shown_name(path)}." if path else "."
    builds = {display_name(fw): worker.build for fw, worker in document.workers.items() if worker.build}
    facts = setup_facts(document.environment, builds)
    lines = [first, second] + ([f"Setup: {'; '.join(facts)}."] if facts else [])
    return lines + ([quiet] if (quiet := quiet_line(document)) else [])


def quiet_line(document: RunDocument) -> str:
    """One short line when the run's load was sampled and nothing was busy ("" otherwise, or for an old run)."""
    if not document.load or any(load.busy for load in document.load.values()) or busy_sentences(document):
        return ""
    most = [load.other_cpu_percent_max for load in document.load.values() if load.other_cpu_percent_max is not None]
    return "The machine was quiet while it ran" + (
        f" (other processes used at most {max(most):.0f}% of one CPU)." if most else "."
    )


def busy_sentences(document: RunDocument) -> list[str]:
    """Per framework whose run was busy, one sentence: what was busy and that its numbers are no evidence;
    then why that matters and what to do (load.busy_advice). First, when the machine was busy before the
    run and fwadvisor gave the frameworks fewer threads, that (SuiteInfo.threads_reason)."""
    suite = document.suite
    out = [clean(f"{suite.threads_reason[:1].upper()}{suite.threads_reason[1:]}.")] if suite.threads_reason else []
    for fw in [*PROFILER_IDS, *sorted({r.framework for r in document.results} - set(PROFILER_IDS))]:
        records = [r for r in document.results if r.framework == fw]
        busy = [r for r in records if ran_and_checked(r) and r.machine_busy]
        load = document.load.get(fw)
        if not busy and not (load and load.busy):
            continue
        name = identity(fw).name
        reason = (load.reason if load else None) or next((r.busy_reason for r in busy if r.busy_reason), None)
        reason = reason or f"other processes were busy during the {name} run"
        ran = sum(1 for r in records if ran_and_checked(r))
        if len(busy) in (0, ran):
            tail = "its numbers are not used as evidence"
        else:
            tail = f"the {len(busy)} of its {ran} numbers measured then are not used as evidence"
        out.append(clean(f"{STATUS_MARKS[BUSY]} {reason.rstrip('. ')}: {tail}."))
    if any(line.startswith(STATUS_MARKS[BUSY]) for line in out):
        from fwadvisor.profiler.load import busy_advice  # psutil: only when a run was busy

        out.append(clean(busy_advice(suite.threads, suite.threads_default)))
    return out


def gpu_lines(table_rows: list[Row], only_doubtful: bool = False) -> list[str]:
    """Per GPU record, its clocks, temperature and power while it ran, and whether its number is normal for the
    card. `only_doubtful`: just the throttled ones and the ones below their usual range (the terminal's)."""
    out = []
    for row in table_rows:
        for fw, c in row.cells.items():
            doubtful = c.throttled or (c.expected is not None and c.expected.verdict == "below")
            if not (c.gpu_state or c.expected) or (only_doubtful and not doubtful):
                continue
            facts = "; ".join(part for part in (c.gpu_state, _expected_sentence(c)) if part)
            label = " ".join(part for part in (row.benchmark, row.dtype) if part)
            out.append(clean(f"{label} ({row.params}), {identity(fw).name}: {facts}"))
    return out


def _expected_sentence(c: Cell) -> str:
    if c.expected is None or c.value is None:
        return ""
    return f"{c.value:.4g} {c.unit} is {c.expected_text}"


def any_below(table_rows: list[Row]) -> bool:
    return any(c.expected is not None and c.expected.verdict == "below" for r in table_rows for c in r.cells.values())


def section_title(document: RunDocument) -> str:
    """The section's title: "this machine" only when the run's recorded machine is this one; else whose it was."""
    if run_is_from_this_machine(document.environment):
        return TITLE
    return OTHER_MACHINE_TITLE.format(machine=recorded_machine(document.environment).label or UNNAMED_MACHINE)


def ahead_text(row: Row, short: bool = False, frameworks: Sequence[str] = PAIR) -> tuple[str, AheadTone]:
    """Who is ahead, and a tone: "ok", "wide" (a ratio of unsteady or busy-machine numbers) or "none".
    `short`: "≈" instead of "within the noise" (for a chart's narrow margin). With three frameworks one
    named pair per line, each with its own mark (the words of the doubt are the legend's)."""
    if row.three_way and (leads := row.pair_leads()):
        doubtful = any(row.pair_status(lead) is not ResultStatus.OK for lead in leads)
        return row.faster_text(short=True), "wide" if doubtful else "ok"  # "≈": three lines stay short
    if row.faster is not None:
        # faster_text ends in the ratio's mark (Row.ratio_mark); the words say it once more.
        words = RATIO_DOUBT.get(row.ratio_status)
        return (f"{row.faster_text(short)} {words}", "wide") if words else (row.faster_text(short), "ok")
    if not row.three_way and (leads := row.pair_leads()):  # two frameworks, not the advice's pair
        return row.faster_text(short), "ok" if row.pair_status(leads[0]) is ResultStatus.OK else "wide"
    return f"not comparable ({_why_not_comparable(row, frameworks)})", "none"


def _why_not_comparable(row: Row, frameworks: Sequence[str] = PAIR) -> str:
    for fw in frameworks:
        c = row.cells.get(fw)
        if c is None:
            return f"{identity(fw).name} not run"
        if c.status in NOT_COMPARABLE:
            return f"{identity(fw).name} {NOT_COMPARABLE[c.status]}"
    if row.unit == "x":
        return "each is a speed-up of its own"
    return "no numbers"


def cell_text(c: Cell | None) -> str:
    """A table cell in words as well as symbols, so a doubtful number never reads as a clean one."""
    if c is None:
        return "not run"
    words = {ResultStatus.WRONG: " wrong result", ResultStatus.WIDE_SPREAD: " unsteady", BUSY: " busy machine"}
    flags = words.get(c.status, "")
    flags += " throttled" if c.throttled else ""
    flags += " below usual" if c.expected is not None and c.expected.verdict == "below" else ""
    return c.text() + flags


def trigger_lines(triggered: Sequence[Triggered]) -> list[str]:
    """Each rule the numbers fired, as "rule (favours PyTorch): message" ("rule (TensorFlow): message"
    for a caveat or a blocker about one framework)."""
    out = []
    for item in triggered:
        favours = getattr(item, "favors", "")
        about = f"favours {display_name(favours)}" if favours else ""
        framework = getattr(item, "framework", None)
        if not about and framework:
            about = display_name(framework)
        head = (item.rule or "a rule") + (f" ({about})" if about else "")
        out.append(f"{head}: {item.message or ''}".rstrip(": "))
    return out


def _speed_line(row: Row, frameworks: Sequence[str] = PAIR) -> SpeedLine:
    ahead, tone = ahead_text(row, frameworks=frameworks)
    unit = row.unit + (" (lower is better)" if row.unit in LOWER_IS_BETTER else "")
    return SpeedLine(row, f"{row.benchmark} {row.dtype}".strip(), unit, ahead, tone)


def _ratio_charts(lines: list[SpeedLine], frameworks: Sequence[str]) -> list[RatioChart]:
    """One chart per pair of the frameworks shown, in ALL order: PyTorch-TensorFlow (the advice's pair)
    first when both are shown."""
    if tuple(frameworks) == PAIR or len(frameworks) < 2:
        return [_ratio_chart(lines)]
    charts = [_pair_chart(lines, left, right) for left, right in combinations(frameworks, 2)]
    # A pair with no bar at all (JAX not supported here) says so in the table's notes, not in an empty chart.
    return charts[:1] + [chart for chart in charts[1:] if any(bar.lead for bar in chart.bars)]


def _pair_chart(lines: list[SpeedLine], left: str, right: str) -> RatioChart:
    bars = []
    for line in lines:
        row = line.row
        lead = next((lead for lead in row.pair_leads() if lead.pair == (left, right)), None)
        if lead is None:
            text = f"not comparable ({_why_not_comparable(row, (left, right))})"
        else:
            words = RATIO_DOUBT.get(row.pair_status(lead))
            text = row.lead_text(lead, short=True) + (f" {words}" if words else "")
        bars.append(
            RatioBar(
                label=line.label,
                tooltip=f"{row.benchmark} {row.params}: {text}",
                text=text,
                lead=lead.ahead if lead else None,
                ratio=lead.ratio if lead else 1.0,
                uncertain=lead is not None and row.pair_status(lead) is not ResultStatus.OK,
            )
        )
    return RatioChart(bars, left, right)


def _ratio_chart(lines: list[SpeedLine]) -> RatioChart:
    bars = []
    for line in lines:
        lead = line.row.faster
        bars.append(
            RatioBar(
                label=line.label,
                tooltip=f"{line.row.benchmark} {line.row.params}: {line.ahead}",
                text=ahead_text(line.row, short=True)[0],
                lead=lead[0] if lead else None,
                ratio=lead[1] if lead else 1.0,
                uncertain=line.tone == "wide",
            )
        )
    return RatioChart(bars)


def _practice_model(document: RunDocument, model: str) -> PracticeModel:
    by_fw = practice.practice_records(document, model)
    curves = {fw: practice.curve_points(r) for fw, r in by_fw.items() if r.curve}
    label = practice.PRACTICE_MODELS[model]
    head, body = practice.curve_table(by_fw)
    return PracticeModel(
        model=model,
        label=label,
        chart=CurveChart(model, label, curves) if curves else None,
        curve_table=Table(head, body, frozenset(range(1, len(head)))),
        curve_note=practice.CURVE_NOTE,
        summary=practice.accuracy_summary(by_fw),
        troubles=[(identity(fw).name, t) for fw, r in by_fw.items() if (t := practice.record_trouble(r))],
        finding=practice.finding_text(model, by_fw),
    )


def build_evidence(
    document: RunDocument, path: Path | str | None, triggered: Sequence[Triggered] | None = None
) -> EvidenceSection:
    """The section for a run. `triggered`: the rules its numbers fired (None: the advice did not use them)."""
    # The cluster suite's records have a section of their own (scaling tables, all-reduce sizes).
    speed_rows = rows(r for r in document.results if not practice.is_practice(r) and not is_cluster(r))
    frameworks = shown_frameworks(document)
    lines = [_speed_line(row, frameworks) for row in speed_rows]
    notes = [clean(note) for note in unsupported_notes(speed_rows)]
    charts = _ratio_charts(lines, frameworks) if lines else []
    with_peak = any(c.percent_of_peak is not None for r in speed_rows for c in r.cells.values())
    # A practice-only run has no speeds, and says nothing about their absence.
    cluster = cluster_section(document, legend="" if lines else MARKS_LEGEND)
    speed = (
        SpeedTable(lines, with_peak, legend(frameworks, speed_rows), frameworks, notes)
        if lines or not (practice.has_practice(document) or cluster is not None)
        else None
    )
    exports = practice.practice_records(document, EXPORT_BENCHMARK)
    return EvidenceSection(
        title=section_title(document),
        environment=environment_lines(document, path),
        usable=sum(1 for r in document.results if usable_as_evidence(r)),
        total=len(document.results),
        speed=speed,
        chart=charts[0] if charts else None,
        pair_charts=charts[1:],
        practice=[_practice_model(document, model) for model in practice.practice_models(document)],
        exports=(
            Table(
                practice.EXPORT_HEAD,
                [practice.export_cells(r) for r in exports.values()],
                practice.EXPORT_NUMERIC,
            )
            if exports
            else None
        ),
        triggered_title=TRIGGERED_TITLE,
        triggered=trigger_lines(triggered) if triggered is not None else None,
        no_trigger=NO_TRIGGER,
        problems=problems(document),
        trust=TrustNotes(
            busy=busy_sentences(document),
            gpu=gpu_lines(speed_rows),
            below=BELOW_USUALLY_MEANS if any_below(speed_rows) else "",
        ),
        held=held_equal(document),
        cluster=cluster,
    )


def triggered_rules(rec: Recommendation) -> list[Triggered] | None:
    """The reasons, caveats and blockers whose rules the measured numbers triggered (None: no profile used)."""
    if rec.profile is None:
        return None
    ids = {t.rule for t in rec.profile.triggered}
    return [item for items in (rec.reasons, rec.caveats, rec.blockers) for item in items if item.rule in ids]


def evidence_for(rec: Recommendation, document: RunDocument, path: Path | str | None) -> EvidenceSection:
    """The section as it stands in the report of `rec`: with the rules its numbers triggered."""
    return build_evidence(document, path, triggered_rules(rec))
