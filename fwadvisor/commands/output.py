"""Send a command's result to stdout or to a file (fwadvisor.atomic.write_atomic says how each kind of
path is written: atomically for files, directly for devices and FIFOs, never replacing either).

An `--output` is never one of the command's own inputs (`recommend --answers X --output X` would put
the report where the answers were): `refuse_inputs` compares files by device and inode, so a symlink
or a hard link to an input is that input too.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from fwadvisor.atomic import WriteError, check_writable, write_atomic
from fwadvisor.safe_text import one_line

RULES_FILE_SUFFIXES = (".yaml", ".yml")
ELSEWHERE = "give another file for --output"
FileKey = tuple[int, int]  # (st_dev, st_ino): one file, whatever name or link reaches it


def check_output(output: Path | None) -> None:
    """Refuse a bad `--output` before any work is done (WriteError, refused: exit 2)."""
    if output is not None:
        check_writable(output)


def file_key(path: Path | str) -> FileKey | None:
    """The regular file `path` names (through symlinks); None for anything else or nothing.

    Only regular files: `--answers /dev/stdin --output /dev/stdout` on one terminal is one device,
    read and written as a shell would, never the same file.
    """
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def refuse_inputs(output: Path | None, inputs: Iterable[tuple[str, Path | None]]) -> None:
    """Refuse an `output` that is one of `inputs` ((what it is, path) pairs, such as ("the answers
    file", path)): WriteError(refused), so exit 2 and nothing written."""
    key = file_key(output) if output is not None else None
    if key is None or output is None:
        return
    for what, path in inputs:
        if path is not None and file_key(path) == key:
            same = os.path.abspath(path) == os.path.abspath(output)
            named = what if same else f"the same file as {what} {one_line(path)}"
            raise WriteError(output, f"it is {named}, which this command reads: {ELSEWHERE}", refused=True)


def refuse_read_files(output: Path | None, read: Iterable[FileKey], what: str) -> None:
    """Refuse an `output` that is one of the files a command read (`read`: their file keys)."""
    key = file_key(output) if output is not None else None
    if key is not None and output is not None and key in set(read):
        raise WriteError(output, f"it is {what}, which this command reads: {ELSEWHERE}", refused=True)


def folder_files(folders: Iterable[Path]) -> list[Path]:
    """The rules-kind files (.yaml, .yml) of each folder; a folder that cannot be listed has none here
    (loading it says why)."""
    found: list[Path] = []
    for folder in folders:
        try:
            found += [p for p in Path(folder).iterdir() if p.suffix in RULES_FILE_SUFFIXES]
        except OSError:
            continue
    return found


def rules_inputs(extra: Iterable[Path], *, include_user: bool) -> list[tuple[str, Path | None]]:
    """The files `load_rules(extra, include_user=...)` may read: the built-in rules folder (the
    questions, guidance and library knowledge base are there too), the user's rules and each --rules."""
    from fwadvisor.paths import builtin_rules_dir, user_rules_dir

    inputs: list[tuple[str, Path | None]] = [("a built-in rules file", p) for p in folder_files([builtin_rules_dir()])]
    if include_user:
        inputs += [("a file of your rules folder", p) for p in folder_files([user_rules_dir()])]
    inputs += [("a file of the rules folder", p) for p in folder_files(extra)]
    return inputs


def suite_inputs(name_or_path: str) -> list[tuple[str, Path | None]]:
    """The files `profile --suite name_or_path` reads: the suite file (a path, or a named suite's
    file) and the built-in profiles folder (the GPU peaks are there)."""
    from fwadvisor.paths import builtin_profiles_dir
    from fwadvisor.profiler.suites import suite_paths

    inputs: list[tuple[str, Path | None]] = [("the suite file", Path(name_or_path))]
    inputs.append(("the suite file", suite_paths().get(name_or_path)))
    return inputs + [("a built-in profiles file", p) for p in folder_files([builtin_profiles_dir()])]


def emit(text: str, output: Path | None, what: str) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()  # a closed or broken stdout shows here, while the caller can still say so
        return
    check_writable(output)  # a bad path is refused (exit 2) the same way whatever the command
    write_atomic(output, text)
    print(f"{what} written to {one_line(output)}", file=sys.stderr)
