"""Load and check rules folders: schema, unique ids, known questions and choices, tested rules."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import msgspec

from fwadvisor import clock
from fwadvisor.advisor.conditions import matches, referenced
from fwadvisor.advisor.facts import records_not_in_text, unrecorded_claims
from fwadvisor.advisor.metrics import KNOWN_METRICS, KNOWN_TEXTS
from fwadvisor.advisor.model import METRIC_TESTS, QUESTION_TESTS, Condition, Questionnaire, Rule, RuleFile
from fwadvisor.advisor.questionnaire import check_answer, load_questionnaire, sense_problems
from fwadvisor.errors import InputError
from fwadvisor.parsecache import load_validated
from fwadvisor.paths import builtin_rules_dir, user_rules_dir
from fwadvisor.safe_text import excerpt, one_line, shown_name
from fwadvisor.validation import convert_or_explain
from fwadvisor.yamlio import line_of, load_yaml

# Files in a rules folder that are not rule files.
NOT_RULE_FILES = {"questions.yaml", "guidance.yaml", "libraries.yaml"}


class Problem(msgspec.Struct, frozen=True):
    file: Path
    line: int | None
    rule: str | None
    reason: str

    def __str__(self) -> str:
        # One line each: the file name, the rule id and the reason are outside text.
        name = shown_name(self.file)
        where = f"{name}:{self.line}" if self.line else name
        rule = f" rule '{excerpt(self.rule, 80)}':" if self.rule else ""
        return f"{where}:{rule} {one_line(self.reason)}"


class RulesError(InputError):
    """A rules folder that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0]
        super().__init__("\n".join(str(p) for p in problems))
        self.file, self.line = None, None  # each problem line names its own file
        self._first = first


class LoadedRule(msgspec.Struct, frozen=True):
    rule: Rule
    file: Path
    index: int  # position in the file's `rules:` list (or, for a library rule, `libraries:`), for line lookups
    root: str = "rules"

    @property
    def line(self) -> int | None:
        return line_of(self.file, [self.root, self.index])


class RuleSet(msgspec.Struct):
    rules: list[LoadedRule] = []
    folders: list[Path] = []
    replaced: list[str] = []  # ids that a later folder replaced

    def by_id(self) -> dict[str, LoadedRule]:
        return {lr.rule.id: lr for lr in self.rules}


# Rule files end in .yaml or .yml (both are common spellings; skipping one silently lost rules).
RULE_FILE_SUFFIXES = (".yaml", ".yml")


def rule_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in RULE_FILE_SUFFIXES and p.name not in NOT_RULE_FILES)


def load_folder(folder: Path, questionnaire: Questionnaire, problems: list[Problem]) -> list[LoadedRule]:
    """Rules of one folder; every problem found is appended to `problems`."""
    if not folder.is_dir():
        problems.append(Problem(folder, None, None, "rules folder not found"))
        return []
    loaded: list[LoadedRule] = []
    seen: dict[str, Path] = {}
    for path in rule_files(folder):
        try:
            parsed: RuleFile = load_validated(path, RuleFile, _parse_rule_file)
        except InputError as exc:
            problems.append(Problem(path, exc.line, getattr(exc, "rule_id", None), exc.message))
            continue
        for index, rule in enumerate(parsed.rules):
            entry = LoadedRule(rule, path, index)
            if rule.id in seen:
                problems.append(
                    Problem(path, entry.line, rule.id, f"duplicate id: already defined in {shown_name(seen[rule.id])}")
                )
                continue
            seen[rule.id] = path
            before = len(problems)
            check_rule(entry, questionnaire, problems)
            if len(problems) == before:
                loaded.append(entry)
    return loaded


class _RuleFileError(InputError):
    rule_id: str | None = None


def _parse_rule_file(path: Path) -> RuleFile:
    data = load_yaml(path, "rules file")
    try:
        if not isinstance(data, dict) or "rules" not in data:
            raise InputError("a rules file must be a mapping with a top-level `rules:` list", file=path, line=1)
        return convert_or_explain(data, RuleFile, path, "rules file")
    except InputError as exc:
        error = _RuleFileError(exc.message, exc.file, exc.line)
        error.rule_id = _rule_id_in(data, exc.message)
        raise error from None


def _rule_id_in(data: object, message: str) -> str | None:
    """The id of the rule a schema error points at (`... at rules[3].weight`), when it has one."""
    match = re.search(r"\brules\[(\d+)\]", message)
    if not match or not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        return None
    rules = data["rules"]
    index = int(match.group(1))
    rule = rules[index] if index < len(rules) else None
    return str(rule["id"]) if isinstance(rule, dict) and "id" in rule else None


