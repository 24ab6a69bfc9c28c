"""The report as one self-contained HTML page: inline CSS and SVG, no scripts, nothing fetched, every
rule text and every name from a run escaped. The advice, then the evidence of a run."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from fwadvisor.advisor.engine import EvidenceRef, Recommendation
from fwadvisor.advisor.scoring import points_text
from fwadvisor.frameworks import PYTORCH, TENSORFLOW
from fwadvisor.report import content as c
from fwadvisor.report.advice_model import report_of
from fwadvisor.report.model import Group, Item, Measured, Report, RunShown, Section, Table, Verdict
from fwadvisor.safe_text import for_html as _e

if TYPE_CHECKING:
    from fwadvisor.profiler.documents import ResultStatus
    from fwadvisor.report.held_equal import HeldEqual
    from fwadvisor.report.model import ClusterSection, EvidenceSection, PracticeModel, SpeedTable, TrustNotes
    from fwadvisor.report.profile_table import Cell

_CSS = (
    """
:root { color-scheme: light dark; --fg:#1d232a; --bg:#fbfbfa; --muted:#5b6570; --line:#d9dde1;
"""
    # The framework colours come from fwadvisor.frameworks, as in the charts and the app.
    + f"  --pt:{PYTORCH.hex_colour}; --tf:{TENSORFLOW.hex_colour};"
    + """ --bad:#c92a2a; --warn:#a35f00; --card:#fff; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6e9ec; --bg:#15181b; --muted:#9aa4ad;
  --line:#2d3339; --card:#1d2125; } }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { border-bottom: 1px solid var(--line);
  padding-bottom: .2rem; margin-top: 2rem; } h3 { margin-bottom: .3rem; }
.verdict { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; }
.verdict strong { font-size: 1.3rem; } .muted, .evidence { color: var(--muted); font-size: .9rem; }
.bar { display: flex; align-items: center; gap: .6rem; margin: .3rem 0; }
.bar span.label { width: 7rem; } .bar span.fill { height: .9rem; border-radius: 3px; }
.pytorch { background: var(--pt); } .tensorflow { background: var(--tf); }
li { margin: .4rem 0; } .blocker { border-left: 4px solid var(--bad); padding-left: .6rem; }
.caveat { border-left: 4px solid var(--warn); padding-left: .6rem; }
.weight { font-weight: 600; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; } td, th { border: 1px solid var(--line); padding: .25rem .5rem; }
"""
)


# The markup's line breaks as the page always had them: the plan's list closes on its last item's line.
_CLOSED_ON_LAST_ITEM = {"plan"}
# Items drawn with a coloured bar beside them.
_MARKED = {"blocker", "caveat"}


def _html_link(text: str, target: str) -> str:
    return f'<a href="{_e(target)}">{text}</a>'


def _link(label: str, address: str) -> str:
    return c.linked(label, address, _e, _html_link)


def _evidence(refs: list[EvidenceRef]) -> str:
    return f'<div class="evidence">Evidence: {c.sources_text(refs, _e, _html_link)}</div>'


def _verdict(verdict: Verdict) -> str:
    top = max([*(s.points for s in verdict.scores), 1.0])
    bars = []
    for score in verdict.scores:
        width = max(2, round(score.points / top * 100)) if score.points else 0
        bars.append(
            f'<div class="bar"><span class="label">{_e(score.name)}</span>'
            f'<span class="fill {_e(score.framework)}" style="width:{width * 0.3:.1f}rem"></span>'
            f'<span class="weight">{score.points:g}</span></div>'
        )
    bar_rows = "\n".join(bars)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fwadvisor: {_e(verdict.label)}</title><style>{_CSS}</style></head><body>
<h1>{_e(verdict.title)}</h1>
<div class="verdict"><p><strong>{_e(verdict.summary)}</strong></p>
{bar_rows}
<p class="muted">Margin {points_text(verdict.margin)}. {_e(verdict.priorities)}
{verdict.rules_used} rules considered. {_e(verdict.replaced_sentence) + " " if verdict.replaced else ""}\
{_e(verdict.facts)}</p>{_releases(verdict.releases)}</div>"""


