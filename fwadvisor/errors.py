"""The one error type that means "bad input": the CLI turns it into one message and exit code 2."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Input a person gave us (a file, an argument) is wrong; the message says how to fix it."""

    def __init__(self, message: str, file: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line

    def __str__(self) -> str:
        # The file name and the message carry outside text (a name with ESC sequences or a newline,
        # a key with a zero-width space): both are shown as text, the name on one line.
        from fwadvisor.safe_text import clean, shown_name

        where = ""
        if self.file:
            where = shown_name(self.file) + (f":{self.line}" if self.line else "") + ": "
        return where + clean(self.message)
