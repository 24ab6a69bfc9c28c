"""The report as one self-contained HTML page: inline CSS, no scripts, every rule text escaped."""

from __future__ import annotations

from html import escape

from fwadvisor.advisor.engine import EvidenceRef, Recommendation, evidence_refs
from fwadvisor.frameworks import PYTORCH, TENSORFLOW
from fwadvisor.report import content as c

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


def _e(text: object) -> str:
    return escape(" ".join(str(text).split()), quote=True)


def _evidence(refs: list[EvidenceRef]) -> str:
    items = []
    for r in refs:
        label = _e(r.source)
        link = f'<a href="{label}">{label}</a>' if r.source.startswith(("http://", "https://")) else label
        items.append(f"{link} (checked {_e(r.checked)}, {_e(r.strength)})")
    return f'<div class="evidence">Evidence: {"; ".join(items)}</div>'


def _bars(rec: Recommendation) -> str:
    top = max([*rec.scores.values(), 1.0])
    rows = []
    for fw, pts in rec.scores.items():
        width = max(2, round(pts / top * 100)) if pts else 0
        rows.append(
            f'<div class="bar"><span class="label">{_e(c.name(fw))}</span>'
            f'<span class="fill {_e(fw)}" style="width:{width * 0.3:.1f}rem"></span>'
            f'<span class="weight">{pts:g}</span></div>'
        )
    return "\n".join(rows)


def render_html(rec: Recommendation, extra_sections: str = "") -> str:
    parts = [
        f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fwadvisor: {_e(c.verdict_title(rec))}</title><style>{_CSS}</style></head><body>
<h1>fwadvisor recommendation</h1>
<div class="verdict"><p><strong>{_e(rec.summary)}</strong></p>
{_bars(rec)}
<p class="muted">Margin {rec.margin:g} points. {_e(c.priorities_sentence(rec))}
{rec.rules_used} rules considered. {_e(c.facts_sentence(rec))}</p></div>"""
    ]
    if rec.blockers:
        parts.append("<h2>Blockers</h2><ul>")
        parts += [
            f'<li class="blocker"><strong>{_e(c.name(b.framework))} ruled out</strong> '
            f"<code>{_e(b.rule)}</code>: {_e(b.message)}{_evidence(b.evidence)}</li>"
            for b in rec.blockers
        ]
        parts.append("</ul>")
    if rec.plan and rec.plan_rule:
        parts.append("<h2>Split plan</h2><p>One framework for everything is the wrong shape here:</p><ul>")
        parts += [
            f"<li><strong>{_e(c.name(p.framework))}</strong> for {_e(p.covers.rstrip('.'))}: {_e(p.why)}</li>"
            for p in rec.plan
        ]
        parts.append(
            f"<li><strong>How they meet</strong> <code>{_e(rec.plan_rule.rule)}</code>: "
            f"{_e(rec.plan_rule.message)}{_evidence(rec.plan_rule.evidence)}</li></ul>"
        )
    parts.append("<h2>Reasons</h2>")
    if not rec.reasons:
        parts.append("<p>No rule scored for either framework with these answers.</p>")
    for title, reasons in c.reasons_by_area(rec):
        parts.append(f"<h3>{_e(title)}</h3><ul>")
        parts += [
            f'<li><span class="weight">+{r.weight:g} {_e(c.name(r.favors))}</span> '
            f"<code>{_e(r.rule)}</code>: {_e(r.message)}{_evidence(r.evidence)}</li>"
            for r in reasons
        ]
        parts.append("</ul>")
    if rec.caveats:
        parts.append("<h2>Caveats</h2><ul>")
        for cav in rec.caveats:
            who = f" [{_e(c.name(cav.framework))}]" if cav.framework else ""
            parts.append(
                f'<li class="caveat"><code>{_e(cav.rule)}</code>{who}: {_e(cav.message)}{_evidence(cav.evidence)}</li>'
            )
        parts.append("</ul>")
    if rec.alternatives:
        parts.append("<h2>Other paths that fit</h2><ul>")
        parts += [
            f"<li><strong>{_e(a.option)}</strong> <code>{_e(a.rule)}</code>: {_e(a.when)} "
            f"{_e(a.message)}{_evidence(a.evidence)}</li>"
            for a in rec.alternatives
        ]
        parts.append("</ul>")
    parts.append("<h2>What would change the answer</h2>")
    shown, left_out = c.shown_what_ifs(rec)
    if shown:
        more = f"<li>… and {left_out} smaller ones (all of them in the JSON report)</li>" if left_out else ""
        parts.append("<ul>" + "".join(f"<li>{_e(c.what_if_sentence(w))}</li>" for w in shown) + more + "</ul>")
    else:
        parts.append("<p>No single change of one answer would change the recommendation.</p>")
    parts.append(extra_sections)
    if rec.next_steps:
        parts.append(f"<h2>Where to go next ({_e(c.next_steps_for(rec))})</h2><ul>")
        parts += [f'<li><a href="{_e(s.url)}">{_e(s.title)}</a>: {_e(s.why)}</li>' for s in rec.next_steps]
        parts.append("</ul>")
    if rec.outlook:
        parts.append("<h2>Outlook</h2>")
    for fw, outlook in rec.outlook.items():
        parts.append(f"<h3>{_e(c.name(fw))}</h3><p>{_e(outlook.summary)}</p><ul>")
        parts += [f"<li>{_e(p)}</li>" for p in outlook.points]
        parts.append(f"</ul>{_evidence(evidence_refs(outlook.evidence))}")
    if rec.misconceptions:
        parts.append("<h2>Common misconceptions, set right</h2><ul>")
        parts += [
            f"<li><strong>Claim:</strong> {_e(m.claim)}<br><strong>In fact:</strong> "
            f"{_e(m.correction)}{_evidence(evidence_refs(m.evidence))}</li>"
            for m in rec.misconceptions
        ]
        parts.append("</ul>")
    parts.append(
        '<p class="muted">Made by fwadvisor from checked, dated facts; '
        "every reason names the rule and the evidence it rests on.</p></body></html>\n"
    )
    return "\n".join(parts)