def check_rule(entry: LoadedRule, questionnaire: Questionnaire, problems: list[Problem]) -> None:
    rule = entry.rule

    def problem(reason: str, keys: list[str | int] | None = None) -> None:
        line = line_of(entry.file, ["rules", entry.index, *(keys or [])])
        problems.append(Problem(entry.file, line, rule.id, reason))

    if rule.effect in ("favor", "blocker") and rule.framework is None:
        problem(f"effect '{rule.effect}' needs `framework: pytorch` or `framework: tensorflow`")
    if rule.effect in ("alternative", "plan") and rule.framework is not None:
        problem(f"effect '{rule.effect}' is for no single framework: remove `framework`")
    if rule.effect == "favor" and rule.weight <= 0:
        problem("effect 'favor' needs a weight above 0 (1-2 preference, 3-5 strong, 6-10 decisive)")
    if rule.effect != "favor" and rule.weight:
        problem(f"effect '{rule.effect}' scores nothing: remove `weight`")
    if rule.effect == "alternative" and not (rule.option.strip() and rule.fits.strip()):
        problem("effect 'alternative' needs `option` (the other path) and `fits` (when it fits)")
    if rule.effect != "alternative" and (rule.option or rule.fits):
        problem("`option` and `fits` are for effect 'alternative' only")
    if rule.effect == "plan" and {part.framework for part in rule.parts} != {"pytorch", "tensorflow"}:
        problem("effect 'plan' needs `parts` covering both frameworks (at least one part each)")
    if rule.effect != "plan" and rule.parts:
        problem("`parts` is for effect 'plan' only")
    today = clock.today()
    for e_index, evidence in enumerate(rule.evidence):
        if evidence.checked > today:
            problem(
                f"evidence {e_index + 1} was checked on {evidence.checked}, a date in the future "
                f"(today is {today}); give the date the fact was really checked",
                ["evidence", e_index, "checked"],
            )
        if evidence.release is not None and evidence.release.date is not None and evidence.release.date > today:
            problem(
                f"evidence {e_index + 1}'s release {evidence.release.version} is dated {evidence.release.date}, "
                f"after today ({today}): a planned release is not a release yet",
                ["evidence", e_index, "release", "date"],
            )
    # A plan's parts are read as part of its message: a release they name is the rule's claim too.
    said = " ".join([rule.message, *(f"{part.covers} {part.why}" for part in rule.parts)])
    for version in unrecorded_claims(said, rule.evidence):
        problem(
            f"the message names {version} as a latest release, a claim the next release makes stale: add "
            f"`release: {{package: NAME, ecosystem: pypi|npm, version: {version}, date: YYYY-MM-DD}}` to the "
            "evidence item that states it, so `fwadvisor facts --online` can check it",
            ["message"],
        )
    for record in records_not_in_text(said, rule.evidence):
        problem(
            f"release record {record.package} {record.version} is not named in the message: the message and "
            "the record must say the same version",
            ["message"],
        )
    for reason, keys in condition_problems(rule.when, questionnaire, ["when"]):
        problem(reason, keys)
    # A rule on measurements may quote them (and any rule's `measured` sentence does): every
    # {placeholder} must name something a run can give.
    sample: dict[str, object] = {"device": "cpu", "suite": "quick", **dict.fromkeys(KNOWN_TEXTS, "words")}
    for name in KNOWN_METRICS:
        sample[name] = sample[f"inv_{name}"] = 1.0
    quoted = [("message", rule.message)] if referenced(rule.when)[1] else []
    for key, text in [*quoted, ("measured", rule.measured)]:
        try:
            " ".join(text.split()).format_map(sample)
        except (KeyError, ValueError, IndexError) as exc:
            problem(f"{key} placeholder {exc} is not a metric, inv_<metric>, text, device or suite", [key])
    if not any(t.fires for t in rule.tests) or all(t.fires for t in rule.tests):
        problem("tests need at least one case that fires and one that does not")
    by_id = questionnaire.by_id()
    for t_index, test in enumerate(rule.tests):
        answers_at: list[str | int] = ["tests", t_index, "answers"]
        for qid, value in test.answers.items():
            question = by_id.get(qid)
            if question is None:
                problem(f"test {t_index + 1} answers unknown question '{qid}'", answers_at)
            elif (why := check_answer(question, value)) is not None:
                problem(f"test {t_index + 1}: {why}", answers_at)
        for _qid, why in sense_problems(test.answers, questionnaire):
            problem(f"test {t_index + 1}: {why}", answers_at)
        for name in test.metrics:
            if name not in KNOWN_METRICS:
                problem(f"test {t_index + 1} sets unknown metric '{name}'", ["tests", t_index, "metrics"])


