"""Safe YAML reading with line numbers for error messages.

Every YAML file fwadvisor reads (answers, rules, questionnaire, guidance, suites, the GPU table)
comes through `load_yaml`, which refuses what a careless or hostile file could do to us:
- anything that is not a regular file (a FIFO would block, /dev/zero never ends) or is larger
  than MAX_FILE_BYTES;
- a key given twice in one mapping (YAML keeps the last one silently): both lines are named;
- a mapping key that is a list or a mapping;
- nesting deeper than MAX_DEPTH (the rule engine and the validators walk it recursively);
- aliases (`*name`) where a file may not use them (answers files), and anywhere a structure whose
  aliases expand to more than MAX_EXPANDED_NODES values: an alias is shared when parsed, but
  validating or printing it walks every copy, so a 700-byte file can stand for billions of values.

It also reads less than YAML 1.1 would: a date or time (`2026-02-30`, `2026-01-01 10:00`) stays the
text it was written as, and so does a base-60 number (`25:00`, which YAML 1.1 reads as 1500). An
impossible date made PyYAML raise a ValueError deep inside its constructor (a traceback, and an app
that would not start); a time of day read as a number of minutes was never what anyone meant. Each
model that holds a date (a rule's `checked`) converts and checks it itself, naming file and line.
"""

from __future__ import annotations

import os
import stat
from functools import cache
from pathlib import Path
from typing import Any

from fwadvisor.errors import InputError
from fwadvisor.safe_text import excerpt

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 50
MAX_EXPANDED_NODES = 100_000


