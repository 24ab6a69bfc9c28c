"""The fleet report as Markdown: the nodes, the warnings and one table per case, every name escaped
(safe_text.for_markdown: a host name cannot start a heading, a link or raw HTML)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fwadvisor.report.fleet_view import fleet_view
from fwadvisor.report.markdown import md_table
from fwadvisor.report.model import Table
from fwadvisor.safe_text import for_markdown as _md

if TYPE_CHECKING:
    from fwadvisor.fleet.model import FleetReport

CASE_HEAD = ["node", "value", "vs the fleet median", "notes"]


def fleet_markdown(report: FleetReport) -> str:
    view = fleet_view(report)
    out = [f"# {_md(view.title)}", ""]
    out += [_md(sentence, starts_line=True) for sentence in view.intro]
    out += ["", "## Nodes", "", *md_table(view.nodes)]
    if view.warnings:
        out += ["", "## Warnings", ""]
        out += [f"- {_md(warning)}" for warning in view.warnings]
    out += ["", "## Benchmarks"]
    for block in view.cases:
        out += ["", f"### {_md(block.title)} · {_md(block.metric)}", "", _md(block.summary, starts_line=True), ""]
        body = [[line.node, line.value, line.versus, line.notes] for line in block.lines]
        out += md_table(Table(head=CASE_HEAD, body=body, numeric=frozenset({1, 2})))
    out += ["", _md(view.legend, starts_line=True), ""]
    return "\n".join(out)
