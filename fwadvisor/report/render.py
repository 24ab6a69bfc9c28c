"""Pick a renderer by format name; the CLI and the TUI export go through here.

Every format has one module (text, markdown, html, json) that renders the whole report, the advice and
the evidence of a run, behind one interface (Renderer). Text, Markdown and HTML lay out one report
model (report.model: advice_model, with profile_model's "Evidence from this machine" section); JSON
writes the Recommendation's own object, with the run's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from fwadvisor.advisor.engine import Recommendation
from fwadvisor.report.model import RunShown

if TYPE_CHECKING:
    from fwadvisor.profiler.documents import RunDocument

FORMATS = ("text", "md", "html", "json")
SUFFIXES = {"md": ".md", "html": ".html", "json": ".json", "text": ".txt"}


class Renderer(Protocol):
    def __call__(self, rec: Recommendation, run: RunShown | None, *, width: int, replaced: Sequence[str]) -> str:
        """The whole report of `rec` (with the evidence of `run`) as a string; `width`: the terminal's
        columns (a page or JSON has none); `replaced`: the ids of rules the user's own rules replaced."""
        ...


def renderer(fmt: str) -> Renderer:
    """The renderer of one of FORMATS; its module is imported only now (`recommend` loads only its own)."""
    if fmt == "md":
        from fwadvisor.report.markdown import render_markdown

        return render_markdown
    if fmt == "html":
        from fwadvisor.report.html import render_html

        return render_html
    if fmt == "json":
        from fwadvisor.report.json import render_json

        return render_json
    if fmt == "text":
        from fwadvisor.report.text import render_text

        return render_text
    raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")


def render(
    rec: Recommendation,
    fmt: str,
    *,
    width: int = 100,
    profile: RunDocument | None = None,
    profile_path: Path | str | None = None,
    replaced: Sequence[str] = (),
) -> str:
    """The whole report as a string in one of FORMATS.

    `profile` is a saved profile run: when given, every format gains its "Evidence from this machine"
    section (with the rules its numbers triggered, when the advice was given with it); without it the
    output is exactly the answers-only report. `replaced`: the ids of rules that the user's own rules
    replaced (RuleSet.replaced), which every format names.
    """
    run = RunShown(profile, profile_path) if profile is not None else None
    return renderer(fmt)(rec, run, width=width, replaced=replaced)
