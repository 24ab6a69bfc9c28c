"""Which frameworks a run's tables show, and the legend that goes with them.

A run of PyTorch and TensorFlow (or of either alone) shows both columns, as it always has; a run that
holds JAX shows a column per framework present, in frameworks.ALL order, and each ratio then names its
pair ("torch>TF 1.29x"), which the legend explains. A framework with no path to the run's device shows
"⊘ not supported" in its cells, and the legend says what the sign means.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fwadvisor.frameworks import PROFILER_IDS, PYTORCH, TENSORFLOW, identity
from fwadvisor.profiler.documents import STATUS_MARKS, STATUS_WORDS, ResultStatus, RunDocument
from fwadvisor.report.profile_table import MARKS_LEGEND, Row

# The columns of every run without a third framework, whether or not both of these ran.
PAIR: tuple[str, ...] = (PYTORCH.profiler_id, TENSORFLOW.profiler_id)
_UNSUPPORTED = ResultStatus.UNSUPPORTED
UNSUPPORTED_LEGEND = (
    f"{STATUS_MARKS[_UNSUPPORTED]} {STATUS_WORDS[_UNSUPPORTED]}: the framework has no maintained path to "
    "this device (the reason is under the table): a result, not a failure, and never evidence."
)


def and_list(items: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C": the frameworks of a run in a sentence."""
    return " and ".join(items) if len(items) < 3 else f"{', '.join(items[:-1])} and {items[-1]}"


def shown_frameworks(run: RunDocument) -> tuple[str, ...]:
    """The profiler ids whose columns the run's tables show, in frameworks.ALL order."""
    present = set(run.workers) | {record.framework for record in run.results}
    if present <= set(PAIR):
        return PAIR
    return tuple(fw for fw in PROFILER_IDS if fw in present)


def pairs_legend(frameworks: Iterable[str]) -> str:
    """What a named pair's ratio means, with the run's first pair as the example; "" for two columns."""
    shown = list(frameworks)
    if len(shown) < 3:
        return ""
    first, second = identity(shown[0]), identity(shown[1])
    return (
        f"{first.short}>{second.short} 1.29x: {first.name} ran 1.29 times as fast as {second.name}; "
        "one line per pair of frameworks that both have a comparable number."
    )


# Said under a narrow table of three frameworks, whose ratio lines leave their intervals out.
INTERVALS_LEFT_OUT = "Each ratio's 95% interval shows from 100 columns, and in the reports."


def legend(frameworks: Iterable[str], table_rows: Iterable[Row], intervals_shown: bool = True) -> str:
    """MARKS_LEGEND, then the pairs' and the "not supported" sign's meaning where the table needs them
    (a run of PyTorch and TensorFlow on a device both support reads exactly MARKS_LEGEND).
    `intervals_shown`: False for a narrow table of three, which then says where the intervals are."""
    unsupported = any(c.status is _UNSUPPORTED for row in table_rows for c in row.cells.values())
    pairs = pairs_legend(frameworks)
    left_out = INTERVALS_LEFT_OUT if pairs and not intervals_shown else ""
    extra = [pairs, left_out, UNSUPPORTED_LEGEND if unsupported else ""]
    return " ".join([MARKS_LEGEND, *(text for text in extra if text)])


def unsupported_notes(table_rows: Iterable[Row]) -> list[str]:
    """One sentence per framework with no path to the device: "JAX: not supported here: <reason>"; the
    reason is outside text (the caller escapes it for its format)."""
    reasons: dict[str, str] = {}
    for row in table_rows:
        for fw, c in row.cells.items():
            if c.status is _UNSUPPORTED:
                reasons.setdefault(fw, c.note)
    return [f"{identity(fw).name}: {STATUS_WORDS[_UNSUPPORTED]}: {reasons[fw]}" for fw in PROFILER_IDS if fw in reasons]
