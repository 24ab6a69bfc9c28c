"""The Kernel an adapter hands a recipe to time: the exact callable the clock sees, and its notes.

Its own module because every part of the Adapter protocol returns one (adapter.py, copy and transformer
parts), and the protocol's module imports those parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fwadvisor.profiler.documents import Details


@dataclass(frozen=True)
class Kernel:
    """A timed call and what this framework says about it in the record's `extra`."""

    call: Callable[[], Any]
    notes: Details = field(default_factory=dict)
