"""The report's "Evidence from this machine" section: a saved profile run as JSON, Markdown, HTML and text.

Headless like the rest of report/: it reads the profile document (plain JSON data) and never imports
a framework, numpy or textual. The side-by-side table comes from profile_table, so the terminal,
the TUI and every report format agree on what was measured and which numbers are not to be trusted.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path
from typing import Any

from fwadvisor.profiler.records import usable_as_evidence
from fwadvisor.report.profile_table import LOWER_IS_BETTER, NAMES, Cell, Row, device_label, problems, rows

TITLE = "Evidence from this machine"
FRAMEWORKS = ("torch", "tensorflow")
# The report's framework colours (html.py's --pt / --tf), written out because the chart must also
# read well when the SVG is copied out of the page on its own.
BAR_COLOURS = {"torch": "#d9480f", "tensorflow": "#e8a100"}
LEGEND = (
    "± is half the p20-p80 spread. ~ marks a spread over 10% of the median: shown, but not "
    "used as evidence. ≠ marks a result that did not match the NumPy reference: not used. "
    "✗ marks a benchmark that failed."
)
# The practice suite: two small models trained to the end in both frameworks (records carry a
# per-epoch "curve"), and a trained model saved and loaded again. Their numbers are accuracies and
# load times, not speeds, so they get tables of their own instead of rows in the "ahead" table.
PRACTICE_MODELS = {"practice_cnn": "CNN on the 8x8 digits", "practice_rnn": "LSTM reading each digit row by row"}
EXPORT_BENCHMARK = "export_roundtrip"
PRACTICE_BENCHMARKS = frozenset({*PRACTICE_MODELS, EXPORT_BENCHMARK})
# Final test accuracies further apart than this (in percentage points) are reported as a finding.
GAP_POINTS = 3.0
CURVE_FIELDS = ("train_loss", "train_accuracy", "test_accuracy", "seconds")
TRIGGERED_TITLE = "What these numbers changed in the advice"
NO_TRIGGER = "No rule used these numbers: the advice rests on your answers alone."


# Facts shared by every format ---------------------------------------------------------------------


def _workers(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return document.get("workers") or {}


def _problems(document: dict[str, Any]) -> list[str]:
    # problems() indexes document["workers"]; an older or hand-made document may not have it.
    return problems({**document, "workers": _workers(document)})


def framework_versions(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per framework: the version that ran (or was found) and how its worker ended."""
    env_fws = (document.get("environment") or {}).get("frameworks") or {}
    seen = [fw for fw in FRAMEWORKS if fw in _workers(document) or fw in env_fws]
    seen += sorted(set(_workers(document)) - set(seen))
    out: dict[str, dict[str, Any]] = {}
    for fw in seen:
        worker = _workers(document).get(fw) or {}
        version = worker.get("framework_version") or (env_fws.get(fw) or {}).get("version")
        if version is None:
            version = next(
                (
                    r.get("framework_version")
                    for r in document.get("results", [])
                    if r.get("framework") == fw and r.get("framework_version")
                ),
                None,
            )
        out[fw] = {"version": version, "status": worker.get("status"), "error": worker.get("error")}
    return out


def hardware_text(document: dict[str, Any]) -> str:
    """The GPU that ran the numbers, or the CPU model and its cores."""
    device = device_label(document)
    suite = document.get("suite") or {}
    threads = suite.get("threads")
    if device.startswith("cuda") or (suite.get("device") == "cuda"):
        return f"GPU {device}"
    cpu = (document.get("environment") or {}).get("cpu") or {}
    model = cpu.get("model") or "unknown CPU model"
    cores = cpu.get("physical_cores")
    logical = cpu.get("logical_cores")
    details = []
    if cores:
        details.append(f"{cores} cores" + (f", {logical} logical" if logical and logical != cores else ""))
    if threads:
        details.append(f"{threads} threads used")
    return f"CPU {model}" + (f" ({'; '.join(details)})" if details else "")


def environment_lines(document: dict[str, Any], path: Path | str | None) -> list[str]:
    """One or two plain sentences: what hardware and which framework versions, which run."""
    versions = []
    for fw, info in framework_versions(document).items():
        text = f"{NAMES.get(fw, fw)} {info['version'] or '(version unknown)'}"
        if info["status"] not in (None, "ok"):
            text += f" ({str(info['status']).replace('_', ' ')})"
        versions.append(text)
    first = f"Measured on {hardware_text(document)}"
    first += f", with {' and '.join(versions)}." if versions else "."
    suite = document.get("suite") or {}
    second = f"Suite {suite.get('name', '?')}, run {document.get('created', 'at an unknown time')}"
    second += f"; saved as {path}." if path else "."
    return [first, second]


def usable_count(document: dict[str, Any]) -> tuple[int, int]:
    results = document.get("results", [])
    return sum(1 for r in results if usable_as_evidence(r)), len(results)


def _wide(row: Row) -> bool:
    return any(c.status == "wide" for c in row.cells.values())


def ahead_text(row: Row) -> tuple[str, str]:
    """Who is ahead, and a status: "ok", "wide" (a ratio of unsteady numbers) or "none"."""
    ahead = row.faster
    if ahead is not None:
        if _wide(row):
            return f"{row.faster_text()} ~ (uncertain)", "wide"
        return row.faster_text(), "ok"
    return f"not comparable ({_why_not_comparable(row)})", "none"


