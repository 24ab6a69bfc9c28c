"""Profile results side by side (PyTorch | TensorFlow | JAX, whichever ran), as rows shared by the terminal,
every report and the app.

A row's cells carry the one classification of a result (documents.classify), so a number that is
wrong, unsteady, failed, skipped or cancelled reads the same way in every table and chart. Ratios are
pairwise (PairLead): one per pair of frameworks that both have a comparable number, in frameworks.ALL
order, and each says which pair it is ("torch>TF 1.29x") once a row holds three frameworks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import combinations

import msgspec

from fwadvisor.frameworks import ALL, PROFILER_IDS, identity
from fwadvisor.profiler.catalog import LOWER_IS_BETTER, NOT_A_SPEED, shape_text
from fwadvisor.profiler.documents import (
    COMPARABLE,
    STATUS_MARKS,
    STATUS_WORDS,
    CaseKey,
    Expected,
    Record,
    ResultStatus,
    RunDocument,
    case_key,
    classify,
    ratio_status_of,
    unsteady_words,
)
from fwadvisor.profiler.intervals import beyond_noise, speed_interval
from fwadvisor.report.chart_axis import ratio_text
from fwadvisor.report.gpu_words import expected_text, gpu_state_text
from fwadvisor.safe_text import MESSAGE_CHARS, NAME_CHARS, clean, cut

ACCURACY = "test accuracy"  # the practice models' metric: compared in points, not as a speed ratio
# A person's name per profiler id ("torch" -> "PyTorch"), from fwadvisor.frameworks.
NAMES = {fw.profiler_id: fw.name for fw in ALL}
# Said after a ratio whose 95% interval holds 1.0: either framework may be the faster one.
WITHIN_NOISE = "within the noise"


# Every mark a table, chart or report can show, said once: the CLI table, the text, Markdown and HTML
# reports, the SVG chart's description and the app all show this string. The status marks and their
# words are documents' (a skipped case is written out as "skipped", so its mark is not listed).
LEGEND_STATUSES = (
    ResultStatus.WIDE_SPREAD,
    ResultStatus.BUSY,
    ResultStatus.WRONG,
    ResultStatus.FAILED,
    ResultStatus.CANCELLED,
)
_UNSTEADY, _BUSY, _WRONG = (STATUS_MARKS[s] for s in LEGEND_STATUSES[:3])
MARKS_LEGEND = (
    "± is half the p20-p80 spread; (low-high) after a ratio is its 95% interval, within the noise (≈) when it "
    "holds 1.0; "
    + "; ".join(f"{STATUS_MARKS[status]} {STATUS_WORDS[status]}" for status in LEGEND_STATUSES)
    + f". Numbers marked {_UNSTEADY}, {_BUSY} or {_WRONG} are not used as evidence; a ratio built from a "
    f"{_UNSTEADY} or {_BUSY} number carries its mark."
)


@dataclass(frozen=True)
class Cell:
    value: float | None
    unit: str
    rel_spread: float | None
    percent_of_peak: float | None
    status: ResultStatus
    note: str  # the error, the check, the skip reason, or why the machine was busy
    # GPU cases: the clocks, temperature and power while it ran ("" when not sampled), whether the
    # clocks were slowed (thermal, power), and whether the number is normal for its card.
    gpu_state: str = ""
    throttled: bool = False
    expected: Expected | None = None
    # Seconds per call, one per timed block (Record.samples_s): the pairwise 95% intervals resample them.
    samples_s: tuple[float, ...] = ()

    @property
    def expected_text(self) -> str:
        """Words such as "below the usual 740-820 TFLOP/s for H100 SXM"; "" when no range is known."""
        return expected_text(self.expected) if self.expected is not None else ""

    def text(self, stacked: bool = False) -> str:
        """The number, its spread and its mark ("45.98 ±1% ~"), or the status in words. `stacked`: the
        spread and mark on a second line, and "not supported" over two, for a narrow table of three."""
        if stacked and self.status is ResultStatus.UNSUPPORTED:
            return f"{STATUS_MARKS[self.status]} not\nsupported"
        if stacked and self.value is not None and self.status in COMPARABLE | {ResultStatus.WRONG}:
            value, _, rest = self.text().partition(" ")
            return f"{value}\n{rest}" if rest else value
        if self.status is ResultStatus.FAILED:
            return f"{STATUS_MARKS[self.status]} failed"
        if self.status is ResultStatus.SKIPPED:
            return "skipped"
        if self.status is ResultStatus.UNSUPPORTED:  # the reason (`note`) goes below the table
            return f"{STATUS_MARKS[self.status]} not supported"
        if self.status is ResultStatus.CANCELLED:
            return f"{STATUS_MARKS[self.status]} cancelled"
        mark = f" {STATUS_MARKS[self.status]}" if STATUS_MARKS[self.status] else ""
        if self.unit == ACCURACY:  # the spread of an accuracy record is its epoch timings': not shown here
            return f"{100 * (self.value or 0):.1f}%{mark}"
        spread = f" ±{self.rel_spread * 50:.0f}%" if self.rel_spread is not None else ""
        return f"{self.value:.4g}{spread}{mark}"


@dataclass(frozen=True)
class PairLead:
    """One pair of frameworks in a row: `ahead` ran `ratio` (>= 1) times faster than `behind`, with the
    95% interval of that lead in the leader's direction (None without enough samples), and whether the
    interval holds 1.0 (the lead may be noise)."""

    ahead: str
    behind: str
    ratio: float
    interval: tuple[float, float] | None
    within_noise: bool

    @property
    def pair(self) -> tuple[str, str]:
        """The two profiler ids in frameworks.ALL order, whichever is ahead."""
        first, second = sorted((self.ahead, self.behind), key=PROFILER_IDS.index)
        return first, second

    def label(self) -> str:
        """ "torch>TF": the leader's short name, ">", the other's."""
        return f"{identity(self.ahead).short}>{identity(self.behind).short}"

    def interval_text(self) -> str:
        """The interval as people write it, "(1.28-1.41)"; "" without one."""
        return _interval_words(self.interval)


def _interval_words(interval: tuple[float, float] | None) -> str:
    if interval is None:
        return ""
    low, high = (ratio_text(bound).removesuffix("x") for bound in interval)
    return f"({low}-{high})"


def _speed(a: Cell, b: Cell, unit: str) -> float | None:
    """How many times faster `a` ran than `b`; None when the two are not comparable as a speed."""
    if a.status not in COMPARABLE or b.status not in COMPARABLE:
        return None
    if not a.value or not b.value or a.unit != b.unit or unit in NOT_A_SPEED:
        return None  # a ratio of two speed-up factors says nothing about which is faster
    ratio = a.value / b.value
    return 1 / ratio if unit in LOWER_IS_BETTER else ratio


def pair_lead(first: str, second: str, a: Cell, b: Cell, unit: str) -> PairLead | None:
    """The lead between two frameworks' cells (profiler ids `first`, `second`), with its 95% interval
    from both cells' samples (profiler.intervals); None when they are not comparable."""
    speed = _speed(a, b, unit)
    if speed is None:
        return None
    bounds = speed_interval(a.samples_s, b.samples_s, speed)
    if speed >= 1:
        ahead, behind, ratio, interval = first, second, speed, bounds
    else:
        ahead, behind, ratio = second, first, 1 / speed
        interval = (1 / bounds[1], 1 / bounds[0]) if bounds else None
    within = interval is not None and not beyond_noise(*interval)
    return PairLead(ahead, behind, ratio, interval, within)


