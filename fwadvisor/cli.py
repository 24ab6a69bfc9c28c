"""The `fwadvisor` command line. `fwadvisor` alone opens the TUI; every feature also works headless."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fwadvisor import __version__
from fwadvisor.errors import InputError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _add_rules_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rules", metavar="DIR", action="append", type=Path, default=[],
                        help="an extra rules folder (repeatable); its rules replace built-in ones "
                             "with the same id")
    parser.add_argument("--no-user-rules", action="store_true",
                        help="ignore the rules in your user config folder")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fwadvisor",
        description="Choose between TensorFlow and PyTorch for your project, with reasons, checked "
                    "facts and benchmarks on your own machine. Without a command it opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"fwadvisor {__version__}")
    parser.add_argument("--answers", type=Path, metavar="FILE",
                        help="open the app with the answers in FILE filled in")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    rec = commands.add_parser("recommend", help="recommend a framework for the answers in a file",
                              description="Recommend TensorFlow or PyTorch for the project described "
                                          "in an answers file (see `fwadvisor answers-template`).")
    rec.add_argument("--answers", type=Path, required=True, metavar="FILE",
                     help="answers file (YAML or JSON mapping of question id to answer)")
    rec.add_argument("--format", choices=("text", "md", "html", "json"), default="text",
                     help="report format (default: text)")
    rec.add_argument("--output", type=Path, metavar="FILE", help="write the report to FILE")
    _add_rules_options(rec)

    tpl = commands.add_parser("answers-template",
                              help="print a commented answers file with every question and choice")
    tpl.add_argument("--output", type=Path, metavar="FILE", help="write the template to FILE")

    rules = commands.add_parser("rules", help="check, list or describe decision rules")
    rules_commands = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    check = rules_commands.add_parser("check", help="validate rules folders and run every rule's tests",
                                      description="Validate rules folders (schema, unique ids, known "
                                                  "question ids and choices, every rule tested) and "
                                                  "run each rule's test cases. Without DIR: the "
                                                  "built-in rules and your user rules.")
    check.add_argument("dirs", nargs="*", type=Path, metavar="DIR", help="rules folder(s) to check")
    listing = rules_commands.add_parser("list", help="list the rules in force")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    _add_rules_options(listing)
    schema = rules_commands.add_parser("schema", help="print the JSON Schema of a rules file")
    schema.add_argument("--output", type=Path, metavar="FILE")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return _open_app(args)
        if args.command == "recommend":
            from fwadvisor.commands.recommend import run_recommend

            return run_recommend(args)
        if args.command == "answers-template":
            from fwadvisor.commands.rules import run_answers_template

            return run_answers_template(args)
        if args.command == "rules":
            from fwadvisor.commands import rules as rules_commands

            return {"check": rules_commands.run_check, "list": rules_commands.run_list,
                    "schema": rules_commands.run_schema}[args.rules_command](args)
    except InputError as exc:
        print(f"fwadvisor: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("fwadvisor: interrupted", file=sys.stderr)
        return 130
    parser.error(f"unknown command {args.command}")
    return EXIT_BAD_INPUT


def _open_app(args: argparse.Namespace) -> int:
    print("The interactive fwadvisor app is not part of this release yet.\n"
          "Describe your project in a file and ask for advice from the command line:\n"
          "  fwadvisor answers-template --output my-project.yaml\n"
          "  fwadvisor recommend --answers my-project.yaml", file=sys.stderr)
    return EXIT_OK
