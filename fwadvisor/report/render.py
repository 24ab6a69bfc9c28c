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


def render(rec: Recommendation, fmt: str, *, width: int = 100, profile: dict[str, Any] | None = None,
           profile_path: Path | str | None = None) -> str:
    """The whole report as a string in one of FORMATS.

    `profile` is a saved profile document: when given, every format gains its "Evidence from this
    machine" section; without it the output is exactly the answers-only report.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if profile is not None:
        # Imported only here: the plain `recommend` path must not pay for it at start-up.
        from fwadvisor.report import profile_section
    if fmt == "json":
        if profile is not None:
            # A copy: the caller's Recommendation (the TUI caches one) must not change under it.
            rec = dataclasses.replace(rec, profile=profile_section.profile_summary(profile, profile_path))
        return render_json(rec)
    if fmt == "md":
        from fwadvisor.report.markdown import render_markdown

        extra = profile_section.markdown_section(profile, profile_path) if profile is not None else ""
        return render_markdown(rec, extra)
    if fmt == "html":
        from fwadvisor.report.html import render_html

        extra = profile_section.html_section(profile, profile_path) if profile is not None else ""
        return render_html(rec, extra)
    from fwadvisor.report.text import render_lines

    lines = render_lines(rec, width, colour=False)
    if profile is not None:
        lines += profile_section.text_section(profile, profile_path, width)
        lines.append("")
    return "\n".join(lines) + "\n"
