"""Load rules/questions.yaml and check an answers file against it."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fwadvisor.advisor.conditions import matches
from fwadvisor.advisor.model import AnswerValue, Question, Questionnaire
from fwadvisor.errors import InputError
from fwadvisor.parsecache import load_validated
from fwadvisor.paths import builtin_rules_dir
from fwadvisor.validation import convert_or_explain
from fwadvisor.yamlio import line_of, load_yaml

Answers = dict[str, AnswerValue]


@cache
def load_questionnaire(path: Path | None = None) -> Questionnaire:
    path = path or builtin_rules_dir() / "questions.yaml"
    return load_validated(
        path,
        Questionnaire,
        lambda p: convert_or_explain(load_yaml(p, "questionnaire"), Questionnaire, p, "questionnaire"),
    )


def format_choices(question: Question) -> str:
    return ", ".join(question.choices)


def check_answer(question: Question, value: Any) -> str | None:
    """What is wrong with one answer, or None when it is valid."""
    allowed = format_choices(question)
    if question.kind == "one":
        if isinstance(value, list):
            return f"question '{question.id}' takes one choice, not a list; valid choices: {allowed}"
        if not isinstance(value, str) or value not in question.choices:
            return f"'{value}' is not a choice of question '{question.id}'; valid choices: {allowed}"
        return None
    values = value if isinstance(value, list) else [value]
    for item in values:
        if not isinstance(item, str) or item not in question.choices:
            return f"'{item}' is not a choice of question '{question.id}'; valid choices (one or more): {allowed}"
    if len(set(values)) != len(values):
        return f"question '{question.id}' lists a choice twice"
    if question.max_choices is not None and len(values) > question.max_choices:
        return (
            f"question '{question.id}' takes at most {question.max_choices} choices, "
            f"got {len(values)}: keep the {question.max_choices} that matter most"
        )
    for alone in question.exclusive:
        if alone in values and len(values) > 1:
            others = ", ".join(v for v in values if v != alone)
            return (
                f"question '{question.id}': '{alone}' cannot be combined with other choices "
                f"(got {alone} with {others}); keep '{alone}' alone or remove it"
            )
    return None


def applies(question: Question, answers: Answers) -> bool:
    """Whether a question makes sense given the other answers (its `applies_when`)."""
    return question.applies_when is None or matches(question.applies_when, answers, {})


def sense_problems(answers: Answers, questionnaire: Questionnaire | None = None) -> list[tuple[str, str]]:
    """Answers that do not make sense together: (question id, what is wrong) for each."""
    questionnaire = questionnaire or load_questionnaire()
    found = []
    for question in questionnaire.questions:
        if question.id in answers and not applies(question, answers):
            note = question.applies_note or "only when the answers it depends on are given"
            found.append(
                (
                    question.id,
                    f"question '{question.id}' applies {note}; remove the answer or change the answers it depends on",
                )
            )
    return found


def validate_answers(data: Any, path: Path | str = "<answers>", questionnaire: Questionnaire | None = None) -> Answers:
    """Turn parsed YAML into Answers; anything unknown or malformed is an InputError."""
    questionnaire = questionnaire or load_questionnaire()
    path = Path(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = type(data).__name__.replace("str", "a text").replace("list", "a list")
        raise InputError(
            f"an answers file must be a mapping of question id to answer, got {kind}; "
            "run `fwadvisor answers-template` for an example",
            file=path,
            line=1,
        )
    by_id = questionnaire.by_id()
    answers: Answers = {}
    for key, value in data.items():
        question = by_id.get(str(key))
        if question is None:
            raise InputError(
                f"unknown question '{key}'; known questions: {', '.join(by_id)}",
                file=path,
                line=_line(path, [str(key)]),
            )
        if value is None or value == []:
            continue  # an empty answer is the same as no answer
        problem = check_answer(question, value)
        if problem:
            raise InputError(problem, file=path, line=_line(path, [str(key)]))
        if question.kind == "many":
            answers[question.id] = list(value) if isinstance(value, list) else [value]
        else:
            answers[question.id] = value
    for qid, why in sense_problems(answers, questionnaire):
        raise InputError(why, file=path, line=_line(path, [qid]))
    return answers


def _line(path: Path, keys: list[str | int]) -> int | None:
    return line_of(path, keys) if path.is_file() else None


def load_answers(path: Path) -> Answers:
    return validate_answers(load_yaml(path, "answers file"), path)


def answers_yaml(answers: Answers) -> str:
    """Answers as a YAML file a person can read and edit, in questionnaire order."""
    import yaml

    order = {q.id: i for i, q in enumerate(load_questionnaire().questions)}
    ordered = dict(sorted(answers.items(), key=lambda item: order.get(item[0], len(order))))
    header = "# fwadvisor answers (saved by the app; `fwadvisor recommend --answers` reads this file)\n"
    return header + (yaml.safe_dump(ordered, sort_keys=False, default_flow_style=None) if ordered else "{}\n")


def save_answers(path: Path, answers: Answers) -> None:
    from fwadvisor.atomic import write_atomic

    write_atomic(path, answers_yaml(answers))
