"""Strict conversion of parsed YAML/JSON into frozen dataclasses, and their JSON Schema.

The rule format, the questionnaire, the guidance and the suites are declared once, as dataclasses
with type hints and `Annotated[..., Meta(...)]` constraints. This module validates data against
them (unknown fields refused, every error with its path), exports their JSON Schema, and turns
instances back into plain data. It is small on purpose: `recommend` must start fast, and a general
validation library costs more start-up time than the whole run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
from functools import cache
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class Meta:
    """Constraints and documentation of a field, used as `Annotated[type, Meta(...)]`."""

    description: str | None = None
    min_length: int | None = None
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    pattern: str | None = None


class ValidationError(ValueError):
    """`message` went wrong at `path` (like `$.rules[3].weight`)."""

    def __init__(self, message: str, path: str):
        super().__init__(f"{message} - at `{path}`")
        self.message = message
        self.path = path


def field(
    *, name: str | None = None, default: Any = dataclasses.MISSING, default_factory: Any = dataclasses.MISSING
) -> Any:
    """A dataclass field whose key in the data is `name` (for keys such as `not` and `in`)."""
    metadata = {"name": name} if name else {}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _key(f: dataclasses.Field) -> str:
    return f.metadata.get("name", f.name)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, include_extras=True)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "bool", int: "int", float: "float", str: "str", list: "array", dict: "object", dt.date: "date"}.get(
        type(value), type(value).__name__
    )


def _split_annotated(tp: Any) -> tuple[Any, Meta | None]:
    if get_origin(tp) is typing.Annotated:
        base, *extras = get_args(tp)
        meta = next((e for e in extras if isinstance(e, Meta)), None)
        return base, meta
    return tp, None


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _check_meta(value: Any, meta: Meta | None, path: str) -> None:
    if meta is None:
        return
    if meta.min_length is not None and len(value) < meta.min_length:
        kind = "str" if isinstance(value, str) else "array" if isinstance(value, list) else "object"
        raise ValidationError(f"Expected `{kind}` of length >= {meta.min_length}", path)
    if isinstance(value, int | float) and not isinstance(value, bool):
        for bound, test, sign in (
            (meta.ge, value.__ge__, ">="),
            (meta.gt, value.__gt__, ">"),
            (meta.le, value.__le__, "<="),
        ):
            if bound is not None and not test(bound):
                raise ValidationError(f"Expected `{_type_name(value)}` {sign} {bound:g}", path)
    if meta.pattern is not None and not re.search(meta.pattern, value):
        raise ValidationError(f"Expected `str` matching regex {meta.pattern!r}", path)


def convert(data: Any, tp: Any, path: str = "$") -> Any:
    """`data` as an instance of `tp`, or a ValidationError naming the first problem and its path."""
    tp, meta = _split_annotated(tp)
    value = _convert(data, tp, path)
    _check_meta(value, meta, path)
    return value


def _convert(data: Any, tp: Any, path: str) -> Any:
    if tp is Any:
        return data
    if _is_union(tp):
        options = get_args(tp)
        if data is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return convert(data, option, path)
            except ValidationError as exc:
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        raise ValidationError(
            f"Expected {' or '.join(_schema_type_name(o) for o in options)}, got `{_type_name(data)}`", path
        )
    origin = get_origin(tp)
    if origin is Literal:
        allowed = get_args(tp)
        if data not in allowed or type(data) is not type(allowed[0]):
            raise ValidationError(f"Invalid enum value {data!r}; allowed: {', '.join(repr(a) for a in allowed)}", path)
        return data
    if origin is list:
        if not isinstance(data, list):
            raise ValidationError(f"Expected `array`, got `{_type_name(data)}`", path)
        (item,) = get_args(tp)
        return [convert(v, item, f"{path}[{i}]") for i, v in enumerate(data)]
    if origin is dict:
        if not isinstance(data, dict):
            raise ValidationError(f"Expected `object`, got `{_type_name(data)}`", path)
        key_tp, value_tp = get_args(tp)
        return {
            convert(k, key_tp, f"{path}...") if key_tp is not str else _str_key(k, path): convert(
                v, value_tp, f"{path}.{k}"
            )
            for k, v in data.items()
        }
    if dataclasses.is_dataclass(tp):
        return _convert_object(data, tp, path)
    if tp is bool:
        if not isinstance(data, bool):
            raise ValidationError(f"Expected `bool`, got `{_type_name(data)}`", path)
        return data
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise ValidationError(f"Expected `float`, got `{_type_name(data)}`", path)
        return float(data)
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise ValidationError(f"Expected `int`, got `{_type_name(data)}`", path)
        return data
    if tp is str:
        if not isinstance(data, str):
            raise ValidationError(f"Expected `str`, got `{_type_name(data)}`", path)
        return data
    if tp is dt.date:
        if isinstance(data, dt.date) and not isinstance(data, dt.datetime):
            return data
        if isinstance(data, str):
            try:
                return dt.date.fromisoformat(data)
            except ValueError:
                pass
        raise ValidationError(f"Expected a date (YYYY-MM-DD), got `{_type_name(data)}`", path)
    raise TypeError(f"typedmodel cannot convert to {tp!r}")  # a bug in a model, not in the data


def _str_key(key: Any, path: str) -> str:
    if not isinstance(key, str):
        raise ValidationError(f"Expected `str` keys, got `{_type_name(key)}`", path)
    return key


def _convert_object(data: Any, cls: type, path: str) -> Any:
    if not isinstance(data, dict):
        raise ValidationError(f"Expected `object`, got `{_type_name(data)}`", path)
    hints = _hints(cls)
    known = {_key(f): f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in known:
            raise ValidationError(f"Object contains unknown field `{key}`", path)
    values = {}
    for key, f in known.items():
        if key in data:
            values[f.name] = convert(data[key], hints[f.name], f"{path}.{key}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ValidationError(f"Object missing required field `{key}`", path)
    return cls(**values)


def to_data(value: Any) -> Any:
    """An instance back to plain data (field renames applied, unset optional fields left out)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            item = getattr(value, f.name)
            if item is None and f.default is None:
                continue
            out[_key(f)] = to_data(item)
        return out
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# JSON Schema ------------------------------------------------------------------------------------


