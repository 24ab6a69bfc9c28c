"""The answers file `fwadvisor scan --output` writes: the flat mapping `fwadvisor recommend --answers`
reads, each answer under `#` comments giving its reason and evidence, ready to edit."""

from __future__ import annotations

import textwrap

from fwadvisor.safe_text import one_line
from fwadvisor.scan.model import ScanResult

WIDTH = 80


def _comment(text: str, indent: str = "") -> list[str]:
    """`text` as `#` comment lines of at most WIDTH columns. one_line removes every line break YAML
    knows (including NEL and U+2028), so nothing the project wrote can end a comment early."""
    return [
        f"# {indent}{line}".rstrip()
        for line in textwrap.wrap(one_line(text), WIDTH - 2 - len(indent), break_on_hyphens=False) or [""]
    ]


def _value(value: str | list[str]) -> str:
    # Choice ids are plain words (a-z, 0-9, _ and -): they need no quoting in YAML.
    return "[" + ", ".join(value) + "]" if isinstance(value, list) else value


def answers_file_text(result: ScanResult) -> str:
    """The answers file for `result`; `fwadvisor.advisor.questionnaire.load_answers` reads it."""
    out = [
        "# fwadvisor answers inferred by `fwadvisor scan` from the files of:",
        *_comment(result.root, "  "),
        "# Each answer below was read from the project; the comments above it give the",
        "# reason and the evidence (file:line: the line). Check each one: edit it, or",
        "# delete it to leave the question unanswered. Questions files cannot answer",
        "# (goal, team, hardware, priorities ...) are yours to add: see",
        "# `fwadvisor answers-template`. Then: fwadvisor recommend --answers THIS-FILE",
    ]
    for note in result.notes:
        out += _comment("note: " + note)
    if not result.answers:
        out += ["", "# Nothing could be inferred from this folder.", "{}"]
    for qid, answer in result.answers.items():
        out.append("")
        out += _comment(answer.why)
        for evidence in answer.evidence:  # one line each, cut at WIDTH
            line = f"#   {one_line(evidence.file)}:{evidence.line}: {one_line(evidence.text)}"
            out.append(line if len(line) <= WIDTH else line[: WIDTH - 1] + "…")
        out.append(f"{qid}: {_value(answer.value)}")
    return "\n".join(out) + "\n"
