"""Evaluate a rule's `when` tree against answers and measured metrics. Data only: no eval."""

from __future__ import annotations

from collections.abc import Mapping

from fwadvisor.advisor.model import AnswerValue, Condition


def matches(cond: Condition, answers: Mapping[str, AnswerValue], metrics: Mapping[str, float]) -> bool:
    if cond.all is not None:
        return all(matches(c, answers, metrics) for c in cond.all)
    if cond.any is not None:
        return any(matches(c, answers, metrics) for c in cond.any)
    if cond.not_ is not None:
        return not matches(cond.not_, answers, metrics)
    if cond.question is not None:
        answer = answers.get(cond.question)
        if cond.answered is not None:
            return (answer is not None) == cond.answered
        return answer is not None and _answer_matches(cond, answer)
    if cond.metric is not None:
        value = metrics.get(cond.metric)
        if cond.present is not None:
            return (value is not None) == cond.present
        return value is not None and _value_matches(cond, value)
    return False


def _answer_matches(cond: Condition, answer: AnswerValue) -> bool:
    chosen = set(answer) if isinstance(answer, list) else {answer}
    if cond.equals is not None:
        return chosen == {cond.equals}
    if cond.in_ is not None:
        return bool(chosen & set(cond.in_))
    if cond.includes is not None:
        return cond.includes in chosen
    if cond.includes_all is not None:
        return set(cond.includes_all) <= chosen
    if cond.only is not None:
        return bool(chosen) and chosen <= set(cond.only)
    return False


def _value_matches(cond: Condition, value: float) -> bool:
    checks = ((cond.gt, value.__gt__), (cond.ge, value.__ge__), (cond.lt, value.__lt__), (cond.le, value.__le__))
    return all(test(bound) for bound, test in checks if bound is not None)


def referenced(cond: Condition) -> tuple[set[str], set[str]]:
    """The question ids and metric names a condition tree reads."""
    questions: set[str] = set()
    metrics: set[str] = set()
    stack = [cond]
    while stack:
        node = stack.pop()
        stack.extend(node.all or [])
        stack.extend(node.any or [])
        if node.not_ is not None:
            stack.append(node.not_)
        if node.question:
            questions.add(node.question)
        if node.metric:
            metrics.add(node.metric)
    return questions, metrics
