"""Safe YAML reading with line numbers for error messages, and atomic file writes."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fwadvisor.errors import InputError


@cache
def _yaml() -> tuple[Any, type]:
    """PyYAML and its safe loader, imported on first use: with the parsed-rules cache warm, the
    app starts without reading any YAML. libyaml's C loader is several times faster when present."""
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path, what: str = "YAML file") -> Any:
    """Read a YAML file with safe loading only; any failure becomes an InputError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} not found", file=path) from None
    except IsADirectoryError:
        raise InputError(f"{what} expected, but this is a folder", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {what}: {exc}", file=path) from None
    return parse_yaml(text, path, what)


def parse_yaml(text: str, path: Path | str, what: str = "YAML file") -> Any:
    yaml, safe_loader = _yaml()
    try:
        return yaml.load(text, Loader=safe_loader)  # a safe loader, C or Python: tags are refused
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        tag = getattr(exc, "problem", "") or ""
        raise InputError(
            f"{what} uses a YAML tag that is not allowed ({tag.strip()}); only plain YAML values "
            "(mappings, lists, strings, numbers, booleans) are read, tags are never executed",
            file=path,
            line=line,
        ) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = exc.problem or str(exc)
        raise InputError(f"invalid YAML in {what}: {problem}", file=path, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML in {what}: {exc}", file=path) from None


def line_of(path: Path, keys: list[str | int]) -> int | None:
    """The 1-based line of the node at `keys` (mapping keys and list indexes) in a YAML file.

    Only called on the error path, so the file is parsed a second time, as nodes, to find it.
    """
    yaml, safe_loader = _yaml()
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=safe_loader)
    except (OSError, yaml.YAMLError):
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for key in keys:
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            for key_node, value_node in node.value:
                if key_node.value == key:
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line
