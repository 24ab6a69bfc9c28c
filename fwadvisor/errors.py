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
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "") + ": "
        return where + self.message
