"""Pick a renderer by format name; the CLI and the TUI export go through here."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from fwadvisor.advisor.engine import Recommendation

FORMATS = ("text", "md", "html", "json")
SUFFIXES = {"md": ".md", "html": ".html", "json": ".json", "text": ".txt"}


def render_json(rec: Recommendation) -> str:
    return json.dumps(rec.to_dict(), indent=2, ensure_ascii=False) + "\n"


def triggered_rules(rec: Recommendation) -> list[dict[str, Any]] | None:
    """The reasons and caveats whose rules the measured numbers triggered (None: no profile used)."""
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


def profile_text_lines(
    rec: Recommendation, profile: dict[str, Any], profile_path: Path | str | None, width: int
) -> list[str]:
    from fwadvisor.report import profile_section

    return [*profile_section.text_section(profile, profile_path, width, triggered=triggered_rules(rec)), ""]


def render(
    rec: Recommendation,
    fmt: str,
    *,
    width: int = 100,
    profile: dict[str, Any] | None = None,
    profile_path: Path | str | None = None,
) -> str:
    """The whole report as a string in one of FORMATS.

    `profile` is a saved profile document: when given, every format gains its "Evidence from this
    machine" section (with the rules its numbers triggered, when the advice was given with it);
    without it the output is exactly the answers-only report.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if profile is not None:
        # Imported only here: the plain `recommend` path must not pay for it at start-up.
        from fwadvisor.report import profile_section
    triggered = triggered_rules(rec)
    if fmt == "json":
        if profile is not None:
            # A copy: the caller's Recommendation (the TUI caches one) must not change under it. The
            # engine's view (metrics, what was used and triggered) joins the measurements.
            summary = {**profile_section.profile_summary(profile, profile_path), **(rec.profile or {})}
            rec = dataclasses.replace(rec, profile=summary)
        return render_json(rec)
    if fmt == "md":
        from fwadvisor.report.markdown import render_markdown

        extra = (
            profile_section.markdown_section(profile, profile_path, triggered=triggered) if profile is not None else ""
        )
        return render_markdown(rec, extra)
    if fmt == "html":
        from fwadvisor.report.html import render_html

        extra = profile_section.html_section(profile, profile_path, triggered=triggered) if profile is not None else ""
        return render_html(rec, extra)
    from fwadvisor.report.text import render_lines

    lines = render_lines(rec, width, colour=False)
    if profile is not None:
        lines += profile_text_lines(rec, profile, profile_path, width)
    return "\n".join(lines) + "\n"