def condition_problems(
    cond: Condition, questionnaire: Questionnaire, keys: list[str | int]
) -> list[tuple[str, list[str | int]]]:
    found: list[tuple[str, list[str | int]]] = []
    forms = [name for name in ("all", "any", "not_", "question", "metric") if getattr(cond, name) is not None]
    if len(forms) != 1:
        return [
            (
                "a condition needs exactly one of all / any / not / question / metric, "
                f"found {len(forms)}: {', '.join(f.rstrip('_') for f in forms) or 'none'}",
                keys,
            )
        ]
    form = forms[0]
    if form in ("all", "any"):
        children = getattr(cond, form)
        if not children:
            found.append((f"`{form}` needs at least one condition", keys))
        for i, child in enumerate(children):
            found += condition_problems(child, questionnaire, [*keys, form, i])
        return found
    if form == "not_":
        assert cond.not_ is not None  # `forms` names only the fields that are set
        return condition_problems(cond.not_, questionnaire, [*keys, "not"])
    tests_used = [t for t in (*QUESTION_TESTS, *METRIC_TESTS) if getattr(cond, t) is not None]
    if form == "metric":
        if cond.metric not in KNOWN_METRICS:
            found.append((f"unknown metric '{cond.metric}'; known metrics: {', '.join(sorted(KNOWN_METRICS))}", keys))
        if (
            not tests_used
            or any(t in QUESTION_TESTS for t in tests_used)
            or ("present" in tests_used and len(tests_used) > 1)
        ):
            found.append(("a metric leaf needs gt / ge / lt / le (or `present` alone)", keys))
        return found
    question = questionnaire.by_id().get(cond.question or "")
    if question is None:
        return [
            (
                f"unknown question '{cond.question}'; known questions: {', '.join(questionnaire.by_id())}",
                [*keys, "question"],
            )
        ]
    if len(tests_used) != 1 or tests_used[0] not in QUESTION_TESTS:
        return [
            (
                "a question leaf needs exactly one of equals / in / includes / includes_all / "
                f"only / answered, found: {', '.join(t.rstrip('_') for t in tests_used) or 'none'}",
                keys,
            )
        ]
    test = tests_used[0]
    if test in ("includes", "includes_all", "only") and question.kind != "many":
        found.append(
            (f"`{test}` is for questions with many choices; '{question.id}' takes one (use equals or in)", keys)
        )
    value = getattr(cond, test)
    values = [] if test == "answered" else (value if isinstance(value, list) else [value])
    for choice in values:
        if choice not in question.choices:
            found.append(
                (
                    f"'{choice}' is not a choice of question '{question.id}'; valid "
                    f"choices: {', '.join(question.choices)}",
                    keys,
                )
            )
    return found


# A fact older than this is flagged by `fwadvisor rules check` (facts on these tools go stale fast).
STALE_AFTER_DAYS = 180


def stale_evidence(entry: LoadedRule, today: dt.date | None = None) -> list[Problem]:
    """Warnings (not failures) for evidence last checked more than STALE_AFTER_DAYS ago."""
    today = today or clock.today()
    found = []
    for e_index, evidence in enumerate(entry.rule.evidence):
        age = (today - evidence.checked).days
        if age > STALE_AFTER_DAYS:
            line = line_of(entry.file, ["rules", entry.index, "evidence", e_index, "checked"])
            found.append(
                Problem(
                    entry.file,
                    line,
                    entry.rule.id,
                    f"evidence {e_index + 1} ({evidence.source}) was last checked "
                    f"{evidence.checked}, {age} days ago: check it again at its source",
                )
            )
    return found


def run_rule_tests(entry: LoadedRule) -> list[Problem]:
    import json  # only `rules check` runs the tests; `recommend` need not import json

    failures = []
    for i, test in enumerate(entry.rule.tests):
        fired = matches(entry.rule.when, test.answers, test.metrics)
        if fired != test.fires:
            expected = "fire" if test.fires else "not fire"
            line = line_of(entry.file, ["rules", entry.index, "tests", i])
            failures.append(
                Problem(
                    entry.file,
                    line,
                    entry.rule.id,
                    f"test {i + 1} should {expected} but it did"
                    f"{'' if fired else ' not'} (answers: "
                    f"{json.dumps(test.answers)})",
                )
            )
    return failures


def load_rules(
    extra_folders: list[Path] | None = None,
    *,
    include_builtin: bool = True,
    include_user: bool = True,
    questionnaire: Questionnaire | None = None,
) -> RuleSet:
    """Built-in rules, then the user's config folder, then each --rules folder; later ids replace earlier."""
    questionnaire = questionnaire or load_questionnaire()
    folders: list[Path] = []
    if include_builtin:
        folders.append(builtin_rules_dir())
    user_dir = user_rules_dir()
    if include_user and user_dir.is_dir():
        folders.append(user_dir)
    folders += [Path(f) for f in extra_folders or []]
    problems: list[Problem] = []
    merged: dict[str, LoadedRule] = {}
    replaced: list[str] = []
    if include_builtin:  # the rules the library knowledge base makes, before anything may replace them
        for entry in builtin_library_rules():
            merged[entry.rule.id] = entry
    for folder in folders:
        for entry in load_folder(folder, questionnaire, problems):
            if entry.rule.id in merged:
                replaced.append(entry.rule.id)
            merged[entry.rule.id] = entry
    if problems:
        raise RulesError(problems)
    return RuleSet(list(merged.values()), folders, replaced)


def builtin_library_rules() -> list[LoadedRule]:
    """The rules made from rules/libraries.yaml (see advisor/library_rules.py)."""
    from fwadvisor.advisor.libraries import libraries_path, load_libraries
    from fwadvisor.advisor.library_rules import library_rules

    path = libraries_path()
    return [LoadedRule(rule, path, index, "libraries") for index, rule in library_rules(load_libraries())]
