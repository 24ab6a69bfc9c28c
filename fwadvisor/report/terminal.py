"""The terminal the text report is written to: its width, whether it wants colour, and a writer of
wrapped, styled lines.

Without rich: `fwadvisor recommend` must start in about 2.5 times a bare `import yaml, rich`, and
importing rich's console costs more than the whole rest of the run, so the few styles used are
written as ANSI SGR codes directly. Colour follows the usual conventions: only on a terminal, never
with NO_COLOR, always with FORCE_COLOR.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from fwadvisor.frameworks import ALL
from fwadvisor.safe_text import clean, wrap_words

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


class Writer:
    """Lines for the terminal within a width, styled only where colour is wanted."""

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
