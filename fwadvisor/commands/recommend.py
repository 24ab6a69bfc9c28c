"""`fwadvisor recommend`: answers file (and optionally a profile run) -> recommendation report."""

from __future__ import annotations

import argparse

from fwadvisor.advisor.engine import ProjectAnswer, recommend
from fwadvisor.advisor.facts import load_last_check
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.questionnaire import load_answers
from fwadvisor.commands.output import check_output, emit, refuse_inputs, refuse_read_files, rules_inputs
from fwadvisor.errors import InputError


def run_recommend(args: argparse.Namespace) -> int:
    check_output(args.output)  # a bad --output is refused before anything else is read
    if args.answers is None and args.project is None:
        raise InputError("give --answers FILE, --project PATH, or both (your answers win over the project's)")
    if args.output is not None:  # the report never replaces what it is made from (nor through a link)
        inputs = [("the answers file", args.answers), ("the profile run", args.profile)]
        refuse_inputs(args.output, inputs + rules_inputs(args.rules, include_user=not args.no_user_rules))
    answers = load_answers(args.answers) if args.answers is not None else {}
    inferred: list[ProjectAnswer] = []
    shares: dict[str, float] = {}
    if args.project is not None:
        from fwadvisor.scan import scan_project
        from fwadvisor.scan.use import with_project

        read: set[tuple[int, int]] = set()
        scanned = scan_project(args.project, read_files=read)
        refuse_read_files(args.output, read, f"a file of the project folder {args.project}")
        answers, inferred, shares = with_project(scanned, answers)
    ruleset = load_rules(args.rules, include_user=not args.no_user_rules)
    profile = evidence = None
    if args.profile is not None:
        from fwadvisor.advisor.evidence import evidence_from_profile
        from fwadvisor.profiler.run_file import load_run

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
