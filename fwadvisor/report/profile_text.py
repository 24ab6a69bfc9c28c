"""The "Evidence from this machine" section (report.model) as plain lines for the terminal report.

No colour: the coloured table lives in `fwadvisor profile`. Practice runs get a few lines each (final
accuracies, any finding, the export); their curves are in the Markdown and HTML reports and the app.
"""

from __future__ import annotations

import textwrap

from fwadvisor.frameworks import PYTORCH, TENSORFLOW
from fwadvisor.profiler.documents import ResultStatus
from fwadvisor.report.held_equal import HeldEqual
from fwadvisor.report.model import EvidenceSection, SpeedTable
from fwadvisor.report.profile_model import TrustNotes, held_of, trust_of
from fwadvisor.report.profile_table import Cell
from fwadvisor.safe_text import clean, excerpt, one_line

# The most a benchmark name or unit takes of the terminal table (the other formats show it whole).
NAME_CHARS = 40


def _wrap(text: str, width: int, indent: str = "", hang: str = "", hyphens: bool = True) -> list[str]:
    return textwrap.wrap(
        text, max(width, 40), initial_indent=indent, subsequent_indent=hang or indent, break_on_hyphens=hyphens
    )


def _cell(c: Cell | None) -> str:
    if c is None:
        return "not run"
    words = {ResultStatus.WRONG: " wrong", ResultStatus.BUSY: " busy"}.get(c.status, "")
    return c.text() + words + (" throttled" if c.throttled else "")


def _speed_table(speed: SpeedTable, width: int) -> list[str]:
    table: list[tuple[str, ...]] = [("benchmark", "metric", PYTORCH.name, TENSORFLOW.name, "ahead")]
    for line in speed.lines:
        # Symbols keep the terminal table narrow; the legend under it says what they mean.
        # The ratio carries the mark of an unsteady or busy number it is built from (Row.ratio_mark).
        row = line.row
        ahead = "-" if line.tone == "none" else row.faster_text(short=True)
        # A long or odd benchmark name is cut short here (the other formats have it whole), so the
        # numbers beside it stay on the screen; a newline in it cannot break its row.
        name, unit = excerpt(line.label, NAME_CHARS), excerpt(row.unit, NAME_CHARS)
        table.append((name, unit, _cell(row.cells.get("torch")), _cell(row.cells.get("tensorflow")), one_line(ahead)))
    widths = [max(len(r[i]) for r in table) for i in range(5)]
    out: list[str] = []
    for number, r in enumerate(table):
        text = "  " + "  ".join(r[i].ljust(widths[i]) if i < 2 else r[i].rjust(widths[i]) for i in range(5))
        out.append(text.rstrip()[: max(width, 40)])
        if number == 0:
            out.append("  " + "  ".join("-" * w for w in widths))
    # The legend's "p20-p80" and "(low-high)" are signs: never broken at their hyphen.
    return [*out, "", *("  " + line for line in _wrap(speed.legend, width - 2, hyphens=False))]


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
    out = ["", f"  {held.title}", *_wrap(held.intro, width - 2, indent="  ")]
    for block in held.benchmarks:
        out.append(f"    {one_line(block.heading)}")
        parts = [block.note] if block.note else []
        parts += ["Same: " + "; ".join(f.text() for f in block.shared)] if block.shared else []
        parts += ["By design: " + "; ".join(d.text() for d in block.by_design)] if block.by_design else []
        parts += ["NOT held equal: " + "; ".join(d.text() for d in block.not_equal)] if block.not_equal else []
        for part in parts:
            out += _wrap(one_line(part), width - 2, indent="      ", hang="        ")
    out += ["", f"  {held.pitfalls_title}"]
    for pitfall in held.pitfalls:
        out += _wrap(one_line(f"- {pitfall.text()}"), width - 2, indent="  ", hang="    ")
    return out


def text_section(section: EvidenceSection, width: int = 100) -> list[str]:
    out = ["", section.title]
    for line in section.environment:
        out += _wrap(line, width - 2, indent="  ", hang="    ")
    out.append("")
    if section.speed is not None:
        out += _speed_table(section.speed, width)
    out += _trust(trust_of(section), width)
    for model in section.practice:
        out += ["", f"  {model.label} ({model.model})"]
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
    if (held := held_of(section)) is not None:
        out += _held(held, width)
    if section.triggered is not None:
        out += ["", "  " + section.triggered_title]
        lines = [f"- {line}" for line in section.triggered] if section.triggered else [section.no_trigger]
        for line in lines:
            out += _wrap(line, width - 2, indent="  ", hang="    ")
    for line in section.problems:
        out += _wrap("! " + line, width - 2, indent="  ", hang="    ")
    # The blocks each open with a blank line; one is enough between any two. Suite, benchmark and error
    # texts are the run's: no control character of theirs reaches the terminal.
    return [clean(line) for i, line in enumerate(out) if line or i == 0 or out[i - 1]]
