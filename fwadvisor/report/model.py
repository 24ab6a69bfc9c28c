"""The "Evidence from this machine" section as data: built once (profile_model), rendered per format.

As in coverage.py's HTML report, everything a format shows is decided here, and a renderer only
lays it out: Markdown, HTML and text render the same section, so they cannot disagree about a
number, a mark or a sentence. The JSON report carries the run's raw data instead (profile_json).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fwadvisor.profiler.documents import CurvePoint
from fwadvisor.report.profile_table import Row

# How an "ahead" verdict reads: a clean lead, a lead resting on unsteady numbers, or no comparison.
AheadTone = Literal["ok", "wide", "none"]


@dataclass(frozen=True)
class Table:
    head: list[str]
    body: list[list[str]]
    numeric: frozenset[int]  # the right-aligned columns


@dataclass(frozen=True)
class SpeedLine:
    """One benchmark in the "ahead" table and the ratio chart."""

    row: Row
    label: str  # "matmul fp32"
    unit: str  # with "(lower is better)" where that applies
    ahead: str  # "torch 1.28x", "TF 1.10x ~ (uncertain)", "not comparable (PyTorch failed)"
    tone: AheadTone


@dataclass(frozen=True)
class SpeedTable:
    lines: list[SpeedLine]
    with_peak: bool  # whether any number has a share of the device's peak
    legend: str

    @property
    def head(self) -> list[str]:
        return ["benchmark", "shape", "metric", "PyTorch", "TensorFlow", "ahead"] + (
            ["% of peak"] if self.with_peak else []
        )


@dataclass(frozen=True)
class RatioBar:
    label: str
    tooltip: str
    text: str  # the verdict written beside the bar (or in its place)
    lead: str | None  # the profiler id of the framework ahead; None: not comparable, no bar
    ratio: float
    uncertain: bool  # drawn faint: the ratio rests on an unsteady number


@dataclass(frozen=True)
class RatioChart:
    """How many times faster one framework ran each benchmark (see chart_axis for the sides)."""

    bars: list[RatioBar]


@dataclass(frozen=True)
class CurveChart:
    """Training loss and test accuracy per epoch of one practice model, per framework."""

    model: str
    label: str
    curves: dict[str, list[CurvePoint]]


@dataclass(frozen=True)
class PracticeModel:
    model: str
    label: str
    chart: CurveChart | None  # None: no framework recorded a curve
    curve_table: Table
    curve_note: str
    summary: str  # the final accuracies
    troubles: list[tuple[str, str]]  # (framework name, what went wrong)
    finding: str | None  # a large accuracy gap, in words


@dataclass(frozen=True)
class EvidenceSection:
    title: str
    environment: list[str]  # the hardware and versions, then the suite and the file
    usable: int
    total: int
    speed: SpeedTable | None  # None: a practice-only run (its numbers are not speeds)
    chart: RatioChart | None  # None: no speed rows to draw
    practice: list[PracticeModel]
    exports: Table | None  # the saved-and-reloaded model, per framework
    triggered_title: str
    triggered: list[str] | None  # the rules these numbers fired; None: no such sub-section
    no_trigger: str  # what to say when `triggered` is empty
    problems: list[str]

    @property
    def evidence_sentence(self) -> str:
        return f"{self.usable} of {self.total} numbers are steady and checked, and count as evidence."
