"""What a practice run says: training curves, final accuracies, a large gap as a finding, the export round trip.

The practice suite trains two small models to the end in both frameworks (records carry a per-epoch
curve) and saves and reloads a trained model. Their numbers are accuracies and load times, not
speeds, so they get tables of their own instead of rows in the "ahead" table. Every report format
and the app take their sentences from here, so they say the same thing about the same run.
"""

from __future__ import annotations

from collections.abc import Iterable

from fwadvisor.frameworks import PROFILER_IDS, identity
from fwadvisor.profiler.catalog import CURVE_BENCHMARKS, PRACTICE_SUITE_BENCHMARKS
from fwadvisor.profiler.documents import STATUS_MARKS, CurvePoint, Record, ResultStatus, RunDocument, classify

# What each practice model (catalog.CURVE_BENCHMARKS) is, in a report's words.
PRACTICE_MODELS = dict(
    zip(CURVE_BENCHMARKS, ("CNN on the 8x8 digits", "LSTM reading each digit row by row"), strict=True)
)
# Final test accuracies further apart than this (in percentage points) are reported as a finding.
GAP_POINTS = 3.0
EXPORT_HEAD = ["framework", "format", "export s", "load s", "size", "reloaded outputs match"]
EXPORT_NUMERIC = frozenset({2, 3, 4})
CURVE_NOTE = "acc: accuracy; s: seconds the epoch's training took."
NO_NUMBER = frozenset({ResultStatus.FAILED, ResultStatus.SKIPPED, ResultStatus.CANCELLED})


def is_practice(record: Record) -> bool:
    return record.benchmark in PRACTICE_SUITE_BENCHMARKS


def has_practice(document: RunDocument) -> bool:
    return any(is_practice(r) for r in document.results)


def curve_points(record: Record) -> list[CurvePoint]:
    """The record's curve sorted by epoch."""
    return sorted(record.curve, key=lambda p: p.epoch)


def practice_records(records: RunDocument | Iterable[Record], benchmark: str) -> dict[str, Record]:
    """One benchmark's records by framework (PyTorch first), the last one winning if a run repeats it."""
    results = records.results if isinstance(records, RunDocument) else records
    found = {r.framework: r for r in results if r.benchmark == benchmark}
    return {fw: found[fw] for fw in PROFILER_IDS if fw in found}


def practice_models(document: RunDocument) -> list[str]:
    """The practice models the run holds, in PRACTICE_MODELS order."""
    present = {r.benchmark for r in document.results}
    return [model for model in PRACTICE_MODELS if model in present]


def final_accuracy(record: Record) -> float | None:
    """The test accuracy the training ended with: the metric, else the curve's last point."""
    if record.error or record.skipped:
        return None
    if record.metric.value is not None and record.metric.name == "test accuracy":
        return record.metric.value
    tail = [p.test_accuracy for p in curve_points(record) if p.test_accuracy is not None]
    return tail[-1] if tail else None


def accuracy_gap(by_fw: dict[str, Record]) -> tuple[str, float] | None:
    """Which framework ended more accurate and by how many percentage points; None without both."""
    torch_acc = final_accuracy(by_fw["torch"]) if "torch" in by_fw else None
    tf_acc = final_accuracy(by_fw["tensorflow"]) if "tensorflow" in by_fw else None
    if torch_acc is None or tf_acc is None:
        return None
    # Rounded past any printed digit: 96.44% - 93.44% must be 3.0 points, not 3.0000000000000027.
    points = round((torch_acc - tf_acc) * 100, 6)
    return ("torch", points) if points >= 0 else ("tensorflow", -points)


def widest_accuracy_gap(by_fw: dict[str, Record]) -> tuple[str, str, float] | None:
    """The most and the least accurate framework and the points between them (ahead, behind, points);
    with PyTorch and TensorFlow alone, accuracy_gap's answer. None with fewer than two accuracies."""
    accuracies = {fw: acc for fw, r in by_fw.items() if (acc := final_accuracy(r)) is not None}
    if len(accuracies) < 2:
        return None
    if set(accuracies) == {"torch", "tensorflow"} and (gap := accuracy_gap(by_fw)) is not None:
        return gap[0], "tensorflow" if gap[0] == "torch" else "torch", gap[1]
    ahead = max(accuracies, key=lambda fw: accuracies[fw])  # ties: the first in frameworks order
    behind = min(accuracies, key=lambda fw: accuracies[fw])
    return ahead, behind, round((accuracies[ahead] - accuracies[behind]) * 100, 6)


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def seconds_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def size_text(value: float | None) -> str:
    if value is None:
        return "-"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= scale:
            return f"{value / scale:.1f} {unit}"
    return f"{value:.0f} B"