def _schema_type_name(tp: Any) -> str:
    tp, _ = _split_annotated(tp)
    if dataclasses.is_dataclass(tp):
        return f"`{tp.__name__}`"
    names = {str: "str", int: "int", float: "float", bool: "bool", dt.date: "date", type(None): "null"}
    if tp in names:
        return f"`{names[tp]}`"
    origin = get_origin(tp)
    return f"`{'array' if origin is list else 'object' if origin is dict else tp}`"


def json_schema(cls: type) -> dict[str, Any]:
    """JSON Schema (2020-12) of a dataclass model, every object closed to unknown fields."""
    defs: dict[str, Any] = {}
    root = _schema(cls, defs)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **root, "$defs": defs}


def _schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    tp, meta = _split_annotated(tp)
    schema = _base_schema(tp, defs)
    if meta is not None:
        if meta.description:
            schema["description"] = meta.description
        for attr, key in (("ge", "minimum"), ("gt", "exclusiveMinimum"), ("le", "maximum"), ("pattern", "pattern")):
            if getattr(meta, attr) is not None:
                schema[key] = getattr(meta, attr)
        if meta.min_length is not None:
            schema["minItems" if schema.get("type") == "array" else "minLength"] = meta.min_length
    return schema


def _base_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if tp is Any:
        return {}
    if _is_union(tp):
        return {"anyOf": [_schema(o, defs) for o in get_args(tp)]}
    origin = get_origin(tp)
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if origin is list:
        return {"type": "array", "items": _schema(get_args(tp)[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema(get_args(tp)[1], defs)}
    if dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # placeholder first: models may refer to themselves
            hints = _hints(tp)
            fields = dataclasses.fields(tp)
            defs[name] = {
                "title": name,
                **({"description": " ".join(tp.__doc__.split())} if tp.__doc__ else {}),
                "type": "object",
                "properties": {_key(f): _schema(hints[f.name], defs) for f in fields},
                "required": [
                    _key(f)
                    for f in fields
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                ],
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    simple = {
        str: {"type": "string"},
        int: {"type": "integer"},
        float: {"type": "number"},
        bool: {"type": "boolean"},
        type(None): {"type": "null"},
        dt.date: {"type": "string", "format": "date"},
    }
    return dict(simple[tp])
