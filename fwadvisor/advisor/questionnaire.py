"""Load rules/questions.yaml and check an answers file against it."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from fwadvisor.advisor.conditions import matches
from fwadvisor.advisor.model import AnswerValue, Question, Questionnaire
from fwadvisor.errors import InputError
from fwadvisor.parsecache import load_validated
from fwadvisor.paths import builtin_rules_dir
from fwadvisor.safe_text import excerpt, invisible_note, one_line
from fwadvisor.validation import convert_or_explain
from fwadvisor.yamlio import MAX_FILE_BYTES, line_of, load_yaml

Answers = dict[str, AnswerValue]


@cache
def load_questionnaire(path: Path | None = None) -> Questionnaire:
    path = path or builtin_rules_dir() / "questions.yaml"
    questionnaire: Questionnaire = load_validated(
        path,
        Questionnaire,
        lambda p: _checked_ids(convert_or_explain(load_yaml(p, "questionnaire"), Questionnaire, p, "questionnaire"), p),
    )
    if any(q.choices_from for q in questionnaire.questions):
        questionnaire = _with_library_choices(questionnaire)
    return questionnaire


def _checked_ids(questionnaire: Questionnaire, path: Path) -> Questionnaire:
    """Refuse a question or choice id that holds an invisible character: an answers file would need
    the same invisible character to match it, and no message could show the difference."""
    for index, question in enumerate(questionnaire.questions):
        named: list[tuple[list[str | int], str, str]] = [(["questions", index, "id"], "question id", question.id)]
        named += [(["questions", index, "choices", choice], "choice id", choice) for choice in question.choices]
        for keys, what, text in named:
            note = invisible_note(text)
            if note:
                raise InputError(
                    f"questionnaire: {what} '{excerpt(text, 60)}'{note}; ids may hold no invisible or "
                    "bidirectional characters",
                    file=path,
                    line=line_of(path, keys),
                )
    return questionnaire


def _with_library_choices(questionnaire: Questionnaire) -> Questionnaire:
    """key_libraries takes its choices from the library knowledge base: one source of truth for both."""
    import msgspec

    from fwadvisor.advisor.libraries import load_libraries

    choices = {lib.id: f"{lib.name} - {' '.join(lib.summary.split())}" for lib in load_libraries()}
    questions = [
        msgspec.structs.replace(q, choices=choices) if q.choices_from == "libraries" else q
        for q in questionnaire.questions
    ]
    return msgspec.structs.replace(questionnaire, questions=questions)


# A question with more choices than this (key_libraries: the knowledge base) names the nearest ones
# in a message instead of all of them, which would fill a screen.
LISTED_CHOICES = 20


def format_choices(question: Question, near: object = None) -> str:
    if len(question.choices) <= LISTED_CHOICES:
        return ", ".join(question.choices)
    import difflib

    close = difflib.get_close_matches(str(near), list(question.choices), n=3) if isinstance(near, str) else []
    hint = f"nearest: {', '.join(close)}; " if close else ""
    source = " (rules/libraries.yaml)" if question.choices_from == "libraries" else ""
    return f"{hint}all {len(question.choices)} are listed by `fwadvisor answers-template`{source}"


# How many wrong choices a message quotes before it says how many more there are.
QUOTED_WRONG = 3


def _is_choice(question: Question, value: Any) -> bool:
    return isinstance(value, str) and value in question.choices


def _quoted(value: Any) -> str:
    """A wrong value as a message quotes it: short, clean, invisible characters escaped."""
    return f"'{excerpt(value, 40)}'"


def check_answer(question: Question, value: Any) -> str | None:
    """What is wrong with one answer, or None when it is valid."""
    if question.kind == "one":
        if isinstance(value, list):
            return f"question '{question.id}' takes one choice, not a list; valid choices: {format_choices(question)}"
        if not _is_choice(question, value):
            return (
                f"{_quoted(value)} is not a choice of question '{question.id}'{invisible_note(value)}; "
                f"valid choices: {format_choices(question, value)}"
            )
        return None
    values = value if isinstance(value, list) else [value]
    wrong = [item for item in values if not _is_choice(question, item)]
    if wrong:
        allowed = format_choices(question, wrong[0])
        if len(wrong) == 1:
            return (
                f"{_quoted(wrong[0])} is not a choice of question '{question.id}'{invisible_note(wrong[0])}; "
                f"valid choices (one or more): {allowed}"
            )
        # A long list of wrong values: how many, the first few, and what is allowed (never all of them).
        shown = ", ".join(_quoted(item) for item in wrong[:QUOTED_WRONG])
        more = f" and {len(wrong) - QUOTED_WRONG:,} more" if len(wrong) > QUOTED_WRONG else ""
        return (
            f"{len(wrong):,} of the {len(values):,} values given for question '{question.id}' are not choices "
            f"({shown}{more}{invisible_note(''.join(str(item) for item in wrong[:QUOTED_WRONG]))}); "
            f"valid choices (one or more): {allowed}"
        )
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
    _check_mapping(data, path)
    by_id = questionnaire.by_id()
    answers: Answers = {}
    for key, value in (data or {}).items():
        problem = _add_answer(answers, by_id, key, value)
        if problem:
            raise InputError(problem, file=path, line=_line(path, [str(key)]))
    for qid, why in sense_problems(answers, questionnaire):
        raise InputError(why, file=path, line=_line(path, [qid]))
    return answers


def _check_mapping(data: Any, path: Path) -> None:
    if data is not None and not isinstance(data, dict):
        kind = type(data).__name__.replace("str", "a text").replace("list", "a list")
        raise InputError(
            f"an answers file must be a mapping of question id to answer, got {kind}; "
            "run `fwadvisor answers-template` for an example",
            file=path,
            line=1,
        )


def _add_answer(answers: Answers, by_id: dict[str, Question], key: Any, value: Any) -> str | None:
    """Check one answer and add it to `answers`; what is wrong with it, or None when it was added."""
    question = by_id.get(str(key))
    if question is None:
        return f"unknown question {_quoted(key)}{invisible_note(key)}; known questions: {', '.join(by_id)}"
    if value is None or value == []:
        return None  # an empty answer is the same as no answer
    problem = check_answer(question, value)
    if problem:
        return problem
    answers[question.id] = (list(value) if isinstance(value, list) else [value]) if question.kind == "many" else value
    return None


def _line(path: Path, keys: list[str | int]) -> int | None:
    return line_of(path, keys) if path.is_file() else None


def load_answers(path: Path) -> Answers:
    """The answers of a file a person gave us; anything wrong is an InputError (YAML aliases are refused)."""
    return validate_answers(load_yaml(path, "answers file", allow_aliases=False), path)


def load_answers_keeping(path: Path) -> tuple[Answers, list[str]]:
    """Read a saved answers file leniently, for the app: `(answers, problems)`.

    Every valid answer is kept; each answer that is wrong (an unknown question, a choice that is not
    one, an answer that does not apply given the others) is left out and described in `problems`,
    one line each as `file:line: what is wrong`. A file that cannot be read as answers at all (bad
    YAML, aliases, a duplicate key, too large, not a regular file) gives no answers and one problem.

    When anything was wrong, the file is first copied, byte for byte, next to itself as
    `<name>.bad-<UTC time>` (never over an existing file), and the last problem says where; when
    that copy fails, the last problem says so and the caller should not overwrite the file. A file
    that does not exist gives `({}, [])`. Never raises for bad content.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return {}, []
    questionnaire = load_questionnaire()
    problems: list[str] = []
    answers: Answers = {}
    try:
        data = load_yaml(path, "answers file", allow_aliases=False)
        _check_mapping(data, path)
    except InputError as exc:
        problems.append(one_line(exc))
        data = None
    by_id = questionnaire.by_id()
    for key, value in (data or {}).items():
        problem = _add_answer(answers, by_id, key, value)
        if problem:
            problems.append(one_line(InputError(problem, file=path, line=_line(path, [str(key)]))))
    for qid, why in sense_problems(answers, questionnaire):
        answers.pop(qid, None)
        problems.append(one_line(InputError(why, file=path, line=_line(path, [qid]))))
    if problems:
        problems.append(_back_up(path))
    return answers, problems


