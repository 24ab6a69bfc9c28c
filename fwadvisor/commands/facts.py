"""`fwadvisor facts`: the facts behind a recommendation (or all of them) with their ages, and `--online`,
which asks the package indexes whether a newer release has overtaken a fact."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import textwrap
from collections import defaultdict

from fwadvisor import clock
from fwadvisor.advisor.facts import (
    Claim,
    FactEntry,
    IndexAnswer,
    Overtaken,
    ReleaseCheck,
    ages_of,
    all_facts,
    facts_behind,
    newer_release_lines,
    overtaken,
    release_claims_of,
    save_check,
)
from fwadvisor.advisor.loader import load_rules
from fwadvisor.safe_text import clean, one_line, wrap_words

SOURCE_NAMES = {"pypi": "PyPI (pip)", "npm": "npm"}


def run_facts(args: argparse.Namespace) -> int:
    from fwadvisor.advisor.engine import load_guidance, recommend

    ruleset = load_rules(args.rules, include_user=not args.no_user_rules)
    rules = [entry.rule for entry in ruleset.rules]
    if args.answers is not None:
        from fwadvisor.advisor.questionnaire import load_answers

        rec = recommend(load_answers(args.answers), ruleset, with_what_if=False)
        entries = facts_behind(rec, rules)
        scope = "behind this advice"
    else:
        entries = all_facts(rules, load_guidance())
        scope = "of the rules and the guidance"
    everything = all_facts(rules, load_guidance())
    known = release_claims_of(everything)  # what every fact knows, behind this advice or not
    # Every recorded package is asked, whatever the scope: the saved check serves every later report.
    check = _online_check(everything) if args.online else None
    if args.format == "json":
        print(json.dumps(_json(entries, check, known), indent=2))
        return 0
    width = max(40, min(shutil.get_terminal_size().columns, 100))
    # --online answers one question, what a newer release has overtaken; the listing is `facts` alone.
    claims = release_claims_of(entries)
    lines = _online_lines(check, claims, known, width) if check else _listing(entries, scope, width)
    for line in lines:
        print(line)
    return 0


def _online_check(entries: list[FactEntry]) -> ReleaseCheck:
    """Ask the indexes about every release the facts record, and save what they said for the reports."""
    from fwadvisor.advisor.index_check import ask_indexes
    from fwadvisor.atomic import WriteError

    claims = release_claims_of(entries)
    packages = list(dict.fromkeys((c.release.package, c.release.ecosystem) for c in claims))
    answers = ask_indexes(packages)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    check = ReleaseCheck(now, answers)
    try:
        save_check(check)
    except (OSError, WriteError) as exc:  # the check still prints; only the reports lose it
        print(clean(f"fwadvisor: the check could not be saved for the reports: {exc}"))
    return check


def _listing(entries: list[FactEntry], scope: str, width: int) -> list[str]:
    today = clock.today()
    ages = ages_of((e.checked for e in entries), today)
    if ages is None:
        return [f"No facts {scope}: no rule fired."]
    head = ages.sentence().replace("behind this advice", scope)
    lines = [*textwrap.wrap(head, width), "Oldest first; H primary source, M secondary, L weak.", ""]
    for entry in sorted(entries, key=lambda e: (e.checked, e.owner)):
        evidence = entry.evidence
        head = f"{clock.checked_words(evidence.checked, today)}  {evidence.strength}  "
        # The owner whole, wrapped under itself; a URL in the source is never broken (wrap_words).
        lines += wrap_words(head + one_line(entry.owner), width, indent="", hang=" " * len(head))
        lines += wrap_words(one_line(evidence.source), width, indent="    ")
        if evidence.release is not None:
            record = evidence.release
            dated = f" ({record.date.isoformat()})" if record.date else ""
            lines += textwrap.wrap(
                one_line(f"names {record.package} {record.version}{dated} as the latest ({record.ecosystem})"),
                width,
                initial_indent="    ",
                subsequent_indent="    ",
            )
    return lines


def _online_lines(check: ReleaseCheck, claims: list[Claim], known: list[Claim], width: int) -> list[str]:
    found = overtaken(claims, check.answers, known)
    lines = [f"Release facts against the package indexes ({check.checked_at}):"]
    lines += _problem_lines(check.answers)
    answered = [a for a in check.answers if a.problem is None]
    if found:
        stable = [f for f in found if f.kind == "stable"]
        pre = [f for f in found if f.kind == "pre-release"]
        for title, group in (("Overtaken by a newer release:", stable), ("A newer pre-release is out:", pre)):
            if group:
                lines.append(title)
                lines += _wrapped(newer_release_lines(group), width)
    current = _up_to_date(claims, answered, found)
    if current:
        lines += textwrap.wrap(
            "Up to date: " + ", ".join(current) + ".", width, subsequent_indent="  ", break_on_hyphens=False
        )
    if not found and answered:
        lines.append("No fact is overtaken by a newer release.")
    if answered:
        lines.append("Reports and the app name these newer releases where the advice rests on them.")
    return [part for line in lines for part in _fit(clean(line), width)]


def _fit(line: str, width: int) -> list[str]:
    """A line as it is when it fits, else wrapped with a hanging indent (never inside a word)."""
    if len(line) <= width:
        return [line]
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False, break_long_words=False)


def _wrapped(sentences: list[str], width: int) -> list[str]:
    lines: list[str] = []
    for sentence in sentences:
        lines += textwrap.wrap(sentence, width, initial_indent="  - ", subsequent_indent="    ", break_on_hyphens=False)
    return lines


def _up_to_date(claims: list[Claim], answered: list[IndexAnswer], found: list[Overtaken]) -> list[str]:
    stale = {(f.ecosystem, f.package.lower(), f.claimed) for f in found}
    known = {(a.ecosystem, a.package.lower()) for a in answered}
    return [
        f"{c.release.package} {c.release.version}" + (" (pre-release)" if _is_pre(c) else "")
        for c in claims
        if (c.release.ecosystem, c.release.package.lower()) in known
        and (c.release.ecosystem, c.release.package.lower(), c.release.version) not in stale
    ]


def _is_pre(claim: Claim) -> bool:
    from fwadvisor.advisor.versions import parse_version

    version = parse_version(claim.release.version, claim.release.ecosystem)
    return version is not None and version.prerelease


def _problem_lines(answers: list[IndexAnswer]) -> list[str]:
    """One line per source that could not answer; one per package only where the others did answer."""
    by_source: dict[str, list[IndexAnswer]] = defaultdict(list)
    for answer in answers:
        by_source[answer.ecosystem].append(answer)
    lines = []
    for ecosystem, group in by_source.items():
        failed = [a for a in group if a.problem is not None]
        name = SOURCE_NAMES.get(ecosystem, ecosystem)
        if not failed:
            continue
        if len(failed) == len(group):
            if len(group) == 1:
                lines.append(one_line(f"{name}: no answer for {failed[0].package} ({failed[0].problem})"))
            else:
                lines.append(one_line(f"{name}: no answer for the {len(group)} packages (first: {failed[0].problem})"))
        else:
            lines += [one_line(f"{name}: {a.package} not checked ({a.problem})") for a in failed]
    return lines


def _json(entries: list[FactEntry], check: ReleaseCheck | None, known: list[Claim]) -> dict[str, object]:
    import msgspec

    today = clock.today()
    data: dict[str, object] = {
        "today": today.isoformat(),
        "facts": [
            {
                "owner": e.owner,
                "rule": e.rule,
                **msgspec.to_builtins(e.evidence),
                "age_days": (today - e.checked).days,
            }
            for e in sorted(entries, key=lambda e: (e.checked, e.owner))
        ],
    }
    if check is not None:
        data["online"] = {
            "checked_at": check.checked_at,
            "answers": msgspec.to_builtins(check.answers),
            "overtaken": msgspec.to_builtins(overtaken(release_claims_of(entries), check.answers, known)),
        }
    return data
