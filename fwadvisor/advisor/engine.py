"""Turn answers (and measured metrics) into a Recommendation with reasons, blockers and what-ifs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fwadvisor.advisor.conditions import matches, referenced
from fwadvisor.advisor.loader import RuleSet
from fwadvisor.advisor.model import (
    AREAS,
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
from fwadvisor.advisor.questionnaire import (
    Answers,
    check_answer,
    convert_or_explain,
    load_questionnaire,
    sense_problems,
)
from fwadvisor.parsecache import load_validated
from fwadvisor.paths import builtin_rules_dir
from fwadvisor.typedmodel import to_data
from fwadvisor.yamlio import load_yaml

if TYPE_CHECKING:  # a profile run is optional: its module is imported by whoever reads one
    from fwadvisor.advisor.evidence import ProfileEvidence

SCHEMA_VERSION = 1
# Below this many points apart, neither framework is clearly better for the project.
EITHER_BELOW = 2.0
# Point margins for medium and high confidence in a verdict.
MEDIUM_FROM = 4.0
HIGH_FROM = 8.0
# A tie of at least this many points in all is a balanced project, not an unknown one.
INFORMED_TIE_FROM = 10.0


@dataclass(frozen=True)
class EvidenceRef:
    source: str
    checked: str
    strength: str


@dataclass(frozen=True)
class Reason:
    rule: str
    area: str
    favors: str
    weight: float
    base_weight: float
    message: str
    evidence: list[EvidenceRef]


@dataclass(frozen=True)
class Caveat:
    rule: str
    area: str
    framework: str | None
    message: str
    evidence: list[EvidenceRef]


@dataclass(frozen=True)
class Blocker:
    rule: str
    area: str
    framework: str
    message: str
    evidence: list[EvidenceRef]


@dataclass(frozen=True)
class Alternative:
    rule: str
    option: str
    when: str  # when this path fits
    message: str
    evidence: list[EvidenceRef]


@dataclass(frozen=True)
class PlanPart:
    framework: str
    covers: str
    why: str


@dataclass(frozen=True)
class Plan:
    """A split of the project between the frameworks, from one plan rule."""

    rule: str
    message: str  # how the parts meet
    evidence: list[EvidenceRef]


@dataclass(frozen=True)
class FactDates:
    """The check dates of the facts behind the rules that fired."""

    oldest: str
    newest: str
    facts: int


@dataclass(frozen=True)
class WhatIf:
    question: str
    answer: AnswerValue | None
    recommendation: str
    change: str  # "set", "add", "remove" or "unset": how the answer differs from the given one
    choice: str | None  # the choice that was set, added or removed (None for "unset")
    shift: float = 0.0  # how the PyTorch-minus-TensorFlow points move (+ towards PyTorch)
    blocker: bool = False  # the change adds or removes a blocker


@dataclass(frozen=True)
class PriorityEffect:
    selected: list[str]
    area_multipliers: dict[str, float]


@dataclass
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
    alternatives: list[Alternative] = field(default_factory=list)
    plan: list[PlanPart] = field(default_factory=list)
    plan_rule: Plan | None = None
    facts_checked: FactDates | None = None
    profile: dict | None = None

    def to_dict(self) -> dict:
        return to_data(self)


def evidence_refs(evidence: list[Evidence]) -> list[EvidenceRef]:
    return [EvidenceRef(e.source, e.checked.isoformat(), e.strength) for e in evidence]


@cache
def load_guidance(path: Path | None = None) -> Guidance:
    path = path or builtin_rules_dir() / "guidance.yaml"
    return load_validated(
        path, Guidance, lambda p: convert_or_explain(load_yaml(p, "guidance file"), Guidance, p, "guidance file")
    )


def area_multipliers(answers: Mapping[str, AnswerValue], questionnaire: Questionnaire) -> dict[str, float]:
    multipliers = dict.fromkeys(AREAS, 1.0)
    selected = answers.get("priorities") or []
    for priority in selected if isinstance(selected, list) else [selected]:
        for area, factor in questionnaire.priority_weights.get(priority, {}).items():
            multipliers[area] = max(multipliers.get(area, 1.0), factor)
    return multipliers


def _verdict(scores: dict[str, float], blocked: set[str]) -> tuple[str, str, float]:
    pt, tf = scores["pytorch"], scores["tensorflow"]
    margin = round(abs(pt - tf), 2)
    if len(blocked) == 1:
        (out,) = set(FRAMEWORKS) - blocked
        return out, "high", margin
    if len(blocked) == 2 or margin < EITHER_BELOW:
        informed = pt + tf >= INFORMED_TIE_FROM and not blocked
        return "either", "medium" if informed else "low", margin
    confidence = "high" if margin >= HIGH_FROM else "medium" if margin >= MEDIUM_FROM else "low"
    return ("pytorch" if pt > tf else "tensorflow"), confidence, margin


def _tally(rules: list[Rule], fired: list[bool], multipliers: dict[str, float]) -> tuple[dict[str, float], set[str]]:
    scores = dict.fromkeys(FRAMEWORKS, 0.0)
    blocked: set[str] = set()
    for rule, did_fire in zip(rules, fired, strict=True):
        if not did_fire or rule.framework is None:
            continue
        if rule.effect == "favor":
            scores[rule.framework] += rule.weight * multipliers.get(rule.area, 1.0)
        elif rule.effect == "blocker":
            blocked.add(rule.framework)
    return {k: round(v, 2) for k, v in scores.items()}, blocked


def _message(rule: Rule, context: Mapping[str, Any]) -> str:
    """A rule's message; a rule on measurements quotes them through {placeholders}."""
    text = " ".join(rule.message.split())
    if not referenced(rule.when)[1]:
        return text
    try:
        return text.format_map(context)
    except (KeyError, ValueError, IndexError):
        return text  # a number the message names was not measured: say the fact without it


