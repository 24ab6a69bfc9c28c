"""The fleet report as the text, Markdown and HTML reports and the app show it, decided once.

A fleet report (fleet/model.FleetReport) is laid out as: a title and what its figures mean, a table
of the nodes, the warnings, then one block per case and framework: the fleet's median, spread and
straggler in a sentence, and one line per node (its number with the run's marks, how far it is
from the median, its notes). The renderers only lay this out, so no format can disagree about a
number, a mark or a sentence. Every string here still holds outside text (labels, host names,
errors): each renderer escapes it for its format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fwadvisor.fleet.model import FleetCase, FleetNode, FleetReport, NodeValue
from fwadvisor.frameworks import display_name
from fwadvisor.profiler.catalog import shape_text
from fwadvisor.profiler.documents import STATUS_MARKS, ResultStatus
from fwadvisor.report.model import Table
from fwadvisor.report.profile_table import MARKS_LEGEND

STRAGGLER_SENTENCE: Final = (
    "The straggler sets the pace: a job spread over these nodes steps as fast as its slowest node, so "
    "each case names the slowest node and how far it is from the fleet's median."
)
COUNTED_SENTENCE: Final = (
    "The median and the spread ({spread}) count the nodes whose number ran, checked out and was not "
    "measured while other processes were busy; the others are listed with their marks."
)
EXPECTED_WORDS: Final = {
    "inside": "inside the usual range",
    "below": "below the usual range",
    "above": "above the usual range",
}


@dataclass(frozen=True)
class NodeLine:
    """One node's number in a case: the node, the number with its mark, how far from the median, notes."""

    node: str
    value: str
    versus: str  # "1.14x slower" than the fleet median, "at the median", "" when not counted
    notes: str  # straggler, the expected range, busy, the error or the skip
    status: ResultStatus
    straggler: bool


@dataclass(frozen=True)
class CaseBlock:
    title: str  # "matmul fp32 · m=64 n=64 k=64 · PyTorch"
    metric: str  # "GFLOP/s" or "ms/step (lower is better)"
    summary: str  # the fleet median, spread and straggler in words
    lines: list[NodeLine]


@dataclass(frozen=True)
class FleetView:
    title: str
    intro: list[str]
    nodes: Table
    warnings: list[str]
    cases: list[CaseBlock]
    legend: str


def fleet_view(report: FleetReport) -> FleetView:
    loaded = [node for node in report.nodes if not node.missing]
    missing = len(report.nodes) - len(loaded)
    title = f"fwadvisor fleet report: {len(loaded)} node{'' if len(loaded) == 1 else 's'}" + (
        f", {missing} missing" if missing else ""
    )
    return FleetView(
        title=title,
        intro=[STRAGGLER_SENTENCE, COUNTED_SENTENCE.format(spread=report.spread)],
        nodes=Table(
            head=["node", "suite", "device", "state"],
            body=[[node.label, node.suite or "-", node.device or "-", node_state(node)] for node in report.nodes],
            numeric=frozenset(),
        ),
        warnings=list(report.warnings),
        cases=[_block(case) for case in report.cases],
        legend=MARKS_LEGEND,
    )


def node_state(node: FleetNode) -> str:
    """A node in a few words: missing, failed records, busy, or ok (the warnings say why)."""
    if node.missing:
        return "✗ missing"
    states = []
    if node.failed_records:
        states.append(f"✗ {node.failed_records} failed")
    if node.busy:
        states.append(f"{STATUS_MARKS[ResultStatus.BUSY]} busy")
    return ", ".join(states) or "ok"


def case_title(case: FleetCase) -> str:
    head = f"{case.benchmark} {case.dtype or ''}".strip()
    parts = (head, shape_text(case.params, case.benchmark), display_name(case.framework))
    return " · ".join(part for part in parts if part)


def value_text(value: NodeValue) -> str:
    """A node's number as every table shows one: "12.5", "12.5 !", "✗ failed", "skipped"."""
    if value.status is ResultStatus.SKIPPED:
        return "skipped"
    if value.status is ResultStatus.CANCELLED:
        return f"{STATUS_MARKS[ResultStatus.CANCELLED]} cancelled"
    if value.status is ResultStatus.FAILED or value.value is None:
        return f"{STATUS_MARKS[ResultStatus.FAILED]} failed"
    mark = STATUS_MARKS[value.status]
    return f"{value.value:.4g}" + (f" {mark}" if mark else "")


def slowdown_text(factor: float) -> str:
    """How far a node is from the fleet median in words: "1.14x slower", "1.05x faster"."""
    if abs(factor - 1) < 0.005:
        return "at the median"
    return f"{factor:.2f}x slower" if factor > 1 else f"{1 / factor:.2f}x faster"


def _versus(case: FleetCase, value: NodeValue, counted: bool) -> str:
    if not counted or not case.median or not value.value:
        return ""
    factor = value.value / case.median if case.lower_is_better else case.median / value.value
    return slowdown_text(factor)


def _counted(value: NodeValue) -> bool:
    return value.status in (ResultStatus.OK, ResultStatus.WIDE_SPREAD) and value.value is not None


def _block(case: FleetCase) -> CaseBlock:
    metric = case.metric + (" (lower is better)" if case.lower_is_better else "")
    lines = []
    for value in case.nodes:
        straggler = value.node == case.straggler and (case.straggler_slowdown or 1.0) >= 1.005
        notes = []
        if straggler:
            notes.append("straggler")
        if value.expected:
            notes.append(EXPECTED_WORDS[value.expected])
        if value.note:
            notes.append(value.note)
        lines.append(
            NodeLine(
                node=value.node,
                value=value_text(value),
                versus=_versus(case, value, _counted(value)),
                notes="; ".join(notes),
                status=value.status,
                straggler=straggler,
            )
        )
    for node in case.not_run_on:
        lines.append(NodeLine(node, "not run", "", "this node's run has no such case", ResultStatus.SKIPPED, False))
    return CaseBlock(title=case_title(case), metric=metric, summary=_summary(case), lines=lines)


def _summary(case: FleetCase) -> str:
    if case.median is None:
        return "No node's number counts here (each failed, was skipped or was measured while busy): no fleet median."
    nodes = f"{case.counted} node{'' if case.counted == 1 else 's'}"
    text = f"Fleet median {case.median:.4g} {case.metric} over {nodes}"
    if case.counted < 2:
        return text + "; one node is no spread and no straggler."
    text += f", min-max {case.low:.4g}-{case.high:.4g}"
    slowdown = case.straggler_slowdown
    if case.straggler is None or slowdown is None or abs(slowdown - 1) < 0.005:
        return text + "; no node is slower than the median by 0.5% or more."
    return text + f"; the straggler is {case.straggler}, {slowdown_text(slowdown)} than the median."