@dataclass(frozen=True)
class Row:
    benchmark: str
    dtype: str
    params: str  # the shape in words, for display only (`key` identifies the case)
    unit: str
    cells: dict[str, Cell]
    key: CaseKey
    # The 95% interval of the lead in `faster`, in the leader's direction (both bounds "how many
    # times faster the leader ran"); None without enough samples or without a lead.
    interval: tuple[float, float] | None = None

    @property
    def faster(self) -> tuple[str, float] | None:
        """Which framework is ahead and by how much (e.g. ("torch", 1.4)); None if not comparable."""
        a, b = self.cells.get("torch"), self.cells.get("tensorflow")
        ratio = _speed(a, b, self.unit) if a and b else None
        if ratio is None:
            return None
        return ("torch", ratio) if ratio >= 1 else ("tensorflow", 1 / ratio)

    def pair_leads(self) -> list[PairLead]:
        """One lead per pair of frameworks that both have a comparable number, pairs in frameworks.ALL
        order ((torch, tensorflow), (torch, jax), (tensorflow, jax)); [] for accuracy rows (pair_points)."""
        present = [fw for fw in PROFILER_IDS if fw in self.cells]
        leads = (pair_lead(a, b, self.cells[a], self.cells[b], self.unit) for a, b in combinations(present, 2))
        return [lead for lead in leads if lead is not None]

    def pair_points(self) -> list[tuple[str, str, float]]:
        """Accuracy rows: (ahead, behind, points) per pair of frameworks both OK, pairs in ALL order;
        points >= 0 (0.0 when equal to a tenth of a point, then ahead is the first of the pair)."""
        if self.unit != ACCURACY:
            return []
        ok = [
            fw
            for fw in PROFILER_IDS
            if (c := self.cells.get(fw)) is not None and c.status is ResultStatus.OK and c.value is not None
        ]
        out = []
        for a, b in combinations(ok, 2):
            points = 100 * ((self.cells[a].value or 0) - (self.cells[b].value or 0))
            if round(points, 1) == 0:
                out.append((a, b, 0.0))
            else:
                out.append((a, b, points) if points > 0 else (b, a, -points))
        return out

    def pair_status(self, lead: PairLead) -> ResultStatus:
        """OK, BUSY or WIDE_SPREAD: the doubt of one pair's ratio, from its two numbers (ratio_status_of)."""
        return ratio_status_of(self.cells[fw].status for fw in (lead.ahead, lead.behind) if fw in self.cells)

    def pair_mark(self, lead: PairLead) -> str:
        """The mark after one pair's ratio ("~", "!", or "")."""
        return STATUS_MARKS[self.pair_status(lead)]

    @property
    def three_way(self) -> bool:
        """Whether the row holds more than two frameworks: each ratio then names its pair."""
        return len(self.cells) > 2

    @property
    def unsteady(self) -> bool:
        """Whether a number in the row has a wide spread (its ratio is shown, marked as uncertain)."""
        return any(c.status is ResultStatus.WIDE_SPREAD for c in self.cells.values())

    @property
    def busy(self) -> bool:
        """Whether a number in the row was measured while other processes were busy (shown, marked, no evidence)."""
        return any(c.status is ResultStatus.BUSY for c in self.cells.values())

    @property
    def uncertain(self) -> bool:
        """Whether the ratio rests on a doubtful number (unsteady, or from a busy machine): drawn faint."""
        return self.ratio_status is not ResultStatus.OK

    @property
    def ratio_status(self) -> ResultStatus:
        """OK, BUSY or WIDE_SPREAD: the ratio's doubt, from its most doubtful number (ratio_status_of)."""
        return ratio_status_of(c.status for c in self.cells.values())

    @property
    def ratio_mark(self) -> str:
        """The mark after the ratio ("~", "!", or "" for a ratio of two sound numbers), the same in every output."""
        return STATUS_MARKS[self.ratio_status]

    @property
    def within_noise(self) -> bool:
        """Whether the ratio's 95% interval holds 1.0: the lead may be noise."""
        return self.interval is not None and not beyond_noise(*self.interval)

    def interval_text(self) -> str:
        """The interval as people write it, "(1.28-1.41)"; "" without one."""
        return _interval_words(self.interval)

    def faster_text(self, short: bool = False, narrow: bool = False) -> str:
        """Speeds compare as a ratio; a trained model by its test accuracy, in percentage points.

        A ratio built from an unsteady or busy number ends in its mark (ratio_mark) in every form.
        `short`: "≈" for "within the noise" (the legend explains the sign); `narrow`: short, and the
        interval on a second line under the ratio ("torch 1.29x ~" over "(0.86-1.47) ≈").
        With two frameworks in the row, the leader's name and the ratio ("torch 1.29x"); with three, one
        pair per line, each naming its pair ("torch>TF 1.29x", "JAX>torch 1.10x"), "-" when none compares.
        Narrow three-way lines leave the interval out (the details and the reports' notes give it)."""
        if self.three_way:
            return self._pairs_text(short, narrow)
        if self.unit == ACCURACY:
            points = self.pair_points()
            if not points:
                return "-"
            ahead_id, _, gap = points[0]
            return "equal" if gap == 0 else f"{identity(ahead_id).short} +{gap:.1f} pts"
        leads = self.pair_leads()
        if not leads:
            return "-"
        lead = leads[0]
        return _lead_text(identity(lead.ahead).short, lead, self.pair_mark(lead), short, narrow)

    def lead_text(self, lead: PairLead, short: bool = False) -> str:
        """One pair's lead under the leader's name alone ("JAX 1.10x (1.05-1.15) ~"), for a place that
        already names the pair (a chart of that pair)."""
        return _lead_text(identity(lead.ahead).short, lead, self.pair_mark(lead), short, False)

    def _pairs_text(self, short: bool, narrow: bool) -> str:
        if self.unit == ACCURACY:
            lines = [
                f"{identity(a).short}={identity(b).short}"
                if gap == 0
                else f"{identity(a).short}>{identity(b).short} +{gap:.1f} pts"
                for a, b, gap in self.pair_points()
            ]
        else:
            lines = [
                _lead_text(lead.label(), lead, self.pair_mark(lead), short or narrow, False, interval=not narrow)
                for lead in self.pair_leads()
            ]
        return "\n".join(lines) or "-"

    def peak_text(self) -> str:
        parts = [
            f"{identity(fw).name} {c.percent_of_peak:.0f}%"
            for fw, c in self.cells.items()
            if c.percent_of_peak is not None
        ]
        return ", ".join(parts) or "-"


