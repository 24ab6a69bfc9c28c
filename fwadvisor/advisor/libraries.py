"""The library knowledge base (rules/libraries.yaml): which frameworks each library supports today,
whether it is still maintained, and the checks that keep the file consistent."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fwadvisor import clock
from fwadvisor.advisor.facts import records_not_in_text, unrecorded_claims
from fwadvisor.advisor.model import Library, LibraryFile
from fwadvisor.errors import InputError
from fwadvisor.parsecache import load_validated
from fwadvisor.paths import builtin_rules_dir
from fwadvisor.validation import convert_or_explain
from fwadvisor.yamlio import line_of, load_yaml

LIBRARIES_FILE = "libraries.yaml"


def libraries_path() -> Path:
    return builtin_rules_dir() / LIBRARIES_FILE


def _parse(path: Path) -> LibraryFile:
    """The file, validated (schema and the consistency checks below); the parse cache keeps only a valid one,
    so an unchanged file is not checked again on every run."""
    parsed = convert_or_explain(load_yaml(path, "libraries file"), LibraryFile, path, "libraries file")
    problems = library_problems(parsed, path)
    if problems:
        raise InputError("\n".join(problems), file=path)
    return parsed


@cache
def load_libraries(path: Path | None = None) -> tuple[Library, ...]:
    """The knowledge base, validated: InputError if broken."""
    path = path or libraries_path()
    parsed: LibraryFile = load_validated(path, LibraryFile, _parse)
    return tuple(parsed.libraries)


def library_problems(parsed: LibraryFile, path: Path) -> list[str]:
    """Every consistency problem of a libraries file, each naming its line."""
    found: list[str] = []
    ids: dict[str, int] = {}
    packages: dict[str, str] = {}
    imports: dict[str, str] = {}
    today = clock.today()
    for index, library in enumerate(parsed.libraries):
        # Finding a line reads the file again: only for an entry that has a problem.
        where = _Where(path, index, library.id)
        if library.id in ids:
            found.append(f"{where}: duplicate id (also entry {ids[library.id] + 1})")
        ids[library.id] = index
        for package in library.packages:
            key = package.lower().replace("_", "-").replace(".", "-")
            if key in packages and packages[key] != library.id:
                found.append(f"{where}: package '{package}' is also listed by '{packages[key]}'")
            packages[key] = library.id
        for name in library.imports:
            if name in imports and imports[name] != library.id:
                found.append(f"{where}: import '{name}' is also listed by '{imports[name]}'")
            imports[name] = library.id
        dropped = {d.framework for d in library.dropped}
        if dropped & set(library.frameworks):
            found.append(f"{where}: a dropped framework cannot also be supported: {', '.join(sorted(dropped))}")
        if library.status != "active" and library.status_since is None:
            found.append(f"{where}: status '{library.status}' needs `status_since` (when it began)")
        if library.status in ("frozen", "archived") and not library.replacement:
            found.append(f"{where}: a {library.status} library names its maintained replacement (`replacement`)")
        for version in unrecorded_claims(library.summary, library.evidence):
            found.append(f"{where}: the summary names {version} as a latest release without a `release` record")
        for record in records_not_in_text(library.summary, library.evidence):
            found.append(f"{where}: release record {record.package} {record.version} is not named in the summary")
        dates = [e.checked for e in library.evidence] + [d.date for d in library.dropped]
        dates += [library.status_since] if library.status_since else []
        if any(date > today for date in dates):
            found.append(f"{where}: a date in the future (today is {today})")
    return found


class _Where:
    """ "file:line: library 'id'", worked out only when a message is written."""

    def __init__(self, path: Path, index: int, library: str):
        self.path, self.index, self.library = path, index, library

    def __str__(self) -> str:
        return f"{self.path}:{line_of(self.path, ['libraries', self.index]) or '?'}: library '{self.library}'"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def by_id() -> dict[str, Library]:
    return {library.id: library for library in load_libraries()}
