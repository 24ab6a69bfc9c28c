"""Safe file writes: a reader sees the old content or the new one, never half of it, and nothing but
the file asked for is ever replaced.

Every file fwadvisor writes (answers, profile runs, reports, the parsed-rules cache) goes through here.
What a path names decides how it is written:

- absent, or a regular file: a temporary file beside it, then a rename over it (atomic). A file
  that is replaced keeps its permissions (a private 0600 file stays private) and, where this user
  may give it, its owner and group; a new file gets the usual permissions (0666 less the umask);
- a symlink: followed, like a shell's `>`; the link stays and what it points to is written as below;
- a character device or a FIFO (`/dev/null`, `/dev/full`, a named pipe): written directly, never replaced;
- `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`: this process's own descriptor, so a
  shell's `>`/`>>` redirection is honoured;
- a folder, a path that ends in '/' (or '/.', '/..': it names a folder), a path under a file, the
  empty path, a regular file this user may not write (read-only, 0444: as a shell's `>` refuses it;
  for root, a file with no write permission for anyone), anything in /proc or /sys, a new or regular
  file in /dev (outside /dev/shm), a block device or a socket: refused (WriteError with refused=True)
  before anything is written.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

# Kernel interfaces: a file there is a setting, never a report.
_KERNEL_FOLDERS = ("/proc", "/sys")
_SYMLINK_HOPS = 40
MAX_NAME_TRIES = 999


class WriteError(OSError):
    """A file could not be written. str() is one sentence naming the path; `strerror` the short reason.

    `refused`: the path itself is unsuitable (a folder, /proc ...): the person gave a bad path, and
    nothing was tried. Otherwise writing was tried and failed (full disk, read-only folder ...).
    """

    def __init__(self, path: str | os.PathLike[str], reason: str, *, refused: bool, code: int | None = None):
        super().__init__(reason)
        self.errno = code  # OSError's fields are writable: callers that look at errno see the cause
        self.strerror = reason
        self.filename = os.fspath(path)
        self.refused = refused

    def __str__(self) -> str:
        from fwadvisor.safe_text import one_line

        shown = one_line(self.filename) if self.filename else "''"
        return f"cannot write {shown}: {one_line(self.strerror)}"


def _failed(path: str, exc: OSError) -> WriteError:
    return WriteError(path, exc.strerror or str(exc), refused=False, code=exc.errno)


def _own_descriptor(path: str) -> int | None:
    """The descriptor number when `path` names one of this process's own (/dev/stdout, /dev/fd/1 ...)."""
    own = rf"/(?:dev/fd|proc/self/fd|proc/thread-self/fd|proc/{os.getpid()}/fd)/(\d+)"
    names = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
    current = os.path.abspath(path)
    for _ in range(_SYMLINK_HOPS):
        if current in names:
            return names[current]
        match = re.fullmatch(own, current)
        if match:
            return int(match.group(1))
        if not os.path.islink(current):
            return None
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
    return None


def _in_folder(real: str, folder: str) -> bool:
    return real == folder or real.startswith(folder + "/")


def _kernel_folder(real: str) -> str | None:
    return next((folder for folder in _KERNEL_FOLDERS if _in_folder(real, folder)), None)


def _nearest_existing(folder: str) -> str:
    while not os.path.lexists(folder):
        folder = os.path.dirname(folder)
    return folder


def names_a_folder(text: str) -> str | None:
    """Why `text` cannot be a file's name because it names a folder (it ends in '/', '/.' or '/..');
    None when it does not. A shell's `>` refuses such a path; writing a file named like the folder
    (what `Path("newdir/")` would name) is never what was meant."""
    if not (text.endswith("/") or os.path.basename(text) in (".", "..")):
        return None
    if os.path.isdir(text):
        return "it is a folder: give a file name in it"
    return "it ends in '/', so it names a folder, and there is no such folder: give a file name"


