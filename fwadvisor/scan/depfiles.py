"""Dependency and packaging files, read as data (never run): requirements and constraints files,
pyproject.toml, setup.cfg, setup.py (with `ast`), environment.yml and Pipfile (deployfiles.py reads
Dockerfiles, compose files, .env files and package.json into the same DepFacts).

Each reader takes the file's path (relative to the scanned folder) and text and returns a DepFacts:
the requirements it declares, other signals (container images, KERAS_BACKEND settings, a browser
runtime in package.json), what says the project is published, the files it includes (`-r`), and a
problem when the file could not be read as what its name says.
"""

from __future__ import annotations

import ast
import configparser
import posixpath
import re
import tomllib
from collections.abc import Iterable
from typing import Any

from fwadvisor.scan.model import Evidence, make_evidence
from fwadvisor.scan.requirements import Requirement, parse_requirement


class Declared:
    __slots__ = ("evidence", "requirement")

    def __init__(self, requirement: Requirement, evidence: Evidence):
        self.requirement = requirement
        self.evidence = evidence


class DepFacts:
    __slots__ = ("declared", "includes", "problem", "published", "signals")

    def __init__(self) -> None:
        self.declared: list[Declared] = []
        self.signals: list[tuple[str, Evidence]] = []
        self.published: list[tuple[str, Evidence]] = []  # (what: "name 'x'" / "entry points", evidence)
        self.includes: list[tuple[str, Evidence]] = []  # `-r`/`-c` files, relative to the scanned folder
        self.problem: str | None = None


class Lines:
    """A file's lines, for evidence: the line holding a value that a parser returned without one."""

    def __init__(self, rel: str, text: str):
        self.rel = rel
        self.lines = text.splitlines()

    def evidence(self, line: int) -> Evidence:
        line = min(max(line, 1), max(len(self.lines), 1))
        return make_evidence(self.rel, line, self.lines[line - 1] if self.lines else "")

    def find(self, needles: Iterable[str], start: int = 1, default: int = 1) -> int:
        """The first line (1-based, from `start`) containing the first of `needles` found (so the
        exact, quoted form is preferred over a bare name), else `default`."""
        for needle in needles:
            if not needle:
                continue
            for index in range(max(start, 1) - 1, len(self.lines)):
                if needle in self.lines[index]:
                    return index + 1
        return default

    def match(self, pattern: re.Pattern[str], start: int = 1, default: int = 1) -> int:
        for index in range(max(start, 1) - 1, len(self.lines)):
            if pattern.search(self.lines[index]):
                return index + 1
        return default

    def header(self, table: str) -> int:
        """The line of a TOML table or INI section header `[table]`, or 0."""
        pattern = re.compile(r"^\s*\[+\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
        return self.match(pattern, default=0)


def _add(facts: DepFacts, text: str, evidence: Evidence, *, conda: bool = False) -> None:
    requirement = parse_requirement(text, conda=conda)
    if requirement is not None:
        facts.declared.append(Declared(requirement, evidence))


# ---------------------------------------------------------------- requirements.txt, constraints.txt

_INCLUDE = re.compile(r"^(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+)(\S+)")
_EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)")


def read_requirements(rel: str, text: str) -> DepFacts:
    facts = DepFacts()
    lines = Lines(rel, text)
    logical = ""
    first = 0
    for number, raw in enumerate(lines.lines, start=1):
        if not logical:
            first = number
        stripped = raw.strip()
        if stripped.endswith("\\"):
            logical += stripped[:-1] + " "
            continue
        logical += stripped
        entry, logical = logical.strip(), ""
        if not entry or entry.startswith("#"):
            continue
        entry = re.split(r"(?:^|\s)#", entry, maxsplit=1)[0].strip()
        included = _INCLUDE.match(entry)
        if included:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), included.group(1)))
            facts.includes.append((target, lines.evidence(first)))
            continue
        editable = _EDITABLE.match(entry)
        if editable:
            entry = editable.group(1)
        elif entry.startswith("-"):
            continue
        _add(facts, re.split(r"\s+-", entry, maxsplit=1)[0], lines.evidence(first))  # options after it: --hash ...
    return facts


# ---------------------------------------------------------------- pyproject.toml


