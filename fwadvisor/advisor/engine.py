"""Turn answers (and measured metrics) into a Recommendation with reasons, blockers and what-ifs."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from fwadvisor.advisor.conditions import matches, referenced
from fwadvisor.advisor.facts import (
    Overtaken,
    ReleaseCheck,
    ages_of,
    all_facts,
    facts_behind,
    overtaken,
    release_claims_of,
)
from fwadvisor.advisor.library_rules import library_factors
from fwadvisor.advisor.loader import RuleSet
from fwadvisor.advisor.model import (
    FRAMEWORKS,
    AnswerValue,
    Evidence,
    Guidance,
    Misconception,
    NextStep,
    Outlook,
    Questionnaire,
    Rule,
)
from fwadvisor.advisor.plain import plain_data
from fwadvisor.advisor.questionnaire import Answers, load_questionnaire
from fwadvisor.advisor.scoring import area_multipliers, decide, points_text, summary_sentence, tally
from fwadvisor.advisor.whatif import WhatIf, WhatIfs, WhatItTakes, what_if
from fwadvisor.frameworks import ALL as ALL_FRAMEWORKS
from fwadvisor.parsecache import load_validated
from fwadvisor.paths import builtin_rules_dir
from fwadvisor.validation import convert_or_explain
from fwadvisor.yamlio import load_yaml

if TYPE_CHECKING:  # a profile run is optional: its module is imported by whoever reads one
    from fwadvisor.advisor.evidence import ProfileEvidence, ProfileUse

SCHEMA_VERSION = 1


class EvidenceRef(msgspec.Struct, frozen=True):
    """Where a rule's fact comes from, when it was checked, and how strong it is."""

    source: str
    checked: str  # YYYY-MM-DD
    strength: Literal["H", "M", "L"]  # H: primary source quoted; M: secondary or indirect; L: weak


class Reason(msgspec.Struct, frozen=True):
    """A fired rule's points for one framework, after the priorities' multipliers."""

    rule: str
    area: str
    favors: str
    weight: float
    base_weight: float
    message: str
    evidence: list[EvidenceRef]


class Caveat(msgspec.Struct, frozen=True):
    """A fired rule's warning: no points, something to know before choosing."""

    rule: str
    area: str
    framework: str | None
    message: str
    evidence: list[EvidenceRef]


class Blocker(msgspec.Struct, frozen=True):
    """A fired rule that rules one framework out for the project, whatever the scores."""

    rule: str
    area: str
    framework: str
    message: str
    evidence: list[EvidenceRef]


class Alternative(msgspec.Struct, frozen=True):
    rule: str
    option: str
    when: str  # when this path fits
    message: str
    evidence: list[EvidenceRef]


class PlanPart(msgspec.Struct, frozen=True):
    """One framework's part of a split plan: what it covers and why."""

    framework: str
    covers: str
    why: str


class Plan(msgspec.Struct, frozen=True):
    """A split of the project between the frameworks, from one plan rule."""

    rule: str
    message: str  # how the parts meet
    evidence: list[EvidenceRef]


class FactDates(msgspec.Struct, frozen=True):
    """The check dates of the facts behind the rules that fired, and the date their ages count from."""

    oldest: str
    newest: str
    facts: int
    as_of: str = ""  # today, as fwadvisor saw it (SOURCE_DATE_EPOCH fixes it)
    oldest_age_days: int = 0


class LibraryRow(msgspec.Struct, frozen=True):
    """One of the project's libraries and what the knowledge base says of it."""

    id: str
    name: str
    frameworks: list[str]  # supported today
    dropped: dict[str, str]  # framework -> the date it was dropped
    status: str
    status_since: str | None
    replacement: str
    share: float | None  # the share of the project's files importing it (a scan), None when answered


class ProjectAnswer(msgspec.Struct, frozen=True):
    """An answer `--project` took from the project folder, with what shows it."""

    question: str
    value: str | list[str]
    why: str
    evidence: list[str]  # "path:line: the line"


class PriorityEffect(msgspec.Struct, frozen=True):
    selected: list[str]
    area_multipliers: dict[str, float]


