"""`scan_project`: one bounded pass over a project folder, reading (never running) what says which
framework and libraries it uses.

The walk goes breadth first (a project's top-level files before its deep folders), in name order,
and:
- skips version-control folders, virtual environments (any folder holding pyvenv.cfg or conda-meta),
  node_modules, caches, build output and *.egg-info (SKIP_FOLDERS);
- follows a symlink only when it leads inside the folder, and never into a folder it has seen;
- opens only regular files whose name says they matter (FileKind), and neither FIFOs, devices nor
  sockets (their type is checked before opening, and again on the open descriptor);
- skips files larger than `max_file_bytes` and binary files (a NUL byte in the first 8 KiB), and
  counts both;
- stops after `max_files` such files (or 50 times as many directory entries), with a note.
Nothing is written.
"""

from __future__ import annotations

import errno
import os
import posixpath
import stat
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from fwadvisor.advisor.model import Library, Questionnaire
from fwadvisor.errors import InputError
from fwadvisor.safe_text import one_line
from fwadvisor.scan import depfiles
from fwadvisor.scan.collector import Collector
from fwadvisor.scan.file_kinds import READERS, file_kind
from fwadvisor.scan.infer import scan_result
from fwadvisor.scan.model import Evidence, ScanResult
from fwadvisor.scan.notebook import Notebook, analyse_notebook, notebook_installs
from fwadvisor.scan.pysource import analyse_python, parse_python
from fwadvisor.scan.signals import Matcher

