"""Points and the verdict: priorities multiply areas, fired rules add points or blockers, the margin
between the frameworks gives the verdict and its confidence."""

from __future__ import annotations

from collections.abc import Mapping

from fwadvisor.advisor.model import AREAS, FRAMEWORKS, AnswerValue, Questionnaire, Rule

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


def tally(rules: list[Rule], fired: list[bool], multipliers: dict[str, float]) -> tuple[dict[str, float], set[str]]:
    """The points of each framework and the frameworks blocked, from the rules that fired."""
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


def points_text(value: float) -> str:
    """A score in words: "1 point", "2.5 points", "0 points"."""
    return f"{value:g} point" + ("" if abs(value) == 1 else "s")
