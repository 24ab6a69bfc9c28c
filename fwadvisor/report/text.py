"""The report for the terminal: the advice and the evidence of a run as wrapped, indented lines
with a little colour (drawn without rich: see report.terminal).

Nothing of a profile run is imported at start-up: `fwadvisor recommend` without one must not pay for it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from fwadvisor.advisor.engine import EvidenceRef, Recommendation
from fwadvisor.advisor.scoring import points_text
from fwadvisor.frameworks import identity
from fwadvisor.report import content as c
from fwadvisor.report.advice_model import report_of
from fwadvisor.report.model import Group, Item, ItemKind, Report, RunShown, Section, Table, Verdict
from fwadvisor.report.terminal import COLOURS, MAX_WIDTH, Writer, colour_wanted, terminal_columns
from fwadvisor.safe_text import clean, one_line, wrap_words

if TYPE_CHECKING:
    from fwadvisor.profiler.documents import RunDocument
    from fwadvisor.report.held_equal import HeldEqual
    from fwadvisor.report.model import ClusterSection, EvidenceSection, SpeedTable, TrustNotes
    from fwadvisor.report.profile_table import Cell


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


def _item(out: Writer, item: Item, indent: int = 2) -> None:
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


def _group(out: Writer, group: Group) -> None:
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


def _section(out: Writer, section: Section) -> None:
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


def _header(out: Writer, verdict: Verdict) -> None:
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


# ---- The evidence of a profile run ------------------------------------------------------------


def _wrap(text: str, width: int, indent: str = "", hang: str = "") -> list[str]:
    """Wrapped at spaces, never inside a URL, a rule id or a range such as "p20-p80"."""
    return wrap_words(text, max(width, 40), indent=indent, hang=hang or indent)


def _cell(c: Cell | None, narrow: bool = False, stacked: bool = False) -> str:
    """A number with its marks; narrow, the word for a busy or wrong number goes on a line of its own;
    `stacked` (narrow, three frameworks): its spread and mark too (Cell.text)."""
    from fwadvisor.profiler.documents import ResultStatus  # only with a run: not at start-up

    if c is None:
        return "not run"
    words = {ResultStatus.WRONG: "wrong", ResultStatus.BUSY: "busy"}.get(c.status, "")
    words += " throttled" if c.throttled else ""
    words = words.strip()
    if not words:
        return c.text(stacked)
    return f"{c.text(stacked)}\n{words}" if narrow else f"{c.text()} {words}"


Cells = list[list[str]]  # a row: each cell as its lines


def _columns(table: list[Cells], right: frozenset[int], indent: int) -> list[str]:
    """Rows of multi-line cells as aligned text; a row takes as many lines as its tallest cell."""
    count = len(table[0])
    widths = [max(len(line) for row in table for line in row[i]) for i in range(count)]
    out: list[str] = []
    for number, row in enumerate(table):
        for depth in range(max(len(cell) for cell in row)):
            parts = [cell[depth] if depth < len(cell) else "" for cell in row]
            shown = [p.rjust(widths[i]) if i in right else p.ljust(widths[i]) for i, p in enumerate(parts)]
            out.append((" " * indent + "  ".join(shown)).rstrip())
        if number == 0:
            out.append(" " * indent + "  ".join("-" * w for w in widths))
    return out


def _speed_table(speed: SpeedTable, width: int) -> list[str]:
    """The speeds side by side: one line a row where that fits, else two (the interval under the
    ratio, a busy or wrong number's word under it), and where even that is too wide, the benchmark on
    a line of its own above its numbers. Nothing is cut: the ratio is the point of the table."""
    head = ["benchmark", "metric", *(identity(fw).name for fw in speed.frameworks), "ahead"]
    right = frozenset(range(2, len(head)))
    stacked = len(speed.frameworks) > 2
    lines: list[str] = []
    for narrow in (False, True):
        table: list[Cells] = [[[h] for h in head]]
        for line in speed.lines:
            # Symbols keep the terminal table narrow; the legend under it says what they mean.
            # The ratio carries the mark of an unsteady or busy number it is built from (Row.ratio_mark).
            row = line.row
            ahead = "-" if line.tone == "none" else row.faster_text(short=True, narrow=narrow)
            # A newline in a benchmark's name or unit cannot break its row.
            cells = [one_line(line.label), one_line(row.unit)]
            cells += [_cell(row.cells.get(fw), narrow, stacked and narrow) for fw in speed.frameworks]
            table.append(
                [
                    [cells[0]],
                    [cells[1]],
                    *([one_line(p) for p in c.split("\n")] for c in cells[2:]),
                    [one_line(p) for p in ahead.split("\n")],
                ]
            )
        lines = _columns(table, right, 2)
        if max(len(text) for text in lines) <= width:
            break
        # Still too wide: each benchmark on a line of its own, its numbers under it (three frameworks: under
        # their short names, "torch", "TF", "JAX").
        if stacked:
            table[0][2:-1] = [[identity(fw).short] for fw in speed.frameworks]
        numbers = _columns([shown[1:] for shown in table], frozenset(range(1, len(head) - 1)), 4)
        body = iter(numbers[2:])
        lines = ["  benchmark", *numbers[:2]]
        for shown in table[1:]:
            lines += wrap_words(shown[0][0], width, indent="  ", hang="    ")
            lines += [next(body) for _ in range(max(len(cell) for cell in shown[1:]))]
    notes = [line for note in speed.notes for line in _wrap(note, width, indent="  ", hang="    ")]
    # The legend's "p20-p80" and "(low-high)" are signs: never broken at their hyphen.
    return [*lines, *(["", *notes] if notes else []), "", *wrap_words(speed.legend, max(width, 40), indent="  ")]


def _trust(notes: TrustNotes, width: int) -> list[str]:
    """Under the table: the busy runs, the GPU's state per record, and what a low GPU number usually means."""
    out = [""] if notes.busy or notes.gpu or notes.below else []
    for line in notes.busy:
        out += _wrap(line, width - 2, indent="  ", hang="    ")
    if notes.gpu:
        out += ["", f"  {notes.gpu_title}"]
        for line in notes.gpu:
            out += _wrap(f"- {line}", width - 2, indent="  ", hang="    ")
    if notes.below:
        out += ["", *_wrap(notes.below, width - 2, indent="  ")]
    return out


def _held(held: HeldEqual, width: int) -> list[str]:
    """One short block per benchmark (same, by design, not held equal), then the pitfalls."""
    out = ["", *_wrap(held.title, width - 2, indent="  "), *_wrap(held.intro, width - 2, indent="  ")]
    for block in held.benchmarks:
        out += _wrap(one_line(block.heading), width - 2, indent="    ", hang="      ")
        parts = [block.note] if block.note else []
        parts += ["Same: " + "; ".join(f.text() for f in block.shared)] if block.shared else []
        parts += ["By design: " + "; ".join(d.text() for d in block.by_design)] if block.by_design else []
        parts += ["NOT held equal: " + "; ".join(d.text() for d in block.not_equal)] if block.not_equal else []
        for part in parts:
            out += _wrap(one_line(part), width - 2, indent="      ", hang="        ")
    out += ["", *_wrap(held.pitfalls_title, width - 2, indent="  ")]
    for pitfall in held.pitfalls:
        out += _wrap(one_line(f"- {pitfall.text()}"), width - 2, indent="  ", hang="    ")
    return out


def _cluster(cluster: ClusterSection, width: int) -> list[str]:
    """The cluster suite's tables, each with its sentences; the CPU sentence first, the claim last."""
    out = ["", *_wrap(cluster.title, width - 2, indent="  ", hang="    ")]
    if cluster.plumbing:
        out += _wrap(cluster.plumbing, width - 2, indent="  ", hang="  ")
    for titled in cluster.tables:
        out += ["", *_wrap(titled.title, width - 2, indent="  ", hang="    ")]
        out += table_lines(titled.table, width)
        for note in titled.notes:
            out += _wrap(note, width - 2, indent="  ", hang="    ")
    for note in cluster.notes:
        out += _wrap(f"! {note}", width - 2, indent="  ", hang="    ")
    if cluster.legend:
        out += ["", *wrap_words(cluster.legend, max(width, 40), indent="  ")]
    if cluster.claim:
        out += ["", *_wrap(cluster.claim, width - 2, indent="  ", hang="  ")]
    return out


def evidence_lines(section: EvidenceSection, width: int = 100) -> list[str]:
    """The "Evidence from this machine" section as plain lines: no colour (the coloured table lives in
    `fwadvisor profile`). Practice runs get a few lines each (final accuracies, any finding, the
    export); their curves are in the Markdown and HTML reports and the app."""
    out = ["", *_wrap(section.title, width, hang="  ")]
    for line in section.environment:
        out += _wrap(line, width - 2, indent="  ", hang="    ")
    out.append("")
    if section.speed is not None:
        out += _speed_table(section.speed, width)
    out += _trust(section.trust, width)
    if section.cluster is not None:
        out += _cluster(section.cluster, width)
    for model in section.practice:
        out += ["", *_wrap(f"{model.label} ({model.model})", width - 2, indent="  ", hang="    ")]
        out += _wrap(model.summary, width - 2, indent="    ", hang="    ") if model.summary else []
        for name, trouble in model.troubles:
            out += _wrap(f"{name}: {trouble}", width - 2, indent="    ", hang="      ")
        if model.finding:
            out += _wrap(model.finding, width - 2, indent="    ", hang="    ")
    if section.exports is not None:
        out += ["", "  Saving and reloading a trained model"]
        for name, fmt, export_s, load_s, size, match in section.exports.body:
            sentence = f"{name}: {fmt}, export {export_s} s, load {load_s} s, {size}; reloaded outputs match: {match}"
            out += _wrap(sentence, width - 2, indent="    ", hang="      ")
    if (held := section.held) is not None:
        out += _held(held, width)
    if section.triggered is not None:
        out += ["", *_wrap(section.triggered_title, width - 2, indent="  ", hang="    ")]
        lines = [f"- {line}" for line in section.triggered] if section.triggered else [section.no_trigger]
        for line in lines:
            out += _wrap(line, width - 2, indent="  ", hang="    ")
    for line in section.problems:
        out += _wrap("! " + line, width - 2, indent="  ", hang="    ")
    # The blocks each open with a blank line; one is enough between any two. Suite, benchmark and error
    # texts are the run's: no control character of theirs reaches the terminal.
    return [clean(line) for i, line in enumerate(out) if line or i == 0 or out[i - 1]]


def report_lines(
    report: Report, width: int = 100, colour: bool = False, measured_width: int | None = None
) -> list[str]:
    """The report as terminal lines; the measured evidence (plain) is laid out `measured_width` wide."""
    out = Writer(width, colour)
    _header(out, report.verdict)
    for section in report.in_terminal_order():
        if isinstance(section, Section):
            _section(out, section)
            continue
        out.line()  # the advice ends with a blank line
        if section.section is not None:
            out.lines += [*evidence_lines(section.section, measured_width or width), ""]
    return out.lines


def render_text(rec: Recommendation, run: RunShown | None, *, width: int, replaced: Sequence[str]) -> str:
    """The terminal report as a plain string (no colour), `width` columns wide."""
    return "\n".join(report_lines(report_of(rec, run, replaced), width, colour=False)) + "\n"


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
    report = report_of(rec, RunShown(profile, profile_path) if profile is not None else None, replaced)
    lines = report_lines(report, width, colour_wanted(stream), min(width, MAX_WIDTH))
    stream.write("\n".join(lines) + "\n")