SKIP_FOLDERS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        "build",
        "dist",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".ipynb_checkpoints",
        ".eggs",
        "site-packages",
    }
)
ENV_MARKERS = ("pyvenv.cfg", "conda-meta")
BINARY_PROBE = 8192
ENTRIES_PER_FILE = 50  # the walk also stops after max_files * this many directory entries
MAX_LINK_NOTES = 5
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class _Skip(Exception):
    """A file that is not read: `why` is 'large', 'binary', 'not-regular' or an OS error."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def _read(path: str, limit: int, *, follow: bool) -> bytes:
    """At most `limit` bytes of a regular file, opened without blocking and checked on its descriptor."""
    fd = os.open(path, _OPEN_FLAGS | (0 if follow else _NOFOLLOW))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Skip("not-regular")
        if info.st_size > limit:
            raise _Skip("large")
        chunks = []
        size = 0
        want = min(limit, info.st_size) + 1  # one read for a file that does not grow meanwhile
        while True:
            chunk = os.read(fd, want)
            want = 65536
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise _Skip("large")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _skipped_folder(name: str) -> bool:
    return name in SKIP_FOLDERS or name.endswith(".egg-info")


def _text_name(name: str) -> str:
    """A file name as valid Unicode (undecodable bytes of a name become U+FFFD)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class _Scan:
    def __init__(self, root: Path, max_files: int, max_file_bytes: int, collector: Collector, matcher: Matcher):
        self.root = root
        self.root_real = os.path.realpath(root)
        self.max_files = max_files
        self.max_file_bytes = max_file_bytes
        self.collector = collector
        self.matcher = matcher
        self.files_read = self.skipped_binary = self.skipped_large = 0
        self.looked_at = self.entries = 0
        self.stopped = False
        self.stop_reason = ""
        self.seen_dirs: set[tuple[int, int]] = set()
        self.seen_files: set[tuple[int, int]] = set()
        self.dep_files: set[str] = set()  # dependency files read (`-r` includes are not read twice)
        self.includes: list[tuple[str, Evidence]] = []  # `-r`/`-c` targets of the requirements files read
        self.outside: list[str] = []

    def inside(self, real: str) -> bool:
        return real == self.root_real or real.startswith(self.root_real.rstrip(os.sep) + os.sep)

    def walk(self) -> None:
        try:
            info = os.stat(self.root)
        except OSError as exc:
            raise InputError(f"cannot read the folder: {exc.strerror or exc}", file=one_line(self.root)) from None
        self.seen_dirs.add((info.st_dev, info.st_ino))
        queue: deque[tuple[str, str]] = deque([(os.fspath(self.root), "")])
        first = True
        while queue and not self.stopped:
            path, rel = queue.popleft()
            try:
                with os.scandir(path) as listing:
                    entries = sorted(listing, key=lambda e: e.name)
            except OSError as exc:
                if first:
                    raise InputError(
                        f"cannot read the folder: {exc.strerror or exc}", file=one_line(self.root)
                    ) from None
                self.collector.note(f"{_text_name(rel)}/: could not be read ({exc.strerror or exc}); skipped")
                continue
            if not first and any(e.name in ENV_MARKERS for e in entries):
                continue  # a virtual environment or a conda environment
            first = False
            for entry in entries:
                self.entries += 1
                if self.entries > self.max_files * ENTRIES_PER_FILE:
                    self.stopped = True
                    self.stop_reason = f"{self.max_files * ENTRIES_PER_FILE:,} folder entries"
                    break
                child = posixpath.join(rel, entry.name) if rel else entry.name
                try:
                    self.visit(entry, child, queue)
                except OSError as exc:
                    self.collector.note(f"{_text_name(child)}: could not be read ({exc.strerror or exc}); skipped")
                if self.stopped:
                    break

    def visit(self, entry: os.DirEntry[str], rel: str, queue: deque[tuple[str, str]]) -> None:
        link = entry.is_symlink()
        if link:
            real = os.path.realpath(entry.path)
            if not self.inside(real):
                self.outside.append(rel)
                return
            if any(_skipped_folder(part) for part in os.path.relpath(real, self.root_real).split(os.sep)[:-1]):
                return  # a link into a virtual environment, a cache ...
            try:
                info = os.stat(entry.path)
            except OSError:
                return  # a dangling link
            is_dir, is_file = stat.S_ISDIR(info.st_mode), stat.S_ISREG(info.st_mode)
        else:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = not is_dir and entry.is_file(follow_symlinks=False)
            info, real = None, ""
        name = entry.name
        if is_dir:
            if _skipped_folder(name) or (link and _skipped_folder(os.path.basename(real))):
                return
            info = info or entry.stat(follow_symlinks=False)
            key = (info.st_dev, info.st_ino)
            if key not in self.seen_dirs:
                self.seen_dirs.add(key)
                queue.append((entry.path, rel))
            return
        if not is_file:
            return  # FIFOs, devices, sockets: never opened
        kind = file_kind(name, posixpath.dirname(rel))
        if kind is None:
            return
        self.looked_at += 1
        if self.looked_at > self.max_files:
            self.stopped = True
            self.stop_reason = f"{self.max_files:,} files"
            return
        info = info or entry.stat(follow_symlinks=False)
        key = (info.st_dev, info.st_ino)
        if key in self.seen_files:
            return  # a link to a file already read
        self.seen_files.add(key)
        if info.st_size > self.max_file_bytes:
            self.skipped_large += 1
            return
        text = self.read_text(entry.path if not link else os.path.realpath(entry.path))
        if text is not None:
            self.handle(kind, _text_name(rel), text)

    def read_text(self, path: str, *, follow: bool = False) -> str | None:
        """The file's text; None when it is skipped (and counted: binary, large)."""
        try:
            data = _read(path, self.max_file_bytes, follow=follow)
        except _Skip as skip:
            if skip.why == "large":
                self.skipped_large += 1
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return None  # replaced by a symlink since the walk saw it
            raise
        if b"\0" in data[:BINARY_PROBE]:
            self.skipped_binary += 1
            return None
        self.files_read += 1
        return data.decode("utf-8", errors="replace")

    def handle(self, kind: str, rel: str, text: str) -> None:
        collector = self.collector
        if kind in ("python", "setup.py"):
            collector.add_python_file(rel)
            tree = parse_python(text, rel)
            facts = analyse_python(text, self.matcher, tree)
            collector.add_source(rel, facts, _line_getter(text), None)
            if kind == "setup.py":
                collector.add_deps(rel, depfiles.read_setup_py(rel, text, tree))
            return
        if kind == "notebook":
            notebook = Notebook(text)
            if notebook.problem:
                collector.note(f"{rel}: {notebook.problem}")
                return
            facts = analyse_notebook(notebook, self.matcher)
            lines = notebook.lines
            collector.add_source(rel, facts, lambda n: lines[n - 1] if 0 < n <= len(lines) else "", notebook.file_lines)
            collector.add_deps(rel, notebook_installs(rel, notebook))
            return
        self.dep_files.add(rel)
        found = READERS[kind](rel, text)
        self.includes += found.includes
        collector.add_deps(rel, found)

    def follow_includes(self) -> None:
        """Read the files that requirements files include (`-r`, `-c`) and the walk did not."""
        pending = list(self.includes)
        done = set(self.dep_files)
        while pending:
            target, evidence = pending.pop(0)
            if target in done:
                continue
            done.add(target)
            where = f"{evidence.file}:{evidence.line}"
            if target.startswith("../") or target == ".." or posixpath.isabs(target):
                self.collector.note(f"{where}: includes {target}, outside the folder: not read")
                continue
            path = os.path.join(self.root, *target.split("/"))
            if not self.inside(os.path.realpath(path)):
                self.collector.note(f"{where}: includes {target}, a link to outside the folder: not read")
                continue
            try:
                text = self.read_text(path, follow=True)  # its real path was checked above
            except OSError as exc:
                self.collector.note(f"{where}: includes {target}, which could not be read ({exc.strerror or exc})")
                continue
            if text is None:
                continue
            try:
                info = os.stat(path)
                self.seen_files.add((info.st_dev, info.st_ino))
            except OSError:
                pass  # gone since it was read: it cannot be an output any more either
            facts = depfiles.read_requirements(target, text)
            self.collector.add_deps(target, facts)
            pending += facts.includes


