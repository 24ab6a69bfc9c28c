"""Wording shared by every report format, so text, Markdown, HTML and the TUI say the same thing."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from fwadvisor.advisor.engine import EvidenceRef, Reason, Recommendation, WhatIf, WhatItTakes
from fwadvisor.advisor.facts import FactAges, newer_release_lines
from fwadvisor.advisor.model import AREAS
from fwadvisor.advisor.questionnaire import load_questionnaire
from fwadvisor.advisor.scoring import points_text
from fwadvisor.frameworks import PYTORCH, TENSORFLOW, display_name
from fwadvisor.safe_text import safe_link

# A format's escaping of text, and its link: (the escaped label, the address) -> the markup.
Escape = Callable[[str], str]
MakeLink = Callable[[str, str], str]


def linked(label: str, address: str, escape: Escape, link: MakeLink) -> str:
    """A link when `address` is http(s); otherwise the label, with the address as text."""
    target = safe_link(address)
    if target is not None:
        return link(escape(label), target)
    return escape(label) if label == address else f"{escape(label)} ({escape(address)})"


def sources_text(refs: list[EvidenceRef], escape: Escape, link: MakeLink) -> str:
    """Each source, linked, with when it was checked and how strong it is, joined by "; "."""
    return "; ".join(
        f"{linked(r.source, r.source, escape, link)} (checked {escape(r.checked)}, {escape(r.strength)})" for r in refs
    )


# What-ifs shown in a report or the app, the ones that move the advice most first (JSON has all).
WHAT_IF_SHOWN = 5
STRENGTH_NOTE = (
    'Evidence strength: H = primary source quoted, M = secondary or indirect (the message says "reported"), L = weak.'
)
STRENGTH_WORDS = {"H": "primary source", "M": "secondary source", "L": "weak source"}
AREA_TITLES = {
    "ecosystem": "Ecosystem",
    "deployment": "Deployment",
    "research": "Research and workflow",
    "hardware": "Hardware and operating systems",
    "team": "Team and existing code",
    "scale": "Scale and distributed training",
    "maintenance": "Maintenance and outlook",
    "performance": "Measured in the profile run",
}


def name(framework: str | None) -> str:
    return display_name(framework)


def verdict_title(rec: Recommendation) -> str:
    """A short label for titles (window, HTML <title>); the report's verdict line is rec.summary."""
    if rec.recommendation == "either":
        return f"Either framework ({rec.confidence} confidence)"
    return f"{name(rec.recommendation)} ({rec.confidence} confidence)"


def facts_sentence(rec: Recommendation) -> str:
    """When the facts behind this advice were checked and how old that is, and what the strength letters mean."""
    if rec.facts_checked is None:
        return f"No rule fired, so no fact was used. {STRENGTH_NOTE}"
    dates = rec.facts_checked
    return f"{fact_ages(rec).sentence()} {STRENGTH_NOTE}" if dates.as_of else f"{dates.facts} facts. {STRENGTH_NOTE}"


def fact_ages(rec: Recommendation) -> FactAges:
    """The ages of the facts behind `rec`, counted from the day the advice was made."""
    dates = rec.facts_checked
    assert dates is not None and dates.as_of
    iso = dt.date.fromisoformat
    return FactAges(dates.facts, iso(dates.oldest), iso(dates.newest), iso(dates.as_of))


def release_lines(rec: Recommendation) -> list[str]:
    """After an online check: a heading, then one sentence per newer release the advice does not know yet."""
    if rec.releases_checked is None:
        return []
    when = f"The online check of {rec.releases_checked[:10]} (fwadvisor facts --online)"
    if not rec.newer_releases:
        return [f"{when} found no release newer than the ones this advice names."]
    count = len(rec.newer_releases)
    noun, them = ("a newer release", "it") if count == 1 else (f"{count} newer releases", "them")
    return [
        f"{when} found {noun} than this advice knows; the facts that name {them} may be out of date:",
        *newer_release_lines(rec.newer_releases),
    ]


def next_steps_for(rec: Recommendation) -> str:
    """Whose next steps a report lists: the verdict's, or both frameworks' for either / a split plan."""
    if rec.recommendation == "either" or rec.plan:
        return "both frameworks"
    return name(rec.recommendation)


def reasons_by_area(rec: Recommendation) -> list[tuple[str, list[Reason]]]:
    grouped: dict[str, list[Reason]] = defaultdict(list)
    for reason in rec.reasons:
        grouped[reason.area].append(reason)
    return [(AREA_TITLES[a], grouped[a]) for a in AREAS if grouped.get(a)]


