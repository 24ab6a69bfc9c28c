"""`fwadvisor recommend`: answers file (and optionally a profile run) -> recommendation report."""

from __future__ import annotations

import argparse

from fwadvisor.advisor.engine import recommend
from fwadvisor.advisor.facts import load_last_check
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.questionnaire import load_answers
from fwadvisor.commands.output import check_output, emit


def run_recommend(args: argparse.Namespace) -> int:
    check_output(args.output)  # a bad --output is refused before anything else is read
    answers = load_answers(args.answers)
    ruleset = load_rules(args.rules, include_user=not args.no_user_rules)
    profile = evidence = None
    if args.profile is not None:
        from fwadvisor.advisor.evidence import evidence_from_profile
        from fwadvisor.profiler.documents import load_run

        profile = load_run(args.profile)
        evidence = evidence_from_profile(profile, args.profile)
    rec = recommend(answers, ruleset, evidence=evidence, release_check=load_last_check())
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
