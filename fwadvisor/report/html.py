"""The report as one self-contained HTML page: inline CSS, no scripts, every rule text escaped."""

from __future__ import annotations

from fwadvisor.advisor.engine import EvidenceRef
from fwadvisor.advisor.scoring import points_text
from fwadvisor.frameworks import PYTORCH, TENSORFLOW
from fwadvisor.report import content as c
from fwadvisor.report.model import Group, Item, Measured, Report, Section, Verdict
from fwadvisor.safe_text import for_html as _e
from fwadvisor.safe_text import safe_link

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


def _link(label: str, address: str) -> str:
    """A link when `address` is http(s); otherwise the label, with the address as text."""
    target = safe_link(address)
    if target is not None:
        return f'<a href="{_e(target)}">{_e(label)}</a>'
    return _e(label) if label == address else f"{_e(label)} ({_e(address)})"


def _evidence(refs: list[EvidenceRef]) -> str:
    items = []
    for r in refs:
        items.append(f"{_link(r.source, r.source)} (checked {_e(r.checked)}, {_e(r.strength)})")
    return f'<div class="evidence">Evidence: {"; ".join(items)}</div>'


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
        from fwadvisor.report.profile_html import html_table

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


def render_html(report: Report) -> str:
    parts = [_verdict(report.verdict)]
    for section in report.sections:
        if isinstance(section, Measured):
            if section.section is None:
                parts.append("")  # the page keeps the section's line, empty
            else:
                from fwadvisor.report.profile_html import html_section

                parts.append(html_section(section.section))
        else:
            parts += _section(section)
    parts.append(
        '<p class="muted">Made by fwadvisor from checked, dated facts; '
        "every reason names the rule and the evidence it rests on.</p></body></html>\n"
    )
    return "\n".join(parts)
