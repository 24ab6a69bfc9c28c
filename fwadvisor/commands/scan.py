"""`fwadvisor scan PATH`: the answers a project folder supports, each with its evidence; `--output`
writes them as an answers file for `fwadvisor recommend --answers`.

Everything printed from the project (file names, its lines, notes quoting them) is outside text: it
goes through fwadvisor.safe_text and is never Rich markup. The text report reads at 80 columns.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import msgspec

from fwadvisor.commands.output import check_output, emit, refuse_read_files
from fwadvisor.errors import InputError
from fwadvisor.safe_text import one_line, wrap_words
from fwadvisor.scan import ScanResult, answers_file_text, scan_project

WIDTH_MOST = 80  # the report reads at 80 columns on any wider terminal


def run_scan(args: argparse.Namespace) -> int:
    output: Path | None = args.output
    check_output(output)  # a bad --output is refused before the folder is read
    if args.path == "":
        raise InputError("the path is empty: give the project's folder")
    if args.max_files < 1:
        raise InputError(f"--max-files must be at least 1, got {args.max_files}")
    read: set[tuple[int, int]] = set()
    result = scan_project(Path(args.path), max_files=args.max_files, read_files=read)
    # Before anything is printed: the answers never replace a file they were read from.
    refuse_read_files(output, read, f"a file of the project folder {args.path}")
    if args.format == "json":
        print(json.dumps(msgspec.to_builtins(result), indent=2))
    else:
        print(report_text(result, args.path, saved=output is not None), end="")
    if output is not None:
        emit(answers_file_text(result), output, "Answers")
    return 0


def _width() -> int:
    """The terminal's columns (80 when piped), at most WIDTH_MOST: the report wraps, it never cuts."""
    from fwadvisor.report.terminal import terminal_columns

    return max(40, min(terminal_columns(default=80), WIDTH_MOST))


def _wrap(text: str, indent: str = "  ", hang: str | None = None) -> list[str]:
    return wrap_words(one_line(text), _width(), indent=indent, hang=hang) or [indent]


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def report_text(result: ScanResult, path: str, *, saved: bool) -> str:
    """The scan as text for a terminal: each answer, why, and its evidence lines."""
    lines = _wrap(f"Scanned {one_line(result.root)}", "", "  ")
    lines += _wrap(
        f"{_plural(result.python_files, 'Python file')} (notebooks included); "
        f"{_plural(result.files_read, 'file')} read in all"
        + (f"; skipped {result.skipped_binary:,} binary" if result.skipped_binary else "")
        + (f"; skipped {_plural(result.skipped_large, 'file')} over the size limit" if result.skipped_large else "")
        + ("; stopped at the file limit" if result.stopped_at_limit else "")
        + "."
    )
    lines.append("")
    if not result.answers:
        lines += _wrap("No answer could be inferred from these files.", "")
        lines.append("")
    for qid, answer in result.answers.items():
        value = ", ".join(answer.value) if isinstance(answer.value, list) else answer.value
        lines += _wrap(f"{qid}: {value}", "")
        lines += _wrap(answer.why)
        for evidence in answer.evidence:
            # The file and line, then the quoted line wrapped under it: neither is cut.
            quoted = f"{one_line(evidence.file)}:{evidence.line}  {one_line(evidence.text)}"
            lines += wrap_words(quoted, _width(), indent="    ", hang="      ")
        lines.append("")
    if result.libraries:
        lines += _wrap("Knowledge-base libraries found (share of the Python files importing each):", "", "  ")
        key = set(result.answers["key_libraries"].value) if "key_libraries" in result.answers else set()
        width = min(max(len(use.id) for use in result.libraries), 28)
        for use in result.libraries:
            tags = [_plural(use.files, "file")] + (["declared"] if use.declared else [])
            tags += ["key library"] if use.id in key else []
            row = f"{one_line(use.id):<{width}}  {use.share:>4.0%}  {', '.join(tags)}"
            lines += wrap_words(row, _width(), indent="  ", hang="    ")  # not one_line: the columns line up
        lines.append("")
    if result.notes:
        lines.append("Notes:")
        for note in result.notes:
            lines += _wrap(note, "  - ", "    ")
        lines.append("")
    if result.answers and not saved:
        shown = path if len(path) <= 30 and path.isprintable() and " " not in path else "PATH"
        lines += _wrap(
            f"Save them with their evidence, ready to edit: fwadvisor scan {one_line(shown)} --output answers.yaml",
            "",
        )
    return "\n".join(lines) + "\n"
