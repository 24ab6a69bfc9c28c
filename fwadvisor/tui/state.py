"""What the screens share: the answers (saved as they change), the rules, the latest profile run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fwadvisor.advisor.loader import RuleSet, load_rules
from fwadvisor.advisor.model import AnswerValue, Questionnaire
from fwadvisor.advisor.questionnaire import (
    Answers,
    applies,
    load_answers_keeping,
    load_questionnaire,
    save_answers,
)
from fwadvisor.errors import InputError
from fwadvisor.safe_text import one_line

if TYPE_CHECKING:
    from fwadvisor.advisor.engine import Recommendation
    from fwadvisor.profiler.documents import RunDocument

_NOT_LOOKED_UP = object()
# How load_answers_keeping's last problem starts when it copied the damaged file aside.
BACKED_UP = "the file as it was is kept as "
NOT_SAVING = "Your answers will not be saved this session, so that the file is not written over."


class AdvisorState:
    """Rules are loaded (and so checked) at start; the engine and the last profile run only when a
    screen first needs them, so the interview paints without paying for them."""

    def __init__(
        self,
        questionnaire: Questionnaire,
        ruleset: RuleSet,
        answers: Answers,
        save_path: Path | None,
        *,
        worker_env: dict[str, str] | None = None,
        runs_folder: Path | None = None,
    ):
        self.questionnaire = questionnaire
        self.ruleset = ruleset
        self.answers: Answers = dict(answers)
        self.save_path = save_path
        self.worker_env = dict(worker_env or {})
        self._runs_folder = runs_folder  # None: do not pick up earlier runs
        self._profile: Any = _NOT_LOOKED_UP
        self.profile_path: Path | None = None
        # Saved runs that could not be read when the last one was looked up: (file, why), newest first.
        self.unreadable_runs: list[tuple[Path, str]] = []
        self._cached: tuple[str, Recommendation] | None = None
        # Why the answers could not be saved the last time they were tried; None when they were.
        self.save_error: str | None = None
        # What was wrong with the saved answers file when the app started (each left out), and a
        # last line saying where the file was backed up (see load_saved_answers).
        self.load_problems: list[str] = []

    @classmethod
    def create(
        cls,
        answers: Answers,
        save_path: Path | None,
        rules_dirs: list[Path] | None = None,
        worker_env: dict[str, str] | None = None,
        runs_folder: Path | None = None,
    ) -> AdvisorState:
        return cls(
            load_questionnaire(),
            load_rules(rules_dirs),
            answers,
            save_path,
            worker_env=worker_env,
            runs_folder=runs_folder,
        )

    @property
    def profile_document(self) -> RunDocument | None:
        """The profile run the advice and the report use: this session's, else the newest readable
        saved one (newer runs that fail to load are skipped and listed in `unreadable_runs`)."""
        if self._profile is _NOT_LOOKED_UP:
            self._profile = None
            if self._runs_folder is not None:
                found, self.unreadable_runs = latest_profile(self._runs_folder)
                if found:
                    self._profile, self.profile_path = found
        return self._profile

    @profile_document.setter
    def profile_document(self, document: RunDocument | None) -> None:
        self._profile = document

    def profile_notice(self) -> str | None:
        """A line the app may show when the newest saved run could not be read (plain text, not markup)."""
        if not self.unreadable_runs:
            return None
        path, why = self.unreadable_runs[0]
        using = f"using {self.profile_path.name}" if self.profile_path else "no earlier run is used"
        more = f" ({len(self.unreadable_runs)} unreadable runs in all)" if len(self.unreadable_runs) > 1 else ""
        return f"The saved run {path.name} could not be read, {using}{more}: {why}"

    def set_answer(self, question_id: str, value: AnswerValue | None) -> list[str]:
        """Set one answer; answers of questions that no longer apply (a serving stack once nothing
        is deployed) are dropped, and their ids returned so the screen can say so."""
        if value is None or value == []:
            self.answers.pop(question_id, None)
        else:
            self.answers[question_id] = value
        dropped = [q.id for q in self.questionnaire.questions if q.id in self.answers and not applies(q, self.answers)]
        for qid in dropped:
            del self.answers[qid]
        self.save()  # a failure is in save_error: the screen tells the person, the answer is kept
        return dropped

    def save(self) -> str | None:
        """Keep the answers in the user data folder, so a person can quit and resume.

        A folder that cannot be written (read-only, full, a file where the folder should be) does not
        stop the app: the answers stay in memory, and why they were not saved is returned and kept
        in `save_error` for the screen to say.
        """
        if self.save_path is None:
            self.save_error = None
            return None
        try:
            save_answers(self.save_path, self.answers)
        except OSError as exc:
            self.save_error = f"Your answers could not be saved ({one_line(exc)}); they are kept until you quit."
        else:
            self.save_error = None
        return self.save_error

    def recommendation(self) -> Recommendation:
        """The advice for the current answers (recomputed only when an answer changed)."""
        from fwadvisor.advisor.engine import recommend
        from fwadvisor.advisor.evidence import evidence_from_profile

        document = self.profile_document
        key = repr(sorted(self.answers.items())) + repr(self.profile_path) + repr(id(document))
        if self._cached is None or self._cached[0] != key:
            evidence = evidence_from_profile(document, self.profile_path) if document is not None else None
            self._cached = (key, recommend(self.answers, self.ruleset, evidence=evidence))
        return self._cached[1]

    def answered_count(self) -> int:
        return sum(1 for q in self.questionnaire.questions if q.id in self.answers)


def load_saved_answers(path: Path) -> tuple[Answers, list[str], bool]:
    """The answers saved last time, for the app: `(answers, problems, keep_saving)`.

    Valid answers are kept and each bad one is described in `problems` (by load_answers_keeping,
    which also copies a damaged file aside). `keep_saving` is False when the file had problems and no
    copy of it was made: then it must not be written over, and the last problem says so.
    """
    try:
        answers, problems = load_answers_keeping(path)
    except (InputError, OSError) as exc:  # not for bad content, but no file is a reason to stop the app
        return {}, [one_line(exc), NOT_SAVING], False
    if problems and not problems[-1].startswith(BACKED_UP):
        return answers, [*problems, NOT_SAVING], False
    return answers, problems, True


def latest_profile(runs: Path) -> tuple[tuple[RunDocument, Path] | None, list[tuple[Path, str]]]:
    """The newest readable profile run in the user's runs folder, if any, and the newer ones that
    could not be read, each with why (a bad run never stops the app)."""
    from fwadvisor.profiler.documents import load_run

    unreadable: list[tuple[Path, str]] = []
    for path in sorted(runs.glob("profile-*.json"), reverse=True):
        try:
            return (load_run(path), path), unreadable
        except InputError as exc:
            unreadable.append((path, exc.message))
    return None, unreadable
