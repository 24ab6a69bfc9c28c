"""`fwadvisor rules check|list|schema` and `fwadvisor answers-template`."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections import Counter
from pathlib import Path

from fwadvisor.advisor.loader import STALE_AFTER_DAYS, Problem, load_folder, load_rules, run_rule_tests, stale_evidence
from fwadvisor.advisor.model import Questionnaire
from fwadvisor.advisor.questionnaire import load_questionnaire
from fwadvisor.commands.output import emit, folder_files, refuse_inputs
from fwadvisor.paths import builtin_rules_dir, user_rules_dir
from fwadvisor.safe_text import clean, for_stderr, one_line, shown_name


def run_check(args: argparse.Namespace) -> int:
    questionnaire = load_questionnaire()
    folders: list[Path] = list(args.dirs)
    if not folders:
        folders = [builtin_rules_dir()] + ([user_rules_dir()] if user_rules_dir().is_dir() else [])
    invalid = failed = 0
    for folder in folders:
        problems: list[Problem] = []
        loaded = load_folder(folder, questionnaire, problems)
        failures = [f for entry in loaded for f in run_rule_tests(entry)]
        cases = sum(len(entry.rule.tests) for entry in loaded)
        areas = Counter(entry.rule.area for entry in loaded)
        by_area = ", ".join(f"{a} {n}" for a, n in sorted(areas.items())) or "none"
        status = "OK" if not problems and not failures else "FAILED"
        # Folder names and the problems (which quote rule text) are outside text: no control character of
        # theirs reaches the terminal.
        print(
            clean(
                f"{shown_name(folder)}: {status}: {len(loaded)} valid rules ({by_area}); "
                f"{cases - len(failures)}/{cases} test cases pass"
            )
        )
        for item in [*problems, *failures]:
            print(for_stderr(clean(f"  {item}")), file=sys.stderr)
        stale = [w for entry in loaded for w in stale_evidence(entry)]
        if stale:
            print(
                f"  warning: {len(stale)} fact(s) last checked more than {STALE_AFTER_DAYS} days ago "
                "(the rules still run):",
                file=sys.stderr,
            )
            for item in stale:
                print(for_stderr(clean(f"  warning: {item}")), file=sys.stderr)
        invalid += len(problems)
        failed += len(failures)
    if not args.dirs:  # the library knowledge base, and the rules it makes
        invalid, failed = _check_libraries(questionnaire, invalid, failed)
    if not args.dirs:  # the built-in guidance (outlook, misconceptions, FAQ) makes release claims too
        from fwadvisor.advisor.engine import load_guidance
        from fwadvisor.advisor.facts import guidance_claim_problems

        guidance = builtin_rules_dir() / "guidance.yaml"
        found = guidance_claim_problems(load_guidance())
        print(clean(f"{guidance}: {'OK' if not found else 'FAILED'}: release claims recorded as data"))
        for claim_problem in found:
            print(for_stderr(clean(f"  {guidance}: {claim_problem}")), file=sys.stderr)
        invalid += len(found)
    if invalid:
        print(f"{invalid} problem(s) make these rules unusable", file=sys.stderr)
        return 2
    return 1 if failed else 0


def _check_libraries(questionnaire: Questionnaire, invalid: int, failed: int) -> tuple[int, int]:
    from fwadvisor.advisor.libraries import libraries_path, load_libraries
    from fwadvisor.advisor.loader import builtin_library_rules, check_rule
    from fwadvisor.errors import InputError

    path = libraries_path()
    try:
        libraries = load_libraries()
    except InputError as exc:
        print(clean(f"{path}: FAILED"))
        print(clean(f"  {exc}"), file=sys.stderr)
        return invalid + 1, failed
    problems: list[Problem] = []
    entries = builtin_library_rules()
    for entry in entries:
        check_rule(entry, questionnaire, problems)
    failures = [f for entry in entries for f in run_rule_tests(entry)]
    status = "OK" if not problems and not failures else "FAILED"
    print(clean(f"{path}: {status}: {len(libraries)} libraries, {len(entries)} rules made from them"))
    for item in [*problems, *failures]:
        print(for_stderr(clean(f"  {item}")), file=sys.stderr)
    return invalid + len(problems), failed + len(failures)


# Below this many columns `rules list` prints two lines a rule instead of a table.
WIDE_LIST = 140


def run_list(args: argparse.Namespace) -> int:
    ruleset = load_rules(args.rules, include_user=not args.no_user_rules)
    replaced = set(ruleset.replaced)
    rows = [
        {
            "id": e.rule.id,
            "area": e.rule.area,
            "effect": e.rule.effect,
            "framework": e.rule.framework,
            "weight": e.rule.weight,
            "title": e.rule.title or e.rule.id,
            "file": str(e.file),
            # This rule replaced one with the same id from an earlier folder (a built-in one, say).
            "replaces": e.rule.id in replaced,
        }
        for e in ruleset.rules
    ]
    if args.format == "json":
        print(json.dumps(rows, indent=2))  # ASCII: every control character written as an escape
        return 0
    from rich.table import Table
    from rich.text import Text

    from fwadvisor.commands.console import stdout_console

    console = stdout_console()
    ordered = sorted(rows, key=lambda r: (r["area"], r["id"]))
    if console.width < WIDE_LIST:
        # Two lines a rule at terminal widths a table cannot fill (the ids alone take up to 50 columns):
        # the id, then its area, effect and title, wrapped, never cut.
        console.print(Text(f"{len(rows)} rules in force (area, effect, framework and weight under each id)"))
        for row in ordered:
            weight = f" {row['weight']:g}" if row["effect"] == "favor" else ""
            framework = f" {row['framework']}" if row["framework"] else ""
            console.print(Text(one_line(row["id"]), style="bold"), overflow="fold")
            detail = f"{row['area']} · {row['effect']}{framework}{weight} · {one_line(row['title'])}"
            for line in textwrap.wrap(detail, console.width - 1, initial_indent="  ", subsequent_indent="    "):
                console.print(Text(line, style="dim"))
    else:
        table = Table(title=f"{len(rows)} rules in force", show_lines=False)
        for column in ("id", "area", "effect", "framework", "weight", "title"):
            table.add_column(column, no_wrap=column == "id")
        for row in ordered:
            weight = f"{row['weight']:g}" if row["effect"] == "favor" else ""
            # Cells are Text, never markup: a title like "[/usr/lib/x]" prints as written.
            cells = [*(str(row[c] or "") for c in ("id", "area", "effect", "framework")), weight, str(row["title"])]
            table.add_row(*(Text(one_line(cell)) for cell in cells))
        console.print(table)
    if ruleset.replaced:
        print(f"Replaced by your rules: {', '.join(dict.fromkeys(ruleset.replaced))}")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    from fwadvisor.advisor.model import library_file_schema, rule_file_schema

    schema = library_file_schema() if getattr(args, "libraries", False) else rule_file_schema()
    emit(json.dumps(schema, indent=2) + "\n", args.output, "Schema")
    return 0


def answers_template() -> str:
    """A commented answers file generated from rules/questions.yaml."""
    questionnaire = load_questionnaire()
    lines = [
        "# fwadvisor answers file: describe your project, then run",
        "#   fwadvisor recommend --answers THIS_FILE",
        "# Uncomment and edit the answers that apply; leave a question out if you do not know.",
        "",
    ]
    for q in questionnaire.questions:
        kind = "one choice" if q.kind == "one" else "one or more choices, as a list"
        if q.max_choices:
            kind += f", at most {q.max_choices}"
        lines += [f"# {q.prompt} ({kind})", f"#   {q.help}"]
        if q.exclusive:
            lines.append(f"#   {', '.join(q.exclusive)} stands alone: not with other choices")
        if q.applies_note:
            lines.append(f"#   Answer this {q.applies_note}.")
        width = max(len(choice) for choice in q.choices)
        lines += [f"#   {choice:<{width}}  {text}" for choice, text in q.choices.items()]
        example = q.example if q.example is not None else next(iter(q.choices))
        if q.kind == "many" and not isinstance(example, list):
            example = [example]
        shown = "[" + ", ".join(example) + "]" if isinstance(example, list) else example
        lines.append(f"# {q.id}: {shown}")
        lines.append("")
    return "\n".join(lines)


def run_answers_template(args: argparse.Namespace) -> int:
    # The template is made from the built-in questions (and the library knowledge base beside them).
    if args.output is not None:
        refuse_inputs(args.output, [("a built-in rules file", p) for p in folder_files([builtin_rules_dir()])])
    emit(answers_template(), args.output, "Answers template")
    return 0
