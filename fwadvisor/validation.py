"""Parsed YAML into msgspec Structs, with errors that name the file, the line and the field.

The rule format, the questionnaire, the guidance, the suites and the GPU peak table are msgspec
Structs (frozen, unknown fields refused). msgspec says where a problem is as a path
(`$.rules[3].weight`); this module turns that path into the line of the YAML file and words the
few messages msgspec leaves terse (a bad date, an enum without its allowed values, a bad value
inside a mapping, which msgspec places at `[...]`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from fwadvisor.errors import InputError
from fwadvisor.safe_text import excerpt, invisible_note
from fwadvisor.yamlio import line_of

T = TypeVar("T")

Keys = list[str | int]


class FileModel(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Base of every model of a data file: frozen, and a misspelled key is an error, never ignored.

    Subclasses inherit both; they repeat `frozen=True` only because type checkers do not see it
    through the base class.
    """


def convert_or_explain(data: Any, model: type[T], path: Path, what: str) -> T:
    """`data` as a `model`, or an InputError like `rules file: Expected `float`, got `str` at rules[0].weight`
    whose file and line point at the field."""
    try:
        return msgspec.convert(data, model)
    except msgspec.ValidationError as exc:
        message, keys = explain(exc, data, model)
        raise InputError(f"{what}: {message} at {show_path(keys)}", file=path, line=line_of(path, keys)) from None


