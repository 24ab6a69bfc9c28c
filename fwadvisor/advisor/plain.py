"""The advice as plain JSON data, the way `recommend --format json` writes it (schema_version 1)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache
from typing import Any

import msgspec


def plain_data(value: Any) -> Any:
    """Plain JSON data: fields in their declared order under their keys in the data files (`not`,
    `in`); an optional field that is unset (None, where None is its default) is left out; a date
    is YYYY-MM-DD."""
    if isinstance(value, msgspec.Struct):
        return {
            key: plain_data(item)
            for name, key, default_is_none in _struct_fields(type(value))
            if not ((item := getattr(value, name)) is None and default_is_none)
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain_data(item)
            for f in dataclasses.fields(value)
            if not ((item := getattr(value, f.name)) is None and f.default is None)
        }
    if isinstance(value, list | tuple):
        return [plain_data(v) for v in value]
    if isinstance(value, dict):
        return {k: plain_data(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@cache
def _struct_fields(cls: type[msgspec.Struct]) -> tuple[tuple[str, str, bool], ...]:
    """(attribute, key in the data, whether the default is None) for each field of a Struct."""
    names = cls.__struct_fields__
    defaults = (msgspec.NODEFAULT,) * (len(names) - len(cls.__struct_defaults__)) + cls.__struct_defaults__
    return tuple(
        (name, key, default is None)
        for name, key, default in zip(names, cls.__struct_encode_fields__, defaults, strict=True)
    )