def _why_not_comparable(row: Row) -> str:
    for fw in FRAMEWORKS:
        c = row.cells.get(fw)
        if c is None:
            return f"{NAMES[fw]} not run"
        if c.status == "failed":
            return f"{NAMES[fw]} failed"
        if c.status == "wrong":
            return f"{NAMES[fw]} result wrong"
        if c.status == "skipped":
            return f"{NAMES[fw]} skipped"
    if row.unit == "x":
        return "each is a speed-up of its own"
    return "no numbers"


def cell_text(c: Cell | None) -> str:
    """A table cell in words as well as symbols, so a doubtful number never reads as a clean one."""
    if c is None:
        return "not run"
    if c.status == "wrong":
        return f"{c.text()} wrong result"
    if c.status == "wide":
        return f"{c.text()} unsteady"
    return c.text()


def _with_peak(table_rows: list[Row]) -> bool:
    return any(c.percent_of_peak is not None for r in table_rows for c in r.cells.values())


# Practice runs: training curves, final accuracies and the export round trip -------------------------


def is_practice(record: dict[str, Any]) -> bool:
    return record.get("benchmark") in PRACTICE_BENCHMARKS


def speed_rows(document: dict[str, Any]) -> list[Row]:
    """The rows of the "ahead" table: every benchmark but the practice ones (see PRACTICE_MODELS)."""
    return rows({**document, "results": [r for r in document.get("results", []) if not is_practice(r)]})


def _number(value: object) -> float | None:
    # Curves come from a JSON file that a person may have edited: a bad value is skipped, not fatal.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def curve_points(record: dict[str, Any]) -> list[dict[str, float | None]]:
    """The record's curve as {"epoch", "train_loss", ...} points with numbers or None, sorted by epoch."""
    points = []
    for point in record.get("curve") or []:
        if not isinstance(point, dict) or _number(point.get("epoch")) is None:
            continue
        points.append({"epoch": _number(point["epoch"]), **{k: _number(point.get(k)) for k in CURVE_FIELDS}})
    return sorted(points, key=lambda p: p["epoch"] or 0.0)


def practice_records(document: dict[str, Any], benchmark: str) -> dict[str, dict[str, Any]]:
    """One benchmark's records by framework (torch first), the last one winning if a run repeats it."""
    found: dict[str, dict[str, Any]] = {}
    for record in document.get("results", []):
        if record.get("benchmark") == benchmark and record.get("framework"):
            found[record["framework"]] = record
    order = [fw for fw in FRAMEWORKS if fw in found] + sorted(set(found) - set(FRAMEWORKS))
    return {fw: found[fw] for fw in order}


def practice_models(document: dict[str, Any]) -> list[str]:
    """The practice models the run holds, in PRACTICE_MODELS order."""
    present = {r.get("benchmark") for r in document.get("results", [])}
    return [model for model in PRACTICE_MODELS if model in present]


def has_practice(document: dict[str, Any]) -> bool:
    return any(is_practice(r) for r in document.get("results", []))


def final_accuracy(record: dict[str, Any]) -> float | None:
    """The test accuracy the training ended with: the metric, else the curve's last point."""
    if record.get("error") or record.get("skipped"):
        return None
    metric = record.get("metric") or {}
    value = _number(metric.get("value"))
    if value is not None and metric.get("name") == "test accuracy":
        return value
    tail = [p["test_accuracy"] for p in curve_points(record) if p["test_accuracy"] is not None]
    return tail[-1] if tail else None


def accuracy_gap(by_fw: dict[str, dict[str, Any]]) -> tuple[str, float] | None:
    """Which framework ended more accurate and by how many percentage points; None without both."""
    torch_acc = final_accuracy(by_fw["torch"]) if "torch" in by_fw else None
    tf_acc = final_accuracy(by_fw["tensorflow"]) if "tensorflow" in by_fw else None
    if torch_acc is None or tf_acc is None:
        return None
    # Rounded past any printed digit: 96.44% - 93.44% must be 3.0 points, not 3.0000000000000027.
    points = round((torch_acc - tf_acc) * 100, 6)
    return ("torch", points) if points >= 0 else ("tensorflow", -points)


def finding_text(model: str, by_fw: dict[str, dict[str, Any]], explain: bool = True) -> str | None:
    """A sentence when the final test accuracies differ by more than GAP_POINTS, else None.

    `explain`: add why it is shown and what may cause it (the TUI, short of room, leaves that out).
    """
    gap = accuracy_gap(by_fw)
    if gap is None or gap[1] <= GAP_POINTS:
        return None
    ahead, points = gap
    behind = "tensorflow" if ahead == "torch" else "torch"
    text = (
        f"Finding: the {PRACTICE_MODELS.get(model, model)} reached {_percent(final_accuracy(by_fw[ahead]))} "
        f"test accuracy in {NAMES[ahead]} but {_percent(final_accuracy(by_fw[behind]))} in {NAMES[behind]}, "
        f"{points:.1f} points apart."
    )
    if explain:
        text += (
            f" A gap this large (over {GAP_POINTS:g} points) is reported as a finding, not hidden: it may "
            "come from each framework's defaults (initialisation, optimiser details) as much as from the "
            "framework itself."
        )
    return text


