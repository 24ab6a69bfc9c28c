"""Outside text is data: rule text, file, suite and benchmark names, worker stderr, hints.

Before such text reaches a terminal, the app or a report it goes through here. `clean` removes C0
and C1 control characters (an ESC sequence could clear the screen or hide the verdict) but keeps
newlines and tabs; `for_rich` also escapes Rich markup, so `[/usr/lib/...]` or
`pip install 'fwadvisor[tensorflow]'` prints as written instead of being read as a style tag;
`excerpt` keeps an echoed value short.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, and the C1 range (0x80-0x9f, which includes the CSI 0x9b).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
EXCERPT_CHARS = 80


def clean(text: object) -> str:
    """`text` as a string without control characters (each becomes U+FFFD, so nothing hides)."""
    return _CONTROLS.sub("\ufffd", str(text))


def one_line(text: object) -> str:
    """`clean`, with every run of whitespace (newlines included) made one space."""
    return " ".join(clean(text).split())


def for_rich(text: object) -> str:
    """Cleaned text that Rich prints as written: markup-looking brackets are escaped."""
    from rich.markup import escape

    return escape(clean(text))


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str:
    """A short, clean, one-line excerpt of a value for an error message."""
    flat = one_line(text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
