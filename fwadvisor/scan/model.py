"""What `fwadvisor scan` finds in a project folder: the answers it infers, each with its evidence, and
the knowledge-base libraries the project uses.

Every string that comes from the project (file names, the text of its lines) is outside text: show it
through fwadvisor.safe_text, never as markup.
"""

from __future__ import annotations

import msgspec

from fwadvisor.advisor.model import AnswerValue
from fwadvisor.safe_text import one_line

EVIDENCE_TEXT_CHARS = 120


class Evidence(msgspec.Struct, frozen=True):
    """One line of the project that supports an answer."""

    file: str  # relative to the scanned folder, posix
    line: int  # 1-based
    text: str  # the line, stripped, at most EVIDENCE_TEXT_CHARS characters

    def where(self) -> str:
        return f"{self.file}:{self.line}"


class InferredAnswer(msgspec.Struct, frozen=True):
    """An answer to one question of rules/questions.yaml, read from the project."""

    question: str
    value: AnswerValue
    evidence: list[Evidence]
    why: str  # one sentence: why this answer follows from the evidence


class LibraryUse(msgspec.Struct, frozen=True):
    """A knowledge-base library (rules/libraries.yaml) that the project imports or declares."""

    id: str
    share: float  # the share of the project's Python files (notebooks count) importing it, 0..1
    files: int  # how many Python files import it
    declared: bool  # listed in a dependency file
    evidence: list[Evidence]


class ScanResult(msgspec.Struct, frozen=True):
    root: str
    answers: dict[str, InferredAnswer]  # question id -> answer, in questionnaire order
    libraries: list[LibraryUse]  # most central first
    python_files: int  # Python files and notebooks read
    files_read: int  # every file read (Python, notebooks, dependency files, Dockerfiles ...)
    skipped_binary: int
    skipped_large: int
    stopped_at_limit: bool
    notes: list[str]  # what a person should know: limits hit, files that could not be parsed

    def answers_dict(self) -> dict[str, AnswerValue]:
        """question id -> value: what `recommend` takes."""
        return {qid: answer.value for qid, answer in self.answers.items()}


def make_evidence(file: str, line: int, text: str) -> Evidence:
    """Evidence for a line of the project: its text made one clean line, cut to EVIDENCE_TEXT_CHARS."""
    flat = one_line(text)
    if len(flat) > EVIDENCE_TEXT_CHARS:
        flat = flat[: EVIDENCE_TEXT_CHARS - 1] + "…"
    return Evidence(file, line, flat)
