"""Send a command's result to stdout or to a file (fwadvisor.atomic.write_atomic says how each kind of
path is written: atomically for files, directly for devices and FIFOs, never replacing either)."""

from __future__ import annotations

import sys
from pathlib import Path

from fwadvisor.atomic import check_writable, write_atomic
from fwadvisor.safe_text import one_line


def check_output(output: Path | None) -> None:
    """Refuse a bad `--output` before any work is done (WriteError, refused: exit 2)."""
    if output is not None:
        check_writable(output)


def emit(text: str, output: Path | None, what: str) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()  # a closed or broken stdout shows here, while the caller can still say so
        return
    check_writable(output)  # a bad path is refused (exit 2) the same way whatever the command
    write_atomic(output, text)
    print(f"{what} written to {one_line(output)}", file=sys.stderr)
