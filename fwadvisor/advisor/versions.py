"""Version numbers as the package indexes write them: PEP 440 on PyPI, semver on npm, compared and sorted."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Ecosystem = Literal["pypi", "npm"]

_PEP440 = re.compile(
    r"^v?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre>a|alpha|b|beta|c|rc|pre|preview)[-_.]?(?P<pre_n>\d*))?"
    r"(?:[-_.]?(?:post|rev|r)[-_.]?(?P<post>\d*)|-(?P<post_implicit>\d+))?"
    r"(?:[-_.]?(?P<dev>dev)[-_.]?(?P<dev_n>\d*))?"
    r"(?:\+[a-z0-9.]+)?$",
    re.IGNORECASE,
)
_SEMVER = re.compile(r"^v?(?P<release>\d+(?:\.\d+)*)(?:-(?P<pre>[0-9a-z.-]+))?(?:\+[0-9a-z.-]+)?$", re.IGNORECASE)
_PRE_ORDER = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


@dataclass(frozen=True, order=True)
class Version:
    """A sortable version: PEP 440 for PyPI, semver for npm (local parts and build metadata ignored).
    Only `key` takes part in comparisons: 2.21 and 2.21.0 are the same release."""

    key: tuple[object, ...]
    text: str = field(compare=False)
    prerelease: bool = field(compare=False)


def parse_version(text: str, ecosystem: Ecosystem) -> Version | None:
    """The version, or None when `text` is no version this ecosystem writes."""
    text = text.strip()
    if ecosystem == "npm":
        match = _SEMVER.match(text)
        if not match:
            return None
        release = _release(match.group("release"))
        pre = match.group("pre")
        # A pre-release sorts before its release; its parts compare as numbers where they are numbers.
        npm_pre: tuple[object, ...] = (
            (0, tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))) if pre else (1, ())
        )
        return Version((release, npm_pre), text, pre is not None)
    match = _PEP440.match(text)
    if not match:
        return None
    release = _release(match.group("release"))
    pre, dev = match.group("pre"), match.group("dev")
    post = match.group("post") if match.group("post") is not None else match.group("post_implicit")
    # PEP 440 order: dev < pre < release < post (a dev release of a pre-release sorts before it).
    pre_key: tuple[int, int] = (_PRE_ORDER[pre.lower()], int(match.group("pre_n") or 0)) if pre else (9, 0)
    if dev and not pre and post is None:
        pre_key = (-1, 0)
    post_key = int(post or 0) if post is not None else -1
    dev_key = int(match.group("dev_n") or 0) if dev else 1 << 30
    return Version((release, pre_key, post_key, dev_key), text, bool(pre or dev))


def _release(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:  # 2.21 == 2.21.0
        parts.pop()
    return tuple(parts)


# --- one package's answer from its index ----------------------------------------------------------


def newest(versions: Iterable[str], ecosystem: Ecosystem) -> tuple[str | None, str | None]:
    """(newest stable, newest pre-release when it is newer than that stable) among `versions`."""
    parsed = [v for v in (parse_version(text, ecosystem) for text in versions) if v is not None]
    stable = max((v for v in parsed if not v.prerelease), default=None)
    pre = max((v for v in parsed if v.prerelease), default=None)
    if pre is not None and stable is not None and pre <= stable:
        pre = None
    return (stable.text if stable else None, pre.text if pre else None)