def _releases(lines: list[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{_e(line)}</li>" for line in lines[1:])
    return f'\n<p class="muted">{_e(lines[0])}</p>' + (f"<ul>{items}</ul>" if items else "")


def _item(item: Item) -> str:
    """A list entry: "<strong>label</strong> detail <code>rule</code> [about]: body", then its evidence."""
    evidence = _evidence(item.evidence) if item.evidence is not None else ""
    if item.correction:
        return (
            f"<li><strong>Claim:</strong> {_e(item.body)}<br><strong>In fact:</strong> "
            f"{_e(item.correction)}{evidence}</li>"
        )
    if item.link:
        lead = _link(item.label, item.link)
    else:
        label = ""
        if item.weight:
            label = f'<span class="weight">{_e(item.weight)} {_e(item.label)}</span>'
        elif item.label:
            label = f"<strong>{_e(item.label)}</strong>"
        where = f"<code>{_e(item.rule)}</code>" if item.rule else ""
        about = f"[{_e(item.about)}]" if item.about else ""
        lead = " ".join(part for part in (label, _e(item.detail), where, about) if part)
    css = f' class="{item.kind}"' if item.kind in _MARKED else ""
    return f"<li{css}>{lead + ': ' if lead else ''}{_e(item.body)}{evidence}</li>"


def _group(group: Group) -> list[str]:
    summary = f"<p>{_e(group.summary)}</p>" if group.summary is not None else ""
    evidence = _evidence(group.evidence) if group.evidence is not None else ""
    return [f"<h3>{_e(group.title)}</h3>{summary}<ul>", *(_item(i) for i in group.items), f"</ul>{evidence}"]


def _section(section: Section) -> list[str]:
    heading = f"<h2>{_e(section.title)}</h2>" + (f"<p>{_e(section.intro)}:</p>" if section.intro else "")
    if section.table is not None:
        heading += html_table(section.table)
    items = [_item(item) for item in section.items]
    if section.left_out:
        items.append(f"<li>{_e(c.left_out_note(section.left_out, 'the JSON report', section.left_out_what))}</li>")
    if section.groups or section.empty:
        # A section with groups, or one that may be empty, has its heading on a line of its own
        # (and a list of its own items on one line).
        parts = [heading]
        if not (items or section.groups):
            parts.append(f"<p>{_e(section.empty)}</p>")
        for group in section.groups:
            parts += _group(group)
        return [*parts, "<ul>" + "".join(items) + "</ul>"] if items else parts
    if section.key in _CLOSED_ON_LAST_ITEM:
        return [f"{heading}<ul>", *items[:-1], items[-1] + "</ul>"]
    return [f"{heading}<ul>", *items, "</ul>"]


def render_html(rec: Recommendation, run: RunShown | None, *, width: int, replaced: Sequence[str]) -> str:
    """The report as an HTML page (`width` is the terminal's: a page has none)."""
    return html_page(report_of(rec, run, replaced))


def html_page(report: Report) -> str:
    parts = [_verdict(report.verdict)]
    for section in report.sections:
        if isinstance(section, Measured):
            if section.section is None:
                parts.append("")  # the page keeps the section's line, empty
            else:
                parts.append(evidence_html(section.section))
        else:
            parts += _section(section)
    parts.append(
        '<p class="muted">Made by fwadvisor from checked, dated facts; '
        "every reason names the rule and the evidence it rests on.</p></body></html>\n"
    )
    return "\n".join(parts)


# ---- The evidence of a profile run ------------------------------------------------------------


@cache
def _status_styles() -> dict[ResultStatus, str]:
    """A number's style per status; built at the first run shown (the page without one imports no profiler)."""
    from fwadvisor.profiler.documents import ResultStatus

    return {
        ResultStatus.WRONG: "color:var(--bad);font-weight:600",
        ResultStatus.FAILED: "color:var(--bad)",
        ResultStatus.WIDE_SPREAD: "color:var(--warn)",
        ResultStatus.BUSY: "color:var(--warn)",
        ResultStatus.SKIPPED: "color:var(--muted)",
        ResultStatus.CANCELLED: "color:var(--muted)",
    }


_AHEAD_STYLE = {"ok": "font-weight:600", "wide": "color:var(--warn)", "none": "color:var(--muted)"}


def _nowrap(ahead: str) -> str:
    """Three frameworks: each named pair on a line of its own, never broken inside it."""
    return ";white-space:nowrap" if "\n" in ahead else ""


# Table cells that say something went wrong (a failure, a mismatch) are shown in the "bad" colour.
_BAD_PREFIXES = ("✗", "NO", "≠")


def _cell(c: Cell | None) -> str:
    if c is None:
        return '<td style="color:var(--muted)">not run</td>'
    from fwadvisor.report.profile_model import cell_text  # only with a run: not at start-up

    style = _status_styles().get(c.status) or ("color:var(--warn)" if c.throttled else None)
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
            *(_cell(row.cells.get(fw)) for fw in speed.frameworks),
            f'<td style="text-align:right;{_AHEAD_STYLE[line.tone]}{_nowrap(line.ahead)}">'
            + "<br>".join(_e(part) for part in line.ahead.split("\n"))
            + "</td>",
        ]
        if speed.with_peak:
            cells.append(f'<td style="text-align:right">{_e(row.peak_text())}</td>')
        parts.append("<tr>" + "".join(cells) + "</tr>")
    notes = "".join(f"<li>{_e(note)}</li>" for note in speed.notes)
    parts.append(
        "</tbody></table>" + (f"<ul>{notes}</ul>" if notes else "") + f'<p class="muted">{_e(speed.legend)}</p>'
    )
    return parts


def _practice(model: PracticeModel) -> list[str]:
    parts = [f"<h3>Training curves: {_e(model.label)} ({_e(model.model)})</h3>"]
    if model.chart is not None:
        from fwadvisor.report.svg import curve_svg  # only with a run: not at start-up

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
            lines.append(f"Same in {block.everyone}: " + "; ".join(_e(f.text()) for f in block.shared) + ".")
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


def _cluster(cluster: ClusterSection) -> list[str]:
    """The cluster suite's tables, each with its sentences; the CPU sentence first, the claim last."""
    parts = [f"<h3>{_e(cluster.title)}</h3>"]
    parts += [f'<p class="caveat"><strong>{_e(cluster.plumbing)}</strong></p>'] if cluster.plumbing else []
    for titled in cluster.tables:
        parts += [f"<h4>{_e(titled.title)}</h4>", html_table(titled.table)]
        parts += [f'<p class="muted">{_e(note)}</p>' for note in titled.notes]
    if cluster.notes:
        parts.append("<ul>" + "".join(f'<li class="caveat">{_e(note)}</li>' for note in cluster.notes) + "</ul>")
    parts += [f'<p class="muted">{_e(cluster.legend)}</p>'] if cluster.legend else []
    parts += [f"<p><strong>{_e(cluster.claim)}</strong></p>"] if cluster.claim else []
    return parts


def evidence_html(section: EvidenceSection) -> str:
    """The "Evidence from this machine" section: inline SVG charts, no script, nothing fetched."""
    parts = [f'<section id="evidence"><h2>{_e(section.title)}</h2>']
    parts += [f'<p class="muted">{_e(line)}</p>' for line in section.environment]
    parts.append(f"<p>{_e(section.evidence_sentence)}</p>")
    if section.speed is not None:
        if section.chart is not None:
            from fwadvisor.report.svg import ratio_chart_svg  # only with a run: not at start-up

            parts.append(ratio_chart_svg(section.chart))
            parts += [ratio_chart_svg(chart) for chart in section.pair_charts]
        parts += _speed_table(section.speed) if section.speed.lines else ["<p>The run holds no results.</p>"]
    parts += _trust(section.trust)
    if section.cluster is not None:
        parts += _cluster(section.cluster)
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
