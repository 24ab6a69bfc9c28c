"""What-ifs: the single changes of one answer that would give a different recommendation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import msgspec

from fwadvisor.advisor.conditions import matches, referenced
from fwadvisor.advisor.model import AnswerValue, Question, Questionnaire, Rule
from fwadvisor.advisor.questionnaire import Answers, check_answer, sense_problems
from fwadvisor.advisor.scoring import area_multipliers, decide, tally


class WhatIf(msgspec.Struct, frozen=True):
    question: str
    answer: AnswerValue | None
    recommendation: str
    change: str  # "set", "add", "remove" or "unset": how the answer differs from the given one
    choice: str | None  # the choice that was set, added or removed (None for "unset")
    shift: float = 0.0  # how the PyTorch-minus-TensorFlow points move (+ towards PyTorch)
    blocker: bool = False  # the change adds or removes a blocker


def _answer_changes(
    question: Question, current: AnswerValue | None
) -> Iterator[tuple[AnswerValue | None, str, str | None]]:
    """Each single change of one answer: (new value or None, how it changed, the choice)."""
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
        elif question.choices_from is None:
            # Adding one of a hundred libraries the project does not use is no change a person weighs (and
            # would crowd out every other what-if); dropping one it does use is.
            yield [*chosen, choice], "add", choice


def what_if(
    rules: list[Rule],
    fired: list[bool],
    answers: Answers,
    metrics: Mapping[str, float],
    questionnaire: Questionnaire,
    current_verdict: str,
    factors: Mapping[str, float] | None = None,
) -> list[WhatIf]:
    """Every single-answer change that would give a different recommendation, the ones that move
    the advice most first (a change of blockers, then the largest move in points).

    A change to one answer can only change the rules whose conditions read that question, so
    only those are evaluated again for each trial. A change that makes the answers contradict
    themselves (a fourth priority, a serving stack with nothing deployed) is not a real option.
    """
    base_scores, base_blocked, _ = tally(rules, fired, area_multipliers(answers, questionnaire), factors)
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
            scores, blocked, _ = tally(rules, trial_fired, area_multipliers(trial, questionnaire), factors)
            outcome = decide(scores, blocked)[0]
            if outcome != current_verdict:
                shift = round(scores["pytorch"] - scores["tensorflow"] - base_lead, 2)
                flips.append(WhatIf(question.id, value, outcome, change, choice, shift, blocked != base_blocked))
    flips.sort(key=lambda w: (not w.blocker, -abs(w.shift)))
    return flips
