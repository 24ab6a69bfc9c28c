"""`fwadvisor scan`: read a project folder (never running anything in it) and infer the answers it
supports, each with its evidence (file:line and the line's text).

    result = scan_project(Path("my-project"))
    result.answers_dict()          # question id -> value, what `recommend` takes
    answers_file_text(result)      # an answers file with the evidence as comments

Layout: project.py walks the folder; pysource.py reads Python files and notebooks with `ast`;
depfiles.py reads dependency and packaging files; signals.py holds the tables (module, package and
image -> signal); infer.py turns signals into answers (its docstring states every rule);
answers_file.py writes the answers file.
"""

from __future__ import annotations

from fwadvisor.scan.answers_file import answers_file_text
from fwadvisor.scan.model import Evidence, InferredAnswer, LibraryUse, ScanResult
from fwadvisor.scan.project import scan_project

__all__ = ["Evidence", "InferredAnswer", "LibraryUse", "ScanResult", "answers_file_text", "scan_project"]