def read_pyproject(rel: str, text: str) -> DepFacts:
    facts, data = _toml(text)
    if data is None:
        return facts
    lines = Lines(rel, text)
    project = table_at(data, "project")
    strings: list[str] = []
    strings += _strings(project.get("dependencies"))
    for group in table_at(project, "optional-dependencies").values():
        strings += _strings(group)
    for group in table_at(data, "dependency-groups").values():  # PEP 735 (uv, pip 25.1)
        strings += _strings(group)
    tool = table_at(data, "tool")
    uv = table_at(tool, "uv")
    for key in ("dev-dependencies", "constraint-dependencies", "override-dependencies"):
        strings += _strings(uv.get(key))
    for group in table_at(table_at(tool, "pdm"), "dev-dependencies").values():
        strings += _strings(group)
    for item in strings:
        line = lines.find([f'"{item}"', f"'{item}'", item])
        _add(facts, item, lines.evidence(line))
    poetry = table_at(tool, "poetry")
    tables = [("tool.poetry.dependencies", table_at(poetry, "dependencies"))]
    tables.append(("tool.poetry.dev-dependencies", table_at(poetry, "dev-dependencies")))
    for name, group in table_at(poetry, "group").items():
        tables.append((f"tool.poetry.group.{name}.dependencies", table_at(group, "dependencies")))
    for title, entries in tables:
        start = lines.header(title)
        for name, spec in entries.items():
            if str(name).lower() == "python":
                continue
            line = lines.match(_key_line(str(name)), start=start or 1, default=start or 1)
            _add(facts, f"{name}{_poetry_version(spec)}{_poetry_extras(spec)}", lines.evidence(line))
    # A [project] name alone does not make a package (uv writes one for every application): it
    # counts when the project can be built (a [build-system] table) or installs commands.
    name_line = _name_line(lines, "project")
    buildable = bool(table_at(data, "build-system"))
    if isinstance(project.get("name"), str) and name_line and buildable:
        facts.published.append((f"name '{project['name']}'", lines.evidence(name_line)))
    for section in ("scripts", "gui-scripts", "entry-points"):
        if table_at(project, section):
            at = lines.header(f"project.{section}") or lines.find([f"{section} ="], default=1)
            facts.published.append(("entry points", lines.evidence(at)))
    name_line = _name_line(lines, "tool.poetry")
    if isinstance(poetry.get("name"), str) and name_line and poetry.get("package-mode") is not False:
        facts.published.append((f"name '{poetry['name']}'", lines.evidence(name_line)))
    for section in ("scripts", "plugins"):
        if table_at(poetry, section):
            facts.published.append(("entry points", lines.evidence(lines.header(f"tool.poetry.{section}") or 1)))
    return facts


def _name_line(lines: Lines, table: str) -> int:
    header = lines.header(table)
    if not header:
        return 0
    return lines.match(re.compile(r"^\s*name\s*="), start=header + 1, default=0)


def _key_line(name: str) -> re.Pattern[str]:
    return re.compile(r"^\s*[\"']?" + re.escape(name) + r"[\"']?\s*=", re.I)


def _poetry_version(spec: Any) -> str:
    """A Poetry constraint (`^3.0`, `{version = ">=3"}`, a list of those) as a specifier."""
    if isinstance(spec, list):
        versions = [_poetry_version(item) for item in spec]
        return next((v for v in versions if v), "")
    if isinstance(spec, dict):
        spec = spec.get("version", "")
    if not isinstance(spec, str) or spec.strip() in ("", "*"):
        return ""
    spec = spec.strip()
    return spec if spec[0] in "<>=!~^" else f"=={spec}"


def _poetry_extras(spec: Any) -> str:
    extras = spec.get("extras") if isinstance(spec, dict) else None
    if isinstance(extras, list) and all(isinstance(e, str) for e in extras):
        return "[" + ",".join(extras) + "]"
    return ""


def _toml(text: str) -> tuple[DepFacts, dict[str, Any] | None]:
    """The facts to fill, and the file's data (None, and a problem in the facts, if it is not TOML)."""
    facts = DepFacts()
    try:
        return facts, tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        facts.problem = f"not valid TOML ({one_line_error(exc)})"
        return facts, None


