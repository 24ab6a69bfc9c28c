"""What an adapter supplies for the transformer recipes (recipes/transformer.py): a part of Adapter."""

from __future__ import annotations

from typing import Protocol


class TransformerAdapterPart(Protocol):
    pass
