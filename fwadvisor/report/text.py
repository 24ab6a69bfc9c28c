"""The report for the terminal, drawn with rich.

Lines are wrapped here with textwrap (hanging indents under a marker) and printed without rich's
own wrapping: it reads the same and costs a fraction of laying out a table per entry.
"""

from __future__ import annotations

import textwrap

from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from fwadvisor.advisor.engine import EvidenceRef, Recommendation, evidence_refs
from fwadvisor.report import content as c

COLOURS = {"pytorch": "orange3", "tensorflow": "yellow3", "either": "cyan"}
WHAT_IF_SHOWN = 12


def _flat(text: str) -> str:
    return " ".join(text.split())


def _evidence(refs: list[EvidenceRef]) -> str:
    return "; ".join(f"{r.source} (checked {r.checked}, {r.strength})" for r in refs)


class _Writer:
    def __init__(self, console: Console):
        self.console = console
        self.width = max(40, min(console.width, 110))

    def heading(self, title: str, style: str = "bold") -> None:
        self.console.print()
        self.console.print(Text(title, style=style))

    def item(self, marker: str, body: str, *, marker_style: str = "", lead: str = "",
             lead_style: str = "dim", indent: int = 2, marker_width: int = 2,
             evidence: str | None = None) -> None:
        """`marker` then `lead` (styled) and `body`, wrapped under the body's first column."""
        hang = " " * (indent + marker_width + 1)
        first = " " * indent + marker.ljust(marker_width) + " "
        plain = (lead + " " if lead else "") + _flat(body)
        lines = textwrap.wrap(plain, self.width, initial_indent=first, subsequent_indent=hang,
                              break_on_hyphens=False, break_long_words=True)
        if evidence:
            lines += textwrap.wrap(_flat(evidence), self.width, initial_indent=hang,
                                   subsequent_indent=hang, break_on_hyphens=False)
        text = Text("\n".join(lines))
        if marker_style:
            text.stylize(marker_style, indent, indent + len(marker))
        if lead:
            start = len(first)
            text.stylize(lead_style, start, start + len(lead))
        if evidence:
            body_end = len("\n".join(lines[: len(lines) - len(textwrap.wrap(
                _flat(evidence), self.width, initial_indent=hang, subsequent_indent=hang,
                break_on_hyphens=False))]))
            text.stylize("dim", body_end, len(text))
        self.console.print(text, soft_wrap=True)


def _bars(rec: Recommendation, width: int = 30) -> Text:
    top = max([*rec.scores.values(), 1.0])
    text = Text()
    for fw, pts in rec.scores.items():
        filled = round(pts / top * width)
        text.append(f"{c.name(fw):<11}")
        text.append("█" * filled, style=COLOURS[fw])
        text.append("░" * (width - filled), style="dim")
        text.append(f" {pts:g}\n")
    return text


def render_text(rec: Recommendation, console: Console) -> None:
    out = _Writer(console)
    colour = COLOURS.get(rec.recommendation, "cyan")
    head = Text()
    head.append(c.verdict_title(rec) + "\n", style=f"bold {colour}")
    head.append(rec.summary + "\n\n")
    head.append_text(_bars(rec))
    head.append(f"Margin {rec.margin:g} points. {c.priorities_sentence(rec)} "
                f"{rec.rules_used} rules considered.", style="dim")
    console.print(Panel(head, title="fwadvisor recommendation", border_style=colour,
                        width=out.width))
    if rec.blockers:
        out.heading("Blockers", "bold red")
        for b in rec.blockers:
            out.item("✖", b.message, marker_style="red",
                     lead=f"{c.name(b.framework)} ruled out ({b.rule})", lead_style="bold red",
                     evidence=_evidence(b.evidence))
    out.heading("Reasons")
    if not rec.reasons:
        console.print("  No rule scored for either framework with these answers.")
    for title, reasons in c.reasons_by_area(rec):
        out.heading(f"  {title}", "bold underline")
        for r in reasons:
            out.item(f"+{r.weight:g}", r.message, marker_style=f"bold {COLOURS[r.favors]}",
                     lead=f"{c.name(r.favors)} ({r.rule})", lead_style=COLOURS[r.favors],
                     marker_width=4, evidence=_evidence(r.evidence))
    if rec.caveats:
        out.heading("Caveats", "bold yellow")
        for cav in rec.caveats:
            who = f"{c.name(cav.framework)}, " if cav.framework else ""
            out.item("!", cav.message, marker_style="bold yellow", lead=f"({who}{cav.rule})",
                     evidence=_evidence(cav.evidence))
    out.heading("What would change the answer")
    if not rec.what_if:
        console.print("  No single change of one answer would change the recommendation.")
    for item in rec.what_if[:WHAT_IF_SHOWN]:
        out.item("•", c.what_if_sentence(item))
    if len(rec.what_if) > WHAT_IF_SHOWN:
        console.print(Text(f"  … and {len(rec.what_if) - WHAT_IF_SHOWN} more "
                           "(all of them in --format md, html or json)", style="dim"))
    if rec.next_steps:
        out.heading(f"Where to go next ({c.name(rec.recommendation)})")
        for s in rec.next_steps:
            out.item("•", f"{s.url} - {s.why}", lead=s.title, lead_style="bold")
    out.heading("Outlook")
    for fw, outlook in rec.outlook.items():
        out.item("", outlook.summary, lead=f"{c.name(fw)}:", lead_style=f"bold {COLOURS[fw]}",
                 marker_width=0, indent=1)
        for point in outlook.points:
            out.item("•", point, indent=4)
        out.item("", "", evidence=_evidence(evidence_refs(outlook.evidence)), indent=4)
    out.heading("Common misconceptions, set right")
    for m in rec.misconceptions:
        out.item("✗", m.claim, marker_style="red")
        out.item("✓", m.correction, marker_style="green", indent=4)
    console.print()
