"""The facts behind the advice: every evidence item of the rules and the guidance, with its age, and the
claims about releases ("the latest release of X is V") that must be written as data to be checkable.

Headless; `fwadvisor facts` lists these, and advisor/releases.py checks the release records online.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal, Protocol

import msgspec

from fwadvisor import clock
from fwadvisor.advisor.model import Evidence, Guidance, Misconception, NextStep, Outlook, Release, Rule
from fwadvisor.advisor.versions import Ecosystem, Version, parse_version
from fwadvisor.clock import age_words

CHECK_FILE = "release-check.json"

# A claim about the newest release of something: latest / last / newest / most recent, then a version
# number within eight words ("TF.js's last release is 4.22.0", "the latest coremltools, 9.0"), or
# just before after "is the" ("2.15 is the newest"). Such a sentence goes stale with the next
# release, so `rules check` wants it as data: a `release` record in the evidence of the same rule (or
# guidance entry) whose version the text names. "The last release with X" and "the last to ..." are
# history, which no later release changes: no record needed.
TRIGGER = re.compile(r"\b(?:latest|last|newest|most\s+recent)\b", re.IGNORECASE)
VERSION = re.compile(
    r"(?<![\w.])v?(?P<version>\d+\.\d+(?:\.\d+)*(?:(?:a|b|rc|\.dev|\.post|-rc\.|-beta\.|-alpha\.)\d+)?)(?![\w])"
)
WORDS_AFTER, WORDS_BEFORE = 8, 4
HISTORY_WORD = re.compile(r"\b(?:with|without|that|which|to|before|supporting|bundling|where|for)\b", re.IGNORECASE)
HISTORY = re.compile(rf"\s*(?:\w+\s+){{0,2}}?{HISTORY_WORD.pattern}", re.IGNORECASE)
IS_THE = re.compile(r"\b(?:is|are|was|as)\s+(?:the|its)\s*$", re.IGNORECASE)


def release_claims(text: str) -> list[str]:
    """The versions that `text` names as a latest / last / newest release (one per trigger word)."""
    flat = " ".join(text.split())
    found = []
    for trigger in TRIGGER.finditer(flat):
        following = " ".join(flat[trigger.end() :].split(" ")[: WORDS_AFTER + 1])
        if HISTORY.match(following):  # "the last release with native Windows GPU": history, not news
            continue
        version = VERSION.search(following)
        if version is not None and HISTORY_WORD.search(following[: version.start()]):
            continue
        preceding = " ".join(flat[: trigger.start()].split(" ")[-WORDS_BEFORE - 1 :])
        if version is None and IS_THE.search(preceding):  # "2.15 (2026-10) is the newest"
            version = next(reversed(list(VERSION.finditer(preceding))), None)
        if version:
            found.append(version.group("version"))
    return found


def unrecorded_claims(text: str, evidence: Iterable[Evidence]) -> list[str]:
    """Claims in `text` with no `release` record among `evidence` whose version the text names.

    A claim counts as recorded when any record's version appears in the text: "2.22.0rc0 is out,
    the newest after 2.21.0" needs records for what it says is newest, and the version match keeps a
    record from vouching for a text that no longer names it.
    """
    records = [e.release for e in evidence if e.release is not None]
    flat = " ".join(text.split())
    if not release_claims(flat):
        return []
    if any(_names_version(flat, r.version) for r in records):
        return []
    return release_claims(flat)


def records_not_in_text(text: str, evidence: Iterable[Evidence]) -> list[Release]:
    """Release records whose version the text does not name: the record no longer matches what is said."""
    flat = " ".join(text.split())
    return [e.release for e in evidence if e.release is not None and not _names_version(flat, e.release.version)]


def _names_version(text: str, version: str) -> bool:
    # 2.21.0 is named by "2.21.0" and by "2.21" (a release spoken of by its minor version), never by 2.21.01.
    candidates = {version}
    parts = version.split(".")
    if len(parts) == 3 and parts[2] == "0":
        candidates.add(".".join(parts[:2]))
    return any(re.search(rf"(?<![\w.]){re.escape(c)}(?![\w]|\.\d)", text) for c in candidates)


class FactEntry(msgspec.Struct, frozen=True):
    """One evidence item and what rests on it (a rule id, or a part of the guidance)."""

    owner: str  # "rule tf-serving-estate", "outlook (TensorFlow)", "misconception: ..."
    rule: str | None  # the rule id, where a rule rests on it
    evidence: Evidence

    @property
    def checked(self) -> dt.date:
        return self.evidence.checked


def guidance_texts(guidance: Guidance) -> Iterator[tuple[str, str, list[Evidence]]]:
    """(owner, text, evidence) for each part of the guidance that carries evidence."""
    for framework, outlook in guidance.outlook.items():
        text = " ".join([outlook.summary, *outlook.points])
        yield f"outlook ({_framework_name(framework)})", text, outlook.evidence
    for misconception in guidance.misconceptions:
        yield f"misconception: {_short(misconception.claim)}", misconception.correction, misconception.evidence
    for faq in guidance.faq:
        yield f"FAQ: {_short(faq.question)}", faq.answer, faq.evidence
    for framework, steps in guidance.next_steps.items():
        for step in steps:
            yield f"next step ({_framework_name(framework)}): {_short(step.title)}", step.why, step.evidence or []


def guidance_claim_problems(guidance: Guidance) -> list[str]:
    """Release claims in the guidance without a matching record, and records its text does not name."""
    found = []
    for owner, text, evidence in guidance_texts(guidance):
        for version in unrecorded_claims(text, evidence):
            found.append(f"{owner}: names {version} as a latest release without a `release` record in its evidence")
        for record in records_not_in_text(text, evidence):
            found.append(f"{owner}: release record {record.package} {record.version} is not named in its text")
    return found


def _short(text: str) -> str:
    """A guidance item's name on one line, whole: outputs wrap it (issue 19: nothing is cut)."""
    return " ".join(text.split())