def finding_text(model: str, by_fw: dict[str, Record], explain: bool = True) -> str | None:
    """A sentence when the final test accuracies differ by more than GAP_POINTS, else None.

    `explain`: add why it is shown and what may cause it (the app, short of room, leaves that out).
    """
    gap = widest_accuracy_gap(by_fw)
    if gap is None or gap[2] <= GAP_POINTS:
        return None
    ahead, behind, points = gap
    text = (
        f"Finding: the {PRACTICE_MODELS.get(model, model)} reached {percent(final_accuracy(by_fw[ahead]))} "
        f"test accuracy in {identity(ahead).name} but {percent(final_accuracy(by_fw[behind]))} in "
        f"{identity(behind).name}, {points:.1f} points apart."
    )
    if explain:
        text += (
            f" A gap this large (over {GAP_POINTS:g} points) is reported as a finding, not hidden: it may "
            "come from each framework's defaults (initialisation, optimiser details) as much as from the "
            "framework itself."
        )
    return text


def accuracy_summary(by_fw: dict[str, Record]) -> str:
    """ "Final test accuracy: PyTorch 97.2%, TensorFlow 96.8% (0.4 points apart)." in plain words."""
    parts = []
    for fw, record in by_fw.items():
        accuracy = final_accuracy(record)
        parts.append(f"{identity(fw).name} {percent(accuracy) if accuracy is not None else 'no result'}")
    gap = widest_accuracy_gap(by_fw)
    apart = ""
    if gap is not None and len(by_fw) < 3:
        apart = f" ({gap[2]:.1f} points apart)"
    elif gap is not None:  # three: the widest pair, named
        apart = f" ({identity(gap[0]).name} and {identity(gap[1]).name} {gap[2]:.1f} points apart)"
    return f"Final test accuracy: {', '.join(parts)}{apart}." if parts else ""


def record_trouble(record: Record) -> str | None:
    """Why a practice record's numbers are missing or doubtful, in a few words; None when all is well."""
    status = classify(record)
    mark = STATUS_MARKS[status]
    if status is ResultStatus.SKIPPED:
        return f"skipped: {record.skipped}"
    if status is ResultStatus.CANCELLED:
        return f"{mark} cancelled"
    if status is ResultStatus.FAILED:
        return f"{mark} failed: {record.error or 'no result'}"
    if status is ResultStatus.WRONG:
        return f"{mark} did not pass its check: {record.check or 'no reason given'}"
    return None


def _extra_number(record: Record, key: str) -> float | None:
    value = record.extra.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def export_cells(record: Record) -> list[str]:
    """framework | format | export s | load s | size | reloaded outputs match, as plain strings."""
    name = identity(record.framework).name
    fmt = record.extra.get("format")
    if classify(record) in NO_NUMBER:
        return [name, str(fmt or "-"), "-", "-", "-", record_trouble(record) or "-"]
    error = _extra_number(record, "max_rel_error")
    detail = f" (max relative error {error:.2g})" if error is not None else ""
    match = "not checked" if record.correct is None else "yes" if record.correct else "NO"
    return [
        name,
        str(fmt or "?"),
        seconds_text(_extra_number(record, "export_s")),
        seconds_text(_extra_number(record, "load_s")),
        size_text(_extra_number(record, "artifact_bytes")),
        match + detail,
    ]


def curve_table(by_fw: dict[str, Record]) -> tuple[list[str], list[list[str]]]:
    """One row per epoch, the frameworks side by side; only frameworks with a curve get columns."""
    curves = {fw: {p.epoch: p for p in curve_points(r)} for fw, r in by_fw.items() if r.curve}
    head = ["epoch"]
    for fw in curves:
        name = identity(fw).name
        head += [f"{name} train loss", f"{name} train acc", f"{name} test acc", f"{name} s"]
    epochs = sorted({epoch for points in curves.values() for epoch in points})
    body = []
    for epoch in epochs:
        line = [f"{epoch:g}"]
        for points in curves.values():
            p = points.get(epoch)
            if p is None:
                line += ["-"] * 4
                continue
            line += [
                "-" if p.train_loss is None else f"{p.train_loss:.4f}",
                percent(p.train_accuracy),
                percent(p.test_accuracy),
                seconds_text(p.seconds),
            ]
        body.append(line)
    return head, body
