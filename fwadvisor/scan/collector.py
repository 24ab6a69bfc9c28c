"""What every file of a project says: gathered during the walk (Collector), then seen with the
project's own modules set aside (Signals), which is what infer.py reads its answers from."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence

from fwadvisor.advisor.model import Library, Questionnaire
from fwadvisor.scan.depfiles import Declared, DepFacts
from fwadvisor.scan.model import Evidence, LibraryUse, make_evidence
from fwadvisor.scan.pysource import SourceFacts
from fwadvisor.scan.requirements import normalise
from fwadvisor.scan.signals import KERAS, KERAS3, TF, TF1, TF2, TORCH, Matcher

MAX_EVIDENCE = 5  # evidence lines per answer and per library
KEEP_PER_SIGNAL = 8  # evidence kept per signal and module while scanning (some may turn out local)
CENTRAL_SHARE = 0.05  # imported by at least this share of the Python files -> a key library

# Which framework signals each Python file holds, one bit each.
SIGNAL_BITS = {TORCH: 1, TF: 2, KERAS: 4, TF1: 8, TF2: 16, KERAS3: 32}
TF_SIDE = SIGNAL_BITS[TF] | SIGNAL_BITS[KERAS] | SIGNAL_BITS[KERAS3]
KERAS_LIKE = SIGNAL_BITS[KERAS] | SIGNAL_BITS[KERAS3]


class Collector:
    """Gathers what every file says during the walk; infer.scan_result infers the answers from it."""

    def __init__(self, matcher: Matcher, libraries: Sequence[Library], questionnaire: Questionnaire):
        self.matcher = matcher
        self.libraries = {library.id: library for library in libraries}
        self.questionnaire = questionnaire
        self.python_files = 0
        self.file_bits: list[int] = []
        self.key_files: dict[str, list[tuple[str, ...]]] = {}  # signal -> for each file, its modules
        self.key_evidence: dict[tuple[str, str], list[Evidence]] = {}  # (signal, module) -> evidence
        self.declared: list[Declared] = []
        self.dep_signals: list[tuple[str, Evidence]] = []
        self.published: list[tuple[str, Evidence]] = []
        self.modules: set[tuple[str, str]] = set()  # (folder, module name) of every Python file
        self.python_dirs: set[str] = set()
        self.notes: list[str] = []
        self.unparsed: list[str] = []

    # ------------------------------------------------------------------ gathering

    def add_python_file(self, rel: str) -> None:
        folder, name = posixpath.split(rel)
        stem = name[:-3] if name.endswith(".py") else ""
        self.python_dirs.add(folder)
        if stem == "__init__":
            self.modules.add(posixpath.split(folder))
        elif stem.isidentifier():
            self.modules.add((folder, stem))

    def add_source(
        self, rel: str, facts: SourceFacts, line_text: Callable[[int], str], line_map: list[int] | None
    ) -> None:
        """One Python file's or notebook's signals; `line_map` turns a notebook's code lines into file lines."""
        self.python_files += 1
        bits = 0
        for key, tops in facts.hits.items():
            bits |= SIGNAL_BITS.get(key, 0)
            self.key_files.setdefault(key, []).append(tuple(tops))
            for top, line in tops.items():
                kept = self.key_evidence.setdefault((key, top), [])
                if len(kept) < KEEP_PER_SIGNAL:
                    shown = line_map[line - 1] if line_map and 0 < line <= len(line_map) else line
                    kept.append(make_evidence(rel, shown, line_text(line)))
        self.file_bits.append(bits)
        if facts.error:
            self.unparsed.append(f"{rel}: not valid Python 3 ({facts.error}); its imports were read line by line")

    def add_deps(self, rel: str, facts: DepFacts) -> None:
        self.declared += facts.declared
        self.dep_signals += facts.signals
        if rel.count("/") <= 1:  # the project's own packaging, not an example's or a vendored one's
            self.published += facts.published
        if facts.problem:
            self.notes.append(f"{rel}: {facts.problem}")

    def note(self, text: str) -> None:
        self.notes.append(text)


class Signals:
    """The gathered signals with the project's own modules set aside."""

    def __init__(self, collector: Collector):
        self.c = collector
        folders = collector.python_dirs | {"", "src"}
        self.local = {name for folder, name in collector.modules if folder in folders}
        self.declared_names = {d.requirement.name for d in collector.declared}
        self.declared_keys: dict[str, list[Evidence]] = {}
        for declared in collector.declared:
            for key in collector.matcher.package(declared.requirement):
                self.declared_keys.setdefault(key, []).append(declared.evidence)
        for key, evidence in collector.dep_signals:
            self.declared_keys.setdefault(key, []).append(evidence)
        self.choices = {q.id: q for q in collector.questionnaire.questions}

    # ------------------------------------------------------------------ signals

    def _is_local(self, key: str, top: str) -> bool:
        """An import of the project's own module that shares a library's name (a `datasets/` folder)."""
        if not top or top not in self.local or normalise(top) in self.declared_names:
            return False
        return not (key.startswith("lib:") and key in self.declared_keys)

    def files(self, key: str) -> int:
        return sum(1 for tops in self.c.key_files.get(key, ()) if any(not self._is_local(key, t) for t in tops))

    def code_evidence(self, key: str) -> list[Evidence]:
        found = [
            evidence
            for (signal, top), kept in self.c.key_evidence.items()
            if signal == key and not self._is_local(key, top)
            for evidence in kept
        ]
        return spread(found)

    def declared(self, key: str) -> list[Evidence]:
        return spread(self.declared_keys.get(key, []))

    def present(self, key: str) -> bool:
        return self.files(key) > 0 or key in self.declared_keys

    def evidence(self, key: str, limit: int = MAX_EVIDENCE) -> list[Evidence]:
        """Declared lines first (one or two), then code lines."""
        declared = self.declared(key)[:2]
        return (declared + self.code_evidence(key))[:limit]

    # ------------------------------------------------------------------ libraries

    def library_uses(self) -> list[LibraryUse]:
        uses = []
        total = self.c.python_files
        for library_id in self.c.libraries:
            key = "lib:" + library_id
            files = self.files(key)
            declared = key in self.declared_keys
            if not files and not declared:
                continue
            share = round(files / total, 4) if total else 0.0
            uses.append(LibraryUse(library_id, share, files, declared, self.evidence(key)))
        uses.sort(key=lambda u: (not self.is_central(u), -u.files, not u.declared, u.id))
        return uses

    def is_central(self, use: LibraryUse) -> bool:
        return (use.declared and use.files > 0) or use.share >= CENTRAL_SHARE


def spread(evidence: list[Evidence]) -> list[Evidence]:
    """Evidence from as many files as possible: the first line of each file, then the rest."""
    seen: set[str] = set()
    first: list[Evidence] = []
    rest: list[Evidence] = []
    for item in unique(evidence):
        (rest if item.file in seen else first).append(item)
        seen.add(item.file)
    return first + rest


def unique(evidence: list[Evidence]) -> list[Evidence]:
    return list(dict.fromkeys(evidence))