def _framework_name(framework: str) -> str:
    from fwadvisor.frameworks import display_name

    return display_name(framework)


def all_facts(rules: Iterable[Rule], guidance: Guidance) -> list[FactEntry]:
    """Every evidence item of the rules and the guidance."""
    entries = [FactEntry(f"rule {rule.id}", rule.id, e) for rule in rules for e in rule.evidence]
    entries += [FactEntry(owner, None, e) for owner, _text, evidence in guidance_texts(guidance) for e in evidence]
    return entries


class FromRule(Protocol):
    """A part of the advice that one rule gave (a reason, caveat, blocker, other path or plan)."""

    @property
    def rule(self) -> str: ...


class AdviceParts(Protocol):
    """What the facts behind a piece of advice are read from: the parts of engine.Recommendation that
    name rules and guidance. Named here, not imported, because the engine imports this module."""

    @property
    def reasons(self) -> Sequence[FromRule]: ...
    @property
    def caveats(self) -> Sequence[FromRule]: ...
    @property
    def blockers(self) -> Sequence[FromRule]: ...
    @property
    def alternatives(self) -> Sequence[FromRule]: ...
    @property
    def plan_rule(self) -> FromRule | None: ...
    @property
    def outlook(self) -> Mapping[str, Outlook]: ...
    @property
    def misconceptions(self) -> Sequence[Misconception]: ...
    @property
    def next_steps(self) -> Sequence[NextStep]: ...


def facts_behind(rec: AdviceParts, rules: Iterable[Rule]) -> list[FactEntry]:
    """The evidence items behind one recommendation: its rules that fired and the guidance it shows."""
    used = rule_ids(rec)
    entries = [FactEntry(f"rule {rule.id}", rule.id, e) for rule in rules if rule.id in used for e in rule.evidence]
    for framework, outlook in rec.outlook.items():
        entries += [FactEntry(f"outlook ({_framework_name(framework)})", None, e) for e in outlook.evidence]
    for misconception in rec.misconceptions:
        owner = f"misconception: {_short(misconception.claim)}"
        entries += [FactEntry(owner, None, e) for e in misconception.evidence]
    for step in rec.next_steps:
        entries += [FactEntry(f"next step: {_short(step.title)}", None, e) for e in step.evidence or []]
    return entries


def rule_ids(rec: AdviceParts) -> set[str]:
    """The ids of the rules a recommendation rests on (reasons, caveats, blockers, other paths, the plan)."""
    ids = {item.rule for group in (rec.reasons, rec.caveats, rec.blockers, rec.alternatives) for item in group}
    if rec.plan_rule is not None:
        ids.add(rec.plan_rule.rule)
    return ids


def release_claims_of(entries: Iterable[FactEntry]) -> list[Claim]:
    """One claim per recorded release, with every rule or guidance part that names it."""
    owners: dict[tuple[str, str, str], list[str]] = {}
    records: dict[tuple[str, str, str], Release] = {}
    for entry in entries:
        record = entry.evidence.release
        if record is None:
            continue
        key = (record.ecosystem, record.package.lower(), record.version)
        records.setdefault(key, record)
        names = owners.setdefault(key, [])
        if entry.owner not in names:
            names.append(entry.owner)
    return [Claim(records[key], owners[key]) for key in sorted(records)]


class FactAges(msgspec.Struct, frozen=True):
    """How old the facts behind a piece of advice are."""

    facts: int
    oldest: dt.date
    newest: dt.date
    today: dt.date

    def sentence(self) -> str:
        """ "The 57 facts behind this advice were checked between 2026-11-27 (10 days ago) and 2026-12-07
        (today)." with the ages counted from today."""
        if self.oldest == self.newest:
            when = f"on {self.oldest.isoformat()} ({age_words(self.oldest, self.today)})"
        else:
            when = (
                f"between {self.oldest.isoformat()} ({age_words(self.oldest, self.today)}) and "
                f"{self.newest.isoformat()} ({age_words(self.newest, self.today)})"
            )
        noun = "fact" if self.facts == 1 else "facts"
        return f"The {self.facts} {noun} behind this advice were checked {when}."


def ages_of(dates: Iterable[dt.date], today: dt.date | None = None) -> FactAges | None:
    ordered = sorted(dates)
    if not ordered:
        return None
    return FactAges(len(ordered), ordered[0], ordered[-1], today or clock.today())


