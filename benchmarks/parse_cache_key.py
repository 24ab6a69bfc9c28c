"""What does keying the parse cache on content cost `recommend` at start-up? (issue 20)

`recommend` loads every built-in data file (rules/*.yaml, 360 KB) through the parse cache. The key
was the file's size and modification time (one stat a file); it is now its size and two checksums
of its bytes (a read and crc32 + adler32 a file), since an edit can keep size and time. In this same
run, per start-up (all files): the old key's stat, the new key's read and checksums, and the whole
cache hit (load_validated: key, read and decode the cached model), which the key is a part of.

Usage: python benchmarks/parse_cache_key.py [--repeats 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

FILES = sorted((Path(__file__).resolve().parent.parent / "rules").glob("*.yaml"))


def _ms(call: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def old_key() -> None:
    for path in FILES:
        info = path.stat()
        (str(path.resolve()), info.st_mtime_ns, info.st_size)


def new_key() -> None:
    from fwadvisor.yamlio import read_regular_file

    for path in FILES:
        content = read_regular_file(path, "data file")
        (str(path.resolve()), len(content), zlib.crc32(content), zlib.adler32(content))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()
    os.environ["FWADVISOR_CACHE_DIR"] = tempfile.mkdtemp(prefix="fwadvisor-cache-")
    from fwadvisor.advisor.engine import load_guidance
    from fwadvisor.advisor.libraries import load_libraries
    from fwadvisor.advisor.loader import load_rules
    from fwadvisor.advisor.questionnaire import load_questionnaire

    def hits() -> None:  # every data file `recommend` loads, from a warm cache
        for cached in (load_guidance, load_libraries, load_questionnaire):
            cached.cache_clear()  # each is read once a process: a start-up reads them all
        load_rules()
        load_questionnaire()
        load_guidance()
        load_libraries()

    hits()  # fill the cache
    stat_ms, read_ms, hit_ms = _ms(old_key, args.repeats), _ms(new_key, args.repeats), _ms(hits, args.repeats // 4)
    print(f"{len(FILES)} files, {sum(p.stat().st_size for p in FILES) / 1000:.0f} KB")
    print(f"old key (stat):                 {stat_ms:.3f} ms")
    print(f"new key (read + crc32/adler32): {read_ms:.3f} ms  (+{read_ms - stat_ms:.3f} ms)")
    share = (read_ms - stat_ms) / hit_ms
    print(f"whole warm cache hit:           {hit_ms:.3f} ms  (the key's added cost: {share:.1%})")


if __name__ == "__main__":
    main()
