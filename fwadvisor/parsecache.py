"""A cache of validated YAML data files, so that `recommend` does not re-parse unchanged rules.

Parsing YAML in Python is the slowest step of a `recommend` run. The validated objects are kept
pickled in the user cache folder; a file is re-read whenever its size or modification time changes,
or fwadvisor's version does. A cache that cannot be read or written is simply not used. The cache
only ever holds what this program wrote there itself, after validating it.
"""

from __future__ import annotations

import pickle
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from fwadvisor import __version__
from fwadvisor.paths import user_cache_dir
from fwadvisor.yamlio import write_atomic

T = TypeVar("T")


def _cache_file(path: Path) -> Path:
    # A checksum names the cache file (the full path is in the key that is checked on load);
    # zlib is already loaded, while hashlib costs milliseconds of start-up to import.
    digest = f"{zlib.crc32(str(path.resolve()).encode()):08x}"
    return user_cache_dir() / "parsed" / f"{path.stem}-{digest}.pickle"


def load_validated(path: Path, model: type[T], parse: Callable[[Path], T]) -> T:
    """`parse(path)` (YAML -> validated `model`), or the cached result for the same file."""
    try:
        stat = path.stat()
    except OSError:
        return parse(path)
    cache = _cache_file(path)
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, __version__, model.__qualname__)
    try:
        cached_key, value = pickle.loads(cache.read_bytes())
        if cached_key == key and isinstance(value, model):
            return value
    except Exception:
        pass
    value = parse(path)
    try:
        write_atomic(cache, pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a read-only home folder only costs speed
    return value