def newer_release_lines(overtaken: Iterable[Overtaken]) -> list[str]:
    """One sentence per newer release: "TensorFlow's index has 2.22.0rc0 (pre-release), newer than the 2.21.0
    that rule x names."""
    lines = []
    for item in overtaken:
        dated = f", {item.date}" if item.date else ""
        who = ", ".join(item.owners)
        lines.append(
            f"{item.package} {item.newer} ({item.kind}{dated}) is newer than the {item.claimed} named by {who}."
        )
    return lines


# The online check (advisor/index_check.py asks; these keep what it found and compare it with the facts).


class IndexAnswer(msgspec.Struct, frozen=True):
    """What an index said of one package: its newest stable and newest pre-release (None: none)."""

    package: str
    ecosystem: Ecosystem
    newest_stable: str | None = None
    newest_prerelease: str | None = None  # only when newer than the newest stable
    dates: dict[str, str] = {}  # version -> release date (npm gives them; pip does not)
    problem: str | None = None  # why there is no answer: a missing tool, no network, a malformed answer
    problem_kind: str | None = None  # missing_tool | unreachable | malformed | timeout | not_found


class Claim(msgspec.Struct, frozen=True):
    """A release record and what states it."""

    release: Release
    owners: list[str]  # the rules (and guidance parts) whose text names it


ReleaseKind = Literal["stable", "pre-release"]


class Overtaken(msgspec.Struct, frozen=True):
    """A claim that a newer release has overtaken."""

    package: str
    ecosystem: str
    claimed: str  # the version the facts name as the latest
    newer: str  # the newer release the index has
    kind: ReleaseKind
    owners: list[str]
    date: str | None = None  # the newer release's date, where the index gives it


class ReleaseCheck(msgspec.Struct, frozen=True):
    """One online check, as saved for reports and the app."""

    checked_at: str  # ISO date and time, UTC
    answers: list[IndexAnswer]  # compared with the facts when shown, so a check outlives a rules update

    @property
    def date(self) -> dt.date | None:
        try:
            return dt.date.fromisoformat(self.checked_at[:10])
        except ValueError:
            return None


def check_path() -> Path:
    from fwadvisor.paths import user_cache_dir

    return user_cache_dir() / CHECK_FILE


def save_check(check: ReleaseCheck) -> Path:
    from fwadvisor.atomic import write_atomic

    path = check_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, msgspec.json.format(msgspec.json.encode(check), indent=2) + b"\n")
    return path


def load_last_check() -> ReleaseCheck | None:
    """The last saved online check, or None (never checked, or a file that cannot be read: both mean
    that nothing is known beyond the facts themselves)."""
    path = check_path()
    try:
        if not path.is_file() or path.stat().st_size > 1_000_000:
            return None
        return msgspec.json.decode(path.read_bytes(), type=ReleaseCheck)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None


def overtaken(
    claims: Iterable[Claim], answers: Iterable[IndexAnswer], known: Iterable[Claim] | None = None
) -> list[Overtaken]:
    """The claims a newer release has overtaken, stable releases and pre-releases told apart.

    A claim is overtaken by a newer stable release, or else by a newer pre-release that no fact knows
    yet: "the latest stable TensorFlow is 2.21.0" stays true when 2.22.0rc0 is out, and a text that
    names the release candidate beside it already knows. A claim of a pre-release is overtaken by
    anything newer.
    """
    claims = list(claims)
    by_package = {(a.ecosystem, a.package.lower()): a for a in answers if a.problem is None}
    versions: dict[tuple[str, str], list[tuple[Version, set[str]]]] = {}
    # What every fact knows, not only those checked here: a pre-release one rule names is no news to another.
    for claim in [*claims, *(known or [])]:
        version = parse_version(claim.release.version, claim.release.ecosystem)
        if version is not None:
            key = (claim.release.ecosystem, claim.release.package.lower())
            versions.setdefault(key, []).append((version, set(claim.owners)))
    found = []
    for claim in claims:
        record = claim.release
        key = (record.ecosystem, record.package.lower())
        answer = by_package.get(key)
        said = parse_version(record.version, record.ecosystem)
        if answer is None or said is None:
            continue
        newest: list[tuple[str | None, ReleaseKind]] = [
            (answer.newest_stable, "stable"),
            (answer.newest_prerelease, "pre-release"),
        ]
        for newer_text, kind in newest:
            newer = parse_version(newer_text, record.ecosystem) if newer_text else None
            if newer is None or newer <= said:
                continue
            if kind == "stable" and any(v >= newer and owners & set(claim.owners) for v, owners in versions[key]):
                continue  # the same text names the newer release too ("2.16, after 2.15")
            if kind == "pre-release" and not said.prerelease and any(v >= newer for v, _ in versions[key]):
                continue  # the facts know this pre-release already
            found.append(
                Overtaken(
                    record.package,
                    record.ecosystem,
                    record.version,
                    newer.text,
                    kind,
                    claim.owners,
                    answer.dates.get(newer.text),
                )
            )
            break  # a newer stable release says enough; a pre-release only when no stable overtook it
    return found
