"""The hosts file of `fwadvisor profile --hosts FILE`: which machines to profile and how to reach them.

A YAML list; each entry is a host name (`gpu-node-1`, `10.0.0.7`) or a mapping
`{host, user?, port?, python?, fwadvisor?, label?}`. Every value reaches an `ssh` command line, so
each is checked here, with the file and line of a bad one (exit 2): a host or user that starts
with `-` would be read by ssh as an option, and a label becomes a file name (`<label>.json`).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from fwadvisor.errors import InputError
from fwadvisor.safe_text import excerpt, invisible_note
from fwadvisor.validation import FileModel, convert_or_explain
from fwadvisor.yamlio import line_of, load_yaml

# A host: a name, an IPv4 address or an IPv6 address (with or without brackets); never an option.
_HOST = re.compile(r"[A-Za-z0-9_.:%\[\]-]{1,253}")
_USER = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.@-]{0,63}")
# A label names the node in the fleet report and its saved run file (`<label>.json`).
LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
MAX_HOSTS = 1000
_DEFAULT_COMMANDS = {"python": "python3", "fwadvisor": "fwadvisor"}


class HostEntry(FileModel, frozen=True):
    """One machine. `fwadvisor` is the remote command, split into words as a shell does (say
    `~/venv/bin/fwadvisor` or `python3 -m fwadvisor`); `python` runs the small remote wrapper that
    gives the run a private temporary folder and sends it back."""

    host: str
    user: str | None = None
    port: Annotated[int, Meta(ge=1, le=65535)] | None = None
    python: str = "python3"
    fwadvisor: str = "fwadvisor"
    label: str | None = None


class Host(msgspec.Struct, frozen=True, kw_only=True):
    """A checked host: its label is set and unique within the file."""

    host: str
    user: str | None
    port: int | None
    python: list[str]
    fwadvisor: list[str]
    label: str
    line: int | None  # where the hosts file gives it, for messages

    @property
    def destination(self) -> str:
        return f"{self.user}@{self.host}" if self.user else self.host


def load_hosts(path: Path) -> list[Host]:
    """The hosts of `path`, checked; any problem is one InputError with the file and line."""
    data = load_yaml(path, "hosts file")
    if not isinstance(data, list) or not data:
        raise InputError(
            "hosts file: expected a list of hosts, one entry a line (`- gpu-node-1` or "
            "`- {host: gpu-node-1, user: me, port: 22, label: node1}`)",
            file=path,
            line=line_of(path, []) if data is not None else None,
        )
    if len(data) > MAX_HOSTS:
        raise InputError(f"hosts file lists {len(data):,} hosts; at most {MAX_HOSTS:,} are allowed", file=path)
    entries: list[Any] = [{"host": item} if isinstance(item, str) else item for item in data]
    checked = convert_or_explain(entries, list[HostEntry], path, "hosts file")
    hosts: list[Host] = []
    first_line: dict[str, int | None] = {}
    for index, entry in enumerate(checked):
        host = _checked_host(entry, index, path, written_as_name=isinstance(data[index], str))
        earlier = first_line.get(host.label)
        if host.label in first_line:
            where = f"line {earlier}" if earlier else "an earlier entry"
            raise InputError(
                f"hosts file: label '{host.label}' is given twice (first on {where}); each host's run is saved as "
                "<label>.json, so labels must be unique: give one of them another `label:`",
                file=path,
                line=host.line,
            )
        first_line[host.label] = host.line
        hosts.append(host)
    return hosts


def _checked_host(entry: HostEntry, index: int, path: Path, *, written_as_name: bool) -> Host:
    def refuse(field: str, message: str) -> InputError:
        keys: list[str | int] = [index] if written_as_name else [index, field]
        return InputError(f"hosts file: {message}", file=path, line=line_of(path, keys))

    if not _HOST.fullmatch(entry.host) or entry.host.startswith("-"):
        raise refuse(
            "host",
            f"host '{excerpt(entry.host, 80)}'{invisible_note(entry.host)} is not a host name or address: use letters, "
            "digits, '.', '-', '_' and ':' (IPv6), not starting with '-'",
        )
    if entry.user is not None and not _USER.fullmatch(entry.user):
        raise refuse(
            "user",
            f"user '{excerpt(entry.user, 80)}'{invisible_note(entry.user)} is not a user name: use letters, digits, "
            "'.', '-', '_' and '@', not starting with '-'",
        )
    words = {}
    for field in ("python", "fwadvisor"):
        text = getattr(entry, field)
        try:
            words[field] = shlex.split(text)
        except ValueError as exc:
            raise refuse(field, f"{field} '{excerpt(text, 80)}' cannot be split into words: {exc}") from None
        if not words[field] or words[field][0].startswith("-"):
            raise refuse(field, f"{field} must name a command (say `{_DEFAULT_COMMANDS[field]}`)")
    label = entry.label if entry.label is not None else _label_from_host(entry.host)
    if not LABEL.fullmatch(label):
        raise refuse(
            "label",
            f"label '{excerpt(label, 80)}'{invisible_note(label)} is not allowed: use 1 to 64 of A-Z, a-z, 0-9, '_', "
            "'.' and '-', not starting with '.' or '-' (it becomes the file name <label>.json)",
        )
    line = line_of(path, [index])
    return Host(
        host=entry.host.strip("[]") if entry.host.startswith("[") else entry.host,
        user=entry.user,
        port=entry.port,
        python=words["python"],
        fwadvisor=words["fwadvisor"],
        label=label,
        line=line,
    )


def _label_from_host(host: str) -> str:
    """A host's default label: the host itself, with what a file name should not hold made '-'."""
    label = re.sub(r"[^A-Za-z0-9_.-]+", "-", host).strip("-.") or "host"
    return label[:64]