def priorities_sentence(rec: Recommendation) -> str:
    if not rec.priorities.selected:
        return "No priorities chosen: every area counted the same."
    boosts = ", ".join(f"{AREA_TITLES[a].lower()} x{m:g}" for a, m in sorted(rec.priorities.area_multipliers.items()))
    chosen = ", ".join(p.replace("_", " ") for p in rec.priorities.selected)
    return f"Your priorities ({chosen}) made these areas count more: {boosts}."


def what_if_sentence(item: WhatIf, verdict: str | None = None) -> str:
    """One what-if in words: the question's prompt and the choice's label, never their ids. With the
    `verdict` it leaves unchanged (a mover), it says how far the change moves the advice instead."""
    question = load_questionnaire().by_id().get(item.question)
    prompt = f"“{question.prompt}”" if question else item.question
    label = f"“{question.label(item.choice)}”" if question and item.choice else f"“{item.choice}”"
    outcome = "either framework" if item.recommendation == "either" else name(item.recommendation)
    if item.change == "set":
        text = f"If you answered {label} to {prompt}"
    elif item.change == "add":
        text = f"If you also picked {label} for {prompt}"
    elif item.change == "remove":
        text = f"If you had not picked {label} for {prompt}"
    else:
        text = f"If you left {prompt} unanswered"
    toward = PYTORCH.name if item.shift > 0 else TENSORFLOW.name
    if item.recommendation == verdict:
        return f"{text}, the advice would move {points_text(abs(item.shift))} towards {toward} (still {outcome})."
    move = (
        " (it adds or lifts a blocker)"
        if item.blocker
        else (f" (moves {points_text(abs(item.shift))} towards {toward})" if item.shift else "")
    )
    return f"{text}, the advice would be {outcome}{move}."


# Five answers to one question would crowd out every other question; two show the idea.
WHAT_IF_PER_QUESTION = 2


def shown_what_ifs(rec: Recommendation) -> tuple[list[WhatIf], int]:
    """The what-ifs a report shows (those that move the advice most, at most two per question)
    and how many are left out."""
    shown: list[WhatIf] = []
    per_question: dict[str, int] = {}
    for item in rec.what_if:  # already ranked by the engine
        if len(shown) < WHAT_IF_SHOWN and per_question.get(item.question, 0) < WHAT_IF_PER_QUESTION:
            shown.append(item)
            per_question[item.question] = per_question.get(item.question, 0) + 1
    return shown, len(rec.what_if) - len(shown)


def shown_movers(rec: Recommendation) -> tuple[list[WhatIf], int]:
    """For a verdict no single change reverses: the changes a report shows under "What would change the
    answer" and how many are left out. The changes of what it would take for the other framework,
    all of them, so that the sentence under them speaks of what is shown (the biggest movers, one
    per question, that add up); without one, the biggest movers."""
    if rec.what_if or not rec.movers:
        return [], 0
    shown = list(rec.what_it_takes.changes) if rec.what_it_takes else rec.movers[:WHAT_IF_SHOWN]
    return shown, len(rec.movers) - len(shown)


def movers_target(rec: Recommendation) -> str:
    """The framework a verdict's movers move it towards: the other one."""
    return TENSORFLOW.advisor_id if rec.recommendation == PYTORCH.advisor_id else PYTORCH.advisor_id


def movers_intro(rec: Recommendation) -> str:
    """The sentence over the movers: no single change does it, these come nearest."""
    return f"No single change of one answer would change it; these move it most towards {name(movers_target(rec))}"


def what_it_takes_sentence(rec: Recommendation, takes: WhatItTakes) -> str:
    """What the changes listed above it give together: the other framework, "either", or not enough."""
    head = f"What it would take for {name(takes.target)}: these {len(takes.changes)} changes together"
    scores = f"{name('pytorch')} {takes.scores['pytorch']:g}, {name('tensorflow')} {takes.scores['tensorflow']:g}"
    if takes.recommendation == takes.target:
        return f"{head} would make it {name(takes.target)} ({scores})."
    if takes.recommendation == "either":
        return (
            f"{head} would make it either framework ({scores}); no further change of another answer "
            f"moves it towards {name(takes.target)}."
        )
    verdict, target = name(rec.recommendation), name(takes.target)
    lead = takes.scores[rec.recommendation] - takes.scores[takes.target]
    if lead <= 0:  # ahead on points, but a blocker still rules it out
        return f"{head} would still leave {verdict}: a blocker rules out {target} ({scores})."
    return (
        f"{head} would still leave {verdict} ahead by {points_text(round(lead, 2))} ({scores}), "
        f"and no further change of another answer moves it towards {target}."
    )


def left_out_note(count: int, where: str, what: str = "smaller ones") -> str:
    """The line under a shortened list; `where` is where the whole list is ("the JSON report")."""
    return f"… and {count} {what} (all of them in {where})"
