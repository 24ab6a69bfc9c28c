"""What an adapter supplies for the copy recipes (recipes/copies.py): a part of Adapter."""

from __future__ import annotations

from typing import Protocol


class CopyAdapterPart(Protocol):
    pass
