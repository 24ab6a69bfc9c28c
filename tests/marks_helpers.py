"""Helpers shared by test_marks.py and test_marks_real_runs.py."""

from __future__ import annotations

import html
import re
from pathlib import Path

from conftest import FIXTURES, run_cli

ANSWERS = FIXTURES / "answers" / "good_research_lab.yaml"


REPORT_FORMATS = ("text", "md", "html")


def _flat(text: str) -> str:
    """Text with every run of white space (a wrapped line, a table's padding) as one space."""
    return " ".join(text.split())


def _report(path: Path, fmt: str) -> str:
    result = run_cli("recommend", "--answers", str(ANSWERS), "--profile", str(path), "--format", fmt)
    assert result.returncode == 0, result.stderr
    text = result.stdout[result.stdout.index("Evidence from") :]
    return html.unescape(text) if fmt == "html" else text


def _cli_rows(table: str) -> dict[str, str]:
    """Each benchmark's lines in the CLI table (a row may take two), flattened to one string."""
    out: dict[str, str] = {}
    current = ""
    for line in table.splitlines():
        found = re.match(r"^\W*([a-z_0-9]+) (fp32|bf16|fp16)\b", line)
        if found:
            current = found.group(1)
        elif not line.strip("─━│┃ ") or line.startswith(("└", "┗", "╰")):
            current = ""
        if current:
            out[current] = out.get(current, "") + " " + line
    return {benchmark: _flat(text) for benchmark, text in out.items()}
