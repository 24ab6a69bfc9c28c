"""A cache of validated YAML data files, so that `recommend` does not re-parse unchanged rules.

Parsing YAML in Python is the slowest step of a `recommend` run. The validated models are kept as
MessagePack in the user cache folder, keyed on the file's content (its size and two checksums of
its bytes), the fwadvisor version and the model: an edit is seen even when it keeps the size and
lands within the file system's clock tick, or when the file's time is put back (`touch -r`, a copy
that keeps times), which a key of size and modification time missed (issue 20). Reading the rules
files' bytes costs far less than parsing them.

A cache entry is never trusted beyond what it proves: only a regular file of at most
MAX_CACHE_BYTES is read (opened without blocking, checked through its descriptor, so a FIFO or a
link to /dev/zero in the cache folder is passed over, not waited on or read forever), and it is
decoded into the model again, so one written by a different model, damaged or stale is not used.
Such an entry is rebuilt: a link or special file in its place is removed (never what it points
at) and a fresh entry written. A cache that cannot be read or written only costs speed.
"""

from __future__ import annotations

import os
import stat
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import msgspec

from fwadvisor import __version__
from fwadvisor.atomic import write_atomic
from fwadvisor.errors import InputError
from fwadvisor.paths import user_cache_dir
from fwadvisor.yamlio import MAX_FILE_BYTES, read_regular_file

T = TypeVar("T")

# Raised whenever what a valid file is changes without a version change (2: duplicate keys, aliases,
# nesting and non-finite numbers refused; 3: keyed on content), so a file cached before is checked again.
CACHE_REVISION = 3
# A cache entry holds one validated data file, which is at most MAX_FILE_BYTES of YAML; its MessagePack
# is smaller than the YAML, so anything larger is not one of ours.
MAX_CACHE_BYTES = 2 * MAX_FILE_BYTES
# What a cache file was written for: (resolved path, size, crc32, adler32, fwadvisor version, model name).
CacheKey = tuple[str, int, int, int, str, str]


def _path_text(path: Path) -> str:
    # A file name need not be valid UTF-8 (`bad\xff.yaml`): its bytes as the file system has them,
    # undecodable ones as \xff escapes, so the key is text msgpack can hold and still tells such names apart.
    return os.fsencode(path.resolve()).decode("utf-8", "backslashreplace")


def _cache_file(path: Path) -> Path:
    # A checksum names the cache file (the full path is in the key that is checked on load);
    # zlib is already loaded, while hashlib costs milliseconds of start-up to import. The stem keeps
    # only plain characters: a data file's name may hold anything a file name can.
    digest = f"{zlib.crc32(os.fsencode(path.resolve())):08x}"
    stem = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in path.stem)
    return user_cache_dir() / "parsed" / f"{stem}-{digest}.msgpack"


def _content_key(path: Path, model: type, content: bytes) -> CacheKey:
    # Two independent 32-bit checksums and the length: an accidental edit that leaves all three as
    # they were is out of reach (crc32 alone already catches every change of up to 32 adjacent bits).
    # Whoever can write the cache folder can write the rules themselves, so no cryptographic hash.
    version = f"{__version__}/{CACHE_REVISION}"
    return _path_text(path), len(content), zlib.crc32(content), zlib.adler32(content), version, model.__qualname__


def _read_cached(cache: Path, key: CacheKey, model: type[T]) -> T | None:
    """The cached model for `key`, or None when there is none that can be used."""
    try:
        raw = read_regular_file(cache, "parse cache", MAX_CACHE_BYTES)
        cached_key, value = msgspec.msgpack.decode(raw, type=tuple[CacheKey, model])  # type: ignore[valid-type]
    except (InputError, OSError, msgspec.DecodeError):  # none yet, not a regular file, too big, another model
        return None
    return value if cached_key == key else None


def _write_cached(cache: Path, key: CacheKey, value: object) -> None:
    try:
        # write_atomic writes through a FIFO or a device (right for --output); a cache entry is ours,
        # so whatever is not a regular file in its place is removed first (a link, not its target).
        if cache.is_symlink() or (cache.exists() and not stat.S_ISREG(cache.lstat().st_mode)):
            os.unlink(cache)
        write_atomic(cache, msgspec.msgpack.encode((key, value)))
    except OSError:
        pass  # a read-only home folder only costs speed


def load_validated(path: Path, model: type[T], parse: Callable[[Path], T]) -> T:
    """`parse(path)` (YAML -> validated `model`), or the cached result for the same content."""
    try:
        content = read_regular_file(path, "data file")
    except InputError:
        return parse(path)  # parse says what is wrong with the file, in its own words
    cache = _cache_file(path)
    key = _content_key(path, model, content)
    cached = _read_cached(cache, key, model)
    if cached is not None:
        return cached
    value = parse(path)
    try:
        unchanged = read_regular_file(path, "data file") == content
    except InputError:
        unchanged = False
    if unchanged:  # what was parsed is what the key describes (an edit during the parse is not cached)
        _write_cached(cache, key, value)
    return value
