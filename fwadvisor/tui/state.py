"""What the screens share: the answers (saved as they change), the rules, the latest profile run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fwadvisor.advisor.loader import RuleSet, load_rules
from fwadvisor.advisor.model import AnswerValue, Questionnaire
from fwadvisor.advisor.questionnaire import (
    Answers,
    applies,
    load_answers,
    load_answers_keeping,
    load_questionnaire,
)
from fwadvisor.advisor.saved_answers import AnswersChanged, SavedAnswers
from fwadvisor.errors import InputError
from fwadvisor.frameworks import installed
from fwadvisor.safe_text import one_line
from fwadvisor.tui.saved_runs import ProfileLookup, latest_profile, narrow_reason, partial_reason, run_label

if TYPE_CHECKING:
    from collections.abc import Collection

    from fwadvisor.advisor.engine import ProjectAnswer, Recommendation
    from fwadvisor.advisor.evidence import ProfileEvidence
    from fwadvisor.profiler.documents import RunDocument
    from fwadvisor.scan import ScanResult

_NOT_LOOKED_UP = object()
# The app is reading the saved runs in a thread (AdvisorState.begin_loading_runs): no run yet.
_LOADING = object()
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
        # The saved interview as this window read it: a save merges what other windows saved since.
        self._saved = SavedAnswers(save_path, answers, questionnaire) if save_path is not None else None
        # Set by make_app: the answers file this session opened (None: the saved interview), and where
        # the saved interview lives (an answers-file session writes there only when the person asks).
        self.answers_file: Path | None = None
        self.interview_path: Path | None = save_path
        # The answers as opened: an answers-file session that changed them has something to offer to keep.
        self.opened_answers: Answers = dict(answers)
        self.worker_env = dict(worker_env or {})
        # Whether a framework's package is installed (looked up, never imported); make_app may give another.
        self.framework_installed: Callable[[str], bool] = installed
        self._runs_folder = runs_folder  # None: do not pick up earlier runs
        self._profile: Any = _NOT_LOOKED_UP
        self.profile_path: Path | None = None
        # Saved runs that could not be read when the last one was looked up: (file, why), newest first.
        self.unreadable_runs: list[tuple[Path, str]] = []
        # Saved partial runs newer than the complete one picked at start: (file, why partial), newest first.
        self.passed_over_runs: list[tuple[Path, str]] = []
        self._cached: tuple[str, Recommendation] | None = None
        # The evidence of the run in use, computed once per run (its intervals cost a bootstrap each):
        # (id of the document, its path, the evidence).
        self._evidence: tuple[int, Path | None, ProfileEvidence] | None = None
        self._release_check: Any = _NOT_LOOKED_UP  # the last `fwadvisor facts --online`, read when first needed
        # From "Start from a project folder": each library's share of the project's files, and the
        # answers taken from the project with their evidence.
        self.library_shares: dict[str, float] = {}
        self.inferred: list[ProjectAnswer] = []
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
        """The profile run the advice and the report use: this session's, else the newest complete
        saved one, else the newest readable one (newer runs that fail to load are skipped and listed in
        `unreadable_runs`; newer partial ones passed over for a complete one, in `passed_over_runs`)."""
        if self._profile is _LOADING:
            return None
        if self._profile is _NOT_LOOKED_UP:
            self._profile = None
            if self._runs_folder is not None:
                self._take_lookup(latest_profile(self._runs_folder))
        return self._profile

    @profile_document.setter
    def profile_document(self, document: RunDocument | None) -> None:
        self._profile = document

    def _take_lookup(self, lookup: ProfileLookup) -> None:
        self.unreadable_runs, self.passed_over_runs = lookup.unreadable, lookup.passed_over
        self._profile, self.profile_path = lookup.found if lookup.found else (None, None)

    def begin_loading_runs(self) -> bool:
        """Mark the lookup of the saved runs as under way in a thread (the app's): until it is taken
        (finish_loading_runs) there is no run. False when there is nothing to look up.

        A saved run can be large (up to 64 MB, 200,000 samples a record) and its intervals cost a
        bootstrap each: read on the event loop, a 1.8 MB run froze the app for 21 s at start (issue 20).
        """
        if self._runs_folder is None or self._profile is not _NOT_LOOKED_UP:
            return False
        if not any(self._runs_folder.glob("profile-*.json")):  # none saved: nothing to wait for
            return False
        self._profile = _LOADING
        return True

    @property
    def loading_runs(self) -> bool:
        """Whether the saved runs are still being read (the screens say so)."""
        return self._profile is _LOADING

    def read_saved_runs(self) -> tuple[ProfileLookup, ProfileEvidence | None]:
        """The lookup of the saved runs and the evidence of the one found: the slow part, safe to run
        in a thread (it reads files and computes, and changes nothing in the state)."""
        from fwadvisor.advisor.evidence import evidence_from_profile

        assert self._runs_folder is not None
        lookup = latest_profile(self._runs_folder)
        evidence = evidence_from_profile(*lookup.found) if lookup.found else None
        return lookup, evidence

    def finish_loading_runs(self, lookup: ProfileLookup, evidence: ProfileEvidence | None) -> bool:
        """Take what read_saved_runs found; False when a run of this session took its place meanwhile."""
        if self._profile is not _LOADING:
            return False
        self._take_lookup(lookup)
        if lookup.found and evidence is not None:
            self._evidence = (id(lookup.found[0]), lookup.found[1], evidence)
        return True

    def profile_evidence(self) -> ProfileEvidence | None:
        """The evidence of the run in use (computed once per run)."""
        from fwadvisor.advisor.evidence import evidence_from_profile

        document = self.profile_document
        if document is None:
            return None
        if self._evidence is None or self._evidence[:2] != (id(document), self.profile_path):
            self._evidence = (id(document), self.profile_path, evidence_from_profile(document, self.profile_path))
        return self._evidence[2]

    def profile_notice(self) -> str | None:
        """A line the app may show when the newest saved run could not be read (plain text, not markup)."""
        if not self.unreadable_runs:
            return None
        path, why = self.unreadable_runs[0]
        using = f"using {self.profile_path.name}" if self.profile_path else "no earlier run is used"
        more = f" ({len(self.unreadable_runs)} unreadable runs in all)" if len(self.unreadable_runs) > 1 else ""
        return f"The saved run {path.name} could not be read, {using}{more}: {why}"

    def use_run(self, document: RunDocument, path: Path) -> None:
        """Make a run of this session the evidence of the advice and the report."""
        self.profile_document, self.profile_path = document, path
        self.passed_over_runs = []  # they were about the run picked at start

    def evidence_line(self) -> str | None:
        """Which saved run the advice uses, and why a newer one is not it (plain text); None without one."""
        document = self.profile_document
        if document is None or self.profile_path is None:
            return None
        line = f"The advice uses the run {self.profile_path.name} ({run_label(document)})"
        why_partial = partial_reason(document)
        if why_partial is not None:
            return f"{line}, a partial run: {why_partial}."
        narrow = narrow_reason(document)
        if narrow is not None:  # no whole-suite run was there to take
            line += f", not the whole suite ({narrow})"
        if self.passed_over_runs:
            path, why = self.passed_over_runs[0]
            more = (
                f" ({len(self.passed_over_runs)} newer runs passed over in all)"
                if len(self.passed_over_runs) > 1
                else ""
            )
            return f"{line}: {path.name} is newer but {why}{more}."
        return f"{line}."

    def set_answer(self, question_id: str, value: AnswerValue | None) -> list[str]:
        """Set one answer; answers of questions that no longer apply (a serving stack once nothing
        is deployed) are dropped, and their ids returned so the screen can say so."""
        if self._saved is not None:
            self._saved.settle(question_id)  # answered again after a clash was told: this answer wins
        if value is None or value == []:
            self.answers.pop(question_id, None)
        else:
            self.answers[question_id] = value
        dropped = [q.id for q in self.questionnaire.questions if q.id in self.answers and not applies(q, self.answers)]
        for qid in dropped:
            del self.answers[qid]
        self.save()  # a failure is in save_error: the screen tells the person, the answer is kept
        return dropped

    def restore_answers(self, held: dict[str, AnswerValue]) -> list[str]:
        """Put back the `held` answers whose questions apply again (in question order, so an answer put
        back can make the next one apply); returns their ids, saved when there are any."""
        restored: list[str] = []
        for question in self.questionnaire.questions:
            if question.id in held and question.id not in self.answers and applies(question, self.answers):
                self.answers[question.id] = held[question.id]
                restored.append(question.id)
        if restored:
            self.save()
        return restored

    def all_answered(self) -> bool:
        """Whether every question that applies to the answers has one (the app then opens on the advice)."""
        return all(q.id in self.answers for q in self.questionnaire.questions if applies(q, self.answers))

    def take_project_answers(self, result: ScanResult, keep: Collection[str]) -> list[str]:
        """Add the scan's answers in `keep` where the person has not answered; returns the ids added.
        An answer that would not make sense beside the person's own is left out."""
        from fwadvisor.scan.use import with_project

        self.answers, self.inferred, self.library_shares = with_project(result, self.answers, keep)
        self.save()
        return [answer.question for answer in self.inferred]

    def save(self) -> str | None:
        """Keep the answers in the user data folder, so a person can quit and resume.

        A folder that cannot be written (read-only, full, a file where the folder should be) does not
        stop the app: the answers stay in memory, and why they were not saved is returned and kept
        in `save_error` for the screen to say.
        """
        if self.save_path is None:
            self.save_error = None
            return None
        if self._saved is None or self._saved.path != self.save_path:
            self._saved = SavedAnswers(self.save_path, self.answers, self.questionnaire)
        try:
            merged = self._saved.save(self.answers)
        except AnswersChanged as exc:
            self.save_error = str(exc)
        except OSError as exc:
            self.save_error = f"Your answers could not be saved ({one_line(exc)}); they are kept until you quit."
        else:
            self.save_error = None
            if merged != self.answers:  # another window's answers, kept: this window shows them too
                self.answers.clear()
                self.answers.update(merged)
        return self.save_error

    def answers_source(self) -> str | None:
        """Which answers are shown when they are not the saved interview (plain text); None when they are."""
        if self.answers_file is None:
            return None
        return f"Answers: {one_line(self.answers_file.name)}, not saved"

    def has_unsaved_answers(self) -> bool:
        """Whether this session shows an answers file whose answers the person has changed (and not kept)."""
        return self.answers_file is not None and self.answers != self.opened_answers

    def saved_interview_summary(self) -> str:
        """What saving these answers as the interview would replace, in words (plain text)."""
        path = self.interview_path
        if path is None:
            return "no saved interview"
        where = one_line(path)
        if not path.exists():
            return f"no saved interview yet ({where} will be made)"
        if not path.is_file():  # a FIFO would block the read; a folder cannot be read as answers
            return f"{where}, which is not a regular file"
        try:
            count = len(load_answers(path))
        except (InputError, OSError):
            return f"your saved interview in {where} (it cannot be read as it is)"
        return f"your saved interview: {count} answer{'' if count == 1 else 's'} in {where}"

    def save_as_interview(self) -> str | None:
        """Make these answers the saved interview; from here on they are saved as they change.

        Returns why they could not be saved (plain text), or None when they were.
        """
        path = self.interview_path
        if path is None:
            return "This session saves no answers (it was started without a place for them): nothing was saved."
        if path.exists() and not path.is_file():
            return f"Not saved: {one_line(path)} is not a regular file."
        saved = SavedAnswers(path, self.answers, self.questionnaire)
        try:
            saved.replace(self.answers)  # the person was told what it replaces, and chose to
        except OSError as exc:
            return f"Your answers could not be saved as your interview ({one_line(exc)})."
        self.save_path, self.answers_file, self._saved = path, None, saved
        self.opened_answers = dict(self.answers)
        self.save_error = None
        return None

    def recommendation(self) -> Recommendation:
        """The advice for the current answers (recomputed only when an answer changed)."""
        from fwadvisor.advisor.engine import recommend

        document = self.profile_document
        key = (
            repr(sorted(self.answers.items()))
            + repr(self.profile_path)
            + repr(id(document))
            + repr(sorted(self.library_shares.items()))
            + repr(self.inferred)
        )
        if self._cached is None or self._cached[0] != key:
            evidence = self.profile_evidence()
            if self._release_check is _NOT_LOOKED_UP:
                from fwadvisor.advisor.facts import load_last_check

                self._release_check = load_last_check()
            rec = recommend(
                self.answers,
                self.ruleset,
                evidence=evidence,
                release_check=self._release_check,
                library_shares=self.library_shares or None,
            )
            # Only what still stands as the project said: an answer the person changed is theirs now.
            rec.inferred = [a for a in self.inferred if self.answers.get(a.question) == a.value]
            self._cached = (key, rec)
        return self._cached[1]


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


def output_folder() -> Path:
    """Where exports and screenshots go: the working directory, else (gone, or not writable) the user
    data folder, made if need be. Never ~/Downloads, which many machines (SSH, containers) lack."""
    import os

    from fwadvisor.paths import user_data_dir

    try:
        here = Path.cwd()
    except OSError:  # the working directory was removed under us
        here = None
    if here is not None and here.is_dir() and os.access(here, os.W_OK | os.X_OK):
        return here
    folder = user_data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # the export's own check then tells the person, in plain words, that the folder is missing
    return folder
