"""Helpers shared by test_held_equal.py and test_held_equal_real_run.py."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from conftest import FIXTURES, run_cli
from fwadvisor.profiler.documents import RunDocument, encode_run
from fwadvisor.report.held_equal import TITLE

ANSWERS = FIXTURES / "answers" / "good_research_lab.yaml"


FORMATS = ("text", "md", "html", "json")


def _reports(tmp_path: Path, run: dict[str, Any] | RunDocument) -> dict[str, str]:
    path = tmp_path / "run.json"
    path.write_bytes(encode_run(run) if isinstance(run, RunDocument) else json.dumps(run).encode())
    out = {}
    for fmt in FORMATS:
        result = run_cli(
            "recommend",
            "--answers",
            str(ANSWERS),
            "--profile",
            str(path),
            "--format",
            fmt,
            env={"NO_COLOR": "1", "COLUMNS": "100"},
        )
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        out[fmt] = result.stdout
    return out


def _held_part(report: str) -> str:
    """From the "What was held equal" heading to the end of its pitfall list, on one line."""
    start = report.index(TITLE)
    end = report.find("What these numbers changed", start)
    return " ".join(report[start : end if end > 0 else None].split())


def _readable(fmt: str, report: str) -> str:
    """The held-equal part as a person reads it (HTML entities decoded; only for tests of the words)."""
    part = _held_part(report)
    return html.unescape(part) if fmt == "html" else part


def _pitfall(data: dict[str, Any], starts: str) -> dict[str, Any]:
    return next(p for p in data["pitfalls"] if p["pitfall"].startswith(starts))