def table_at(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def one_line_error(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:100] or type(exc).__name__


# ---------------------------------------------------------------- setup.cfg


def read_setup_cfg(rel: str, text: str) -> DepFacts:
    facts = DepFacts()
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except (configparser.Error, ValueError) as exc:
        facts.problem = f"not a readable setup.cfg ({one_line_error(exc)})"
        return facts
    lines = Lines(rel, text)
    values: list[tuple[str, str]] = []
    if parser.has_option("options", "install_requires"):
        values.append(("options", parser.get("options", "install_requires")))
    if parser.has_section("options.extras_require"):
        values += [("options.extras_require", v) for _, v in parser.items("options.extras_require")]
    for section, value in values:
        start = lines.header(section)
        for item in value.splitlines():
            item = item.split("#", 1)[0].strip()
            if item:
                _add(facts, item, lines.evidence(lines.find([item], start=start or 1, default=start or 1)))
    if parser.has_option("metadata", "name"):
        line = lines.match(re.compile(r"^\s*name\s*="), start=lines.header("metadata") or 1)
        facts.published.append((f"name '{parser.get('metadata', 'name').strip()}'", lines.evidence(line)))
    if parser.has_section("options.entry_points") and any(v.strip() for _, v in parser.items("options.entry_points")):
        facts.published.append(("entry points", lines.evidence(lines.header("options.entry_points") or 1)))
    return facts


# ---------------------------------------------------------------- setup.py (ast only: never run)


def read_setup_py(rel: str, text: str, tree: ast.Module | str) -> DepFacts:
    facts = DepFacts()
    if isinstance(tree, str):
        facts.problem = f"not valid Python 3 ({tree}): its setup() arguments were not read"
        return facts
    lines = Lines(rel, text)
    assigned = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }

    def resolve(value: ast.expr) -> ast.expr:
        return assigned.get(value.id, value) if isinstance(value, ast.Name) else value

    def strings(value: ast.expr) -> list[ast.Constant]:
        value = resolve(value)
        if isinstance(value, ast.List | ast.Tuple | ast.Set):
            return [e for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return [value]
        return []

    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name != "setup":
            continue
        for keyword in call.keywords:
            value = resolve(keyword.value)
            if keyword.arg == "install_requires":
                for item in strings(value):
                    for part in str(item.value).splitlines():
                        _add(facts, part, lines.evidence(item.lineno))
            elif keyword.arg == "extras_require" and isinstance(value, ast.Dict):
                for group in value.values:
                    for item in strings(group):
                        _add(facts, str(item.value), lines.evidence(item.lineno))
            elif keyword.arg == "entry_points" and not (isinstance(value, ast.Dict) and not value.keys):
                facts.published.append(("entry points", lines.evidence(keyword.value.lineno)))
            elif keyword.arg == "name" and isinstance(value, ast.Constant) and isinstance(value.value, str):
                facts.published.append((f"name '{value.value}'", lines.evidence(keyword.value.lineno)))
    return facts


# ---------------------------------------------------------------- environment.yml (conda)


def read_environment(rel: str, text: str) -> DepFacts:
    import yaml

    facts = DepFacts()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)  # a safe loader
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        facts.problem = f"not valid YAML ({one_line_error(exc)})"
        return facts
    dependencies = data.get("dependencies") if isinstance(data, dict) else None
    if not isinstance(dependencies, list):
        return facts
    lines = Lines(rel, text)
    start = lines.match(re.compile(r"^\s*dependencies\s*:"), default=1)
    for item in dependencies:
        if isinstance(item, str):
            _add(facts, item, lines.evidence(lines.find([item], start=start, default=start)), conda=True)
        elif isinstance(item, dict):
            for pip_item in _strings(item.get("pip")):
                _add(facts, pip_item, lines.evidence(lines.find([pip_item], start=start, default=start)))
    return facts


# ---------------------------------------------------------------- Pipfile


def read_pipfile(rel: str, text: str) -> DepFacts:
    facts, data = _toml(text)
    lines = Lines(rel, text)
    for section in ("packages", "dev-packages"):
        start = lines.header(section) or 1
        for name, spec in table_at(data, section).items():
            line = lines.match(_key_line(str(name)), start=start, default=start)
            _add(facts, f"{name}{_poetry_version(spec)}{_poetry_extras(spec)}", lines.evidence(line))
    return facts
