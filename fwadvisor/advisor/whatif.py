"""What-ifs: the single changes of one answer that would give a different recommendation, and for a
verdict no single change reverses, the changes that move it most towards the other framework and
what it would take (a combination of them) to get there."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

import msgspec

from fwadvisor.advisor.conditions import matches, referenced
from fwadvisor.advisor.model import FRAMEWORKS, AnswerValue, Question, Questionnaire, Rule
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


class WhatItTakes(msgspec.Struct, frozen=True):
    """Changes of several answers, one per question, that together move the advice to `target`.

    Found greedily from the single changes that move it most (each is kept only if it moves the
    advice further with the others): the shortest way there is not guaranteed, an honest one is.
    """

    target: str  # the framework the changes move towards
    recommendation: str  # what they give together: `target`, or short of it ("either", or the verdict unchanged)
    changes: list[WhatIf]  # in the order taken; each with the shift it has alone
    shift: float  # how the PyTorch-minus-TensorFlow points move with all of them together
    scores: dict[str, float]  # the points with all of them


class WhatIfs(NamedTuple):
    flips: list[WhatIf]  # single changes that change the recommendation, those that move it most first
    movers: list[WhatIf]  # single changes towards the other framework that do not change it, most first
    takes: WhatItTakes | None  # for a verdict no single change gives to the other framework


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


def _with(answers: Answers, question: str, value: AnswerValue | None) -> Answers:
    trial = dict(answers)
    if value is None:
        trial.pop(question, None)
    else:
        trial[question] = value
    return trial


class _Trials:
    """Scores answers that differ from the given ones, re-evaluating only the rules that read a changed question."""

    def __init__(
        self,
        rules: list[Rule],
        metrics: Mapping[str, float],
        questionnaire: Questionnaire,
        factors: Mapping[str, float] | None,
    ) -> None:
        self.rules, self.metrics, self.questionnaire, self.factors = rules, metrics, questionnaire, factors
        self.readers: dict[str, list[int]] = {}
        for index, rule in enumerate(rules):
            for qid in referenced(rule.when)[0]:
                self.readers.setdefault(qid, []).append(index)

    def refire(self, trial: Answers, fired: list[bool], question: str) -> list[bool]:
        """Which rules fire for `trial`, which differs from the answers of `fired` only in `question`."""
        trial_fired = list(fired)
        for index in self.readers.get(question, []):
            trial_fired[index] = matches(self.rules[index].when, trial, self.metrics)
        return trial_fired

    def score(self, trial: Answers, fired: list[bool]) -> tuple[dict[str, float], set[str]]:
        scores, blocked, _ = tally(self.rules, fired, area_multipliers(trial, self.questionnaire), self.factors)
        return scores, blocked

    def makes_sense(self, trial: Answers) -> bool:
        return not sense_problems(trial, self.questionnaire)


def what_if(
    rules: list[Rule],
    fired: list[bool],
    answers: Answers,
    metrics: Mapping[str, float],
    questionnaire: Questionnaire,
    current_verdict: str,
    factors: Mapping[str, float] | None = None,
) -> WhatIfs:
    """Every single-answer change that would give a different recommendation, the ones that move
    the advice most first (a change of blockers, then the largest move in points); the changes
    that move it towards the other framework without changing it; and, when no single change gives
    the other framework, what it would take (several answers changed together).

    A change to one answer can only change the rules whose conditions read that question, so
    only those are evaluated again for each trial. A change that makes the answers contradict
    themselves (a fourth priority, a serving stack with nothing deployed) is not a real option.
    """
    trials = _Trials(rules, metrics, questionnaire, factors)
    base_scores, base_blocked = trials.score(answers, fired)
    base_lead = base_scores["pytorch"] - base_scores["tensorflow"]
    # An "either" has no other framework to move towards: every what-if of it is a flip.
    target = next((fw for fw in FRAMEWORKS if fw != current_verdict), None) if current_verdict in FRAMEWORKS else None
    toward = 1.0 if target == "pytorch" else -1.0  # the sign of a move towards `target`
    flips: list[WhatIf] = []
    movers: list[WhatIf] = []
    for question in questionnaire.questions:
        current = answers.get(question.id)
        for value, change, choice in _answer_changes(question, current):
            trial = _with(answers, question.id, value)
            if value is not None and check_answer(question, value) is not None:
                continue
            if not trials.makes_sense(trial):
                continue
            scores, blocked = trials.score(trial, trials.refire(trial, fired, question.id))
            outcome = decide(scores, blocked)[0]
            shift = round(scores["pytorch"] - scores["tensorflow"] - base_lead, 2)
            item = WhatIf(question.id, value, outcome, change, choice, shift, blocked != base_blocked)
            if outcome != current_verdict:
                flips.append(item)
            elif target is not None and shift * toward > 0 and not (target in blocked and target not in base_blocked):
                movers.append(item)
    flips.sort(key=lambda w: (not w.blocker, -abs(w.shift)))
    movers.sort(key=lambda w: -abs(w.shift))
    takes = None
    if target is not None and not any(w.recommendation == target for w in flips):
        candidates = [w for w in flips if w.blocker and target in base_blocked]  # lifting a blocker on it first
        candidates += sorted([w for w in flips if w.shift * toward > 0] + movers, key=lambda w: -abs(w.shift))
        takes = _what_it_takes(trials, target, toward, candidates, answers, fired)
    return WhatIfs(flips, movers, takes)


def _what_it_takes(
    trials: _Trials, target: str, toward: float, candidates: list[WhatIf], answers: Answers, fired: list[bool]
) -> WhatItTakes | None:
    """Take the candidate changes in order, one per question, keeping each that moves the advice
    further towards `target` with those already taken (points do not simply add up: priorities
    multiply areas, and the past is capped), until the advice is `target` or none is left."""
    trial, trial_fired = dict(answers), list(fired)
    scores, blocked = trials.score(trial, trial_fired)
    base_lead = lead = scores["pytorch"] - scores["tensorflow"]
    taken: list[WhatIf] = []
    outcome = ""
    for change in candidates:
        if any(t.question == change.question for t in taken):
            continue
        attempt = _with(trial, change.question, change.answer)
        if not trials.makes_sense(attempt):
            continue
        attempt_fired = trials.refire(attempt, trial_fired, change.question)
        new_scores, new_blocked = trials.score(attempt, attempt_fired)
        new_lead = new_scores["pytorch"] - new_scores["tensorflow"]
        lifted = target in blocked and target not in new_blocked
        if (target in new_blocked and target not in blocked) or not (lifted or (new_lead - lead) * toward > 0):
            continue
        trial, trial_fired, lead, blocked, scores = attempt, attempt_fired, new_lead, new_blocked, new_scores
        taken.append(change)
        outcome = decide(scores, blocked)[0]
        if outcome == target:
            break
    if not taken:
        return None
    return WhatItTakes(target, outcome, taken, round(lead - base_lead, 2), scores)