def _not_writable(path: str, info: os.stat_result) -> str | None:
    """Why this user must not replace the regular file `path` (as a shell's `>` would refuse it)."""
    mode = stat.S_IMODE(info.st_mode)
    if os.geteuid() == 0:
        # root may write anything; a file nobody may write was made read-only on purpose.
        read_only = not mode & 0o222
    else:
        read_only = not os.access(path, os.W_OK, effective_ids=os.access in os.supports_effective_ids)
    if not read_only:
        return None
    shown = stat.filemode(info.st_mode)
    if mode & 0o222:
        return f"you have no permission to write it ({shown}): give another file"
    return f"it is read-only ({shown}): make it writable first (chmod u+w) or give another file"


def _plan(path: str | os.PathLike[str]) -> tuple[str, str | int]:
    """How `path` is written: ("fd", n), ("stream", path) or ("replace", real path); or WriteError(refused)."""
    text = os.fspath(path)
    if text == "":
        raise WriteError(text, "the path is empty: give a file name", refused=True)
    folder_name = names_a_folder(text)
    if folder_name:
        raise WriteError(text, folder_name, refused=True)
    descriptor = _own_descriptor(text)
    if descriptor is not None:
        return "fd", descriptor
    try:
        info: os.stat_result | None = os.stat(text)
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        raise WriteError(text, "a part of the path is a file, not a folder", refused=True) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise WriteError(text, "the symlinks in the path go round in a loop", refused=True) from None
        raise _failed(text, exc) from None
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise WriteError(text, "it is a folder: give a file name in it", refused=True)
        if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode):
            return "stream", text
        if not stat.S_ISREG(info.st_mode):
            raise WriteError(text, "it is not a regular file (a block device or a socket)", refused=True)
        refusal = _not_writable(text, info)
        if refusal:
            raise WriteError(text, refusal, refused=True)
    real = os.path.realpath(text)
    kernel = _kernel_folder(real)
    if kernel:
        raise WriteError(text, f"{real} is in {kernel}, a kernel interface, not a file", refused=True)
    if _in_folder(real, "/dev") and not _in_folder(real, "/dev/shm"):
        # A missing device (/dev/sda in a container) must not become a plain file among the devices.
        raise WriteError(text, "there is no such device, and /dev holds devices only, not files", refused=True)
    existing = _nearest_existing(os.path.dirname(real))
    if not os.path.isdir(existing):
        raise WriteError(text, f"{existing} is a file, not a folder", refused=True)
    return "replace", real


