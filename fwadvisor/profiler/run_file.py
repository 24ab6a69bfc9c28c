"""Reading a saved run: the file, its JSON and its version, validated into a `RunDocument`.

Every problem is an InputError that names the file and, for a wrong value, the field and the record
it is in (`$.results[3].median_s`, record 4: matmul in torch), never a crash later.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import msgspec

from fwadvisor.errors import InputError
from fwadvisor.profiler.documents import KIND, READABLE_VERSIONS, SCHEMA_VERSION, RunDocument
from fwadvisor.safe_text import excerpt
from fwadvisor.yamlio import read_regular_file

# The largest run file read: a full suite with every raw sample is a few megabytes.
MAX_RUN_BYTES: Final = 64_000_000
NOT_A_RUN = 'not a profile document (made by `fwadvisor profile`): no "kind": "fwadvisor-profile" at the top'


def run_from_data(data: Any, source: Path | str = "<profile>") -> RunDocument:
    """Validate already-parsed JSON data as a run document (see load_run for the errors)."""
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise InputError(NOT_A_RUN, file=source)
    if "schema_version" not in data:
        raise InputError(
            f"profile document has no schema_version (this fwadvisor reads version {SCHEMA_VERSION})", file=source
        )
    _check_version(data["schema_version"], source)
    try:
        document = msgspec.convert(data, RunDocument)
    except msgspec.ValidationError as exc:
        raise InputError(_invalid_field(str(exc), data), file=source) from None
    return document


def _check_version(version: Any, source: Path | str) -> None:
    """schema_version must be the whole number this fwadvisor reads: say plainly what else it is."""
    if isinstance(version, bool) or not isinstance(version, int):
        if isinstance(version, str) and version.strip().isdigit():
            why = f'it is text ("{excerpt(version, 20)}"): write the number {version.strip()} without quotes'
        elif isinstance(version, bool):
            why = f"got {str(version).lower()}"
        else:
            why = f"got {excerpt(repr(version), 40)}"
        raise InputError(
            f"profile schema_version must be a whole number (this fwadvisor reads {SCHEMA_VERSION}); {why}",
            file=source,
        )
    if version > SCHEMA_VERSION:
        raise InputError(
            f"profile schema version {excerpt(version, 20)} is newer than this fwadvisor reads ({SCHEMA_VERSION}); "
            "upgrade fwadvisor",
            file=source,
        )
    if version < 1:
        raise InputError(
            f"profile schema version {version} is not a valid version (versions start at 1; this fwadvisor reads "
            f"{SCHEMA_VERSION})",
            file=source,
        )
    if version not in READABLE_VERSIONS:
        raise InputError(
            f"profile schema version {version} is not one this fwadvisor reads (it reads {SCHEMA_VERSION})",
            file=source,
        )


def _invalid_field(message: str, data: dict[str, Any]) -> str:
    """msgspec's message, led by the section it is in and, inside `results`, the record it is about."""
    _, found, at = message.rpartition(" - at `$")
    if not found:  # a problem with the document itself, such as a missing section
        return f"profile document is malformed: {message}"
    at = at.rstrip("`")
    section = at.lstrip(".").split(".")[0].split("[")[0]
    which = ""
    if at.startswith(".results[") and isinstance(data.get("results"), list):
        index = int(at[len(".results[") :].split("]")[0])
        record = data["results"][index] if index < len(data["results"]) else None
        if isinstance(record, dict):
            which = f" (record {index + 1}: {record.get('benchmark', '?')} in {record.get('framework', '?')})"
    return f"profile document has a malformed `{section}`{which}: {message}"


def _json_problem(raw: bytes, message: str) -> tuple[str, int | None]:
    """What is wrong with text that is not JSON, in words, and the line it is on."""
    if "truncated" in message:
        return "invalid JSON, it ends early (truncated?)", None
    at = message.rpartition("(byte ")[2].rstrip(")")
    if not at.isdigit():
        return f"invalid JSON: {message}", None
    offset = int(at)
    line = raw.count(b"\n", 0, offset) + 1
    here = raw[max(offset - 1, 0) : offset + 9]
    if any(word in here for word in (b"NaN", b"Infinity")):
        return "invalid JSON: NaN and Infinity are not numbers JSON allows (a measurement must be finite)", line
    return f"invalid JSON: {message.removeprefix('JSON is malformed: ')}", line


def load_run(path: Path) -> RunDocument:
    """Read and validate a saved run. Every problem is an InputError naming the file and the field."""
    path = Path(path)
    raw = read_regular_file(path, "profile file", MAX_RUN_BYTES)
    try:
        data = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        why, line = _json_problem(raw, str(exc))
        raise InputError(f"not a valid profile document: {why}", file=path, line=line) from None
    except RecursionError:
        raise InputError("not a valid profile document: its JSON is nested too deeply", file=path) from None
    return run_from_data(data, path)
