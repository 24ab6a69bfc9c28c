"""Pick a renderer by format name; the CLI and the TUI export go through here.

Text, Markdown and HTML render one report model (report.model): the advice built from the
Recommendation (advice_model), with the "Evidence from this machine" section of a profile run
(profile_model). JSON is the Recommendation's own dict, with the run's data (profile_json).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fwadvisor.advisor.engine import Recommendation
from fwadvisor.report.advice_model import build_report

if TYPE_CHECKING:
    from fwadvisor.profiler.documents import RunDocument

FORMATS = ("text", "md", "html", "json")
SUFFIXES = {"md": ".md", "html": ".html", "json": ".json", "text": ".txt"}


# JSON escapes C0 controls itself; DEL and the C1 range (an 8-bit CSI, 0x9b) it writes as they are,
# which is valid JSON but would reach a terminal that shows the report. Inside a JSON text such a
# character can only stand in a string, where its \u escape means the same.
_RAW_IN_JSON = re.compile("[\x7f-\x9f]")


def json_text(data: object) -> str:
    """`data` as the JSON report writes it: indented, Unicode kept, no raw control character."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _RAW_IN_JSON.sub(lambda found: f"\\u{ord(found.group()):04x}", text) + "\n"


def render_json(rec: Recommendation, replaced: Sequence[str] = ()) -> str:
    data = rec.to_dict()
    if replaced:
        # Which rules the user's own rules replaced; absent when none did (the object is as it always was).
        data["replaced_rules"] = list(dict.fromkeys(replaced))
    return json_text(data)


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

    `profile` is a saved profile run: when given,
    every format gains its "Evidence from this machine" section (with the rules its numbers
    triggered, when the advice was given with it); without it the output is exactly the answers-only
    report. `replaced`: the ids of rules that the user's own rules replaced (RuleSet.replaced),
    which every format names.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    measured = None
    if profile is not None:
        # Imported only here: the plain `recommend` path must not pay for it at start-up.
        from fwadvisor.report.profile_model import evidence_for

        if fmt != "json":
            measured = evidence_for(rec, profile, profile_path)
    if fmt == "json":
        if profile is not None:
            from fwadvisor.report.profile_json import profile_object

            # A copy: the caller's Recommendation (the TUI caches one) must not change under it.
            rec = dataclasses.replace(rec, profile=profile_object(profile, profile_path, rec.profile))
        return render_json(rec, replaced)
    report = build_report(rec, measured, replaced)
    if fmt == "md":
        from fwadvisor.report.markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from fwadvisor.report.html import render_html

        return render_html(report)
    from fwadvisor.report.text import report_lines

    return "\n".join(report_lines(report, width, colour=False)) + "\n"