def _lead_text(name: str, lead: PairLead, mark: str, short: bool, narrow: bool, interval: bool = True) -> str:
    """One lead: "torch 1.29x (1.28-1.41), within the noise ~" and its short and narrow forms."""
    mark = f" {mark}" if mark else ""
    if lead.interval is None:
        return f"{name} {lead.ratio:.2f}x{mark}"
    text = f"{name} {ratio_text(lead.ratio)}"
    noise = (" ≈" if short or narrow else f", {WITHIN_NOISE}") if lead.within_noise else ""
    if narrow:
        return f"{text}{mark}\n{lead.interval_text()}{noise}"
    if not interval:
        return f"{text}{noise}{mark}"
    return f"{text} {lead.interval_text()}{noise}{mark}"


def _note(record: Record, status: ResultStatus) -> str:
    if status is ResultStatus.SKIPPED:
        return record.skipped or ""
    if status is ResultStatus.UNSUPPORTED:
        return record.unsupported or STATUS_WORDS[status]
    if status is ResultStatus.FAILED:
        return record.error or "no result"
    if status is ResultStatus.CANCELLED:
        return record.error or "cancelled"
    if status is ResultStatus.WRONG:
        return record.check or "result did not match the reference"
    if status is ResultStatus.WIDE_SPREAD:
        return unsteady_words(record)
    if status is ResultStatus.BUSY:
        return record.busy_reason or STATUS_WORDS[status]
    return record.check or ""


