"""The fleet report as one self-contained HTML page: inline CSS, no scripts, nothing fetched, every
name from a run escaped (safe_text.for_html)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from fwadvisor.profiler.documents import ResultStatus
from fwadvisor.report.fleet_view import CaseBlock, fleet_view
from fwadvisor.report.html import html_table
from fwadvisor.safe_text import for_html as _e

if TYPE_CHECKING:
    from fwadvisor.fleet.model import FleetReport

_CSS: Final = """
:root { color-scheme: light dark; --fg:#1d232a; --bg:#fbfbfa; --muted:#5b6570; --line:#d9dde1;
  --bad:#c92a2a; --warn:#a35f00; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6e9ec; --bg:#15181b; --muted:#9aa4ad; --line:#2d3339; } }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h2 { border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2rem; }
.muted { color: var(--muted); font-size: .9rem; } .warn { color: var(--warn); }
table { border-collapse: collapse; } td, th { border: 1px solid var(--line); padding: .25rem .5rem; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.straggler td { font-weight: 600; }
"""
_STATUS_STYLES: Final = {
    ResultStatus.FAILED: "color:var(--bad)",
    ResultStatus.WRONG: "color:var(--bad);font-weight:600",
    ResultStatus.WIDE_SPREAD: "color:var(--warn)",
    ResultStatus.BUSY: "color:var(--warn)",
    ResultStatus.SKIPPED: "color:var(--muted)",
    ResultStatus.CANCELLED: "color:var(--muted)",
}


def _case(block: CaseBlock) -> list[str]:
    out = [f"<h3>{_e(block.title)} · {_e(block.metric)}</h3>", f"<p>{_e(block.summary)}</p>"]
    out.append(
        "<table><thead><tr><th>node</th><th>value</th><th>vs the fleet median</th><th>notes</th></tr></thead><tbody>"
    )
    for line in block.lines:
        style = _STATUS_STYLES.get(line.status)
        styled = f' style="{style}"' if style else ""
        row_class = ' class="straggler"' if line.straggler else ""
        out.append(
            f'<tr{row_class}><td>{_e(line.node)}</td><td class="num"{styled}>{_e(line.value)}</td>'
            f'<td class="num">{_e(line.versus)}</td><td>{_e(line.notes)}</td></tr>'
        )
    out.append("</tbody></table>")
    return out


def fleet_html(report: FleetReport) -> str:
    view = fleet_view(report)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(view.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(view.title)}</h1>",
        *(f'<p class="muted">{_e(sentence)}</p>' for sentence in view.intro),
        "<h2>Nodes</h2>",
        html_table(view.nodes),
    ]
    if view.warnings:
        out += ["<h2>Warnings</h2>", "<ul>", *(f'<li class="warn">{_e(w)}</li>' for w in view.warnings), "</ul>"]
    out.append("<h2>Benchmarks</h2>")
    for block in view.cases:
        out += _case(block)
    out += [f'<p class="muted">{_e(view.legend)}</p>', "</body></html>", ""]
    return "\n".join(out)
