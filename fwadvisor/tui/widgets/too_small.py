"""Below a minimum terminal size every screen hides its content and says so instead.

Textual lays widgets out even when they get no columns at all, and some (OptionList, wrapped text)
then fail with a ValueError: a terminal shrunk to 30x8 stopped the app. The app's breakpoints give
each screen the class `-too-narrow` or `-too-short` below the minimum; the stylesheet hides every
child of such a screen except this notice (so nothing is laid out at a size it cannot take), and
everything comes back as it was once the terminal is large enough again.
"""

from __future__ import annotations

import textwrap
from typing import Any

from textual.widgets import Static

MIN_WIDTH = 40
MIN_HEIGHT = 10
TOO_SMALL_TEXT = f"Terminal too small: make it at least {MIN_WIDTH}x{MIN_HEIGHT}. Ctrl+Q quits."


def is_too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallNotice(Static):
    """What a screen shows while the terminal is below MIN_WIDTH x MIN_HEIGHT."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(markup=False, classes="too-small-notice", **kwargs)

    def render(self) -> str:
        # Wrapped here, to at least one column: Textual's own wrapping fails at a width of 0.
        return textwrap.fill(TOO_SMALL_TEXT, max(1, self.size.width))
