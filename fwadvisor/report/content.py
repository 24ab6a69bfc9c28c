"""Wording shared by every report format, so text, Markdown, HTML and the TUI say the same thing."""

from __future__ import annotations

from collections import defaultdict

from fwadvisor.advisor.engine import Reason, Recommendation, WhatIf
from fwadvisor.advisor.model import AREAS

FRAMEWORK_NAMES = {"pytorch": "PyTorch", "tensorflow": "TensorFlow", "either": "Either framework"}
AREA_TITLES = {
    "ecosystem": "Ecosystem",
    "deployment": "Deployment",
    "research": "Research and workflow",
    "hardware": "Hardware and operating systems",
    "team": "Team and existing code",
    "scale": "Scale and distributed training",
    "maintenance": "Maintenance and outlook",
    "performance": "Measured on this machine",
}


def name(framework: str | None) -> str:
    return FRAMEWORK_NAMES.get(framework or "", framework or "either framework")


def verdict_title(rec: Recommendation) -> str:
    if rec.recommendation == "either":
        return f"Either framework ({rec.confidence} confidence)"
    return f"{name(rec.recommendation)} ({rec.confidence} confidence)"


def reasons_by_area(rec: Recommendation) -> list[tuple[str, list[Reason]]]:
    grouped: dict[str, list[Reason]] = defaultdict(list)
    for reason in rec.reasons:
        grouped[reason.area].append(reason)
    return [(AREA_TITLES[a], grouped[a]) for a in AREAS if grouped.get(a)]


def priorities_sentence(rec: Recommendation) -> str:
    if not rec.priorities.selected:
        return "No priorities chosen: every area counted the same."
    boosts = ", ".join(f"{AREA_TITLES[a].lower()} x{m:g}"
                       for a, m in sorted(rec.priorities.area_multipliers.items()))
    chosen = ", ".join(p.replace("_", " ") for p in rec.priorities.selected)
    return f"Your priorities ({chosen}) made these areas count more: {boosts}."


def what_if_sentence(item: WhatIf) -> str:
    outcome = name(item.recommendation)
    if item.change == "set":
        return f"If {item.question} were '{item.choice}': {outcome}"
    if item.change == "add":
        return f"If {item.question} also included '{item.choice}': {outcome}"
    if item.change == "remove":
        return f"Without '{item.choice}' in {item.question}: {outcome}"
    return f"If {item.question} were left unanswered: {outcome}"


def score_line(rec: Recommendation) -> str:
    return " / ".join(f"{name(fw)} {pts:g}" for fw, pts in rec.scores.items())
