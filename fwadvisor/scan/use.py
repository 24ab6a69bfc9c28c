"""A scan's answers put to use: the person's own answers first, the project's filling the gaps.

One function for `recommend --project` and the app's "Start from a project folder", so both keep the
same answers and describe them the same way in the advice.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from fwadvisor.advisor.engine import ProjectAnswer
from fwadvisor.advisor.questionnaire import Answers, merge_inferred
from fwadvisor.scan.model import ScanResult


class ProjectAdvice(NamedTuple):
    answers: Answers  # the given answers, completed by the project's
    inferred: list[ProjectAnswer]  # the project's answers that were used, each with its evidence
    shares: dict[str, float]  # library id -> share of the project's Python files importing it


def with_project(result: ScanResult, given: Answers, keep: Collection[str] | None = None) -> ProjectAdvice:
    """`given` completed by the scan's answers (only the questions in `keep`, when given). A given answer
    always wins; an inferred one that would not make sense beside the given ones is dropped."""
    offered = {qid: value for qid, value in result.answers_dict().items() if keep is None or qid in keep}
    answers, used = merge_inferred(given, offered)
    inferred = [
        ProjectAnswer(
            qid,
            answers[qid],
            result.answers[qid].why,
            [f"{e.file}:{e.line}: {e.text}" for e in result.answers[qid].evidence],
        )
        for qid in used
    ]
    return ProjectAdvice(answers, inferred, {lib.id: lib.share for lib in result.libraries})
