"""Pick a renderer by format name; the CLI and the TUI export go through here."""

from __future__ import annotations

import json

from fwadvisor.advisor.engine import Recommendation

FORMATS = ("text", "md", "html", "json")
SUFFIXES = {"md": ".md", "html": ".html", "json": ".json", "text": ".txt"}


def render_json(rec: Recommendation) -> str:
    return json.dumps(rec.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render(rec: Recommendation, fmt: str, *, width: int = 100) -> str:
    """The whole report as a string in one of FORMATS."""
    if fmt == "json":
        return render_json(rec)
    if fmt == "md":
        from fwadvisor.report.markdown import render_markdown

        return render_markdown(rec)
    if fmt == "html":
        from fwadvisor.report.html import render_html

        return render_html(rec)
    if fmt == "text":
        from fwadvisor.report.text import render_lines

        return "\n".join(render_lines(rec, width, colour=False)) + "\n"
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
