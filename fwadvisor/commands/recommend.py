"""`fwadvisor recommend`: answers file -> recommendation report."""

from __future__ import annotations

import argparse

from fwadvisor.advisor.engine import recommend
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.questionnaire import load_answers
from fwadvisor.commands.output import emit


def run_recommend(args: argparse.Namespace) -> int:
    answers = load_answers(args.answers)
    ruleset = load_rules(args.rules, include_user=not args.no_user_rules)
    rec = recommend(answers, ruleset)
    if args.format == "text" and args.output is None:
        from fwadvisor.report.text import print_report

        print_report(rec)
        return 0
    from fwadvisor.report.render import render

    emit(render(rec, args.format), args.output, "Report")
    return 0
