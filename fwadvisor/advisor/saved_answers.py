"""The saved interview, shared by every app window open on one data folder.

Each window saves its answers as they change. A save never drops what another window saved since
this one read the file: it is a three-way merge of what this window read (its base), what it has now
and what the file holds now. For each question, the side that changed the answer since the base wins;
when both changed it differently, or the merged answers do not go together, nothing is written and
the save says why (AnswersChanged). The person settles a clash by answering that question again in
this window (their answer then replaces the other), or by restarting the app to take the saved ones.

The read-merge-write runs under an exclusive lock on the data folder (flock), so two windows saving
at the same moment take turns. The file is written by fwadvisor.atomic.write_atomic, with its rules
(a read-only file is refused; a private file stays private).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from fwadvisor.advisor.questionnaire import Answers, answers_yaml, sense_problems, validate_answers
from fwadvisor.errors import InputError
from fwadvisor.safe_text import excerpt, one_line
from fwadvisor.yamlio import parse_yaml, read_regular_file

if TYPE_CHECKING:
    from fwadvisor.advisor.model import AnswerValue, Questionnaire

LOCK_WAIT_S = 2.0  # another window holds the lock for a few milliseconds; longer means it is stuck
LOCK_POLL_S = 0.01
_UNKNOWN = b"\0unknown"  # the file could not be read when this window opened it: any save merges


class AnswersChanged(OSError):
    """Another writer changed the saved answers in a way this save cannot merge: nothing was written.

    str() is the whole explanation, in plain words (outside text cleaned), for the app to show;
    `clashes`: the other writer's answer of each question both changed, by question id.
    """

    def __init__(self, message: str, clashes: dict[str, AnswerValue | None] | None = None):
        super().__init__(message)
        self.clashes = dict(clashes or {})


def _same(a: AnswerValue | None, b: AnswerValue | None) -> bool:
    """One answer, whatever the order of a many-choice list's choices."""
    if isinstance(a, list) and isinstance(b, list):
        return sorted(a) == sorted(b)
    return a == b


def _shown(value: AnswerValue | None) -> str:
    if value is None:
        return "no answer"
    return excerpt(", ".join(value) if isinstance(value, list) else value, 40)


def merge_answers(
    base: Answers, mine: Answers, theirs: Answers, path: Path, questionnaire: Questionnaire | None = None
) -> Answers:
    """`mine` and `theirs` merged question by question against `base`; AnswersChanged (with `clashes`
    set to {question id: their answer}) when both changed one answer differently, or when the merged
    answers do not go together."""
    merged: Answers = {}
    clashes: dict[str, AnswerValue | None] = {}
    for qid in dict.fromkeys([*theirs, *mine, *base]):
        was, now, other = base.get(qid), mine.get(qid), theirs.get(qid)
        if _same(now, was):
            value = other  # not changed here: the file's answer (or its removal) stands
        elif _same(other, was) or _same(other, now):
            value = now
        else:
            clashes[qid] = other
            continue
        if value is not None:
            merged[qid] = value
    where = one_line(path)
    if clashes:
        told = "; ".join(
            f"{qid} is {_shown(other)} there, {_shown(mine.get(qid))} here" for qid, other in clashes.items()
        )
        raise AnswersChanged(
            f"Not saved: another fwadvisor changed answers in {where} since this window read it ({told}). "
            f"This window keeps its answers: answer {', '.join(clashes)} again to save yours over the other, "
            "or restart fwadvisor to take the saved ones.",
            clashes,
        )
    apart = [qid for qid, _why in sense_problems(merged, questionnaire)]
    if apart:
        raise AnswersChanged(
            f"Not saved: another fwadvisor saved answers in {where} that do not go with this window's "
            f"({', '.join(apart)} would no longer apply). This window keeps its answers; restart fwadvisor "
            "to take the saved ones, or quit the other window and change an answer here to save yours."
        )
    return merged