@dataclasses.dataclass  # a dataclass, not a Struct: recommend() fills the libraries and releases in after
class Recommendation:
    schema_version: int
    recommendation: str
    confidence: str
    margin: float
    scores: dict[str, float]
    summary: str
    reasons: list[Reason]
    caveats: list[Caveat]
    blockers: list[Blocker]
    what_if: list[WhatIf]
    priorities: PriorityEffect
    answers: dict[str, AnswerValue]
    next_steps: list[NextStep]
    outlook: dict[str, Outlook]
    misconceptions: list[Misconception]
    rules_used: int
    alternatives: list[Alternative] = dataclasses.field(default_factory=list)
    plan: list[PlanPart] = dataclasses.field(default_factory=list)
    plan_rule: Plan | None = None
    facts_checked: FactDates | None = None
    profile: ProfileUse | None = None  # the profile run the advice used, and what its numbers did
    # Releases newer than those the facts name, from the last `fwadvisor facts --online` (if any).
    newer_releases: list[Overtaken] = dataclasses.field(default_factory=list)
    releases_checked: str | None = None  # when that online check ran (ISO UTC)
    # The project's key libraries (answered, or found by a scan) with their framework support.
    libraries: list[LibraryRow] = dataclasses.field(default_factory=list)
    # Answers `recommend --project` inferred from the project folder (the person's own answers win).
    inferred: list[ProjectAnswer] = dataclasses.field(default_factory=list)
    # For a verdict for one framework: the single changes that move it towards the other without
    # changing it, the biggest first (the ones that change it are in what_if) ...
    movers: list[WhatIf] = dataclasses.field(default_factory=list)
    # ... and, when no single change gives the other framework, several that together would.
    what_it_takes: WhatItTakes | None = None

    def to_dict(self, profile: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON object of `recommend --format json` (schema_version 1). `profile`: the JSON report's
        object for the run (its every measurement, with this advice's view of it), in the field's place."""
        data = plain_data(self)
        if profile is None:
            return data
        fields = [f.name for f in dataclasses.fields(self)]
        keys = sorted({*data, "profile"}, key=fields.index)
        return {key: profile if key == "profile" else data[key] for key in keys}


def evidence_refs(evidence: list[Evidence]) -> list[EvidenceRef]:
    return [EvidenceRef(e.source, e.checked.isoformat(), e.strength) for e in evidence]


@cache
def load_guidance(path: Path | None = None) -> Guidance:
    path = path or builtin_rules_dir() / "guidance.yaml"
    return load_validated(
        path, Guidance, lambda p: convert_or_explain(load_yaml(p, "guidance file"), Guidance, p, "guidance file")
    )


def _message(rule: Rule, context: Mapping[str, Any]) -> str:
    """A rule's message; a rule on measurements quotes them through {placeholders}, and a rule's
    `measured` sentence follows when the run measured everything it names."""
    text = " ".join(rule.message.split())
    if referenced(rule.when)[1]:
        try:
            text = text.format_map(context).rstrip()  # a text such as device_caution may be empty
        except (KeyError, ValueError, IndexError):
            pass  # a number the message names was not measured: say the fact without it
    if rule.measured:
        try:
            text = f"{text} {' '.join(rule.measured.split()).format_map(context)}".rstrip()
        except (KeyError, ValueError, IndexError):
            pass  # no run, or it did not measure what the sentence cites: the rule's own words stand
    return text


def recommend(
    answers: Answers,
    ruleset: RuleSet,
    metrics: Mapping[str, float] | None = None,
    questionnaire: Questionnaire | None = None,
    *,
    with_what_if: bool = True,
    evidence: ProfileEvidence | None = None,
    release_check: ReleaseCheck | None = None,
    library_shares: Mapping[str, float] | None = None,
) -> Recommendation:
    """The advice for `answers`; with `evidence` (a profile run) its metrics feed the rules too, and
    with `release_check` (the last online check) it names the newer releases its facts do not know.
    `library_shares` (from a project scan: library id -> share of the files importing it) scales each
    key library's reason by how central the library is; without it, every key library counts fully."""
    questionnaire = questionnaire or load_questionnaire()
    if evidence is not None:
        metrics = {**evidence.metrics, **(metrics or {})}
    metrics = metrics or {}
    context = evidence.message_context() if evidence is not None else dict(metrics)
    multipliers = area_multipliers(answers, questionnaire)
    rules = [entry.rule for entry in ruleset.rules]
    fired_flags = [matches(rule.when, answers, metrics) for rule in rules]
    factors = library_factors(library_shares) if library_shares else {}
    scores, blocked, past_capped = tally(rules, fired_flags, multipliers, factors)
    verdict, confidence, margin = decide(scores, blocked)
    fired = [rule for rule, did_fire in zip(rules, fired_flags, strict=True) if did_fire]

    reasons = [
        Reason(
            r.id,
            r.area,
            r.framework or "",
            round(r.weight * multipliers.get(r.area, 1.0) * factors.get(r.id, 1.0), 2),
            r.weight,
            _message(r, context),
            evidence_refs(r.evidence),
        )
        for r in fired
        if r.effect == "favor"
    ]
    reasons.sort(key=lambda x: (-x.weight, x.rule))
    caveats = [
        Caveat(r.id, r.area, r.framework, _message(r, context), evidence_refs(r.evidence))
        for r in fired
        if r.effect == "caveat"
    ]
    caveats += [_past_capped_caveat(framework, points, fired) for framework, points in past_capped.items()]
    blockers = [
        Blocker(r.id, r.area, r.framework or "", _message(r, context), evidence_refs(r.evidence))
        for r in fired
        if r.effect == "blocker"
    ]
    alternatives = [
        Alternative(r.id, r.option, " ".join(r.fits.split()), _message(r, context), evidence_refs(r.evidence))
        for r in fired
        if r.effect == "alternative"
    ]
    plan_rule = next((r for r in fired if r.effect == "plan"), None)
    guidance = load_guidance()
    targets = list(FRAMEWORKS) if verdict == "either" or plan_rule else [verdict]
    next_steps: list[NextStep] = []
    for fw in targets:
        for step in guidance.next_steps.get(fw, []):  # type: ignore[call-overload]
            # A step both frameworks list (ONNX, Keras 3, running both) is shown once.
            if (step.when is None or matches(step.when, answers, metrics)) and step not in next_steps:
                next_steps.append(step)
    selected = answers.get("priorities") or []
    ages = ages_of(e.checked for r in fired for e in r.evidence)
    changes = (
        what_if(rules, fired_flags, answers, metrics, questionnaire, verdict, factors)
        if with_what_if
        else WhatIfs([], [], None)
    )
    rec = Recommendation(
        schema_version=SCHEMA_VERSION,
        recommendation=verdict,
        confidence=confidence,
        margin=margin,
        scores=scores,
        summary=summary_sentence(verdict, confidence, scores, blocked, answers, split=plan_rule is not None),
        reasons=reasons,
        caveats=caveats,
        blockers=blockers,
        what_if=changes.flips,
        priorities=PriorityEffect(
            list(selected) if isinstance(selected, list) else [selected],
            {a: m for a, m in multipliers.items() if m != 1.0},
        ),
        answers=dict(answers),
        next_steps=next_steps,
        outlook={fw: o for fw, o in guidance.outlook.items() if o.when is None or matches(o.when, answers, metrics)},
        misconceptions=[m for m in guidance.misconceptions if m.when is None or matches(m.when, answers, metrics)],
        rules_used=len(ruleset.rules),
        alternatives=alternatives,
        plan=[PlanPart(p.framework, " ".join(p.covers.split()), " ".join(p.why.split())) for p in plan_rule.parts]
        if plan_rule
        else [],
        plan_rule=Plan(plan_rule.id, _message(plan_rule, context), evidence_refs(plan_rule.evidence))
        if plan_rule
        else None,
        facts_checked=FactDates(
            ages.oldest.isoformat(),
            ages.newest.isoformat(),
            ages.facts,
            ages.today.isoformat(),
            (ages.today - ages.oldest).days,
        )
        if ages
        else None,
        profile=evidence.use([r for r in fired if referenced(r.when)[1]]) if evidence is not None else None,
        movers=changes.movers,
        what_it_takes=changes.takes,
    )
    rec.libraries = library_rows(answers, library_shares or {})
    if release_check is not None:
        known = release_claims_of(all_facts(rules, guidance))
        rec.newer_releases = overtaken(release_claims_of(facts_behind(rec, rules)), release_check.answers, known)
        rec.releases_checked = release_check.checked_at
    return rec


def library_rows(answers: Mapping[str, AnswerValue], shares: Mapping[str, float]) -> list[LibraryRow]:
    """The key libraries answered (and any a scan found), most central first, as the knowledge base has them."""
    from fwadvisor.advisor.libraries import by_id

    answered = answers.get("key_libraries") or []
    ids = list(dict.fromkeys([*(answered if isinstance(answered, list) else [answered]), *shares]))
    known = by_id()
    rows = [
        LibraryRow(
            lib.id,
            lib.name,
            list(lib.frameworks),
            {d.framework: d.date.isoformat() for d in lib.dropped},
            lib.status,
            lib.status_since.isoformat() if lib.status_since else None,
            lib.replacement,
            shares.get(lib.id),
        )
        for lib in (known[i] for i in ids if i in known)
    ]
    return sorted(rows, key=lambda row: -(row.share or 0.0))


PAST_CAPPED_RULE = "past-does-not-outvote-present-need"


def _past_capped_caveat(framework: str, points: float, fired: list[Rule]) -> Caveat:
    """Says that existing code, skills or today's serving were held back, and which hard needs did it."""
    other = "tensorflow" if framework == "pytorch" else "pytorch"
    names = {fw.advisor_id: fw.name for fw in ALL_FRAMEWORKS}
    needs = [r for r in fired if r.effect == "favor" and r.basis == "need" and r.framework == other]
    past = [r for r in fired if r.effect == "favor" and r.basis == "past" and r.framework == framework]
    message = (
        f"What you have today for {names[framework]} ({', '.join(r.title or r.id for r in past)}) would add "
        f"{points_text(points)} more, but the past does not outvote a present need that only {names[other]} meets "
        f"({', '.join(r.title or r.id for r in needs)}): those points are left out, so your existing "
        f"{names[framework]} work narrows the gap without reversing it."
    )
    refs = [ref for r in needs for ref in evidence_refs(r.evidence)]
    return Caveat(PAST_CAPPED_RULE, "team", framework, message, refs)