def explain(error: msgspec.ValidationError, data: Any, model: Any) -> tuple[str, Keys]:
    """The message and the path (mapping keys and list indexes) of a msgspec validation error."""
    message, where = _split(str(error))
    message, keys = _locate(message, _parse_path(where), data, model)
    unknown = re.match(r"Object contains unknown field `(.*)`$", message)
    if unknown:  # point at the misspelled key itself, not at the object around it
        keys = [*keys, unknown.group(1)]
    elif message.startswith("Invalid RFC3339 encoded date"):
        # YAML gives dates as text (yamlio): say what was written, and whether it is a day that never was.
        written = _walk(data, keys)
        message = f"Expected a date (YYYY-MM-DD), got `{excerpt(written, 40)}`"
        if isinstance(written, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", written.strip()):
            message += ": there is no such day"
    elif message.startswith("Expected `") and message.endswith("got `str`") and _yaml11_number(_walk(data, keys)):
        # YAML 1.1 reads 1e9 (no dot) as text; the fix is easy once said
        written = _walk(data, keys)
        mantissa, _, exponent = written.lower().partition("e")
        fixed = f"{mantissa if '.' in mantissa else mantissa + '.0'}e{exponent}"
        message += f": YAML 1.1 reads `{excerpt(written, 30)}` as text, not a number; write it as {fixed}"
    elif message.startswith("Invalid enum value"):
        allowed = _literal_values(model, keys)
        if allowed:
            message += f"; allowed: {', '.join(repr(value) for value in allowed)}"
    value = unknown.group(1) if unknown else _walk(data, keys)
    if isinstance(value, str):  # an id or a name that looks right: say what cannot be seen
        message += invisible_note(value)
    return message, keys


def _yaml11_number(value: Any) -> bool:
    """A string that looks like a number in exponent form without a dot (1e9, 5E-3), which YAML 1.1 keeps as text."""
    return isinstance(value, str) and re.fullmatch(r"[-+]?[0-9]+[eE][-+]?[0-9]+", value.strip()) is not None


def _split(text: str) -> tuple[str, str]:
    # "<message> - at `$.rules[3].weight`", "<message> - at `key` in `$.answers`" (a bad key of a
    # mapping), or a message alone (a problem at the top level).
    match = re.fullmatch(r"(.*?) - at (`key` in )?`(\$[^`]*)`", text, flags=re.DOTALL)
    if match is None:
        return text, "$"
    message, in_key, where = match.groups()
    return (f"{message} (a key)" if in_key else message), where


def _parse_path(where: str) -> Keys:
    # paths look like $.rules[3].when.question, $[0] or $.params[...] (a value inside a mapping)
    keys: Keys = []
    for name, index in re.findall(r"\.([^.\[\]]+)|\[(\d+|\.\.\.)\]", where):
        keys.append(name if name else int(index) if index.isdigit() else index)
    return keys


def show_path(keys: Keys) -> str:
    """`rules[3].weight` for ["rules", 3, "weight"]; "the top level" for []."""
    shown = ""
    for key in keys:
        shown += f"[{key}]" if isinstance(key, int) else (f".{key}" if shown else key)
    return shown or "the top level"


def _locate(message: str, keys: Keys, data: Any, model: Any) -> tuple[str, Keys]:
    """msgspec places a bad value inside a mapping at `[...]`: name the key it is under."""
    if "..." in keys:
        found = _inside_mapping(data, model, keys)
        if found is not None:
            return found
    return message, keys


def _inside_mapping(data: Any, model: Any, keys: Keys) -> tuple[str, Keys] | None:
    """The key of the mapping that holds the bad value: each entry alone is converted again until
    the same problem shows, so the answer comes from msgspec itself (only on the error path)."""
    at = keys.index("...")
    mapping = _walk(data, keys[:at])
    if not isinstance(mapping, dict):
        return None
    for key, value in mapping.items():
        try:
            msgspec.convert(_replaced(data, keys[:at], {key: value}), model)
        except msgspec.ValidationError as exc:
            message, where = _split(str(exc))
            found = _parse_path(where)
            if found[: at + 1] == keys[: at + 1]:
                found[at] = key
                return _locate(message, found, data, model)  # a mapping in a mapping has another `...`
    return None


def _replaced(data: Any, keys: Keys, new: Any) -> Any:
    """`data` with the node at `keys` replaced by `new` (copies along the path only)."""
    if not keys:
        return new
    head, rest = keys[0], keys[1:]
    if isinstance(data, list) and isinstance(head, int):
        return [*data[:head], _replaced(data[head], rest, new), *data[head + 1 :]]
    return {**data, head: _replaced(data[head], rest, new)}


def _walk(data: Any, keys: Keys) -> Any:
    """The node of `data` at `keys`, or None when there is none."""
    for key in keys:
        if isinstance(data, list) and isinstance(key, int) and key < len(data):
            data = data[key]
            continue
        if not (isinstance(data, dict) and key in data):
            return None
        data = data[key]
    return data


def _type_at(model: Any, keys: Keys) -> Any:
    """msgspec's description of the type found at `keys` in `model`, or None."""
    from msgspec import inspect as mi

    info: Any = mi.type_info(model)
    for key in keys:
        info = _step(info, key, mi)
        if info is None:
            return None
    return _unwrap(info, mi)


def _unwrap(info: Any, mi: Any) -> Any:
    if isinstance(info, mi.Metadata):  # Annotated[..., Meta(...)]
        info = info.type
    if isinstance(info, mi.UnionType):
        options = [o for o in info.types if not isinstance(o, mi.NoneType)]
        if len(options) == 1:
            return options[0]
    return info


def _step(info: Any, key: str | int, mi: Any) -> Any:
    info = _unwrap(info, mi)
    options = info.types if isinstance(info, mi.UnionType) else (info,)
    for option in (_unwrap(o, mi) for o in options):
        if isinstance(key, int) and isinstance(option, mi.ListType):
            return option.item_type
        if isinstance(key, str) and isinstance(option, mi.StructType):
            for field in option.fields:
                if field.encode_name == key:
                    return field.type
        if isinstance(key, str) and isinstance(option, mi.DictType):
            return option.value_type
    return None


def _literal_values(model: Any, keys: Keys) -> tuple[Any, ...]:
    from msgspec import inspect as mi

    info = _type_at(model, keys)
    return tuple(info.values) if isinstance(info, mi.LiteralType) else ()
