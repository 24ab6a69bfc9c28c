"""The "Evidence from this machine" section (report.model) as plain lines for the terminal report.

No colour: the coloured table lives in `fwadvisor profile`. Practice runs get a few lines each (final
accuracies, any finding, the export); their curves are in the Markdown and HTML reports and the app.
"""

from __future__ import annotations

from fwadvisor.frameworks import PYTORCH, TENSORFLOW
from fwadvisor.profiler.documents import ResultStatus
from fwadvisor.report.held_equal import HeldEqual
from fwadvisor.report.model import EvidenceSection, SpeedTable, TrustNotes
from fwadvisor.report.profile_table import Cell
from fwadvisor.safe_text import clean, one_line, wrap_words


def _wrap(text: str, width: int, indent: str = "", hang: str = "") -> list[str]:
    """Wrapped at spaces, never inside a URL, a rule id or a range such as "p20-p80"."""
    return wrap_words(text, max(width, 40), indent=indent, hang=hang or indent)


def _cell(c: Cell | None, narrow: bool = False) -> str:
    """A number with its marks; narrow, the word for a busy or wrong number goes on a line of its own."""
    if c is None:
        return "not run"
    words = {ResultStatus.WRONG: "wrong", ResultStatus.BUSY: "busy"}.get(c.status, "")
    words += " throttled" if c.throttled else ""
    words = words.strip()
    if not words:
        return c.text()
    return f"{c.text()}\n{words}" if narrow else f"{c.text()} {words}"


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
    head = ["benchmark", "metric", PYTORCH.name, TENSORFLOW.name, "ahead"]
    right = frozenset({2, 3, 4})
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
            cells += [_cell(row.cells.get(fw), narrow) for fw in ("torch", "tensorflow")]
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
        # Still too wide: each benchmark on a line of its own, its numbers under it.
        numbers = _columns([shown[1:] for shown in table], frozenset({1, 2, 3}), 4)
        body = iter(numbers[2:])
        lines = ["  benchmark", *numbers[:2]]
        for shown in table[1:]:
            lines += wrap_words(shown[0][0], width, indent="  ", hang="    ")
            lines += [next(body) for _ in range(max(len(cell) for cell in shown[1:]))]
    # The legend's "p20-p80" and "(low-high)" are signs: never broken at their hyphen.
    return [*lines, "", *wrap_words(speed.legend, max(width, 40), indent="  ")]


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


def text_section(section: EvidenceSection, width: int = 100) -> list[str]:
    out = ["", *_wrap(section.title, width, hang="  ")]
    for line in section.environment:
        out += _wrap(line, width - 2, indent="  ", hang="    ")
    out.append("")
    if section.speed is not None:
        out += _speed_table(section.speed, width)
    out += _trust(section.trust, width)
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
