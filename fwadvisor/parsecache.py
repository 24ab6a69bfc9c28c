"""A cache of validated YAML data files, so that `recommend` does not re-parse unchanged rules.

Parsing YAML in Python is the slowest step of a `recommend` run. The validated models are kept as
MessagePack in the user cache folder; a file is re-read whenever its size or modification time
changes, or fwadvisor's version does. Reading the cache decodes into the model again, so a cache
written by a different model (or damaged) fails validation and is simply not used, like one that
cannot be read or written.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import msgspec

from fwadvisor import __version__
from fwadvisor.atomic import write_atomic
from fwadvisor.paths import user_cache_dir

T = TypeVar("T")

# Raised whenever what a valid file is changes without a version change (2: duplicate keys, aliases,
# nesting and non-finite numbers refused), so a file cached as valid before is checked again.
CACHE_REVISION = 2
# What a cache file was written for: (resolved path, mtime_ns, size, fwadvisor version, model name).
CacheKey = tuple[str, int, int, str, str]  # (path, mtime_ns, size, version/revision, model)


def _cache_file(path: Path) -> Path:
    # A checksum names the cache file (the full path is in the key that is checked on load);
    # zlib is already loaded, while hashlib costs milliseconds of start-up to import.
    digest = f"{zlib.crc32(str(path.resolve()).encode()):08x}"
    return user_cache_dir() / "parsed" / f"{path.stem}-{digest}.msgpack"


def load_validated(path: Path, model: type[T], parse: Callable[[Path], T]) -> T:
    """`parse(path)` (YAML -> validated `model`), or the cached result for the same file."""
    try:
        stat = path.stat()
    except OSError:
        return parse(path)
    cache = _cache_file(path)
    version = f"{__version__}/{CACHE_REVISION}"
    key: CacheKey = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, version, model.__qualname__)
    try:
        cached_key, value = msgspec.msgpack.decode(cache.read_bytes(), type=tuple[CacheKey, model])  # type: ignore[valid-type]
        if cached_key == key:
            return value
    except (OSError, msgspec.DecodeError):  # no cache yet, or one this model cannot read
        pass
    value = parse(path)
    try:
        write_atomic(cache, msgspec.msgpack.encode((key, value)))
    except OSError:
        pass  # a read-only home folder only costs speed
    return value
