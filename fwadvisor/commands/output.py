"""Send a command's result to stdout or, atomically, to a file."""

from __future__ import annotations

import sys
from pathlib import Path

from fwadvisor.atomic import write_atomic


def emit(text: str, output: Path | None, what: str) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    write_atomic(output, text)
    print(f"{what} written to {output}", file=sys.stderr)