def _snapshot(path: Path) -> bytes | None:
    """The file's bytes now; None when there is no file. A FIFO, a device, a folder or a file too
    large is an InputError (never opened for reading in a way that blocks)."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    return read_regular_file(path, "saved answers file")


@contextlib.contextmanager
def _folder_locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (made if missing). Where the folder cannot be opened, no
    lock is taken: the write that follows fails and says why."""
    try:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    break  # a file system without locks: save as before, unlocked
                if time.monotonic() > deadline:
                    raise OSError(
                        errno.EWOULDBLOCK, f"another fwadvisor has been saving in {one_line(folder)} for too long"
                    ) from None
                time.sleep(LOCK_POLL_S)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class SavedAnswers:
    """The saved interview at `path` as this window knows it: the answers it last read or wrote there
    (`base`) and the file's bytes then, to tell whether anyone else has written since."""

    def __init__(self, path: Path, answers: Answers, questionnaire: Questionnaire | None = None):
        self.path = path
        self.base: Answers = dict(answers)
        self.questionnaire = questionnaire
        try:
            self.base_raw: bytes | None = _snapshot(path)
        except (InputError, OSError):
            self.base_raw = _UNKNOWN
        # The other writer's answers last told as clashing, by question id: answering one of those
        # questions again here settles it in this window's favour (see settle).
        self.clashes: dict[str, AnswerValue | None] = {}

    def settle(self, question_id: str) -> None:
        """The person answered `question_id` again after being told of a clash on it: their answer wins."""
        if question_id in self.clashes:
            other = self.clashes.pop(question_id)
            if other is None:
                self.base.pop(question_id, None)
            else:
                self.base[question_id] = other

    def save(self, answers: Answers) -> Answers:
        """Save `answers` merged with whatever another writer saved since this window's base; returns
        the merged answers (now in the file). AnswersChanged when they cannot be merged (nothing
        written); OSError (WriteError) when the file cannot be written."""
        from fwadvisor.atomic import check_writable, write_atomic

        check_writable(self.path)  # a path the write would refuse makes no folder and takes no lock
        with _folder_locked(self.path.parent):
            now = self._read_now()
            merged = dict(answers)
            if now != self.base_raw:
                theirs = self._parse(now)
                try:
                    merged = merge_answers(self.base, answers, theirs, self.path, self.questionnaire)
                except AnswersChanged as clash:
                    self.clashes = clash.clashes  # told now: answering one of them again settles it
                    raise
                if now is not None and merged == theirs:
                    self.base, self.base_raw, self.clashes = merged, now, {}
                    return merged  # nothing of this window's is missing from the file: leave it as written
            write_atomic(self.path, answers_yaml(merged))
            self.base, self.base_raw, self.clashes = dict(merged), self._read_now(), {}
        return merged

    def replace(self, answers: Answers) -> None:
        """Write `answers` over whatever the file holds (the person chose to, having been told what it
        holds); from here on they are this window's base."""
        from fwadvisor.atomic import write_atomic

        with _folder_locked(self.path.parent):
            write_atomic(self.path, answers_yaml(answers))
            self.base, self.base_raw, self.clashes = dict(answers), self._read_now(), {}

    def _read_now(self) -> bytes | None:
        try:
            return _snapshot(self.path)
        except InputError as exc:
            raise AnswersChanged(
                f"Not saved: {one_line(self.path)} is not what this window read, and it cannot be read "
                f"({one_line(exc.message)}); it is not written over."
            ) from None

    def _parse(self, raw: bytes | None) -> Answers:
        if raw is None:
            return {}
        try:
            data = parse_yaml(raw.decode("utf-8"), self.path, "answers file", allow_aliases=False)
            return validate_answers(data, self.path, self.questionnaire)
        except (InputError, UnicodeDecodeError) as exc:
            reason = exc.message if isinstance(exc, InputError) else "it is not UTF-8 text"
            raise AnswersChanged(
                f"Not saved: another program changed {one_line(self.path)} since this window read it, and "
                f"it cannot be read as answers ({one_line(reason)}); it is not written over, so nothing "
                "in it is lost. Fix or remove it, and answer again."
            ) from None
