"""What the screens share: the answers (saved as they change), the rules, the latest profile run."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from fwadvisor.advisor.loader import RuleSet, load_rules
from fwadvisor.advisor.model import AnswerValue, Questionnaire
from fwadvisor.advisor.questionnaire import Answers, applies, load_questionnaire, save_answers
from fwadvisor.errors import InputError

if TYPE_CHECKING:
    from fwadvisor.advisor.engine import Recommendation
    from fwadvisor.profiler.documents import RunDocument

_NOT_LOOKED_UP = object()


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
        self.save()
        return dropped

    def save(self) -> None:
        """Keep the answers in the user data folder, so a person can quit and resume."""
        if self.save_path is not None:
            save_answers(self.save_path, self.answers)

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
