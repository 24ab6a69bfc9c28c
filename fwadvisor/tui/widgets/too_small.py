"""Below a minimum terminal size every screen hides its content and says so instead.

The screens are laid out for 80x24 (the size the README promises): below it, choices wrapped into a
9-column strip and the advice header filled the screen, and Textual laid out widgets that got no
columns at all, which some (OptionList, wrapped text) failed on with a ValueError. The app gives
itself the class `-too-small` below the minimum; the stylesheet then hides every child of every
screen except this notice (so nothing is laid out at a size it cannot take), and everything comes
back as it was once the terminal is large enough again.
"""

from __future__ import annotations

import textwrap
from typing import Any

from textual.widgets import Static

MIN_WIDTH = 80
MIN_HEIGHT = 24


def is_too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


def too_small_text(width: int, height: int) -> str:
    """What the notice says: the size needed, and the size the terminal has now."""
    return (
        f"Terminal too small: it is {width}x{height}, fwadvisor needs at least {MIN_WIDTH}x{MIN_HEIGHT} "
        "(columns x rows). Make the window larger or the font smaller. Ctrl+Q quits."
    )


class TooSmallNotice(Static):
    """What a screen shows while the terminal is below MIN_WIDTH x MIN_HEIGHT."""

    DEFAULT_CSS = """
    TooSmallNotice { color: $warning; text-style: bold; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, classes="too-small-notice", **kwargs)

    def render(self) -> str:
        # Wrapped here, to at least one column: Textual's own wrapping fails at a width of 0.
        size = self.app.size
        return textwrap.fill(too_small_text(size.width, size.height), max(1, self.size.width))
