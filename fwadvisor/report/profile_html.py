"""The "Evidence from this machine" section (report.model) as HTML: inline SVG charts, no script, nothing fetched."""

from __future__ import annotations

from fwadvisor.profiler.documents import ResultStatus
from fwadvisor.report.held_equal import HeldEqual
from fwadvisor.report.model import EvidenceSection, PracticeModel, SpeedTable, Table, TrustNotes
from fwadvisor.report.profile_model import cell_text
from fwadvisor.report.profile_table import Cell
from fwadvisor.report.svg import curve_svg, ratio_chart_svg
from fwadvisor.safe_text import for_html as _e

_STATUS_STYLE = {
    ResultStatus.WRONG: "color:var(--bad);font-weight:600",
    ResultStatus.FAILED: "color:var(--bad)",
    ResultStatus.WIDE_SPREAD: "color:var(--warn)",
    ResultStatus.BUSY: "color:var(--warn)",
    ResultStatus.SKIPPED: "color:var(--muted)",
    ResultStatus.CANCELLED: "color:var(--muted)",
}
_AHEAD_STYLE = {"ok": "font-weight:600", "wide": "color:var(--warn)", "none": "color:var(--muted)"}
# Table cells that say something went wrong (a failure, a mismatch) are shown in the "bad" colour.
_BAD_PREFIXES = ("✗", "NO", "≠")


def _cell(c: Cell | None) -> str:
    if c is None:
        return '<td style="color:var(--muted)">not run</td>'
    style = _STATUS_STYLE.get(c.status) or ("color:var(--warn)" if c.throttled else None)
    title = f' title="{_e(c.note)}"' if c.note else ""
    return f'<td style="text-align:right{";" + style if style else ""}"{title}>{_e(cell_text(c))}</td>'


def html_table(table: Table) -> str:
    def cell(index: int, text: str) -> str:
        style = ' style="text-align:right"' if index in table.numeric else ""
        if text.startswith(_BAD_PREFIXES):
            style = ' style="color:var(--bad)"'
        return f"<td{style}>{_e(text)}</td>"

    out = ["<table><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in table.head) + "</tr></thead><tbody>"]
    out += ["<tr>" + "".join(cell(i, text) for i, text in enumerate(line)) + "</tr>" for line in table.body]
    out.append("</tbody></table>")
    return "".join(out)


def _speed_table(speed: SpeedTable) -> list[str]:
    head = speed.head
    parts = ["<table><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"]
    for line in speed.lines:
        row = line.row
        cells = [
            f"<td>{_e(row.benchmark)} {_e(row.dtype)}</td>",
            f"<td>{_e(row.params)}</td>",
            f"<td>{_e(line.unit)}</td>",
            _cell(row.cells.get("torch")),
            _cell(row.cells.get("tensorflow")),
            f'<td style="text-align:right;{_AHEAD_STYLE[line.tone]}">{_e(line.ahead)}</td>',
        ]
        if speed.with_peak:
            cells.append(f'<td style="text-align:right">{_e(row.peak_text())}</td>')
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append(f'</tbody></table><p class="muted">{_e(speed.legend)}</p>')
    return parts


def _practice(model: PracticeModel) -> list[str]:
    parts = [f"<h3>Training curves: {_e(model.label)} ({_e(model.model)})</h3>"]
    if model.chart is not None:
        parts.append(curve_svg(model.chart))
    if model.curve_table.body:
        parts.append(html_table(model.curve_table) + f'<p class="muted">{_e(model.curve_note)}</p>')
    if model.summary:
        parts.append(f"<p>{_e(model.summary)}</p>")
    parts += [f'<p style="color:var(--bad)">{_e(name)}: {_e(trouble)}</p>' for name, trouble in model.troubles]
    if model.finding:
        parts.append(f'<p class="caveat"><strong>{_e(model.finding)}</strong></p>')
    return parts


def _trust(notes: TrustNotes) -> list[str]:
    """Under the table: the busy runs, the GPU's state per record, and what a low GPU number usually means."""
    parts = [f'<p class="caveat"><strong>{_e(line)}</strong></p>' for line in notes.busy]
    if notes.gpu:
        parts.append(f"<h3>{_e(notes.gpu_title)}</h3><ul>")
        parts += [f"<li>{_e(line)}</li>" for line in notes.gpu]
        parts.append("</ul>")
    if notes.below:
        parts.append(f'<p class="caveat">{_e(notes.below)}</p>')
    return parts


def _held(held: HeldEqual) -> list[str]:
    """One short block per benchmark (shared, by design, not held equal), then the pitfalls."""
    parts = [f'<h3>{_e(held.title)}</h3><p class="muted">{_e(held.intro)}</p>']
    for block in held.benchmarks:
        lines = [f"<strong>{_e(block.heading)}</strong>"] + ([_e(block.note)] if block.note else [])
        if block.shared:
            lines.append("Same in both: " + "; ".join(_e(f.text()) for f in block.shared) + ".")
        if block.by_design:
            lines.append("Differed by design: " + "; ".join(_e(d.text()) for d in block.by_design) + ".")
        if block.not_equal:
            wrong = "; ".join(_e(d.text()) for d in block.not_equal)
            lines.append(f'<span style="color:var(--bad)"><strong>Not held equal:</strong> {wrong}.</span>')
        parts.append("<p>" + "<br>".join(lines) + "</p>")
    parts.append(f"<h4>{_e(held.pitfalls_title)}</h4><ul>")
    parts += [f"<li><strong>{_e(p.pitfall)}</strong>: {_e(p.how)}</li>" for p in held.pitfalls]
    parts.append("</ul>")
    return parts


def html_section(section: EvidenceSection) -> str:
    parts = [f'<section id="evidence"><h2>{_e(section.title)}</h2>']
    parts += [f'<p class="muted">{_e(line)}</p>' for line in section.environment]
    parts.append(f"<p>{_e(section.evidence_sentence)}</p>")
    if section.speed is not None:
        if section.chart is not None:
            parts.append(ratio_chart_svg(section.chart))
        parts += _speed_table(section.speed) if section.speed.lines else ["<p>The run holds no results.</p>"]
    parts += _trust(section.trust)
    for model in section.practice:
        parts += _practice(model)
    if section.exports is not None:
        parts += ["<h3>Saving and reloading a trained model</h3>", html_table(section.exports)]
    if (held := section.held) is not None:
        parts += _held(held)
    if section.triggered is not None:
        parts.append(f"<h3>{_e(section.triggered_title)}</h3>")
        if section.triggered:
            parts.append("<ul>" + "".join(f"<li>{_e(line)}</li>" for line in section.triggered) + "</ul>")
        else:
            parts.append(f"<p>{_e(section.no_trigger)}</p>")
    if section.problems:
        parts.append("<h3>Problems in this run</h3><ul>")
        parts += [f'<li class="blocker">{_e(line)}</li>' for line in section.problems]
        parts.append("</ul>")
    parts.append("</section>")
    return "\n".join(parts)
