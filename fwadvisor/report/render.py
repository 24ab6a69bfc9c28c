"""Pick a renderer by format name; the CLI and the TUI export go through here.

The advice renders from the Recommendation (text, markdown, html), the "Evidence from this machine"
section from its model (profile_section), and JSON from both in one place (profile_json).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fwadvisor.advisor.engine import Recommendation

if TYPE_CHECKING:
    from fwadvisor.profiler.documents import RunDocument

FORMATS = ("text", "md", "html", "json")
SUFFIXES = {"md": ".md", "html": ".html", "json": ".json", "text": ".txt"}


def render_json(rec: Recommendation) -> str:
    return json.dumps(rec.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render(
    rec: Recommendation,
    fmt: str,
    *,
    width: int = 100,
    profile: RunDocument | dict[str, Any] | None = None,
    profile_path: Path | str | None = None,
) -> str:
    """The whole report as a string in one of FORMATS.

    `profile` is a saved profile run (a RunDocument; parsed JSON is validated into one): when given,
    every format gains its "Evidence from this machine" section (with the rules its numbers
    triggered, when the advice was given with it); without it the output is exactly the answers-only
    report.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    triggered = None
    if profile is not None:
        # Imported only here: the plain `recommend` path must not pay for it at start-up.
        from fwadvisor.report import profile_section
        from fwadvisor.report.profile_table import as_run

        profile = as_run(profile)
        triggered = profile_section.triggered_rules(rec)
    if fmt == "json":
        if profile is not None:
            from fwadvisor.report.profile_json import profile_object

            # A copy: the caller's Recommendation (the TUI caches one) must not change under it.
            rec = dataclasses.replace(rec, profile=profile_object(profile, profile_path, rec.profile))
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
        lines += profile_section.text_lines(rec, profile, profile_path, width)
    return "\n".join(lines) + "\n"