def _line_getter(text: str) -> Callable[[int], str]:
    lines: list[str] = []

    def line(number: int) -> str:
        if not lines:
            lines.extend(text.splitlines())
        return lines[number - 1] if 0 < number <= len(lines) else ""

    return line


def scan_project(
    path: Path,
    *,
    max_files: int = 20000,
    max_file_bytes: int = 1_000_000,
    libraries: Sequence[Library] | None = None,
    questionnaire: Questionnaire | None = None,
    read_files: set[tuple[int, int]] | None = None,
) -> ScanResult:
    """Read a project folder (never running anything in it) and infer the answers it supports.

    A missing path, a file, or a folder that cannot be read is an InputError naming it. `libraries`
    and `questionnaire` default to the built-in knowledge base and questions (tests pass their own).
    `read_files`, when given, receives the (st_dev, st_ino) of every file the scan looked at, so that
    an `--output` can be refused when it is one of them.
    """
    from fwadvisor.advisor.libraries import load_libraries
    from fwadvisor.advisor.questionnaire import load_questionnaire

    path = Path(path)
    shown = one_line(path)
    if not path.exists():
        raise InputError("no such folder: give the project's folder", file=shown)
    if not path.is_dir():
        raise InputError("is not a folder: give the project's folder, not a file in it", file=shown)
    libraries = load_libraries() if libraries is None else libraries
    questionnaire = questionnaire or load_questionnaire()
    matcher = Matcher(libraries)
    collector = Collector(matcher, libraries, questionnaire)
    scan = _Scan(path, max_files, max_file_bytes, collector, matcher)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ast.parse warns about invalid escapes in the project's strings
        scan.walk()
    scan.follow_includes()
    if read_files is not None:
        read_files.update(scan.seen_files)
    if scan.stopped:
        collector.note(
            f"stopped after {scan.stop_reason}: the rest of the folder was not read "
            "(scan a subfolder, or raise the limit with --max-files)"
        )
    for rel in scan.outside[:MAX_LINK_NOTES]:
        collector.note(f"{_text_name(rel)}: a link to outside the folder, not followed")
    if len(scan.outside) > MAX_LINK_NOTES:
        collector.note(f"... and {len(scan.outside) - MAX_LINK_NOTES} more links to outside the folder, not followed")
    return scan_result(
        collector,
        Path(os.path.abspath(path)).as_posix(),
        files_read=scan.files_read,
        skipped_binary=scan.skipped_binary,
        skipped_large=scan.skipped_large,
        stopped=scan.stopped,
    )
