"""The report as data: built once, rendered per format.

As in coverage.py's HTML report, everything a format shows is decided here, and a renderer only
lays it out: Markdown, HTML and text render the same sections, so they cannot disagree about a
number, a mark or a sentence. The advice (a Verdict, then Sections of Items) is built from a
Recommendation by advice_model; the "Evidence from this machine" section (EvidenceSection) from a
profile run by profile_model. The JSON report carries the raw data instead (report.json).

Only typing imports beyond the standard library: `fwadvisor recommend` loads this module at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from fwadvisor.frameworks import PYTORCH, TENSORFLOW, identity

if TYPE_CHECKING:
    from pathlib import Path

    from fwadvisor.advisor.engine import EvidenceRef
    from fwadvisor.profiler.documents import CurvePoint, RunDocument
    from fwadvisor.report.held_equal import HeldEqual
    from fwadvisor.report.profile_table import Row


@dataclass(frozen=True)
class RunShown:
    """A saved profile run that a report shows, and the file it was read from (None: not saved)."""

    document: RunDocument
    path: Path | str | None


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
    # The profiler ids of the number columns, in frameworks.ALL order (report.columns.shown_frameworks).
    frameworks: tuple[str, ...] = (PYTORCH.profiler_id, TENSORFLOW.profiler_id)
    # Under the table: why a framework has no path to the run's device (outside text, escaped per format).
    notes: list[str] = field(default_factory=list)

    @property
    def head(self) -> list[str]:
        names = [identity(fw).name for fw in self.frameworks]
        return ["benchmark", "shape", "metric", *names, "ahead"] + (["% of peak"] if self.with_peak else [])


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
    # The pair it draws (profiler ids): `left`'s lead grows to the left of the centre line.
    left: str = PYTORCH.profiler_id
    right: str = TENSORFLOW.profiler_id


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


# The GPU sub-heading of TrustNotes.
GPU_STATE_TITLE = "GPU state while measuring"


@dataclass(frozen=True)
class TrustNotes:
    """What says how far a run's numbers can be trusted, shown under its table in every format."""

    busy: list[str] = field(default_factory=list)  # one sentence per framework whose run was busy
    gpu: list[str] = field(default_factory=list)  # per GPU record: clocks, temperature, power, usual range
    gpu_title: str = GPU_STATE_TITLE
    below: str = ""  # what "below the usual range" usually means, when a number is below it


@dataclass(frozen=True)
class TitledTable:
    """A table of the cluster section (report/cluster_table.py builds them) with its title and notes."""

    title: str
    table: Table
    notes: list[str] = field(default_factory=list)  # sentences under it


@dataclass(frozen=True)
class ClusterSection:
    """The cluster suite's all-reduce and scaling tables, the CPU sentence and the claim's answer."""

    title: str
    plumbing: str  # the CPU sentence ("" on a GPU run)
    tables: list[TitledTable]
    notes: list[str]  # what was skipped or failed, in words
    claim: str  # what the numbers mean for "TensorFlow has the more efficient distributed training"
    legend: str = ""  # the marks' legend, when no speed table above says it


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
    trust: TrustNotes  # how far the numbers can be trusted (busy runs, the GPU's state)
    held: HeldEqual | None  # what the frameworks shared; None: no benchmark ran in either framework
    # The cluster suite's all-reduce and scaling tables (report/cluster_table.py); None: no such record.
    cluster: ClusterSection | None = None
    # With three frameworks, the other pairs' charts (torch-JAX, TensorFlow-JAX) after `chart`.
    pair_charts: list[RatioChart] = field(default_factory=list)

    @property
    def evidence_sentence(self) -> str:
        return f"{self.usable} of {self.total} numbers are steady and checked, and count as evidence."


# ---- The advice -------------------------------------------------------------------------------

# What an item is; a format styles each kind its own way (a blocker in red, a caveat with a bar).
ItemKind = Literal["blocker", "part", "meeting", "reason", "caveat", "alternative", "point", "link", "claim"]
# A section's mood: a blocker's red, a caveat's amber, a plan's or an alternative's cyan.
SectionTone = Literal["bad", "warn", "info"]


@dataclass(frozen=True)
class Item:
    """One entry of a list: `label` leads (emphasised), `body` follows, `evidence` says what it rests on."""

    kind: ItemKind
    body: str
    marker: str = "•"  # the terminal's bullet
    label: str = ""
    weight: str = ""  # points ("+3"), shown before the label
    detail: str = ""  # words after the label ("for the new LLM work")
    rule: str = ""  # the rule it comes from
    about: str = ""  # the framework a caveat concerns
    tone: str | None = None  # the framework whose colour it takes
    link: str = ""  # where the label points
    correction: str = ""  # a claim's correction
    evidence: list[EvidenceRef] | None = None  # None: the item cites nothing (not even "Evidence:")


@dataclass(frozen=True)
class Group:
    """A headed run of items inside a section (the reasons of one area, one framework's outlook)."""

    title: str
    items: list[Item]
    summary: str | None = None  # a sentence under the title
    tone: str | None = None  # the framework whose colour the title takes
    evidence: list[EvidenceRef] | None = None  # what the whole group rests on


@dataclass(frozen=True)
class Section:
    """A part of the advice: a title, then its items or its groups (or `empty` when there are none)."""

    key: str  # stable: "blockers", "plan", "reasons", "caveats", "alternatives", "what_if", ...
    title: str
    items: list[Item] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    intro: str = ""  # a sentence under the title
    empty: str = ""  # what to say when there is nothing to list; "" for sections left out when empty
    left_out: int = 0  # items not shown here (the JSON report has them all)
    left_out_what: str = "smaller ones"  # what they are, after "… and 3"
    tone: SectionTone | None = None
    table: Table | None = None  # a small table, shown before the items (the project's libraries)


@dataclass(frozen=True)
class Score:
    framework: str  # advisor id
    name: str
    points: float


@dataclass(frozen=True)
class Verdict:
    """The report's head: the verdict sentence, the scores and what they rest on."""

    title: str  # "fwadvisor recommendation"
    label: str  # a short verdict for window and page titles
    summary: str  # the verdict sentence
    tone: str  # the verdict: a framework id or "either"
    scores: list[Score]
    margin: float
    priorities: str  # how the chosen priorities weighted the areas
    rules_used: int
    facts: str  # when the facts were checked and how old they are, and the strength letters
    replaced: list[str] = field(default_factory=list)  # the ids of rules that your own rules replaced
    releases: list[str] = field(default_factory=list)  # after an online check: a heading, then newer releases

    @property
    def replaced_sentence(self) -> str:
        """Which rules your own replaced ("" when none did), so a changed rule never passes unseen."""
        return f"Rules replaced by your own: {', '.join(self.replaced)}." if self.replaced else ""


@dataclass(frozen=True)
class Measured:
    """Where the "Evidence from this machine" section stands; `section` is None without a profile run."""

    section: EvidenceSection | None


@dataclass(frozen=True)
class Report:
    verdict: Verdict
    sections: list[Section | Measured]  # in the order of a page (Markdown, HTML)

    def in_terminal_order(self) -> list[Section | Measured]:
        """The terminal's order: the advice first, then the measurements (their table is the widest
        thing in the report, and a terminal is read top to bottom, the verdict first)."""
        return [s for s in self.sections if isinstance(s, Section)] + [
            s for s in self.sections if isinstance(s, Measured)
        ]
