"""`fwadvisor recommend`: answers file (and optionally a profile run) -> recommendation report."""

from __future__ import annotations

import argparse
from pathlib import Path

from fwadvisor.advisor.engine import ProjectAnswer, recommend
from fwadvisor.advisor.facts import load_last_check
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.questionnaire import load_answers
from fwadvisor.commands.output import check_output, emit
from fwadvisor.errors import InputError


def run_recommend(args: argparse.Namespace) -> int:
    check_output(args.output)  # a bad --output is refused before anything else is read
    if args.answers is None and args.project is None:
        raise InputError("give --answers FILE, --project PATH, or both (your answers win over the project's)")
    if args.answers is not None and _same_file(args.answers, args.output):
        raise InputError(f"--output {args.output} is the answers file: write the report somewhere else")
    answers = load_answers(args.answers) if args.answers is not None else {}
    inferred: list[ProjectAnswer] = []
    shares: dict[str, float] = {}
    if args.project is not None:
        from fwadvisor.scan import scan_project
        from fwadvisor.scan.use import with_project

        answers, inferred, shares = with_project(scan_project(args.project), answers)
    ruleset = load_rules(args.rules, include_user=not args.no_user_rules)
    profile = evidence = None
    if args.profile is not None:
        from fwadvisor.advisor.evidence import evidence_from_profile
        from fwadvisor.profiler.documents import load_run

        profile = load_run(args.profile)
        evidence = evidence_from_profile(profile, args.profile)
    rec = recommend(answers, ruleset, evidence=evidence, release_check=load_last_check(), library_shares=shares or None)
    rec.inferred = inferred
    if args.format == "text" and args.output is None:
        from fwadvisor.report.text import print_report

        print_report(rec, profile=profile, profile_path=args.profile, replaced=ruleset.replaced)
        return 0
    from fwadvisor.report.render import render

    emit(
        render(rec, args.format, profile=profile, profile_path=args.profile, replaced=ruleset.replaced),
        args.output,
        "Report",
    )
    return 0


def _same_file(a: Path, b: Path | None) -> bool:
    try:
        return b is not None and b.exists() and a.exists() and a.resolve().samefile(b.resolve())
    except OSError:
        return False