def accuracy_summary(by_fw: dict[str, dict[str, Any]]) -> str:
    """ "Final test accuracy: PyTorch 97.2%, TensorFlow 96.8% (0.4 points apart)." in plain words."""
    parts = []
    for fw, record in by_fw.items():
        accuracy = final_accuracy(record)
        parts.append(f"{NAMES.get(fw, fw)} {_percent(accuracy) if accuracy is not None else 'no result'}")
    gap = accuracy_gap(by_fw)
    apart = f" ({gap[1]:.1f} points apart)" if gap else ""
    return f"Final test accuracy: {', '.join(parts)}{apart}." if parts else ""


def record_trouble(record: dict[str, Any]) -> str | None:
    """Why a practice record's numbers are missing or doubtful, in a few words; None when all is well."""
    if record.get("skipped"):
        return f"skipped: {record['skipped']}"
    if record.get("error"):
        return f"✗ failed: {record['error']}"
    if record.get("correct") is False:
        return f"≠ did not pass its check: {record.get('check') or 'no reason given'}"
    return None


def export_cells(record: dict[str, Any]) -> list[str]:
    """framework | format | export s | load s | size | reloaded outputs match, as plain strings."""
    extra = record.get("extra") or {}
    name = NAMES.get(str(record.get("framework")), str(record.get("framework")))
    if record.get("error") or record.get("skipped"):
        return [name, str(extra.get("format") or "-"), "-", "-", "-", record_trouble(record) or "-"]
    error = _number(extra.get("max_rel_error"))
    detail = f" (max relative error {error:.2g})" if error is not None else ""
    match = {True: "yes", False: "NO"}.get(record.get("correct"), "not checked") + detail
    return [
        name,
        str(extra.get("format") or "?"),
        _seconds(extra.get("export_s")),
        _seconds(extra.get("load_s")),
        _size(extra.get("artifact_bytes")),
        match,
    ]


EXPORT_HEAD = ["framework", "format", "export s", "load s", "size", "reloaded outputs match"]
EXPORT_NUMERIC = frozenset({2, 3, 4})
CURVE_NOTE = "acc: accuracy; s: seconds the epoch's training took."


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _seconds(value: object) -> str:
    number = _number(value)
    return "-" if number is None else f"{number:.3g}"


def _size(value: object) -> str:
    number = _number(value)
    if number is None:
        return "-"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if number >= scale:
            return f"{number / scale:.1f} {unit}"
    return f"{number:.0f} B"


