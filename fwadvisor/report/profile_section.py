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
LEGEND = ("± is half the p20-p80 spread. ~ marks a spread over 10% of the median: shown, but not "
          "used as evidence. ≠ marks a result that did not match the NumPy reference: not used. "
          "✗ marks a benchmark that failed.")


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
            version = next((r.get("framework_version") for r in document.get("results", [])
                            if r.get("framework") == fw and r.get("framework_version")), None)
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


# JSON -----------------------------------------------------------------------------------------------

def profile_summary(document: dict[str, Any], path: Path | str | None) -> dict[str, Any]:
    """What the JSON report carries about the run: where it came from and every measurement."""
    suite = document.get("suite") or {}
    measurements = []
    for r in document.get("results", []):
        metric = r.get("metric") or {}
        measurements.append({
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
        })
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


def markdown_section(document: dict[str, Any], path: Path | str | None) -> str:
    table_rows = rows(document)
    with_peak = _with_peak(table_rows)
    out = [f"## {TITLE}", ""]
    out += [_md(line) + "  " for line in environment_lines(document, path)]
    usable, total = usable_count(document)
    out += [f"{usable} of {total} numbers are steady and checked, and count as evidence.", ""]
    if table_rows:
        head = ["benchmark", "shape", "metric", "PyTorch", "TensorFlow", "ahead"] + (["% of peak"] if with_peak else [])
        out += ["| " + " | ".join(head) + " |",
                "|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|"]
        for row in table_rows:
            unit = row.unit + (" (lower is better)" if row.unit in LOWER_IS_BETTER else "")
            ahead, status = ahead_text(row)
            ahead = f"**{_md(ahead)}**" if status == "ok" else _md(ahead)
            cells = [_md(f"{row.benchmark} {row.dtype}".strip()), _md(row.params), _md(unit),
                     _md(cell_text(row.cells.get("torch"))), _md(cell_text(row.cells.get("tensorflow"))), ahead]
            if with_peak:
                cells.append(_md(row.peak_text()))
            out.append("| " + " | ".join(cells) + " |")
        out += ["", _md(LEGEND), ""]
    else:
        out += ["The run holds no results.", ""]
    found = _problems(document)
    if found:
        out += ["### Problems in this run", ""]
        out += [f"- {_md(line)}" for line in found]
        out.append("")
    return "\n".join(out)


# Text -----------------------------------------------------------------------------------------------

def text_section(document: dict[str, Any], path: Path | str | None, width: int = 100) -> list[str]:
    """A short plain table for the terminal report (no colour: the rich table lives in `profile`)."""
    out = ["", TITLE, *("  " + line for line in environment_lines(document, path)), ""]
    table = [("benchmark", "metric", "PyTorch", "TensorFlow", "ahead")]
    for row in rows(document):
        # Symbols keep the terminal table narrow; the legend under it says what they mean.
        ahead, status = ahead_text(row)
        ahead = {"wide": f"{row.faster_text()} ~", "none": "-"}.get(status, ahead)
        table.append((f"{row.benchmark} {row.dtype}".strip(), row.unit, _text_cell(row.cells.get("torch")),
                      _text_cell(row.cells.get("tensorflow")), ahead))
    widths = [max(len(r[i]) for r in table) for i in range(5)]
    for number, r in enumerate(table):
        line = "  " + "  ".join(r[i].ljust(widths[i]) if i < 2 else r[i].rjust(widths[i]) for i in range(5))
        out.append(line.rstrip()[: max(width, 40)])
        if number == 0:
            out.append("  " + "  ".join("-" * w for w in widths))
    out += ["", *("  " + line for line in _wrap(LEGEND, width - 2))]
    for line in _problems(document):
        out += _wrap("! " + line, width - 2, indent="  ", hang="    ")
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


_STATUS_STYLE = {"wrong": "color:var(--bad);font-weight:600", "failed": "color:var(--bad)",
                 "wide": "color:var(--warn)", "skipped": "color:var(--muted)"}


