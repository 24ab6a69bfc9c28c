"""The report for the terminal, drawn with rich."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from fwadvisor.advisor.engine import EvidenceRef, Recommendation, evidence_refs
from fwadvisor.report import content as c

_COLOURS = {"pytorch": "orange3", "tensorflow": "yellow3", "either": "cyan"}
WHAT_IF_SHOWN = 12


def _evidence(refs: list[EvidenceRef]) -> str:
    return "[dim]" + escape("; ".join(f"{r.source} (checked {r.checked}, {r.strength})" for r in refs)) + "[/]"


def _flat(text: str) -> str:
    return escape(" ".join(text.split()))


def _item(console: Console, marker: str, body: str, evidence: str | None = None,
          marker_width: int = 2, indent: int = 2) -> None:
    """One list entry whose wrapped lines stay indented under its first line."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=marker_width, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(Text.from_markup(marker), Text.from_markup(body, overflow="fold"))
    if evidence:
        grid.add_row("", Text.from_markup(evidence, overflow="fold"))
    console.print(Padding(grid, (0, 0, 0, indent)))


def _bars(rec: Recommendation, width: int = 30) -> Table:
    top = max([*rec.scores.values(), 1.0])
    table = Table.grid(padding=(0, 1))
    for fw, pts in rec.scores.items():
        filled = round(pts / top * width)
        table.add_row(c.name(fw), Text("█" * filled + "░" * (width - filled), style=_COLOURS[fw]),
                      f"{pts:g}")
    return table


def render_text(rec: Recommendation, console: Console) -> None:
    colour = _COLOURS.get(rec.recommendation, "cyan")
    head = Group(
        Text(c.verdict_title(rec), style=f"bold {colour}"),
        Text(rec.summary),
        Text(""),
        _bars(rec),
        Text(f"Margin {rec.margin:g} points. {c.priorities_sentence(rec)} "
             f"{rec.rules_used} rules considered.", style="dim"),
    )
    console.print(Panel(head, title="fwadvisor recommendation", border_style=colour))
    if rec.blockers:
        console.print("\n[bold red]Blockers[/]")
        for b in rec.blockers:
            _item(console, "[red]✖[/]", f"[red]{c.name(b.framework)} ruled out[/] [dim]({b.rule})[/] "
                  f"{_flat(b.message)}", _evidence(b.evidence))
    console.print("\n[bold]Reasons[/]")
    if not rec.reasons:
        console.print("  No rule scored for either framework with these answers.")
    for title, reasons in c.reasons_by_area(rec):
        console.print(f"\n  [bold underline]{escape(title)}[/]")
        for r in reasons:
            _item(console, f"[{_COLOURS[r.favors]}]+{r.weight:g}[/]",
                  f"[{_COLOURS[r.favors]}]{c.name(r.favors)}[/] [dim]({r.rule})[/] {_flat(r.message)}",
                  _evidence(r.evidence), marker_width=4)
    if rec.caveats:
        console.print("\n[bold yellow]Caveats[/]")
        for cav in rec.caveats:
            who = f"[{c.name(cav.framework)}] " if cav.framework else ""
            _item(console, "[yellow]![/]", f"[dim]({cav.rule})[/] {escape(who)}{_flat(cav.message)}",
                  _evidence(cav.evidence))
    console.print("\n[bold]What would change the answer[/]")
    if not rec.what_if:
        console.print("  No single change of one answer would change the recommendation.")
    for item in rec.what_if[:WHAT_IF_SHOWN]:
        _item(console, "•", escape(c.what_if_sentence(item)))
    if len(rec.what_if) > WHAT_IF_SHOWN:
        console.print(f"  [dim]… and {len(rec.what_if) - WHAT_IF_SHOWN} more "
                      "(all of them in --format md, html or json)[/]")
    if rec.next_steps:
        console.print(f"\n[bold]Where to go next ({c.name(rec.recommendation)})[/]")
        for s in rec.next_steps:
            _item(console, "•", f"[bold]{escape(s.title)}[/] [link={s.url}]{escape(s.url)}[/link]\n"
                  f"{_flat(s.why)}")
    console.print("\n[bold]Outlook[/]")
    for fw, outlook in rec.outlook.items():
        _item(console, "", f"[bold {_COLOURS[fw]}]{c.name(fw)}[/]: {_flat(outlook.summary)}",
              marker_width=0, indent=1)
        for p in outlook.points:
            _item(console, "•", _flat(p), indent=4)
        _item(console, "", _evidence(evidence_refs(outlook.evidence)), marker_width=0, indent=5)
    console.print("\n[bold]Common misconceptions, set right[/]")
    for m in rec.misconceptions:
        _item(console, "[red]✗[/]", _flat(m.claim))
        _item(console, "[green]✓[/]", _flat(m.correction), indent=4)
    console.print()
