"""The report for the terminal: wrapped, indented lines with a little colour.

This is the one report drawn without rich. `fwadvisor recommend` must start in about 2.5 times
a bare `import yaml, rich`, and importing rich's console costs more than the whole rest of the run,
so the few styles used here are written as ANSI SGR codes directly. Colour follows the usual
conventions: only on a terminal, never with NO_COLOR, always with FORCE_COLOR.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from fwadvisor.advisor.engine import EvidenceRef, Recommendation
from fwadvisor.advisor.scoring import points_text
from fwadvisor.frameworks import ALL
from fwadvisor.report import content as c
from fwadvisor.report.advice_model import build_report
from fwadvisor.report.model import Group, Item, ItemKind, Report, Section, Table, Verdict
from fwadvisor.safe_text import clean, one_line, wrap_words

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
        text = clean(text)  # outside text (a rule's title, a path) never sends a control sequence
        indent = " " * (len(text) - len(text.lstrip()))
        # Wrapped at spaces only: a URL, a rule id or a range such as "p20-p80" stays whole.
        for part in wrap_words(text.strip(), self.width, indent=indent) if len(text) > self.width else [text]:
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
        lead, body = clean(lead), clean(body)
        first = " " * indent + marker.ljust(marker_width) + " "
        hang = " " * len(first)
        plain = " ".join(((lead + " ") if lead else "").split() + body.split())
        wrapped = wrap_words(plain, self.width, indent=first, hang=hang)
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
            # A source's URL is never broken: it goes on a line of its own when it does not fit.
            for text in wrap_words(" ".join(clean(evidence).split()), self.width, indent=hang):
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


def _evidence(refs: list[EvidenceRef] | None) -> str | None:
    if refs is None:
        return None
    return "; ".join(f"{r.source} (checked {r.checked}, {r.strength})" for r in refs)


_TONE = "tone"  # in a style list: the item's framework colour
# Per kind of item: the marker's styles, the lead's styles, and whether the lead ends with a colon
# (it does where it names what the body explains: a plan part, an alternative path).
_ITEM_LOOK: dict[ItemKind, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "blocker": (("red",), ("bold", "red"), False),
    "part": (("bold", _TONE), ("bold", _TONE), True),
    "meeting": (("bold",), ("bold",), True),
    "reason": (("bold", _TONE), (_TONE,), False),
    "caveat": (("bold", "yellow"), ("dim",), False),
    "alternative": (("bold", "cyan"), ("bold",), True),
    "point": ((), ("dim",), False),
    "link": ((), ("bold",), False),
    "claim": (("red",), ("dim",), False),
}
_SECTION_STYLES = {"bad": ("bold", "red"), "warn": ("bold", "yellow"), "info": ("bold", "cyan"), None: ("bold",)}


def _styles(styles: tuple[str, ...], tone: str | None) -> tuple[str, ...]:
    return tuple(COLOURS.get(tone or "", "") if s == _TONE else s for s in styles)


def _item(out: _Writer, item: Item, indent: int = 2) -> None:
    marker_styles, lead_styles, colon = _ITEM_LOOK[item.kind]
    where = f"({item.about + ', ' if item.about else ''}{item.rule})" if item.rule else ""
    lead = " ".join(part for part in (item.label, item.detail, where) if part)
    out.item(
        item.marker,
        f"{item.link} - {item.body}" if item.link else item.body,
        marker_styles=_styles(marker_styles, item.tone),
        lead=lead + ":" if lead and colon else lead,
        lead_styles=_styles(lead_styles, item.tone),
        indent=indent,
        marker_width=4 if item.weight else 2,
        # A claim and its correction stay short on a terminal: their sources are in the other formats.
        evidence=None if item.kind == "claim" else _evidence(item.evidence),
    )
    if item.correction:
        out.item("✓", item.correction, marker_styles=("green",), indent=indent + 2)


def _group(out: _Writer, group: Group) -> None:
    if group.summary is None:
        out.heading(f"  {group.title}", "bold", "underline")
        for item in group.items:
            _item(out, item)
        return
    # A group with a summary reads as "Title: summary", its items indented under it.
    lead_styles = ("bold", COLOURS.get(group.tone or "", ""))
    out.item("", group.summary, lead=f"{group.title}:", lead_styles=lead_styles, marker_width=0, indent=1)
    for item in group.items:
        _item(out, item, indent=4)
    out.item("", "", evidence=_evidence(group.evidence), indent=4)


def table_lines(table: Table, width: int) -> list[str]:
    """A small table as aligned columns within `width`. A name too long for the first column wraps
    within it at spaces; where even one word leaves no room, each name goes on a line of its own above
    its row. A name is never cut."""
    rows = [[one_line(cell) for cell in row] for row in [table.head, *table.body]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(table.head))]
    room = width - 2 - 2 * (len(widths) - 1) - sum(widths[1:])
    longest_word = max(len(word) for row in rows for word in row[0].split() or [""])

    def aligned(cells: list[str], indent: str, sizes: list[int], numeric: frozenset[int]) -> str:
        text = "  ".join(cell.rjust(sizes[i]) if i in numeric else cell.ljust(sizes[i]) for i, cell in enumerate(cells))
        return (indent + text).rstrip()

    if longest_word <= room:
        widths[0] = min(widths[0], room)
        lines = []
        for number, row in enumerate(rows):
            name = wrap_words(row[0], widths[0]) or [""]
            lines.append(aligned([name[0], *row[1:]], "  ", widths, table.numeric))
            lines += [f"  {part}" for part in name[1:]]
            if number == 0:
                lines.append("  " + "  ".join("-" * w for w in widths))
        return lines
    rest = frozenset(i - 1 for i in table.numeric if i > 0)
    lines = [f"  {rows[0][0]}", aligned(rows[0][1:], "    ", widths[1:], rest)]
    lines.append("    " + "  ".join("-" * w for w in widths[1:]))
    for row in rows[1:]:
        lines += wrap_words(row[0], width, indent="  ", hang="    ")
        lines.append(aligned(row[1:], "    ", widths[1:], rest))
    return lines


def _section(out: _Writer, section: Section) -> None:
    intro = f": {section.intro[:1].lower()}{section.intro[1:]}" if section.intro else ""
    out.heading(section.title + intro, *_SECTION_STYLES[section.tone])
    if section.empty and not (section.items or section.groups):
        out.line(f"  {section.empty}")
    if section.table is not None:
        for line in table_lines(section.table, out.width):
            out.line(line)
    for group in section.groups:
        _group(out, group)
    for item in section.items:
        _item(out, item)
    if section.left_out:
        out.line(f"  {c.left_out_note(section.left_out, '--format json', section.left_out_what)}", "dim")


def _header(out: _Writer, verdict: Verdict) -> None:
    colour = COLOURS.get(verdict.tone, "cyan")
    inner = out.width - 4
    rows = [out.style(line, "bold", colour) for line in wrap_words(clean(verdict.summary), inner)]
    rows.append("")
    top = max([*(s.points for s in verdict.scores), 1.0])
    bar_width = min(30, inner - 20)
    for score in verdict.scores:
        filled = round(score.points / top * bar_width)
        rows.append(
            f"{score.name:<11}"
            + out.style("█" * filled, COLOURS[score.framework])
            + out.style("░" * (bar_width - filled), "dim")
            + f" {score.points:g}"
        )
    footer = clean(
        f"Margin {points_text(verdict.margin)}. {verdict.priorities} {verdict.rules_used} rules considered. "
        f"{verdict.facts}"
    )
    rows += [out.style(line, "dim") for line in wrap_words(footer, inner)]
    # Rule ids are kebab-case: they wrap whole, never at a hyphen.
    rows += [out.style(line, "bold") for line in wrap_words(verdict.replaced_sentence, inner)]
    # After an online check: its heading, then each newer release as a hanging "- " entry.
    for index, sentence in enumerate(verdict.releases):
        lines = wrap_words(clean(sentence), inner - 2)
        for n, line in enumerate(lines):
            lead = "" if index == 0 else "- " if n == 0 else "  "
            rows.append(out.style(lead + line, "yellow"))
    out.box(verdict.title, rows, colour)


def report_lines(
    report: Report, width: int = 100, colour: bool = False, measured_width: int | None = None
) -> list[str]:
    """The report as terminal lines; the measured evidence (plain) is laid out `measured_width` wide."""
    out = _Writer(width, colour)
    _header(out, report.verdict)
    for section in report.in_terminal_order():
        if isinstance(section, Section):
            _section(out, section)
            continue
        out.line()  # the advice ends with a blank line
        if section.section is not None:
            from fwadvisor.report.profile_text import text_section  # only with a run: not at start-up

            out.lines += [*text_section(section.section, measured_width or width), ""]
    return out.lines


def terminal_columns(default: int = 80) -> int:
    """shutil.get_terminal_size's answer for the columns (COLUMNS, then the terminal, then a
    default), without importing shutil, which costs `recommend` milliseconds of start-up.

    Piped without COLUMNS the answer is 80, as Rich and shutil give: `fwadvisor recommend | less`
    reads in an 80-column terminal."""
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
    profile: RunDocument | None = None,
    profile_path: Path | str | None = None,
    replaced: Sequence[str] = (),
) -> None:
    """The report on a terminal (or any stream), coloured when that is wanted; with a profile run,
    its "Evidence from this machine" section follows. `replaced` as in render.render."""
    stream = stream or sys.stdout
    width = terminal_columns()
    measured = None
    if profile is not None:
        from fwadvisor.report.profile_model import evidence_for

        measured = evidence_for(rec, profile, profile_path)
    lines = report_lines(build_report(rec, measured, replaced), width, colour_wanted(stream), min(width, MAX_WIDTH))
    stream.write("\n".join(lines) + "\n")
