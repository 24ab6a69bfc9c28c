"""Python source, read with `ast` (never imported, never run): which modules each file imports and
which framework idioms it uses (tf.Session, keras.ops ...), each with its first line. notebook.py
hands it a notebook's code cells."""

from __future__ import annotations

import ast
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence

from fwadvisor.scan.signals import KERAS_BACKEND, Matcher, attribute_signals

# key -> {top-level module the signal came from ("" for an idiom) -> first line}
Hits = dict[str, dict[str, int]]
# What the fields in _BLOCKS hold: statements, a try's handlers and a match's cases.
Statement = ast.stmt | ast.excepthandler | ast.match_case

_IMPORT_LINE = re.compile(
    r"^[ \t]*(?:from[ \t]+(?P<module>[A-Za-z_][\w.]*)[ \t]+import[ \t]+(?P<names>[^#\n;]+)"
    r"|import[ \t]+(?P<plain>[^#\n;]+))",
    re.M,
)
_TF_IDIOM = re.compile(r"\b(?:tf|tensorflow)\.([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)")
_KERAS_IDIOM = re.compile(r"\bkeras\.(ops|config)\b")
# Statement types whose fields hold further statements (imports may sit in functions, ifs, trys ...).
_BLOCKS: dict[type, tuple[str, ...]] = {
    ast.FunctionDef: ("body",),
    ast.AsyncFunctionDef: ("body",),
    ast.ClassDef: ("body",),
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.Try: ("body", "handlers", "orelse", "finalbody"),
    ast.ExceptHandler: ("body",),
    ast.Match: ("cases",),
    ast.match_case: ("body",),
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _BLOCKS[ast.TryStar] = ("body", "handlers", "orelse", "finalbody")
_ALIAS_ROOTS = ("tensorflow", "keras")


class SourceFacts:
    """What one Python file (or one notebook's code) says."""

    __slots__ = ("error", "hits")

    def __init__(self) -> None:
        self.hits: Hits = {}
        self.error: str | None = None  # why ast could not parse it (its imports were read line by line)

    def add(self, key: str, top: str, line: int) -> None:
        tops = self.hits.get(key)
        if tops is None:
            self.hits[key] = {top: line}
        elif top not in tops or line < tops[top]:
            tops[top] = line


def parse_python(text: str, filename: str = "<project file>") -> ast.Module | str:
    """The module's tree, or why it could not be parsed."""
    try:
        return ast.parse(text, filename=filename)
    except SyntaxError as exc:
        return f"line {exc.lineno or '?'}: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return type(exc).__name__


def analyse_python(text: str, matcher: Matcher, tree: ast.Module | str | None = None) -> SourceFacts:
    """Imports and idioms of one file's source."""
    facts = SourceFacts()
    if tree is None:
        tree = parse_python(text)
    if isinstance(tree, str):
        facts.error = tree
        _analyse_lines(text, matcher, facts)
    else:
        _analyse_tree(tree, text, matcher, facts)
    return facts


def _analyse_tree(tree: ast.Module, text: str, matcher: Matcher, facts: SourceFacts) -> None:
    aliases: dict[str, str] = {}  # local name -> the tensorflow/keras module it stands for
    add, module_signals = facts.add, matcher.module
    for node in _import_statements(tree):
        line = node.lineno
        if type(node) is ast.Import:
            for alias in node.names:
                name = alias.name
                top = name.partition(".")[0]
                for key in module_signals(name):
                    add(key, top, line)
                if top in _ALIAS_ROOTS:
                    if alias.asname:
                        aliases[alias.asname] = name
                    else:
                        aliases[top] = top
            continue
        assert isinstance(node, ast.ImportFrom)
        if node.level or not node.module:
            continue  # a relative import: the project's own code
        module = node.module
        top = module.partition(".")[0]
        for key in module_signals(module):
            add(key, top, line)
        for alias in node.names:
            if alias.name == "*":
                continue
            dotted = f"{module}.{alias.name}"
            for key in module_signals(dotted):
                add(key, top, line)
            if top in _ALIAS_ROOTS:
                for key in attribute_signals(dotted):
                    add(key, "", line)
                aliases[alias.asname or alias.name] = dotted
    if aliases or "KERAS_BACKEND" in text:
        _analyse_idioms(tree, text, aliases, facts)


def _import_statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Every import statement, at any depth of statements (expressions are not walked: fast)."""
    stack: list[Sequence[ast.AST]] = [tree.body]
    blocks = _BLOCKS
    while stack:
        for node in stack.pop():
            if type(node) is ast.Import or type(node) is ast.ImportFrom:
                yield node
                continue
            fields = blocks.get(type(node))
            if fields:
                for field in fields:
                    stack.append(getattr(node, field))


# A compound statement's own expressions (its header), without its body.
_HEADERS: dict[type, tuple[str, ...]] = {
    ast.FunctionDef: ("decorator_list", "args", "returns"),
    ast.AsyncFunctionDef: ("decorator_list", "args", "returns"),
    ast.ClassDef: ("decorator_list", "bases", "keywords"),
    ast.If: ("test",),
    ast.While: ("test",),
    ast.For: ("target", "iter"),
    ast.AsyncFor: ("target", "iter"),
    ast.With: ("items",),
    ast.AsyncWith: ("items",),
    ast.ExceptHandler: ("type",),
    ast.Match: ("subject",),
    ast.match_case: ("pattern", "guard"),
}
_ALIAS_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}


def _alias_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """`tf.compat.v1.Session`, `keras.ops.sum` ...: an attribute chain on one of `names`."""
    pattern = _ALIAS_PATTERNS.get(names)
    if pattern is None:
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        pattern = re.compile(rf"(?<![\w.])({alternatives})[ \t]*\.[ \t]*([A-Za-z_]\w*(?:[ \t]*\.[ \t]*[A-Za-z_]\w*)*)")
        if len(_ALIAS_PATTERNS) < 1000:
            _ALIAS_PATTERNS[names] = pattern
    return pattern


def _analyse_idioms(tree: ast.Module, text: str, aliases: dict[str, str], facts: SourceFacts) -> None:
    """Attribute chains on tensorflow/keras names (tf.Session, tf.compat.v1, keras.ops ...) and a
    KERAS_BACKEND string in the code.

    Walking every node of every file would cost about as much as parsing it; instead a regular
    expression finds the lines that may hold an idiom, and only the statement holding such a line
    is walked to confirm it (a docstring or a comment mentioning tf.Session confirms nothing). Once
    a signal is confirmed in a file, its later lines are not looked at: the first one is evidence.
    """
    candidates: list[tuple[int, str]] = []  # (offset, signal)
    if aliases:
        for found in _alias_pattern(tuple(aliases)).finditer(text):
            dotted = aliases[found.group(1)] + "." + found.group(2).replace(" ", "").replace("\t", "")
            candidates += [(found.start(), key) for key in attribute_signals(dotted)]
    start = text.find("KERAS_BACKEND")
    while start >= 0:
        candidates.append((start, KERAS_BACKEND))
        start = text.find("KERAS_BACKEND", start + 1)
    if not candidates:
        return
    candidates.sort()
    confirmed: set[str] = set()
    walked: set[int] = set()  # statements already walked (a long one may hold many candidate lines)
    line, last = 1, 0
    for offset, key in candidates:
        line += text.count("\n", last, offset)
        last = offset
        if key in confirmed:
            continue
        holder, parts = _statement_parts(tree, line)
        if holder is None or id(holder) in walked:
            continue
        walked.add(id(holder))
        for found_key, found_line in _signals_in(parts, aliases):
            confirmed.add(found_key)
            facts.add(found_key, "", found_line)


def _span(node: Statement) -> tuple[int, int]:
    if isinstance(node, ast.match_case):
        return node.pattern.lineno, node.body[-1].end_lineno or node.pattern.lineno
    first = node.lineno
    for decorator in getattr(node, "decorator_list", ()):
        first = min(first, decorator.lineno)
    return first, node.end_lineno or first


def _statement_parts(tree: ast.Module, line: int) -> tuple[ast.AST | None, list[ast.AST]]:
    """The innermost statement holding `line` and its expressions: a compound statement's header
    only (its body is searched for a deeper statement instead)."""
    body: Sequence[Statement] = tree.body
    while True:
        holder = next((node for node in body if _span(node)[0] <= line <= _span(node)[1]), None)
        if holder is None:
            return None, []
        fields = _BLOCKS.get(type(holder))
        if not fields:
            return holder, [holder]
        inner = next(
            (
                getattr(holder, field)
                for field in fields
                if any(_span(child)[0] <= line <= _span(child)[1] for child in getattr(holder, field))
            ),
            None,
        )
        if inner is None:
            parts: list[ast.AST] = []
            for field in _HEADERS.get(type(holder), ()):
                value = getattr(holder, field)
                parts += value if isinstance(value, list) else [value] if value is not None else []
            return holder, parts
        body = inner


def _signals_in(parts: list[ast.AST], aliases: dict[str, str]) -> Iterator[tuple[str, int]]:
    """The idioms in these expressions: (signal, line) for each."""
    for part in parts:
        for node in ast.walk(part):
            if type(node) is ast.Attribute:
                chain = [node.attr]
                value = node.value
                while type(value) is ast.Attribute:
                    chain.append(value.attr)
                    value = value.value
                if type(value) is ast.Name and value.id in aliases:
                    chain.append(aliases[value.id])
                    for key in attribute_signals(".".join(reversed(chain))):
                        yield key, node.lineno
            elif type(node) is ast.Constant and node.value == "KERAS_BACKEND":
                yield KERAS_BACKEND, node.lineno


def _analyse_lines(text: str, matcher: Matcher, facts: SourceFacts) -> None:
    """A file ast cannot parse (Python 2, a syntax error): its imports and idioms, line by line."""
    line_starts = [0] + [found.end() for found in re.finditer("\n", text)]

    def line_of(offset: int) -> int:
        return bisect_right(line_starts, offset)

    uses_tf = False
    for found in _IMPORT_LINE.finditer(text):
        line = line_of(found.start())
        if found.group("module"):
            module = found.group("module")
            names = [module] + [
                f"{module}.{part.strip().split()[0]}"
                for part in found.group("names").strip("()\\ \t").split(",")
                if part.strip() and part.strip().split()[0].isidentifier()
            ]
        else:
            names = [part.strip().split()[0] for part in found.group("plain").split(",") if part.strip()]
        for name in names:
            top = name.partition(".")[0]
            uses_tf = uses_tf or top in _ALIAS_ROOTS
            for key in matcher.module(name):
                facts.add(key, top, line)
    if not uses_tf:
        return
    for found in _TF_IDIOM.finditer(text):
        for key in attribute_signals("tensorflow." + found.group(1)):
            facts.add(key, "", line_of(found.start()))
    for found in _KERAS_IDIOM.finditer(text):
        for key in attribute_signals("keras." + found.group(1)):
            facts.add(key, "", line_of(found.start()))
