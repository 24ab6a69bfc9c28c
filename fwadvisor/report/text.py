"""The report for the terminal: wrapped, indented lines with a little colour.

This is the one report drawn without rich. `fwadvisor recommend` must start in about 2.5 times
a bare `import yaml, rich`, and importing rich's console costs more than the whole rest of the run,
so the few styles used here are written as ANSI SGR codes directly. Colour follows the usual
conventions: only on a terminal, never with NO_COLOR, always with FORCE_COLOR.
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from fwadvisor.advisor.engine import EvidenceRef, Recommendation, evidence_refs
from fwadvisor.frameworks import ALL
from fwadvisor.report import content as c

if TYPE_CHECKING:
    from fwadvisor.profiler.documents import RunDocument

MAX_WIDTH = 110
# SGR codes of the styles the report uses.
_SGR = {
    "bold": "1",
    "dim": "2",
    "underline": "4",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "cyan": "36",
    # Each framework's own colour (fwadvisor.frameworks), named by its advisor id.
    **{fw.advisor_id: fw.ansi_colour for fw in ALL},
}
COLOURS = {fw.advisor_id: fw.advisor_id for fw in ALL} | {"either": "cyan"}


def colour_wanted(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty() and os.environ.get("TERM") != "dumb"


class _Writer:
    def __init__(self, width: int, colour: bool):
        self.width = max(40, min(width, MAX_WIDTH))
        self.colour = colour
        self.lines: list[str] = []

    def style(self, text: str, *styles: str) -> str:
        if not self.colour or not text:
            return text
        codes = ";".join(_SGR[s] for s in styles if s)
        return f"\x1b[{codes}m{text}\x1b[0m" if codes else text

    def line(self, text: str = "", *styles: str) -> None:
        indent = " " * (len(text) - len(text.lstrip()))
        for part in (
            textwrap.wrap(text, self.width, initial_indent="", subsequent_indent=indent, drop_whitespace=False)
            if len(text) > self.width
            else [text]
        ):
            self.lines.append(self.style(part.rstrip(), *styles))

    def heading(self, title: str, *styles: str) -> None:
        self.line()
        self.line(title, *(styles or ("bold",)))

    def item(
        self,
        marker: str,
        body: str,
        *,
        marker_styles: tuple[str, ...] = (),
        lead: str = "",
        lead_styles: tuple[str, ...] = ("dim",),
        indent: int = 2,
        marker_width: int = 2,
        evidence: str | None = None,
    ) -> None:
        """`marker`, then `lead` (styled) and `body`, wrapped with a hanging indent under the body."""
        first = " " * indent + marker.ljust(marker_width) + " "
        hang = " " * len(first)
        plain = " ".join(((lead + " ") if lead else "").split() + body.split())
        wrapped = textwrap.wrap(plain, self.width, initial_indent=first, subsequent_indent=hang, break_on_hyphens=False)
        # Style the marker and the lead where they landed; the lead may wrap onto a second line.
        remaining_lead = len(lead)
        for number, text in enumerate(wrapped):
            start = len(first) if number == 0 else len(hang)
            if number == 0 and marker:
                text = " " * indent + self.style(marker, *marker_styles) + text[indent + len(marker) :]
                start += len(self.style(marker, *marker_styles)) - len(marker)
            if remaining_lead > 0:
                taken = min(remaining_lead, len(text) - start)
                text = text[:start] + self.style(text[start : start + taken], *lead_styles) + text[start + taken :]
                remaining_lead -= taken + 1  # the space that joined the wrapped lines
            self.lines.append(text)
        if evidence:
            for text in textwrap.wrap(
                " ".join(evidence.split()),
                self.width,
                initial_indent=hang,
                subsequent_indent=hang,
                break_on_hyphens=False,
                break_long_words=True,
            ):
                self.lines.append(self.style(text, "dim"))

    def box(self, title: str, rows: list[str], border: str) -> None:
        """A rounded frame around pre-styled rows (their visible width is measured without codes)."""
        inner = self.width - 4
        top = f"╭─ {title} " + "─" * max(0, inner - len(title) - 1) + "╮"
        self.line(top, border)
        for row in rows:
            visible = _visible_len(row)
            self.lines.append(
                self.style("│", border) + " " + row + " " * max(0, inner - visible) + " " + self.style("│", border)
            )
        self.line("╰" + "─" * (inner + 2) + "╯", border)


def _visible_len(text: str) -> int:
    length, inside = 0, False
    for char in text:
        if char == "\x1b":
            inside = True
        elif inside and char == "m":
            inside = False
        elif not inside:
            length += 1
    return length


def _evidence(refs: list[EvidenceRef]) -> str:
    return "; ".join(f"{r.source} (checked {r.checked}, {r.strength})" for r in refs)


def _header(out: _Writer, rec: Recommendation) -> None:
    colour = COLOURS.get(rec.recommendation, "cyan")
    inner = out.width - 4
    rows = [out.style(line, "bold", colour) for line in textwrap.wrap(rec.summary, inner)]
    rows.append("")
    top = max([*rec.scores.values(), 1.0])
    bar_width = min(30, inner - 20)
    for fw, pts in rec.scores.items():
        filled = round(pts / top * bar_width)
        rows.append(
            f"{c.name(fw):<11}"
            + out.style("█" * filled, COLOURS[fw])
            + out.style("░" * (bar_width - filled), "dim")
            + f" {pts:g}"
        )
    footer = (
        f"Margin {rec.margin:g} points. {c.priorities_sentence(rec)} "
        f"{rec.rules_used} rules considered. {c.facts_sentence(rec)}"
    )
    rows += [out.style(line, "dim") for line in textwrap.wrap(footer, inner)]
    out.box("fwadvisor recommendation", rows, colour)


def render_lines(rec: Recommendation, width: int = 100, colour: bool = False) -> list[str]:
    out = _Writer(width, colour)
    _header(out, rec)
    if rec.blockers:
        out.heading("Blockers", "bold", "red")
        for b in rec.blockers:
            out.item(
                "✖",
                b.message,
                marker_styles=("red",),
                lead=f"{c.name(b.framework)} ruled out ({b.rule})",
                lead_styles=("bold", "red"),
                evidence=_evidence(b.evidence),
            )
    if rec.plan and rec.plan_rule:
        out.heading("Split plan: one framework for everything is the wrong shape here", "bold", "cyan")
        for part in rec.plan:
            out.item(
                "▸",
                part.why,
                marker_styles=("bold", COLOURS[part.framework]),
                lead=f"{c.name(part.framework)} for {part.covers.rstrip('.')}:",
                lead_styles=("bold", COLOURS[part.framework]),
            )
        out.item(
            "↔",
            rec.plan_rule.message,
            marker_styles=("bold",),
            lead=f"How they meet ({rec.plan_rule.rule}):",
            lead_styles=("bold",),
            evidence=_evidence(rec.plan_rule.evidence),
        )
    out.heading("Reasons")
    if not rec.reasons:
        out.line("  No rule scored for either framework with these answers.")
    for title, reasons in c.reasons_by_area(rec):
        out.heading(f"  {title}", "bold", "underline")
        for r in reasons:
            out.item(
                f"+{r.weight:g}",
                r.message,
                marker_styles=("bold", COLOURS[r.favors]),
                lead=f"{c.name(r.favors)} ({r.rule})",
                lead_styles=(COLOURS[r.favors],),
                marker_width=4,
                evidence=_evidence(r.evidence),
            )
    if rec.caveats:
        out.heading("Caveats", "bold", "yellow")
        for cav in rec.caveats:
            who = f"{c.name(cav.framework)}, " if cav.framework else ""
            out.item(
                "!",
                cav.message,
                marker_styles=("bold", "yellow"),
                lead=f"({who}{cav.rule})",
                evidence=_evidence(cav.evidence),
            )
    if rec.alternatives:
        out.heading("Other paths that fit", "bold", "cyan")
        for alt in rec.alternatives:
            out.item(
                "◆",
                f"{alt.when} {alt.message}",
                marker_styles=("bold", "cyan"),
                lead=f"{alt.option} ({alt.rule}):",
                lead_styles=("bold",),
                evidence=_evidence(alt.evidence),
            )
    out.heading("What would change the answer")
    if not rec.what_if:
        out.line("  No single change of one answer would change the recommendation.")
    shown, left_out = c.shown_what_ifs(rec)
    for item in shown:
        out.item("•", c.what_if_sentence(item))
    if left_out:
        out.line(f"  … and {left_out} smaller ones (all of them in --format json)", "dim")
    if rec.next_steps:
        out.heading(f"Where to go next ({c.next_steps_for(rec)})")
        for s in rec.next_steps:
            out.item("•", f"{s.url} - {s.why}", lead=s.title, lead_styles=("bold",))
    if rec.outlook:
        out.heading("Outlook")
    for fw, outlook in rec.outlook.items():
        out.item(
            "", outlook.summary, lead=f"{c.name(fw)}:", lead_styles=("bold", COLOURS[fw]), marker_width=0, indent=1
        )
        for point in outlook.points:
            out.item("•", point, indent=4)
        out.item("", "", evidence=_evidence(evidence_refs(outlook.evidence)), indent=4)
    if rec.misconceptions:
        out.heading("Common misconceptions, set right")
    for m in rec.misconceptions:
        out.item("✗", m.claim, marker_styles=("red",))
        out.item("✓", m.correction, marker_styles=("green",), indent=4)
    out.line()
    return out.lines


def terminal_columns(default: int = 100) -> int:
    """shutil.get_terminal_size's answer for the columns (COLUMNS, then the terminal, then a
    default), without importing shutil, which costs `recommend` milliseconds of start-up."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or default


def print_report(
    rec: Recommendation,
    stream: TextIO | None = None,
    *,
    profile: RunDocument | dict[str, Any] | None = None,
    profile_path: Path | str | None = None,
) -> None:
    """The report on a terminal (or any stream), coloured when that is wanted; with a profile run,
    its "Evidence from this machine" section follows."""
    stream = stream or sys.stdout
    width = terminal_columns()
    lines = render_lines(rec, width, colour_wanted(stream))
    if profile is not None:
        from fwadvisor.report.profile_section import text_lines

        lines += text_lines(rec, profile, profile_path, min(width, MAX_WIDTH))
    stream.write("\n".join(lines) + "\n")