class _Refused(Exception):
    """A structural problem found while reading YAML; parse_yaml turns it into an InputError."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line


@cache
def _yaml() -> tuple[Any, type]:
    """PyYAML and fwadvisor's strict safe loader, imported on first use: with the parsed-rules cache
    warm, the app starts without reading any YAML. libyaml's C loader is several times faster when
    present."""
    import yaml

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictLoader(base):
        """The safe loader, refusing duplicate keys and keys that cannot be keys (a list, a mapping),
        and keeping dates, times and base-60 numbers as the text they were written as."""

        yaml_implicit_resolvers = {
            first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
            for first, resolvers in base.yaml_implicit_resolvers.items()
        }

        def construct_yaml_int(self, node: Any) -> Any:
            if ":" in str(node.value):  # base 60: 25:00 is a time of day to anyone but YAML 1.1
                return self.construct_scalar(node)
            return super().construct_yaml_int(node)

        def construct_yaml_float(self, node: Any) -> Any:
            if ":" in str(node.value):
                return self.construct_scalar(node)
            return super().construct_yaml_float(node)

        def construct_yaml_timestamp(self, node: Any) -> Any:
            return self.construct_scalar(node)  # an explicit `!!timestamp` too: the text, checked by its model

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # `<<: *base` merges another mapping; its keys may be overridden here
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    kind = "a list" if isinstance(key_node, yaml.SequenceNode) else "a mapping"
                    raise _Refused(f"a mapping key must be a plain value, not {kind}", line)
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                    seen.setdefault(key, line)
                except TypeError:
                    raise _Refused("a mapping key must be a plain value", line) from None
                if first is not None:
                    where = f"on line {line}" if first == line else f"on lines {first} and {line}"
                    raise _Refused(
                        f"key '{excerpt(key, 40)}' is given twice, {where}; only one may be given "
                        "(YAML and JSON readers would silently keep the last): remove one of them",
                        line,
                    )
            return super().construct_mapping(node, deep=deep)

    # Constructors are looked up by tag in a class-level table: point the three at the methods above.
    StrictLoader.yaml_constructors = {
        **base.yaml_constructors,
        "tag:yaml.org,2002:int": StrictLoader.construct_yaml_int,
        "tag:yaml.org,2002:float": StrictLoader.construct_yaml_float,
        "tag:yaml.org,2002:timestamp": StrictLoader.construct_yaml_timestamp,
    }
    return yaml, StrictLoader


def read_regular_file(path: Path, what: str, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of `path`, which must be a regular file of at most `limit` bytes.

    The file is opened without blocking and checked through its descriptor, so a FIFO does not hang
    us, a device such as /dev/zero is refused, and a file swapped between the check and the read is
    still the one checked. Every problem is an InputError naming the file.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise InputError(f"{what} not found", file=path) from None
    except IsADirectoryError:
        raise InputError(f"{what} expected, but this is a folder", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", file=path) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{what} expected, but this is a folder", file=path)
        raise InputError(f"{what} expected, but this is {_kind(info.st_mode)}, not a regular file", file=path)
    with os.fdopen(fd, "rb") as file:
        if info.st_size > limit:
            raise InputError(f"{what} is too large ({info.st_size:,} bytes; the limit is {limit:,})", file=path)
        try:
            data = file.read(limit + 1)
        except OSError as exc:
            raise InputError(f"cannot read {what}: {exc.strerror or exc}", file=path) from None
    if len(data) > limit:  # it grew after the check
        raise InputError(f"{what} is too large (over {limit:,} bytes)", file=path)
    return data


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def load_yaml(path: Path, what: str = "YAML file", *, allow_aliases: bool = True) -> Any:
    """Read a YAML file with safe loading only; any failure becomes an InputError naming file and line.

    allow_aliases=False refuses `&anchor` / `*alias` outright (answers files have no use for them).
    """
    raw = read_regular_file(Path(path), what)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"cannot read {what}: it is not UTF-8 text ({exc.reason} at byte {exc.start})", file=path
        ) from None
    return parse_yaml(text, path, what, allow_aliases=allow_aliases)


def parse_yaml(text: str, path: Path | str, what: str = "YAML file", *, allow_aliases: bool = True) -> Any:
    yaml, loader_class = _yaml()
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_shape(node, what, allow_aliases)
        return loader.construct_document(node)
    except _Refused as exc:
        raise InputError(f"{what}: {exc.message}", file=path, line=exc.line) from None
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = (getattr(exc, "problem", "") or "").strip()
        if "unhashable" in problem:
            raise InputError(f"{what}: a mapping key must be a plain value", file=path, line=line) from None
        raise InputError(
            f"{what} uses a YAML tag that is not allowed ({excerpt(problem, 200)}); only plain YAML values "
            "(mappings, lists, strings, numbers, booleans) are read, tags are never executed",
            file=path,
            line=line,
        ) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = exc.problem or str(exc)
        raise InputError(f"invalid YAML in {what}: {excerpt(problem, 200)}", file=path, line=line) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML in {what}: {excerpt(exc, 200)}", file=path) from None
    except RecursionError:  # only the pure-Python loader recurses; libyaml stops at 1000 levels itself
        raise InputError(f"{what} is nested too deeply (over {MAX_DEPTH} levels)", file=path) from None
    finally:
        loader.dispose()


def _check_shape(root: Any, what: str, allow_aliases: bool) -> None:
    """Refuse deep nesting, aliases where not allowed, and alias expansions that are too large.

    Walks the node graph once, without recursion: a node met a second time is an alias. The
    expanded size counts every copy an alias stands for, computed bottom-up over the shared nodes.
    """
    yaml, _ = _yaml()
    expanded: dict[int, int] = {}  # id(node) -> how many values it stands for, aliases expanded
    on_path: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            expanded[key] = 1 + sum(expanded[id(child)] for child in _children(node, yaml))
            # Only aliases can make a structure stand for more values than the file holds nodes: a
            # plain list of 100,001 values is as large as the file, and is checked value by value.
            if expanded[key] > MAX_EXPANDED_NODES and expanded[key] > len(expanded) + len(on_path):
                raise _Refused(
                    f"its aliases (*name) expand to over {MAX_EXPANDED_NODES:,} values; write the values out instead",
                    node.start_mark.line + 1,
                )
            continue
        if key in expanded or key in on_path:
            if not allow_aliases:
                raise _Refused(
                    "YAML aliases (*name) and anchors (&name) are not allowed here", node.start_mark.line + 1
                )
            if key in on_path:
                raise _Refused("an alias (*name) refers to the structure that contains it", node.start_mark.line + 1)
            continue
        if depth > MAX_DEPTH:
            raise _Refused(f"nested too deeply (over {MAX_DEPTH} levels)", node.start_mark.line + 1)
        on_path.add(key)
        stack.append((node, depth, True))
        for child in _children(node, yaml):
            stack.append((child, depth + 1, False))


def _children(node: Any, yaml: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def line_of(path: Path, keys: list[str | int]) -> int | None:
    """The 1-based line of the node at `keys` (mapping keys and list indexes) in a YAML file.

    Only called on the error path, so the file is parsed a second time, as nodes, to find it.
    """
    yaml, loader_class = _yaml()
    try:
        node = yaml.compose(read_regular_file(Path(path), "YAML file").decode("utf-8"), Loader=loader_class)
    except (InputError, UnicodeDecodeError, yaml.YAMLError):
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
