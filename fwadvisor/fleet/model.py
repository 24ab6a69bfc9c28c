"""The fleet report: many nodes' saved runs of one suite, side by side (what `profile merge` builds).

Saved and printed as JSON with kind "fwadvisor-fleet" and a schema_version; the text, Markdown and
HTML reports and the app's Profiler screen read the same structs. Every value that came from a run
(host names, versions, errors) is kept as it was: the renderers escape it.
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec

from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.documents import CaseKey, ResultStatus, case_key

FLEET_KIND: Final = "fwadvisor-fleet"
FLEET_SCHEMA_VERSION: Final = 1
# With a handful of nodes a percentile spread says nothing a range does not: the fleet's spread is the
# lowest and highest value across the nodes counted, and every report says so in these words.
SPREAD_KIND: Final = "min-max across nodes"


class FleetNode(msgspec.Struct, kw_only=True):
    """One node of the fleet: where its run came from and how it went, or why it is missing."""

    label: str  # unique in the report: the fleet file's stem, else the run's host name (suffixed)
    source: str = ""  # the run file, "" when the run was given as a document
    hostname: str | None = None
    suite: str | None = None
    device: str | None = None
    created: str | None = None
    busy: bool = False
    busy_reason: str | None = None
    failed_records: int = 0  # records that failed, crashed or came out wrong
    missing: bool = False
    missing_reason: str | None = None  # why there is no run: the file's problem, the host's failure


class NodeValue(msgspec.Struct, kw_only=True):
    """One node's record of one case: its number, the one classification, busy, the expected range."""

    node: str
    value: float | None = None
    status: ResultStatus = ResultStatus.OK
    busy: bool = False
    expected: Literal["inside", "below", "above"] | None = None  # GPU records of a card with a range
    note: str | None = None  # the error, the reason for a skip, why it was busy


class FleetCase(msgspec.Struct, kw_only=True):
    """One case of one framework across the nodes, with the fleet's median, spread and straggler.

    The median, spread and straggler count only the nodes whose number ran, checked out and was not
    measured on a busy machine (`counted`); a node's unsteady number counts and keeps its mark.
    `straggler_slowdown` is how many times slower than the median the slowest node ran (1.0: at the
    median): for a time (lower is better) the highest value, for a rate the lowest.
    """

    benchmark: str
    framework: str
    dtype: str | None = None
    params: Params = {}
    metric: str = ""
    lower_is_better: bool = False
    nodes: list[NodeValue] = []
    not_run_on: list[str] = []  # loaded nodes whose run has no record of this case
    counted: int = 0
    median: float | None = None
    low: float | None = None  # SPREAD_KIND
    high: float | None = None
    straggler: str | None = None
    straggler_value: float | None = None
    straggler_slowdown: float | None = None

    @property
    def key(self) -> tuple[CaseKey, str]:
        return case_key(self.benchmark, self.dtype, self.params), self.framework


class FleetReport(msgspec.Struct, kw_only=True):
    """Saved runs of many nodes merged: the nodes, every case's per-node rows and fleet figures, and
    the warnings (nodes missing, busy, set up differently, suites that differ, duplicate hosts)."""

    schema_version: int = FLEET_SCHEMA_VERSION
    kind: str = FLEET_KIND
    spread: str = SPREAD_KIND
    nodes: list[FleetNode] = []
    cases: list[FleetCase] = []
    warnings: list[str] = []

    @property
    def missing(self) -> list[FleetNode]:
        return [node for node in self.nodes if node.missing]

    @property
    def failed(self) -> bool:
        """A node is missing or a record failed: `profile merge` exits 1."""
        return any(node.missing or node.failed_records for node in self.nodes)