def recommend(
    answers: Answers,
    ruleset: RuleSet,
    metrics: Mapping[str, float] | None = None,
    questionnaire: Questionnaire | None = None,
    *,
    with_what_if: bool = True,
    evidence: ProfileEvidence | None = None,
) -> Recommendation:
    """The advice for `answers`; with `evidence` (a profile run) its metrics feed the rules too."""
    questionnaire = questionnaire or load_questionnaire()
    if evidence is not None:
        metrics = {**evidence.metrics, **(metrics or {})}
    metrics = metrics or {}
    context = evidence.message_context() if evidence is not None else dict(metrics)
    multipliers = area_multipliers(answers, questionnaire)
    rules = [entry.rule for entry in ruleset.rules]
    fired_flags = [matches(rule.when, answers, metrics) for rule in rules]
    scores, blocked = _tally(rules, fired_flags, multipliers)
    verdict, confidence, margin = _verdict(scores, blocked)
    fired = [rule for rule, did_fire in zip(rules, fired_flags, strict=True) if did_fire]

    reasons = [
        Reason(
            r.id,
            r.area,
            r.framework or "",
            round(r.weight * multipliers.get(r.area, 1.0), 2),
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
    dates = sorted(e.checked for r in fired for e in r.evidence)
    return Recommendation(
        schema_version=SCHEMA_VERSION,
        recommendation=verdict,
        confidence=confidence,
        margin=margin,
        scores=scores,
        summary=_summary(verdict, confidence, scores, blocked, answers, split=plan_rule is not None),
        reasons=reasons,
        caveats=caveats,
        blockers=blockers,
        what_if=what_if(rules, fired_flags, answers, metrics, questionnaire, verdict) if with_what_if else [],
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
        facts_checked=FactDates(dates[0].isoformat(), dates[-1].isoformat(), len(dates)) if dates else None,
        profile=_profile_summary(evidence, fired) if evidence is not None else None,
    )


def _profile_summary(evidence: ProfileEvidence, fired: list[Rule]) -> dict[str, Any]:
    """The run the advice used, what it measured, and which rules its numbers triggered."""
    triggered = [
        {"rule": r.id, "effect": r.effect, "framework": r.framework, "weight": r.weight}
        for r in fired
        if referenced(r.when)[1]
    ]
    return {**evidence.summary(), "triggered": triggered}


def _summary(
    verdict: str,
    confidence: str,
    scores: dict[str, float],
    blocked: set[str],
    answers: Mapping[str, AnswerValue],
    *,
    split: bool = False,
) -> str:
    text = _verdict_sentence(verdict, confidence, scores, blocked, answers)
    if split:
        text += " The answers pull both ways: see the split plan."
    return text


def _verdict_sentence(
    verdict: str, confidence: str, scores: dict[str, float], blocked: set[str], answers: Mapping[str, AnswerValue]
) -> str:
    names = {"pytorch": "PyTorch", "tensorflow": "TensorFlow"}
    if not answers:
        return (
            "Either framework (low confidence): no questions answered yet, so there is nothing "
            "to decide on. Answer the questions (the interview, or your answers file) for advice."
        )
    if len(blocked) == 2:
        return "Both frameworks have a blocker for this project; read the blockers before choosing either."
    if len(blocked) == 1:
        (bad,) = blocked
        return (
            f"{names[verdict]}, {confidence} confidence: {names[bad]} is ruled out for this "
            "project by a blocker below, whatever the scores."
        )
    if verdict == "either":
        return (
            f"Either framework fits ({confidence} confidence): the reasons balance out "
            f"(PyTorch {scores['pytorch']:g} vs TensorFlow {scores['tensorflow']:g} points)."
        )
    other = "tensorflow" if verdict == "pytorch" else "pytorch"
    return (
        f"{names[verdict]}, {confidence} confidence: {scores[verdict]:g} points against "
        f"{scores[other]:g} for {names[other]}."
    )


def _answer_changes(question, current: AnswerValue | None):
    """Each single change of one answer: (new value or None, how it changed)."""
    if question.kind == "one":
        for choice in question.choices:
            if choice != current:
                yield choice, "set", choice
        if current is not None:
            yield None, "unset", None
        return
    chosen = list(current) if isinstance(current, list) else []
    for choice in question.choices:
        if choice in chosen:
            rest = [c for c in chosen if c != choice]
            yield (rest or None), "remove", choice
        else:
            yield [*chosen, choice], "add", choice


def what_if(
    rules: list[Rule],
    fired: list[bool],
    answers: Answers,
    metrics: Mapping[str, float],
    questionnaire: Questionnaire,
    verdict: str,
) -> list[WhatIf]:
    """Every single-answer change that would give a different recommendation, the ones that move
    the advice most first (a change of blockers, then the largest move in points).

    A change to one answer can only change the rules whose conditions read that question, so
    only those are evaluated again for each trial. A change that makes the answers contradict
    themselves (a fourth priority, a serving stack with nothing deployed) is not a real option.
    """
    base_scores, base_blocked = _tally(rules, fired, area_multipliers(answers, questionnaire))
    base_lead = base_scores["pytorch"] - base_scores["tensorflow"]
    readers: dict[str, list[int]] = {}
    for index, rule in enumerate(rules):
        for qid in referenced(rule.when)[0]:
            readers.setdefault(qid, []).append(index)
    flips: list[WhatIf] = []
    for question in questionnaire.questions:
        current = answers.get(question.id)
        for value, change, choice in _answer_changes(question, current):
            trial = dict(answers)
            if value is None:
                trial.pop(question.id, None)
            else:
                trial[question.id] = value
            if value is not None and check_answer(question, value) is not None:
                continue
            if sense_problems(trial, questionnaire):
                continue
            trial_fired = list(fired)
            for index in readers.get(question.id, []):
                trial_fired[index] = matches(rules[index].when, trial, metrics)
            scores, blocked = _tally(rules, trial_fired, area_multipliers(trial, questionnaire))
            outcome = _verdict(scores, blocked)[0]
            if outcome != verdict:
                shift = round(scores["pytorch"] - scores["tensorflow"] - base_lead, 2)
                flips.append(WhatIf(question.id, value, outcome, change, choice, shift, blocked != base_blocked))
    flips.sort(key=lambda w: (not w.blocker, -abs(w.shift)))
    return flips