def _back_up(path: Path) -> str:
    """Copy a damaged answers file aside before anything may overwrite it; says where, or why not."""
    import datetime as dt

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    if not path.is_file():  # a FIFO or a device: nothing to keep, and opening one could block
        return f"{path} is not a regular file: nothing was copied"
    try:
        with path.open("rb") as source:
            raw = source.read(MAX_FILE_BYTES + 1)
        for attempt in range(100):
            backup = path.with_name(f"{path.name}.bad-{stamp}" + (f"-{attempt}" if attempt else ""))
            try:
                fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            with os.fdopen(fd, "wb") as out:
                out.write(raw)
            return f"the file as it was is kept as {backup}"
        return f"could not back up {path}: too many backups already"
    except OSError as exc:
        return f"could not back up {path} ({exc.strerror or exc}): do not overwrite it"


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


def merge_inferred(
    given: Answers, inferred: Answers, questionnaire: Questionnaire | None = None
) -> tuple[Answers, list[str]]:
    """The person's answers with inferred ones filling the gaps: `(answers, the inferred question ids kept)`.

    A given answer always wins. An inferred answer that would not make sense beside the given ones
    (a serving stack when the person deploys nothing) is dropped, again until nothing changes.
    """
    questionnaire = questionnaire or load_questionnaire()
    merged: Answers = {**inferred, **given}
    while True:
        wrong = {qid for qid, _why in sense_problems(merged, questionnaire) if qid not in given}
        if not wrong:
            break
        for qid in wrong:
            merged.pop(qid)
    return merged, [qid for qid in inferred if qid not in given and qid in merged]
