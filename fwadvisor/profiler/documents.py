"""Read saved profile documents back, refusing anything that is not one (exit 2 upstream)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fwadvisor.errors import InputError
from fwadvisor.profiler.records import SCHEMA_VERSION

REQUIRED_RECORD_FIELDS = ("benchmark", "framework", "device", "metric", "error")


def load_profile(path: Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("profile file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read profile file: {exc}", file=path) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        # A file cut off mid-write fails at its very end, or inside a string that never closes.
        truncated = exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string")
        why = "it ends early (truncated?)" if truncated else exc.msg
        raise InputError(f"not a valid profile document: invalid JSON, {why}", file=path, line=exc.lineno) from None
    if not isinstance(doc, dict) or doc.get("kind") != "fwadvisor-profile":
        raise InputError(
            'not a profile document (made by `fwadvisor profile`): no "kind": "fwadvisor-profile" at the top', file=path
        )
    version = doc.get("schema_version")
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise InputError(
            f"profile schema version {version!r} is newer than this fwadvisor reads "
            f"({SCHEMA_VERSION}); upgrade fwadvisor",
            file=path,
        )
    results = doc.get("results")
    if not isinstance(results, list) or not all(
        isinstance(r, dict) and all(f in r for f in REQUIRED_RECORD_FIELDS) for r in results
    ):
        raise InputError("profile document has a malformed `results` list", file=path)
    for key in ("environment", "suite", "workers"):
        if not isinstance(doc.get(key), dict):
            raise InputError(f"profile document lacks its `{key}` section", file=path)
    return doc
