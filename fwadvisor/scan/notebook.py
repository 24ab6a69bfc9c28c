"""Jupyter notebooks, read as data (never run): their code cells as one Python source, each code line
with its line in the .ipynb file, and the `!pip install` lines in them."""

from __future__ import annotations

import json
import re

from fwadvisor.scan.depfiles import Declared, DepFacts
from fwadvisor.scan.model import make_evidence
from fwadvisor.scan.pysource import SourceFacts, analyse_python, parse_python
from fwadvisor.scan.requirements import pip_arguments
from fwadvisor.scan.signals import Matcher

_PIP_MAGIC = re.compile(
    r"^[!%]\s*(?:\S*/)?(?:pip3?(?:\.\d+)?|python3?(?:\.\d+)?\s+-m\s+pip|uv\s+pip|(?P<conda>conda|mamba))\s+install\s+(?P<args>.*)$"
)


class Notebook:
    """A notebook's code cells as one Python source, with each code line's line in the .ipynb file."""

    __slots__ = ("cells", "code", "file_lines", "installs", "lines", "problem")

    def __init__(self, raw: str):
        self.lines: list[str] = []  # code lines; magic lines are blanked (kept for the numbering)
        self.file_lines: list[int] = []  # for each code line, its line in the .ipynb file (1-based)
        self.cells: list[tuple[int, int]] = []  # each code cell's (first, end) index in `lines`
        # (code line, `!pip install` arguments, conda, the line as written)
        self.installs: list[tuple[int, str, bool, str]] = []
        self.problem: str | None = None
        self.code = ""
        cells = _cells(raw)
        if isinstance(cells, str):
            self.problem = cells
            return
        raw_lines = raw.splitlines()
        cursor = 0
        for source in cells:
            cell_lines = source.splitlines() or [""]
            first = cell_lines[0].split()
            cell_magic = first[0] if first and first[0].startswith("%%") else ""
            shell = cell_magic in ("%%bash", "%%sh", "%%script")
            skip_cell = bool(cell_magic) and cell_magic not in ("%%time", "%%timeit", "%%capture")
            start = len(self.lines)
            for index, line in enumerate(cell_lines):
                cursor = _find_raw_line(raw_lines, line, cursor)
                self.file_lines.append(cursor + 1)
                stripped = line.strip()
                if ((skip_cell or index == 0) and cell_magic) or stripped.startswith(("!", "%")) or _is_shell(stripped):
                    install = _PIP_MAGIC.match(("!" + stripped) if shell and index else stripped)
                    if install:
                        self.installs.append(
                            (len(self.lines) + 1, install.group("args"), bool(install.group("conda")), stripped)
                        )
                    self.lines.append("")
                else:
                    self.lines.append(line)
            self.cells.append((start, len(self.lines)))
        self.code = "\n".join(self.lines)


def _is_shell(stripped: str) -> bool:
    """IPython syntax that is not Python: `x = !ls`, `obj?`."""
    return stripped.endswith("?") or "= !" in stripped


def _cells(raw: str) -> list[str] | str:
    """The source of each code cell, or why there are none."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return f"not a readable notebook ({type(exc).__name__})"
    if not isinstance(data, dict):
        return "not a notebook (no cells)"
    cells = data.get("cells")
    if cells is None:  # nbformat 3: worksheets of cells
        worksheets = data.get("worksheets")
        if isinstance(worksheets, list):
            cells = [c for w in worksheets if isinstance(w, dict) for c in w.get("cells") or []]
    if not isinstance(cells, list):
        return "not a notebook (no cells)"
    sources = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if isinstance(source, str):
            sources.append(source)
    return sources


def _find_raw_line(raw_lines: list[str], line: str, start: int) -> int:
    """The index of the .ipynb line holding `line` (as a JSON string), searching from `start`: a
    line that is that string (as Jupyter writes a cell's source) first, else any line holding it."""
    if not line.strip():
        return start
    needles = {json.dumps(line, ensure_ascii=False)[1:-1], json.dumps(line)[1:-1]}
    end = min(len(raw_lines), start + 5000)
    for index in range(start, end):
        raw = raw_lines[index].lstrip()
        if any(raw.startswith('"' + needle) for needle in needles):
            return index
    for index in range(start, end):
        if any(needle in raw_lines[index] for needle in needles):
            return index
    return start


def analyse_notebook(notebook: Notebook, matcher: Matcher) -> SourceFacts:
    """A notebook's imports and idioms; when its code as a whole does not parse, each cell alone."""
    tree = parse_python(notebook.code)
    if not isinstance(tree, str):
        facts = analyse_python(notebook.code, matcher, tree)
    else:
        facts = SourceFacts()
        problems = []
        for start, end in notebook.cells:
            cell = "\n".join(notebook.lines[start:end])
            if cell.strip():
                part = analyse_python("\n" * start + cell, matcher)
                problems += [part.error] if part.error else []
                for key, tops in part.hits.items():
                    for top, line in tops.items():
                        facts.add(key, top, line)
        facts.error = problems[0] if problems else None
    return facts


def notebook_installs(rel: str, notebook: Notebook) -> DepFacts:
    """A notebook's `!pip install` lines as declarations."""
    facts = DepFacts()
    for line, args, conda, written in notebook.installs:
        shown = notebook.file_lines[line - 1] if 0 < line <= len(notebook.file_lines) else 1
        evidence = make_evidence(rel, shown, written)
        for _, requirement in pip_arguments(args, conda=conda):
            if requirement is not None:
                facts.declared.append(Declared(requirement, evidence))
    return facts
