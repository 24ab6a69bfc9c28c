"""The report's "Evidence from this machine" section for a saved run, in each format.

The section is built once (profile_model.build_evidence, into report.model) and each format only
lays it out (profile_md, profile_html, profile_text); the JSON report's `profile` object comes from
profile_json. A run arrives as a RunDocument; parsed JSON is validated into one first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fwadvisor.advisor.engine import Recommendation
from fwadvisor.profiler.documents import RunDocument
from fwadvisor.profiler.records import EXPORT_BENCHMARK, PRACTICE_SUITE_BENCHMARKS
from fwadvisor.report import profile_html, profile_json, profile_md, profile_text
from fwadvisor.report.curve_axis import accuracy_axis_low, axis_ticks, loss_axis_top
from fwadvisor.report.model import EvidenceSection
from fwadvisor.report.practice import (
    GAP_POINTS,
    PRACTICE_MODELS,
    accuracy_gap,
    curve_points,
    final_accuracy,
    practice_records,
)
from fwadvisor.report.profile_model import TITLE, build_evidence
from fwadvisor.report.profile_table import as_run

# Transitional, for tui/widgets/results.py until it imports records.PRACTICE_SUITE_BENCHMARKS (this
# name no longer means anything else anywhere: records.py calls the trained models CURVE_BENCHMARKS).
PRACTICE_BENCHMARKS = PRACTICE_SUITE_BENCHMARKS

# With the section's own names, the practice facts the app shows beside it, importable from here as
# before the split; their home is report.practice, report.curve_axis and profiler.records.
__all__ = [
    "EXPORT_BENCHMARK",
    "GAP_POINTS",
    "PRACTICE_BENCHMARKS",
    "PRACTICE_MODELS",
    "TITLE",
    "accuracy_axis_low",
    "accuracy_gap",
    "axis_ticks",
    "curve_points",
    "evidence_for",
    "final_accuracy",
    "html_section",
    "loss_axis_top",
    "markdown_section",
    "practice_records",
    "profile_summary",
    "text_lines",
    "text_section",
    "triggered_rules",
]

Triggered = list[dict[str, Any]] | None


def markdown_section(
    document: RunDocument | dict[str, Any], path: Path | str | None, triggered: Triggered = None
) -> str:
    """The section in Markdown. `triggered`: the rules these numbers fired (None: no such sub-section)."""
    return profile_md.markdown_section(build_evidence(as_run(document), path, triggered))


def html_section(document: RunDocument | dict[str, Any], path: Path | str | None, triggered: Triggered = None) -> str:
    """The section in HTML: inline SVG charts, no script, nothing fetched. `triggered` as in markdown_section."""
    return profile_html.html_section(build_evidence(as_run(document), path, triggered))


def text_section(
    document: RunDocument | dict[str, Any], path: Path | str | None, width: int = 100, triggered: Triggered = None
) -> list[str]:
    """The section as plain lines for the terminal report. `triggered` as in markdown_section."""
    return profile_text.text_section(build_evidence(as_run(document), path, triggered), width)


def profile_summary(document: RunDocument | dict[str, Any], path: Path | str | None) -> dict[str, Any]:
    """What the JSON report carries about the run: where it came from and every measurement."""
    return profile_json.profile_summary(as_run(document), path)


def triggered_rules(rec: Recommendation) -> list[dict[str, Any]] | None:
    """The reasons, caveats and blockers whose rules the measured numbers triggered (None: no profile used)."""
    if rec.profile is None:
        return None
    ids = {t["rule"] for t in rec.profile.get("triggered", [])}
    found: list[dict[str, Any]] = [
        {"rule": r.rule, "favors": r.favors, "weight": r.weight, "message": r.message}
        for r in rec.reasons
        if r.rule in ids
    ]
    found += [{"rule": c.rule, "framework": c.framework, "message": c.message} for c in rec.caveats if c.rule in ids]
    found += [{"rule": b.rule, "framework": b.framework, "message": b.message} for b in rec.blockers if b.rule in ids]
    return found


def evidence_for(
    rec: Recommendation, document: RunDocument | dict[str, Any], path: Path | str | None
) -> EvidenceSection:
    """The section as it stands in the report of `rec`: with the rules its numbers triggered."""
    return build_evidence(as_run(document), path, triggered_rules(rec))


def text_lines(
    rec: Recommendation, document: RunDocument | dict[str, Any], path: Path | str | None, width: int
) -> list[str]:
    """The section as it follows the terminal report of `rec`, with the rules its numbers triggered."""
    return [*text_section(document, path, width, triggered=triggered_rules(rec)), ""]
