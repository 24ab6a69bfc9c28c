"""Pick the fleet report's renderer by format name: `profile merge`, the fleet launchers and the app
go through here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from fwadvisor.fleet.model import FleetReport

FLEET_FORMATS: Final = ("text", "md", "markdown", "html", "json")


def render_fleet(report: FleetReport, fmt: str, *, width: int = 80) -> str:
    """The fleet report as a string in one of FLEET_FORMATS ("markdown" is "md" spelt out)."""
    if fmt in ("md", "markdown"):
        from fwadvisor.report.fleet_markdown import fleet_markdown

        return fleet_markdown(report)
    if fmt == "html":
        from fwadvisor.report.fleet_html import fleet_html

        return fleet_html(report)
    if fmt == "json":
        from fwadvisor.report.fleet_json import fleet_json

        return fleet_json(report)
    if fmt == "text":
        from fwadvisor.report.fleet_text import fleet_text

        return fleet_text(report, width)
    raise ValueError(f"unknown fleet report format {fmt!r}; choose one of {', '.join(FLEET_FORMATS)}")
