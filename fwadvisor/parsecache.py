"""A cache of validated YAML data files, so that `recommend` does not re-parse unchanged rules.

Parsing YAML in Python is the slowest step of a `recommend` run. A file is re-read whenever its
size or modification time changes, or fwadvisor's version does; a cache that cannot be read or
written is simply not used.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from fwadvisor import __version__
from fwadvisor.paths import user_cache_dir
from fwadvisor.yamlio import write_atomic

T = TypeVar("T")


class _Entry(msgspec.Struct):
    source: str
    mtime_ns: int
    size: int
    version: str
    data: msgspec.Raw


def _cache_file(path: Path) -> Path:
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:20]
    return user_cache_dir() / "parsed" / f"{path.stem}-{digest}.msgpack"


def load_validated(path: Path, model: type[T], parse: Any) -> T:
    """`parse(path)` (YAML -> validated `model`), or the cached result of the same file."""
    try:
        stat = path.stat()
    except OSError:
        return parse(path)
    cache = _cache_file(path)
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, __version__)
    try:
        entry = msgspec.msgpack.decode(cache.read_bytes(), type=_Entry)
        if (entry.source, entry.mtime_ns, entry.size, entry.version) == key:
            return msgspec.msgpack.decode(entry.data, type=model)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        pass
    value = parse(path)
    try:
        raw = msgspec.Raw(msgspec.msgpack.encode(value))
        write_atomic(cache, msgspec.msgpack.encode(_Entry(*key, data=raw)))
    except OSError:
        pass  # a read-only home folder only costs speed
    return value