def check_writable(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work is done, a path that write_atomic would refuse (WriteError, refused=True).

    A folder that the user may not write into is refused too, so a long run does not end in a failed
    write; a full disk can only show when writing.
    """
    how, target = _plan(path)
    if how != "replace":
        return
    assert isinstance(target, str)
    folder = _nearest_existing(os.path.dirname(target))
    if not os.access(folder, os.W_OK | os.X_OK):
        reason = "the file system is read-only" if _read_only_fs(folder) else "permission denied"
        raise WriteError(path, f"cannot write into {folder}: {reason}", refused=True)


def _read_only_fs(folder: str) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _write_all(fd: int, raw: bytes) -> None:
    view = memoryview(raw)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _write_descriptor(path: str, fd: int, raw: bytes) -> None:
    import sys

    for stream in (sys.stdout, sys.stderr):  # keep the order of what this process already printed
        if stream is not None and getattr(stream, "fileno", None):
            try:
                if stream.fileno() == fd:
                    stream.flush()
            except (OSError, ValueError):
                pass
    try:
        _write_all(fd, raw)
    except OSError as exc:
        raise _failed(path, exc) from None


def _write_stream(path: str, raw: bytes) -> None:
    """A device or FIFO: written in place, never created, truncated or replaced."""
    try:
        # Non-blocking open: a FIFO that nobody reads is an error now, not a wait that no Ctrl+C ends
        # while a profile run is being saved.
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise WriteError(path, "no program is reading from this FIFO (named pipe)", refused=False) from None
        raise _failed(path, exc) from None
    try:
        os.set_blocking(fd, True)
        _write_all(fd, raw)
    except OSError as exc:
        raise _failed(path, exc) from None
    finally:
        os.close(fd)


def _temporary_beside(target: str, raw: bytes, like: os.stat_result | None = None) -> str:
    """A complete, synced copy of `raw` in the target's folder (so the rename stays on one file system),
    with the permissions and (best effort) the owner of `like`, the file it replaces; without one, the
    usual permissions for a new file."""
    import tempfile  # imported here: tempfile pulls in shutil, which `recommend` does not need

    folder = os.path.dirname(target)
    try:
        os.makedirs(folder, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise WriteError(target, f"{_nearest_existing(folder)} is a file, not a folder", refused=True) from None
    fd, tmp_name = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
    try:
        if like is None:
            # mkstemp makes the file private (0600); a new report or answers file gets the usual permissions.
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        else:
            _take_owner_and_mode(fd, like)
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(raw)
            tmp.flush()
            os.fsync(tmp.fileno())
    except BaseException:
        _remove(tmp_name)
        raise
    return tmp_name


def _take_owner_and_mode(fd: int, like: os.stat_result) -> None:
    """Give the new file the replaced one's owner and group where this user may (root may; a member of
    the group may keep the group), then its permissions: a private file stays private.

    The owner first: changing it clears set-user-ID bits, which a replaced file never keeps anyway.
    """
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (like.st_uid, like.st_gid):
        for uid in (like.st_uid, -1):  # without the right to give the file away, keep at least the group
            try:
                os.fchown(fd, uid, like.st_gid)
                break
            except OSError:
                continue
    os.fchmod(fd, stat.S_IMODE(like.st_mode) & ~(stat.S_ISUID | stat.S_ISGID))


def _remove(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


def _encode(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def write_atomic(path: Path | str, data: str | bytes) -> None:
    """Write `data` to `path` as the module docstring says. Any failure is a WriteError (an OSError)."""
    raw = _encode(data)
    text = os.fspath(path)
    how, target = _plan(text)
    if how == "fd":
        assert isinstance(target, int)
        _write_descriptor(text, target, raw)
        return
    assert isinstance(target, str)
    if how == "stream":
        _write_stream(target, raw)
        return
    try:
        replaced: os.stat_result | None = os.stat(target)
    except OSError:
        replaced = None  # a new file (or one gone since _plan): the usual permissions
    try:
        tmp_name = _temporary_beside(target, raw, replaced)
    except WriteError:
        raise
    except OSError as exc:
        raise _failed(text, exc) from None
    try:
        os.replace(tmp_name, target)
    except BaseException as exc:
        _remove(tmp_name)
        if isinstance(exc, OSError):
            raise _failed(text, exc) from None
        raise


def write_new(folder: Path, name_for: Callable[[int], str], data: str | bytes) -> Path:
    """Write `data` atomically to a file in `folder` that did not exist: `name_for(1)`, or when that
    name is taken `name_for(2)`, `name_for(3)` ...

    Never replaces anything, even a file written a moment ago by another process: the complete
    temporary file is hard-linked to the new name, which fails if the name exists.
    """
    raw = _encode(data)
    first = os.path.join(os.fspath(folder), name_for(1))
    how, _ = _plan(first)
    if how != "replace":
        raise WriteError(first, "a special file already has that name", refused=True)
    try:
        tmp_name = _temporary_beside(first, raw)
    except WriteError:
        raise
    except OSError as exc:
        raise _failed(first, exc) from None
    try:
        for number in range(1, MAX_NAME_TRIES + 1):
            name = os.path.join(os.fspath(folder), name_for(number))
            if _claim(tmp_name, name):
                return Path(name)
        raise WriteError(first, f"{MAX_NAME_TRIES} files of that name already exist", refused=False)
    finally:
        _remove(tmp_name)


def _claim(tmp_name: str, name: str) -> bool:
    """Give the complete file at `tmp_name` the new name `name`; False when `name` exists."""
    try:
        os.link(tmp_name, name)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP):
            raise _failed(name, exc) from None
    # A file system without hard links: claim the name first, then rename the full file over it.
    try:
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
        os.replace(tmp_name, name)
    except FileExistsError:
        return False
    except OSError as exc:
        raise _failed(name, exc) from None
    return True
