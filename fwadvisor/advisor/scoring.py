"""Points and the verdict: priorities multiply areas, fired rules add points or blockers, the margin
between the frameworks gives the verdict and its confidence, and the verdict sentence says so."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from fwadvisor.advisor.model import AREAS, FRAMEWORKS, AnswerValue, Questionnaire, Rule
from fwadvisor.frameworks import ALL

# Below this many points apart, neither framework is clearly better for the project.
EITHER_BELOW = 2.0
# Point margins for medium and high confidence in a verdict.
MEDIUM_FROM = 4.0
HIGH_FROM = 8.0
# A tie of at least this many points in all is a balanced project, not an unknown one.
INFORMED_TIE_FROM = 10.0


def area_multipliers(answers: Mapping[str, AnswerValue], questionnaire: Questionnaire) -> dict[str, float]:
    multipliers = dict.fromkeys(AREAS, 1.0)
    selected = answers.get("priorities") or []
    for priority in selected if isinstance(selected, list) else [selected]:
        for area, factor in questionnaire.priority_weights.get(priority, {}).items():
            multipliers[area] = max(multipliers.get(area, 1.0), factor)
    return multipliers


def decide(scores: dict[str, float], blocked: set[str]) -> tuple[str, str, float]:
    """(recommendation, confidence, margin) for these scores and blocked frameworks."""
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


class Tally(NamedTuple):
    scores: dict[str, float]
    blocked: set[str]
    # Points from the past (existing code, skills, today's serving) left out because they would have
    # outvoted the other framework's hard present need: framework -> points not counted.
    past_capped: dict[str, float]


def tally(
    rules: list[Rule],
    fired: list[bool],
    multipliers: dict[str, float],
    factors: Mapping[str, float] | None = None,
) -> Tally:
    """The points of each framework and the frameworks blocked, from the rules that fired.

    `factors` scale single rules (a key library by how central it is to the project). The past may not
    outvote a hard present need: when only one framework has `need` points, the other's `past` points
    count only up to where it would still trail it by EITHER_BELOW (they can narrow the gap, never
    flip it).
    """
    factors = factors or {}
    scores = dict.fromkeys(FRAMEWORKS, 0.0)
    past = dict.fromkeys(FRAMEWORKS, 0.0)
    need = dict.fromkeys(FRAMEWORKS, 0.0)
    blocked: set[str] = set()
    for rule, did_fire in zip(rules, fired, strict=True):
        if not did_fire or rule.framework is None:
            continue
        if rule.effect == "favor":
            points = rule.weight * multipliers.get(rule.area, 1.0) * factors.get(rule.id, 1.0)
            scores[rule.framework] += points
            if rule.basis == "past":
                past[rule.framework] += points
            elif rule.basis == "need":
                need[rule.framework] += points
        elif rule.effect == "blocker":
            blocked.add(rule.framework)
    capped: dict[str, float] = {}
    for framework, other in (("pytorch", "tensorflow"), ("tensorflow", "pytorch")):
        if need[other] > 0 and need[framework] == 0 and past[framework] > 0:
            without_past = scores[framework] - past[framework]
            allowed = max(0.0, min(past[framework], scores[other] - EITHER_BELOW - without_past))
            if allowed < past[framework]:
                capped[framework] = round(past[framework] - allowed, 2)
                scores[framework] = without_past + allowed
    return Tally({k: round(v, 2) for k, v in scores.items()}, blocked, capped)


def points_text(value: float) -> str:
    """A score in words: "1 point", "2.5 points", "0 points"."""
    return f"{value:g} point" + ("" if abs(value) == 1 else "s")


def summary_sentence(
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
    names = {fw.advisor_id: fw.name for fw in ALL}
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
            f"(PyTorch {points_text(scores['pytorch'])}, TensorFlow {points_text(scores['tensorflow'])})."
        )
    other = "tensorflow" if verdict == "pytorch" else "pytorch"
    return (
        f"{names[verdict]}, {confidence} confidence: {points_text(scores[verdict])} against "
        f"{points_text(scores[other])} for {names[other]}."
    )