def cell(record: Record) -> Cell:
    status = classify(record)
    telemetry = record.gpu_telemetry
    return Cell(
        record.metric.value,
        record.metric.name,
        record.rel_spread,
        record.percent_of_peak,
        status,
        _note(record, status),
        gpu_state=gpu_state_text(telemetry),
        throttled=bool(telemetry and telemetry.throttled),
        expected=record.expected if status in COMPARABLE else None,
        samples_s=tuple(record.samples_s),
    )


def _torch_tensorflow_interval(row: Row) -> tuple[float, float] | None:
    """The 95% interval of `Row.faster` (the advice's pair), in the leader's direction."""
    lead = next((lead for lead in row.pair_leads() if lead.pair == ("torch", "tensorflow")), None)
    return lead.interval if lead is not None else None


def rows(records: RunDocument | Iterable[Record]) -> list[Row]:
    """One row per benchmark, dtype and shape, in the order the run first measured them."""
    results = records.results if isinstance(records, RunDocument) else records
    grouped: dict[CaseKey, dict[str, Record]] = {}
    for record in results:
        grouped.setdefault(case_key(record.benchmark, record.dtype, record.params), {})[record.framework] = record
    out = []
    for key, by_fw in grouped.items():
        cells = {fw: cell(by_fw[fw]) for fw in PROFILER_IDS if fw in by_fw}
        unit = next((c.unit for c in cells.values() if c.unit), "")
        # The shape in words from the key's params (keys sorted), so every run words a case alike.
        params = msgspec.json.decode(key.params)
        row = Row(key.benchmark, key.dtype, shape_text(params, key.benchmark), unit, cells, key)
        interval = _torch_tensorflow_interval(row)
        out.append(replace(row, interval=interval) if interval else row)
    return out


def problems(document: RunDocument) -> list[str]:
    """Plain sentences for every failed worker or benchmark, with the fix where one is known.

    Clean of control characters, but they quote the run's errors and hints: to Rich they go through
    safe_text.for_rich (`pip install 'fwadvisor[tensorflow]'` must not lose its brackets)."""
    lines = []
    for fw, worker in document.workers.items():
        # "not_supported" is a result (columns.unsupported_notes says why), never a problem.
        if worker.status not in ("ok", "failed", "not_supported"):
            # Each cut on its own, so that a huge error never hides the fix after it.
            hint = f" Fix: {cut(worker.hint, MESSAGE_CHARS)}" if worker.hint else ""
            lines.append(f"{NAMES.get(fw, fw)}: {cut(str(worker.error), MESSAGE_CHARS)}.{hint}")
    for row in rows(document):
        for fw, c in row.cells.items():
            summary = document.workers.get(fw)
            if c.status in (ResultStatus.FAILED, ResultStatus.WRONG) and not (summary and summary.hint):
                lines.append(f"{NAMES.get(fw, fw)} {row.benchmark} {row.dtype}: {c.note}")
    return [clean(line) for line in lines]


def device_label(document: RunDocument) -> str:
    devices = sorted({r.device for r in document.results if r.device and r.device != "unknown"})
    return cut(", ".join(devices) or document.suite.device, NAME_CHARS)
