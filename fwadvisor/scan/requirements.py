"""Requirement strings (PEP 508, conda and Poetry forms) as far as a scan needs them: the normalised
name, the extras, and the major versions a version specifier allows; and the packages a `pip install`
(or `conda install`) command line names, in a Dockerfile or a notebook."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

import msgspec

_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*(.*)", re.S)
_DIRECT = re.compile(r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?\s*@(?!=)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_CLAUSE = re.compile(r"(===|==|~=|!=|<=|>=|<|>|\^|~|=)?\s*v?(\d+)((?:\.(?:\d+|\*))*)")
_RUNS = re.compile(r"[-_.]+")
# conda's name for a package whose PyPI name differs
CONDA_NAMES = {"pytorch": "torch", "pytorch-cpu": "torch", "pytorch-gpu": "torch"}


class Requirement(msgspec.Struct, frozen=True):
    name: str  # normalised (PEP 503)
    extras: frozenset[str] = frozenset()
    spec: str = ""  # the version part as written, markers removed


def normalise(name: str) -> str:
    """PEP 503: lowercase, every run of -, _ and . made one -."""
    return _RUNS.sub("-", name).lower()


def parse_requirement(text: str, *, conda: bool = False) -> Requirement | None:
    """A requirement string (`keras>=3`, `ray[serve]`, `name @ url`, `git+...#egg=name`, conda's
    `pytorch::pytorch=2.1`), or None when it names no package (an option, a local path)."""
    text = text.strip()
    if not text or text.startswith(("-", "#")):
        return None
    direct = _DIRECT.match(text)
    if direct:  # `name [extras] @ url`: a direct reference, no version to read
        return Requirement(normalise(direct.group(1)), _extras(direct.group(2)))
    if "://" in text or text.startswith(("git+", "hg+", "svn+", "bzr+")):
        return _from_url(text)
    text = text.split(";", 1)[0].split(" #", 1)[0]
    if conda and "::" in text:
        text = text.split("::", 1)[1]
    found = _NAME.fullmatch(text)
    if found is None:
        return None
    name, rest = found.group(1), found.group(3).strip()
    if rest.startswith(("/", ".", ":")) or (name.startswith(".") or "/" in name):
        return None
    name = normalise(name)
    if conda:
        name = CONDA_NAMES.get(name, name)
    return Requirement(name, _extras(found.group(2)), rest.strip("() "))


def _extras(text: str | None) -> frozenset[str]:
    return frozenset(normalise(e.strip()) for e in (text or "").split(",") if e.strip())


def _from_url(text: str) -> Requirement | None:
    """The project a URL installs: its `#egg=` name, else the repository or archive name
    (`.../diffusers.git@ref`, `.../torch-2.1.0-cp311-linux_x86_64.whl`)."""
    egg = _EGG.search(text)
    if egg:
        return Requirement(normalise(egg.group(1).split("==")[0]))
    base = text.split(";", 1)[0].strip().split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    base = re.sub(r"(\.git)?(@.*)?$", "", base)
    base = re.sub(r"\.(whl|zip|tar\.gz|tgz|tar\.bz2)$", "", base)
    name = re.split(r"-(?=\d)", base, maxsplit=1)[0]
    return Requirement(normalise(name)) if _NAME.fullmatch(name) else None


def major_bounds(spec: str) -> tuple[int | None, int | None]:
    """(lowest, highest) major version a specifier allows; None where it sets no bound.

    `>=3`, `==3.*`, `~=3.1`, `^3.0` (Poetry) and conda's `=3.3` give 3 as the lowest; `<3` and
    `<3.0` give 2 as the highest, `<3.1`, `<=3.1`, `==3.1` and `~=3.1` give 3.
    """
    lowest: int | None = None
    highest: int | None = None
    for clause in spec.split(","):
        found = _CLAUSE.search(clause.strip())
        if found is None:
            continue
        op, major, rest = found.group(1) or "==", int(found.group(2)), found.group(3)
        if op in ("==", "===", "=", "~=", "^", "~", ">=", ">"):
            lowest = major if lowest is None else max(lowest, major)
        if op in ("==", "===", "=", "~=", "^", "~", "<=") and (op != "~=" or rest.count(".") >= 1):
            highest = major if highest is None else min(highest, major)
        if op == "<":
            zero = all(part in ("0", "*") for part in rest.split(".") if part)
            top = major - 1 if zero else major
            highest = top if highest is None else min(highest, top)
    return lowest, highest


def pip_arguments(args: str, *, conda: bool = False) -> Iterator[tuple[str, Requirement | None]]:
    """The packages of a `pip install` (or `conda install`) command line: (the word as written,
    the requirement it names), up to the end of the command (&&, ;, |)."""
    try:
        words = shlex.split(args, comments=True)
    except ValueError:
        words = args.split()
    skip_next = False
    for word in words:
        if word.startswith(("&&", "||", ";", "|", ")", ">")):
            return
        if skip_next:
            skip_next = False
            continue
        end = word.endswith(";")
        word = word.rstrip(";")
        if word.startswith("-"):
            skip_next = "=" not in word and word in _OPTIONS_WITH_VALUE
        elif word and not word.startswith(("$", ".", "/", "~")):
            yield word, parse_requirement(word, conda=conda)
        if end:
            return


_OPTIONS_WITH_VALUE = frozenset(
    [
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "-t",
        "--target",
        "--prefix",
        "--root",
        "--python-version",
        "--platform",
        "--abi",
        "--implementation",
        "--src",
        "--upgrade-strategy",
        "--progress-bar",
        "--cache-dir",
        "--log",
        "--timeout",
        "--retries",
        "--trusted-host",
        "--proxy",
        "--cert",
        "--client-cert",
        "--exists-action",
        "--global-option",
        "--config-settings",
        "-C",
        "--only-binary",
        "--no-binary",
        "--channel",
        "-n",
        "--name",
        "-p",
        "--python",
    ]
)
