"""Profile results side by side (torch | TensorFlow), as rows shared by the terminal, Markdown and HTML."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

LOWER_IS_BETTER = {"us/op", "load s"}
ACCURACY = "test accuracy"  # the practice models' metric: compared in points, not as a speed ratio
NAMES = {"torch": "PyTorch", "tensorflow": "TensorFlow"}
SHORT = {"torch": "torch", "tensorflow": "TF"}


@dataclass(frozen=True)
class Cell:
    value: float | None
    unit: str
    rel_spread: float | None
    percent_of_peak: float | None
    status: str  # "ok", "failed", "wrong", "wide", "skipped"
    note: str  # the error, the check, or the skip reason

    def text(self) -> str:
        if self.status in ("failed", "skipped"):
            return "✗ failed" if self.status == "failed" else "skipped"
        mark = {"wrong": " ≠", "wide": " ~"}.get(self.status, "")
        if self.unit == ACCURACY:  # the spread of an accuracy record is its epoch timings': not shown here
            return f"{100 * (self.value or 0):.1f}%{mark}"
        spread = f" ±{self.rel_spread * 50:.0f}%" if self.rel_spread is not None else ""
        return f"{self.value:.4g}{spread}{mark}"


@dataclass(frozen=True)
class Row:
    benchmark: str
    dtype: str
    params: str
    unit: str
    cells: dict[str, Cell]

    @property
    def faster(self) -> tuple[str, float] | None:
        """Which framework is ahead and by how much (e.g. ("torch", 1.4)); None if not comparable."""
        a, b = self.cells.get("torch"), self.cells.get("tensorflow")
        if not a or not b or a.status not in ("ok", "wide") or b.status not in ("ok", "wide"):
            return None
        if not a.value or not b.value or a.unit != b.unit or self.unit in ("x", ACCURACY):
            return None  # a ratio of two speed-up factors says nothing about which is faster
        ratio = a.value / b.value
        if self.unit in LOWER_IS_BETTER:
            ratio = 1 / ratio
        return ("torch", ratio) if ratio >= 1 else ("tensorflow", 1 / ratio)

    def faster_text(self) -> str:
        """Speeds compare as a ratio; a trained model by its test accuracy, in percentage points."""
        if self.unit == ACCURACY:
            a, b = self.cells.get("torch"), self.cells.get("tensorflow")
            if not a or not b or a.status != "ok" or b.status != "ok" or a.value is None or b.value is None:
                return "-"
            points = 100 * (a.value - b.value)
            return (
                "equal"
                if round(points, 1) == 0
                else f"{SHORT['torch' if points > 0 else 'tensorflow']} +{abs(points):.1f} pts"
            )
        ahead = self.faster
        if ahead is None:
            return "-"
        return f"{SHORT[ahead[0]]} {ahead[1]:.2f}x"

    def peak_text(self) -> str:
        parts = [
            f"{NAMES[fw]} {c.percent_of_peak:.0f}%" for fw, c in self.cells.items() if c.percent_of_peak is not None
        ]
        return ", ".join(parts) or "-"


def cell(record: dict[str, Any]) -> Cell:
    metric = record.get("metric") or {}
    if record.get("skipped"):
        status, note = "skipped", record["skipped"]
    elif record.get("error") or metric.get("value") is None:
        status, note = "failed", record.get("error") or "no result"
    elif record.get("correct") is False:
        status, note = "wrong", record.get("check") or "result did not match the reference"
    elif record.get("wide_spread"):
        status, note = "wide", f"spread {record.get('rel_spread', 0):.0%} of the median"
    else:
        status, note = "ok", record.get("check") or ""
    return Cell(
        metric.get("value"),
        metric.get("name") or "",
        record.get("rel_spread"),
        record.get("percent_of_peak"),
        status,
        note,
    )


def params_text(params: dict[str, Any], benchmark: str = "") -> str:
    """Shapes in the short form people write them in (all values are in the JSON document)."""
    p = params
    try:
        if benchmark == "matmul":
            return f"{p['m']}×{p['k']} @ {p['k']}×{p['n']}"
        if benchmark == "conv2d":
            return f"{p['batch']}×{p['height']}×{p['width']}, {p['channels_in']}→{p['channels_out']}, k{p['kernel']}"
        if benchmark in ("bandwidth", "host_to_device"):
            return f"{p['megabytes']} MB"
        if benchmark == "eager_overhead":
            return f"{p['ops']} ops × {p['size']} elems"
        if benchmark == "compiled_speedup":
            return f"MLP b{p['batch']} {p['features']}→{p['hidden']}×{p['layers']}"
        if benchmark == "train_cnn":
            return f"CNN b{p['batch']} {p['image']}²×{p['channels']} →{p['classes']}"
        if benchmark == "train_rnn":
            return f"LSTM b{p['batch']} seq{p['seq_len']} {p['features']}→{p['hidden']}"
    except KeyError:
        pass
    return " ".join(f"{k}={v}" for k, v in params.items())


def rows(document: dict[str, Any]) -> list[Row]:
    grouped: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
    for record in document.get("results", []):
        key = (record["benchmark"], record.get("dtype") or "", json.dumps(record.get("params"), sort_keys=True))
        grouped.setdefault(key, {})[record["framework"]] = record
    out = []
    for (benchmark, dtype, params_json), by_fw in grouped.items():
        cells = {fw: cell(by_fw[fw]) for fw in ("torch", "tensorflow") if fw in by_fw}
        unit = next((c.unit for c in cells.values() if c.unit), "")
        out.append(Row(benchmark, dtype, params_text(json.loads(params_json), benchmark), unit, cells))
    return out


def problems(document: dict[str, Any]) -> list[str]:
    """Plain sentences for every failed worker or benchmark, with the fix where one is known."""
    lines = []
    for fw, worker in document.get("workers", {}).items():
        if worker["status"] not in ("ok", "failed"):
            hint = f" Fix: {worker['hint']}" if worker.get("hint") else ""
            lines.append(f"{NAMES.get(fw, fw)}: {worker['error']}.{hint}")
    for row in rows(document):
        for fw, c in row.cells.items():
            if c.status in ("failed", "wrong") and not document["workers"].get(fw, {}).get("hint"):
                lines.append(f"{NAMES.get(fw, fw)} {row.benchmark} {row.dtype}: {c.note}")
    return lines


def device_label(document: dict[str, Any]) -> str:
    devices = sorted(
        {r.get("device") for r in document.get("results", []) if r.get("device") and r.get("device") != "unknown"}
    )
    return ", ".join(devices) or document.get("suite", {}).get("device", "?")


def render_rich_table(document: dict[str, Any]):
    from rich.table import Table

    suite = document.get("suite", {})
    table_rows = rows(document)
    with_peak = any(c.percent_of_peak is not None for r in table_rows for c in r.cells.values())
    table = Table(
        title=f"fwadvisor profile · suite {suite.get('name')} · {device_label(document)} · "
        f"{suite.get('threads')} CPU threads",
        title_justify="left",
    )
    table.add_column("benchmark", ratio=5)
    table.add_column("metric", ratio=2, min_width=7)
    table.add_column("PyTorch", justify="right", ratio=2, no_wrap=True)
    table.add_column("TensorFlow", justify="right", ratio=2, no_wrap=True)
    table.add_column("ahead", justify="right", ratio=2, no_wrap=True)
    if with_peak:
        table.add_column("% of peak", justify="right", ratio=2)
    for row in table_rows:

        def show(fw: str, row: Row = row) -> str:
            c = row.cells.get(fw)
            if c is None:
                return "-"
            colour = {"failed": "red", "wrong": "red", "wide": "yellow", "skipped": "dim"}.get(c.status)
            return f"[{colour}]{c.text()}[/]" if colour else c.text()

        unit = row.unit + (" [dim](lower is better)[/]" if row.unit in LOWER_IS_BETTER else "")
        cells = [
            f"{row.benchmark} {row.dtype}\n[dim]{row.params}[/]",
            unit,
            show("torch"),
            show("tensorflow"),
            row.faster_text(),
        ]
        table.add_row(*cells, *([row.peak_text()] if with_peak else []))
    table.caption = (
        "± half the p20-p80 spread; ~ spread over 10%, not used as evidence; "
        "≠ did not match the NumPy reference; ✗ failed"
    )
    return table