def _html_cell(c: Cell | None) -> str:
    if c is None:
        return '<td style="color:var(--muted)">not run</td>'
    style = _STATUS_STYLE.get(c.status)
    title = f' title="{_e(c.note)}"' if c.note else ""
    body = _e(cell_text(c))
    return f'<td style="text-align:right{";" + style if style else ""}"{title}>{body}</td>'


def html_section(document: dict[str, Any], path: Path | str | None) -> str:
    table_rows = rows(document)
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
            ahead_style = {"ok": "font-weight:600", "wide": "color:var(--warn)",
                           "none": "color:var(--muted)"}[status]
            cells = [f"<td>{_e(row.benchmark)} {_e(row.dtype)}</td>", f"<td>{_e(row.params)}</td>",
                     f"<td>{_e(unit)}</td>", _html_cell(row.cells.get("torch")),
                     _html_cell(row.cells.get("tensorflow")),
                     f'<td style="text-align:right;{ahead_style}">{_e(ahead)}</td>']
            if with_peak:
                cells.append(f'<td style="text-align:right">{_e(row.peak_text())}</td>')
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append(f'</tbody></table><p class="muted">{_e(LEGEND)}</p>')
    else:
        parts.append("<p>The run holds no results.</p>")
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

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="fw-chart-title fw-chart-desc" '
             f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px;font:12px sans-serif" '
             f'font-family="sans-serif" font-size="12">',
             '<title id="fw-chart-title">How many times faster PyTorch or TensorFlow ran each benchmark</title>',
             '<desc id="fw-chart-desc">Log scale centred on 1x (equal speed). Bars to the right: PyTorch '
             'ahead; bars to the left: TensorFlow ahead. Faint dashed bars rest on unsteady numbers; rows '
             'without a bar could not be compared.</desc>']
    # Tick labels need no framework name: the headings above say which side is which.
    ticks = [1.0, 2.0] + [t for t in (4.0,) if scale == 4.0] + [t for t in (10.0, 100.0, 1000.0) if t <= scale]
    for tick in ticks:
        for fw in (("torch",) if tick == 1.0 else FRAMEWORKS):
            x = x_of(fw, tick)
            label = f"{tick:g}x"
            parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 8}" stroke="currentColor" '
                         f'stroke-opacity="{0.6 if tick == 1.0 else 0.2}"/>')
            parts.append(f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle" fill="currentColor">'
                         f"{_e(label)}</text>")
    parts.append(f'<text x="{label_w}" y="12" fill="{BAR_COLOURS["tensorflow"]}" font-weight="bold">'
                 "◀ TensorFlow faster</text>")
    parts.append(f'<text x="{label_w + chart_w}" y="12" text-anchor="end" fill="{BAR_COLOURS["torch"]}" '
                 'font-weight="bold">PyTorch faster ▶</text>')
    for index, row in enumerate(table_rows):
        y = top + index * row_h
        mid = y + row_h / 2 + 4
        parts.append(f'<text x="{label_w - 8}" y="{mid:.1f}" text-anchor="end" fill="currentColor">'
                     f"{_e(f'{row.benchmark} {row.dtype}'.strip())}</text>")
        text, status = ahead_text(row)
        if row.faster is None:
            parts.append(f'<text x="{centre:.1f}" y="{mid:.1f}" text-anchor="middle" fill="currentColor" '
                         f'fill-opacity="0.65" font-style="italic">{_e(text)}</text>')
            continue
        fw, ratio = row.faster
        x_end = x_of(fw, ratio)
        x0, x1 = sorted((centre, x_end))
        bar_w = max(x1 - x0, 2.0)
        faint = ' fill-opacity="0.35" stroke="currentColor" stroke-dasharray="3 2"' if status == "wide" else ""
        parts.append(f'<rect x="{x0:.1f}" y="{y + 5}" width="{bar_w:.1f}" height="{row_h - 10}" '
                     f'fill="{BAR_COLOURS[fw]}"{faint}><title>{_e(f"{row.benchmark} {row.params}: {text}")}'
                     "</title></rect>")
        parts.append(f'<text x="{label_w + chart_w + 8}" y="{mid:.1f}" fill="currentColor">{_e(text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