def curve_table(by_fw: dict[str, dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """One row per epoch, the frameworks side by side; only frameworks with a curve get columns."""
    curves = {fw: {p["epoch"]: p for p in curve_points(r)} for fw, r in by_fw.items() if curve_points(r)}
    head = ["epoch"]
    for fw in curves:
        name = NAMES.get(fw, fw)
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
            loss = p["train_loss"]
            line += [
                "-" if loss is None else f"{loss:.4f}",
                _percent(p["train_accuracy"]),
                _percent(p["test_accuracy"]),
                _seconds(p["seconds"]),
            ]
        body.append(line)
    return head, body


def trigger_lines(triggered: list[dict[str, Any]]) -> list[str]:
    """Each rule the numbers fired, as "rule (favours PyTorch): message"."""
    names = {**NAMES, "pytorch": "PyTorch"}
    out = []
    for item in triggered:
        favours = item.get("favors")
        about = f"favours {names.get(str(favours), favours)}" if favours else ""
        if not about and item.get("framework"):
            about = names.get(str(item["framework"]), str(item["framework"]))
        head = str(item.get("rule") or "a rule") + (f" ({about})" if about else "")
        out.append(f"{head}: {item.get('message') or ''}".rstrip(": "))
    return out


# JSON -----------------------------------------------------------------------------------------------


def profile_summary(document: dict[str, Any], path: Path | str | None) -> dict[str, Any]:
    """What the JSON report carries about the run: where it came from and every measurement."""
    suite = document.get("suite") or {}
    measurements = []
    for r in document.get("results", []):
        metric = r.get("metric") or {}
        measurements.append(
            {
                "benchmark": r.get("benchmark"),
                "framework": r.get("framework"),
                "dtype": r.get("dtype"),
                "params": r.get("params") or {},
                "metric": {"name": metric.get("name"), "value": metric.get("value")},
                "rel_spread": r.get("rel_spread"),
                "wide_spread": bool(r.get("wide_spread")),
                "percent_of_peak": r.get("percent_of_peak"),
                "correct": r.get("correct"),
                "error": r.get("error"),
                "skipped": r.get("skipped"),
                "usable": usable_as_evidence(r),
            }
        )
        if r.get("benchmark") in PRACTICE_MODELS or "curve" in r:
            # As recorded (not curve_points): the JSON report is the raw data for anyone's own plots.
            measurements[-1]["curve"] = r.get("curve") or []
        if r.get("benchmark") == EXPORT_BENCHMARK:
            measurements[-1]["extra"] = r.get("extra") or {}
    return {
        "path": str(path) if path else None,
        "created": document.get("created"),
        "device": device_label(document),
        "suite": suite.get("name"),
        "threads": suite.get("threads"),
        "frameworks": framework_versions(document),
        "measurements": measurements,
    }


# Markdown -------------------------------------------------------------------------------------------


def _md(text: object) -> str:
    """Safe inside a Markdown table cell or list item: one line, no pipes, no raw HTML or links."""
    out = " ".join(str(text).split())
    for char in ("\\", "|", "<", ">", "[", "]", "*", "`"):
        out = out.replace(char, "\\" + char)
    return out


def _md_table(head: list[str], body: list[list[str]], numeric: frozenset[int] | None = None) -> list[str]:
    """A Markdown table; the `numeric` columns (all but the first by default) are right-aligned."""
    numeric = frozenset(range(1, len(head))) if numeric is None else numeric
    out = [
        "| " + " | ".join(_md(h) for h in head) + " |",
        "|" + "|".join("---:" if i in numeric else "---" for i in range(len(head))) + "|",
    ]
    out += ["| " + " | ".join(_md(c) for c in line) + " |" for line in body]
    return out


def markdown_practice(document: dict[str, Any]) -> list[str]:
    """Per practice model: the curves as a table, the final accuracies and any finding; then the export."""
    out: list[str] = []
    for model in practice_models(document):
        by_fw = practice_records(document, model)
        out += [f"### Training curves: {_md(PRACTICE_MODELS[model])} ({_md(model)})", ""]
        head, body = curve_table(by_fw)
        if body:
            out += [*_md_table(head, body), "", _md(CURVE_NOTE), ""]
        summary = accuracy_summary(by_fw)
        out += [_md(summary) + "  "] if summary else []
        out += [
            f"{_md(NAMES.get(fw, fw))}: {_md(trouble)}  " for fw, r in by_fw.items() if (trouble := record_trouble(r))
        ]
        finding = finding_text(model, by_fw)
        if finding:
            out += ["", f"**{_md(finding)}**"]
        out.append("")
    exports = practice_records(document, EXPORT_BENCHMARK)
    if exports:
        out += ["### Saving and reloading a trained model", ""]
        out += [*_md_table(EXPORT_HEAD, [export_cells(r) for r in exports.values()], EXPORT_NUMERIC), ""]
    return out


def markdown_triggered(triggered: list[dict[str, Any]] | None) -> list[str]:
    if triggered is None:
        return []
    if not triggered:
        return [f"### {TRIGGERED_TITLE}", "", NO_TRIGGER, ""]
    return [f"### {TRIGGERED_TITLE}", "", *(f"- {_md(line)}" for line in trigger_lines(triggered)), ""]


def markdown_section(
    document: dict[str, Any], path: Path | str | None, triggered: list[dict[str, Any]] | None = None
) -> str:
    """The section in Markdown. `triggered`: the rules these numbers fired (None: no such sub-section)."""
    table_rows = speed_rows(document)
    with_peak = _with_peak(table_rows)
    out = [f"## {TITLE}", ""]
    out += [_md(line) + "  " for line in environment_lines(document, path)]
    usable, total = usable_count(document)
    out += [f"{usable} of {total} numbers are steady and checked, and count as evidence.", ""]
    if table_rows:
        head = ["benchmark", "shape", "metric", "PyTorch", "TensorFlow", "ahead"] + (["% of peak"] if with_peak else [])
        out += ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|"]
        for row in table_rows:
            unit = row.unit + (" (lower is better)" if row.unit in LOWER_IS_BETTER else "")
            ahead, status = ahead_text(row)
            ahead = f"**{_md(ahead)}**" if status == "ok" else _md(ahead)
            cells = [
                _md(f"{row.benchmark} {row.dtype}".strip()),
                _md(row.params),
                _md(unit),
                _md(cell_text(row.cells.get("torch"))),
                _md(cell_text(row.cells.get("tensorflow"))),
                ahead,
            ]
            if with_peak:
                cells.append(_md(row.peak_text()))
            out.append("| " + " | ".join(cells) + " |")
        out += ["", _md(LEGEND), ""]
    elif not has_practice(document):
        out += ["The run holds no results.", ""]
    out += markdown_practice(document)
    out += markdown_triggered(triggered)
    found = _problems(document)
    if found:
        out += ["### Problems in this run", ""]
        out += [f"- {_md(line)}" for line in found]
        out.append("")
    return "\n".join(out)


# Text -----------------------------------------------------------------------------------------------


def text_section(
    document: dict[str, Any], path: Path | str | None, width: int = 100, triggered: list[dict[str, Any]] | None = None
) -> list[str]:
    """A short plain table for the terminal report (no colour: the rich table lives in `profile`).

    Practice runs get a few lines each (final accuracies, any finding, the export); their curves are
    in the Markdown and HTML reports and in the TUI. `triggered` as in markdown_section.
    """
    out = ["", TITLE]
    for line in environment_lines(document, path):
        out += _wrap(line, width - 2, indent="  ", hang="    ")
    out.append("")
    speed = speed_rows(document)
    if speed or not has_practice(document):
        out += _text_table(speed, width)
    out += _text_practice(document, width)
    if triggered is not None:
        out += ["", "  " + TRIGGERED_TITLE]
        lines = trigger_lines(triggered) if triggered else [NO_TRIGGER]
        for line in lines:
            out += _wrap(("- " if triggered else "") + line, width - 2, indent="  ", hang="    ")
    for line in _problems(document):
        out += _wrap("! " + line, width - 2, indent="  ", hang="    ")
    # The blocks each open with a blank line; one is enough between any two.
    return [line for i, line in enumerate(out) if line or i == 0 or out[i - 1]]


def _text_practice(document: dict[str, Any], width: int) -> list[str]:
    out: list[str] = []
    for model in practice_models(document):
        by_fw = practice_records(document, model)
        out += ["", f"  {PRACTICE_MODELS[model]} ({model})"]
        summary = accuracy_summary(by_fw)
        out += _wrap(summary, width - 2, indent="    ", hang="    ") if summary else []
        for fw, record in by_fw.items():
            trouble = record_trouble(record)
            if trouble:
                out += _wrap(f"{NAMES.get(fw, fw)}: {trouble}", width - 2, indent="    ", hang="      ")
        finding = finding_text(model, by_fw)
        if finding:
            out += _wrap(finding, width - 2, indent="    ", hang="    ")
    exports = practice_records(document, EXPORT_BENCHMARK)
    if exports:
        out += ["", "  Saving and reloading a trained model"]
        for record in exports.values():
            name, fmt, export_s, load_s, size, match = export_cells(record)
            out += _wrap(
                f"{name}: {fmt}, export {export_s} s, load {load_s} s, {size}; reloaded outputs match: {match}",
                width - 2,
                indent="    ",
                hang="      ",
            )
    return out


def _text_table(table_rows: list[Row], width: int) -> list[str]:
    out: list[str] = []
    table = [("benchmark", "metric", "PyTorch", "TensorFlow", "ahead")]
    for row in table_rows:
        # Symbols keep the terminal table narrow; the legend under it says what they mean.
        ahead, status = ahead_text(row)
        ahead = {"wide": f"{row.faster_text()} ~", "none": "-"}.get(status, ahead)
        table.append(
            (
                f"{row.benchmark} {row.dtype}".strip(),
                row.unit,
                _text_cell(row.cells.get("torch")),
                _text_cell(row.cells.get("tensorflow")),
                ahead,
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(5)]
    for number, r in enumerate(table):
        line = "  " + "  ".join(r[i].ljust(widths[i]) if i < 2 else r[i].rjust(widths[i]) for i in range(5))
        out.append(line.rstrip()[: max(width, 40)])
        if number == 0:
            out.append("  " + "  ".join("-" * w for w in widths))
    out += ["", *("  " + line for line in _wrap(LEGEND, width - 2))]
    return out


def _text_cell(c: Cell | None) -> str:
    if c is None:
        return "not run"
    return c.text() + (" wrong" if c.status == "wrong" else "")


def _wrap(text: str, width: int, indent: str = "", hang: str = "") -> list[str]:
    import textwrap

    return textwrap.wrap(text, max(width, 40), initial_indent=indent, subsequent_indent=hang or indent)


# HTML -----------------------------------------------------------------------------------------------


def _e(text: object) -> str:
    return escape(" ".join(str(text).split()), quote=True)


_STATUS_STYLE = {
    "wrong": "color:var(--bad);font-weight:600",
    "failed": "color:var(--bad)",
    "wide": "color:var(--warn)",
    "skipped": "color:var(--muted)",
}


def _html_cell(c: Cell | None) -> str:
    if c is None:
        return '<td style="color:var(--muted)">not run</td>'
    style = _STATUS_STYLE.get(c.status)
    title = f' title="{_e(c.note)}"' if c.note else ""
    body = _e(cell_text(c))
    return f'<td style="text-align:right{";" + style if style else ""}"{title}>{body}</td>'


def html_section(
    document: dict[str, Any], path: Path | str | None, triggered: list[dict[str, Any]] | None = None
) -> str:
    """The section in HTML: inline SVG charts, no script, nothing fetched. `triggered` as in markdown_section."""
    table_rows = speed_rows(document)
    with_peak = _with_peak(table_rows)
    usable, total = usable_count(document)
    parts = [f'<section id="evidence"><h2>{_e(TITLE)}</h2>']
    parts += [f'<p class="muted">{_e(line)}</p>' for line in environment_lines(document, path)]
    parts.append(f"<p>{usable} of {total} numbers are steady and checked, and count as evidence.</p>")
    if table_rows:
        parts.append(chart_svg(table_rows))
        head = ["benchmark", "shape", "metric", "PyTorch", "TensorFlow", "ahead"] + (["% of peak"] if with_peak else [])
        parts.append("<table><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>")
        for row in table_rows:
            unit = row.unit + (" (lower is better)" if row.unit in LOWER_IS_BETTER else "")
            ahead, status = ahead_text(row)
            ahead_style = {"ok": "font-weight:600", "wide": "color:var(--warn)", "none": "color:var(--muted)"}[status]
            cells = [
                f"<td>{_e(row.benchmark)} {_e(row.dtype)}</td>",
                f"<td>{_e(row.params)}</td>",
                f"<td>{_e(unit)}</td>",
                _html_cell(row.cells.get("torch")),
                _html_cell(row.cells.get("tensorflow")),
                f'<td style="text-align:right;{ahead_style}">{_e(ahead)}</td>',
            ]
            if with_peak:
                cells.append(f'<td style="text-align:right">{_e(row.peak_text())}</td>')
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append(f'</tbody></table><p class="muted">{_e(LEGEND)}</p>')
    elif not has_practice(document):
        parts.append("<p>The run holds no results.</p>")
    parts += html_practice(document)
    if triggered is not None:
        parts.append(f"<h3>{_e(TRIGGERED_TITLE)}</h3>")
        if triggered:
            parts.append("<ul>" + "".join(f"<li>{_e(line)}</li>" for line in trigger_lines(triggered)) + "</ul>")
        else:
            parts.append(f"<p>{_e(NO_TRIGGER)}</p>")
    found = _problems(document)
    if found:
        parts.append("<h3>Problems in this run</h3><ul>")
        parts += [f'<li class="blocker">{_e(line)}</li>' for line in found]
        parts.append("</ul>")
    parts.append("</section>")
    return "\n".join(parts)


def _ratio_scale(table_rows: list[Row]) -> float:
    """The largest ratio the axis shows: the next of 2x, 4x, 10x, 100x ... above every bar."""
    largest = max([r.faster[1] for r in table_rows if r.faster] + [1.0])
    for step in (2.0, 4.0, 10.0):
        if largest <= step:
            return step
    return 10.0 ** math.ceil(math.log10(largest))


def chart_svg(table_rows: list[Row]) -> str:
    """Bars of how much faster one framework ran each benchmark, on a log scale centred on 1x.

    PyTorch ahead grows right, TensorFlow ahead grows left, so equal speed is the centre line and
    2x either way is the same length. Unsteady ratios are drawn faint and dashed and say so;
    rows without a fair comparison say why instead of drawing a bar.
    """
    label_w, chart_w, value_w, row_h, top = 190, 360, 190, 24, 34
    width = label_w + chart_w + value_w
    height = top + row_h * len(table_rows) + 10
    centre = label_w + chart_w / 2
    half = chart_w / 2 - 4
    scale = _ratio_scale(table_rows)

    def x_of(framework: str, ratio: float) -> float:
        offset = math.log(ratio) / math.log(scale) * half
        return centre + offset if framework == "torch" else centre - offset

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="fw-chart-title fw-chart-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px;font:12px sans-serif" '
        f'font-family="sans-serif" font-size="12">',
        '<title id="fw-chart-title">How many times faster PyTorch or TensorFlow ran each benchmark</title>',
        '<desc id="fw-chart-desc">Log scale centred on 1x (equal speed). Bars to the right: PyTorch '
        "ahead; bars to the left: TensorFlow ahead. Faint dashed bars rest on unsteady numbers; rows "
        "without a bar could not be compared.</desc>",
    ]
    # Tick labels need no framework name: the headings above say which side is which.
    ticks = [1.0, 2.0] + [t for t in (4.0,) if scale == 4.0] + [t for t in (10.0, 100.0, 1000.0) if t <= scale]
    for tick in ticks:
        for fw in ("torch",) if tick == 1.0 else FRAMEWORKS:
            x = x_of(fw, tick)
            label = f"{tick:g}x"
            parts.append(
                f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 8}" stroke="currentColor" '
                f'stroke-opacity="{0.6 if tick == 1.0 else 0.2}"/>'
            )
            parts.append(
                f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle" fill="currentColor">{_e(label)}</text>'
            )
    parts.append(
        f'<text x="{label_w}" y="12" fill="{BAR_COLOURS["tensorflow"]}" font-weight="bold">◀ TensorFlow faster</text>'
    )
    parts.append(
        f'<text x="{label_w + chart_w}" y="12" text-anchor="end" fill="{BAR_COLOURS["torch"]}" '
        'font-weight="bold">PyTorch faster ▶</text>'
    )
    for index, row in enumerate(table_rows):
        y = top + index * row_h
        mid = y + row_h / 2 + 4
        parts.append(
            f'<text x="{label_w - 8}" y="{mid:.1f}" text-anchor="end" fill="currentColor">'
            f"{_e(f'{row.benchmark} {row.dtype}'.strip())}</text>"
        )
        text, status = ahead_text(row)
        if row.faster is None:
            parts.append(
                f'<text x="{centre:.1f}" y="{mid:.1f}" text-anchor="middle" fill="currentColor" '
                f'fill-opacity="0.65" font-style="italic">{_e(text)}</text>'
            )
            continue
        fw, ratio = row.faster
        x_end = x_of(fw, ratio)
        x0, x1 = sorted((centre, x_end))
        bar_w = max(x1 - x0, 2.0)
        faint = ' fill-opacity="0.35" stroke="currentColor" stroke-dasharray="3 2"' if status == "wide" else ""
        parts.append(
            f'<rect x="{x0:.1f}" y="{y + 5}" width="{bar_w:.1f}" height="{row_h - 10}" '
            f'fill="{BAR_COLOURS[fw]}"{faint}><title>{_e(f"{row.benchmark} {row.params}: {text}")}'
            "</title></rect>"
        )
        parts.append(f'<text x="{label_w + chart_w + 8}" y="{mid:.1f}" fill="currentColor">{_e(text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


# Practice runs in HTML: tables and a line chart per model ------------------------------------------


def _html_table(head: list[str], body: list[list[str]], numeric: frozenset[int] | None = None) -> str:
    numeric = frozenset(range(1, len(head))) if numeric is None else numeric

    def cell(index: int, text: str) -> str:
        style = ' style="text-align:right"' if index in numeric else ""
        if text.startswith(("✗", "NO", "≠")):
            style = ' style="color:var(--bad)"'
        return f"<td{style}>{_e(text)}</td>"

    out = ["<table><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    out += ["<tr>" + "".join(cell(i, text) for i, text in enumerate(line)) + "</tr>" for line in body]
    out.append("</tbody></table>")
    return "".join(out)


def html_practice(document: dict[str, Any]) -> list[str]:
    parts: list[str] = []
    for model in practice_models(document):
        by_fw = practice_records(document, model)
        parts.append(f"<h3>Training curves: {_e(PRACTICE_MODELS[model])} ({_e(model)})</h3>")
        if any(curve_points(r) for r in by_fw.values()):
            parts.append(curve_svg(model, by_fw))
        head, body = curve_table(by_fw)
        if body:
            parts.append(_html_table(head, body) + f'<p class="muted">{_e(CURVE_NOTE)}</p>')
        summary = accuracy_summary(by_fw)
        if summary:
            parts.append(f"<p>{_e(summary)}</p>")
        parts += [
            f'<p style="color:var(--bad)">{_e(NAMES.get(fw, fw))}: {_e(trouble)}</p>'
            for fw, r in by_fw.items()
            if (trouble := record_trouble(r))
        ]
        finding = finding_text(model, by_fw)
        if finding:
            parts.append(f'<p class="caveat"><strong>{_e(finding)}</strong></p>')
    exports = practice_records(document, EXPORT_BENCHMARK)
    if exports:
        parts.append("<h3>Saving and reloading a trained model</h3>")
        parts.append(_html_table(EXPORT_HEAD, [export_cells(r) for r in exports.values()], EXPORT_NUMERIC))
    return parts


def loss_axis_top(largest: float) -> float:
    """A round top for the loss axis: 0.5, 1, 2, 2.5, 5 times a power of ten, at or above the largest loss."""
    if largest <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(largest))
    return next(step * power for step in (1.0, 2.0, 2.5, 5.0, 10.0) if step * power >= largest)


def accuracy_axis_low(accuracies: list[float]) -> float:
    """Where the accuracy axis starts: 90%, 80%, 60% or 0%, the highest at or below every value.

    Curves of 90-99% drawn from 0% look flat; these starts keep the ticks round (see axis_ticks).
    """
    lowest = min(accuracies, default=0.0)
    return next(start for start in (0.9, 0.8, 0.6, 0.0) if lowest >= start)


def axis_ticks(low: float, high: float) -> list[float]:
    """Round ticks from `low` to `high`: five steps for a span led by 2.5 or 5 (0.5 and 1 apart), else four."""
    span = high - low
    lead = round(span / 10.0 ** math.floor(math.log10(span)), 6) if span > 0 else 1.0
    steps = 5 if lead in (2.5, 5.0) else 4
    return [low + span * i / steps for i in range(steps + 1)]


def curve_svg(model: str, by_fw: dict[str, dict[str, Any]]) -> str:
    """Two panels side by side: training loss (solid) and test accuracy (dashed) per epoch, both frameworks.

    Each framework has its colour (BAR_COLOURS) and its own point shape (circles for PyTorch, squares
    for TensorFlow) so the lines stay apart without colour too. Self-contained: no script, no fonts,
    no external reference; every text is escaped.
    """
    curves = {fw: curve_points(r) for fw, r in by_fw.items() if curve_points(r) and fw in BAR_COLOURS}
    panel_w, panel_h, left, right, top, bottom, gap = 300, 170, 46, 12, 24, 34, 30
    width = 2 * (left + panel_w + right) + gap
    height = top + panel_h + bottom + 26  # + the legend row
    epochs = sorted({p["epoch"] for points in curves.values() for p in points if p["epoch"] is not None})
    first, last = (epochs[0], epochs[-1]) if epochs else (1.0, 1.0)
    losses = [p["train_loss"] for points in curves.values() for p in points if p["train_loss"] is not None]
    accs = [p["test_accuracy"] for points in curves.values() for p in points if p["test_accuracy"] is not None]
    loss_top = loss_axis_top(max(losses, default=1.0))
    acc_low = accuracy_axis_low(accs)
    ident = "fw-curve-" + "".join(ch if ch.isalnum() else "-" for ch in model)
    label = PRACTICE_MODELS.get(model, model)

    def x_of(panel: int, epoch: float) -> float:
        x0 = panel * (left + panel_w + right + gap) + left
        span = (last - first) or 1.0
        return x0 + (epoch - first) / span * panel_w if last > first else x0 + panel_w / 2

    def y_of(value: float, low: float, high: float) -> float:
        return top + panel_h - (value - low) / ((high - low) or 1.0) * panel_h

    names = " and ".join(NAMES[fw] for fw in curves)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px;font:12px sans-serif" '
        f'font-family="sans-serif" font-size="12">',
        f'<title id="{ident}-title">{_e(f"Training curves of the {label}: {names}")}</title>',
        f'<desc id="{ident}-desc">{_e(_curve_description(curves))}</desc>',
    ]
    # title, curve key, axis range, dash pattern, tick label and the exact value in a point's tooltip
    panels = (
        ("Training loss", "train_loss", 0.0, loss_top, "", lambda v: f"{v:g}", lambda v: f"{v:.4f}"),
        ("Test accuracy", "test_accuracy", acc_low, 1.0, "4 3", lambda v: f"{v * 100:g}%", _percent),
    )
    for index, (title, key, low, high, dash, tick_text, exact) in enumerate(panels):
        x0 = index * (left + panel_w + right + gap) + left
        parts.append(
            f'<text x="{x0 + panel_w / 2:.1f}" y="14" text-anchor="middle" fill="currentColor" '
            f'font-weight="bold">{_e(title)}</text>'
        )
        for step, value in enumerate(axis_ticks(low, high)):
            y = y_of(value, low, high)
            parts.append(
                f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + panel_w}" y2="{y:.1f}" stroke="currentColor" '
                f'stroke-opacity="{0.5 if step == 0 else 0.15}"/>'
            )
            parts.append(
                f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" fill="currentColor">'
                f"{_e(tick_text(value))}</text>"
            )
        parts.append(
            f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{top + panel_h}" stroke="currentColor" stroke-opacity="0.5"/>'
        )
        # Every epoch gets a tick while they fit; long runs get about ten.
        every = max(1, math.ceil(len(epochs) / 10))
        for epoch in epochs[::every]:
            parts.append(
                f'<text x="{x_of(index, epoch):.1f}" y="{top + panel_h + 15}" text-anchor="middle" '
                f'fill="currentColor">{_e(f"{epoch:g}")}</text>'
            )
        parts.append(
            f'<text x="{x0 + panel_w / 2:.1f}" y="{top + panel_h + 30}" text-anchor="middle" '
            'fill="currentColor" fill-opacity="0.75">epoch</text>'
        )
        # TensorFlow first and wider, PyTorch on top and thinner: the two runs start from the same
        # weights, so their curves often coincide, and both colours must still show.
        for fw, points in sorted(curves.items(), key=lambda item: item[0] == "torch"):
            drawn = [(p["epoch"], p[key]) for p in points if p[key] is not None]
            if not drawn:
                continue
            coords = " ".join(f"{x_of(index, e):.1f},{y_of(v, low, high):.1f}" for e, v in drawn)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{BAR_COLOURS[fw]}" '
                f'stroke-width="{2 if fw == "torch" else 4}"{dash_attr}/>'
            )
            for epoch, value in drawn:
                x, y = x_of(index, epoch), y_of(value, low, high)
                tip = f"<title>{_e(f'{NAMES[fw]}, epoch {epoch:g}: {title.lower()} {exact(value)}')}</title>"
                if fw == "torch":
                    parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{BAR_COLOURS[fw]}">{tip}</circle>')
                else:
                    parts.append(
                        f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
                        f'fill="{BAR_COLOURS[fw]}">{tip}</rect>'
                    )
    # The legend: colour and point shape per framework, line style per measure.
    y = height - 8
    x = left
    for fw in curves:
        shape = (
            f'<circle cx="{x + 12}" cy="{y - 4}" r="3" fill="{BAR_COLOURS[fw]}"/>'
            if fw == "torch"
            else f'<rect x="{x + 9}" y="{y - 7}" width="6" height="6" fill="{BAR_COLOURS[fw]}"/>'
        )
        parts.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="{BAR_COLOURS[fw]}" '
            f'stroke-width="2"/>{shape}'
        )
        parts.append(f'<text x="{x + 30}" y="{y}" fill="currentColor">{_e(NAMES[fw])}</text>')
        x += 120
    parts.append(
        f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="currentColor" stroke-width="2"/>'
        f'<text x="{x + 30}" y="{y}" fill="currentColor">loss (solid)</text>'
    )
    x += 120
    parts.append(
        f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" stroke="currentColor" stroke-width="2" '
        f'stroke-dasharray="4 3"/><text x="{x + 30}" y="{y}" fill="currentColor">'
        "test accuracy (dashed)</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts)


def _curve_description(curves: dict[str, list[dict[str, float | None]]]) -> str:
    """The chart in words for a screen reader: where each framework's loss and accuracy start and end."""
    sentences = ["Left: training loss per epoch (solid lines). Right: test accuracy per epoch (dashed lines)."]
    for fw, points in curves.items():
        loss = [p["train_loss"] for p in points if p["train_loss"] is not None]
        acc = [p["test_accuracy"] for p in points if p["test_accuracy"] is not None]
        text = f"{NAMES.get(fw, fw)}, {len(points)} epochs"
        if loss:
            text += f": loss from {loss[0]:.3g} to {loss[-1]:.3g}"
        if acc:
            text += f", test accuracy from {_percent(acc[0])} to {_percent(acc[-1])}"
        sentences.append(text + ".")
    return " ".join(sentences)
