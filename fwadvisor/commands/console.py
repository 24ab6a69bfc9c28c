"""Rich consoles for the commands, with one rule for output that goes nowhere.

- stdout whose reader went away (`| head -1`, `| true`): BrokenPipeError reaches cli.main, which
  ends quietly with exit 141 for every command. Rich's own answer would be SystemExit(1), so the
  commands printing through Rich exited 1 where the others exited 141.
- stderr that is gone (its reader left, the terminal closed): progress and messages are dropped,
  never raised. They are for a person who is no longer there, and raising from a progress display
  would cost a profile run that is being measured or saved.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from rich.console import Console


class _StdoutConsole(Console):
    def on_broken_pipe(self) -> None:
        self.quiet = True  # nothing more goes to a pipe nobody reads
        raise BrokenPipeError(32, "Broken pipe")


def stdout_console(**options: Any) -> Console:
    """A console on stdout; a reader that went away raises BrokenPipeError (cli.main: exit 141)."""
    return _StdoutConsole(**options)


class QuietStream:
    """A text stream that stops writing, silently, at its first failure (EPIPE, EIO, ENOSPC)."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.stream.write(text)
                self.stream.flush()  # a failure shows now, while it can still be caught here
            except (OSError, ValueError):  # ValueError: the stream was closed
                self.broken = True
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except (OSError, ValueError):
                self.broken = True

    def isatty(self) -> bool:
        try:
            return not self.broken and self.stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", None) or "utf-8"


def stderr_stream() -> QuietStream:
    return QuietStream(sys.stderr)


def stderr_console(**options: Any) -> Console:
    """A console on stderr that never raises for a stderr that is gone."""
    return Console(file=stderr_stream(), stderr=True, **options)  # type: ignore[arg-type]
