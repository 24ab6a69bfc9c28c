"""The command line's parsers (argparse): every command and option of `fwadvisor`, and the checks of
their values (an output path, a thread count). cli.py runs what they parse."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from fwadvisor import __version__
from fwadvisor.fleet.options import add_fleet_options
from fwadvisor.frameworks import PROFILER_IDS

THREADS_PER_CPU = 4  # --threads above this many per logical CPU only slows a run down (or kills it)


class _Parser(argparse.ArgumentParser):
    """argparse, except that --help and --version to a stdout whose reader went away end as every
    command's output does (exit 141): argparse itself ignores the failed write and exits 0."""

    def _print_message(self, message: str, file: Any = None) -> None:
        if message and file is sys.stdout:
            sys.stdout.write(message)
            sys.stdout.flush()  # BrokenPipeError reaches main()
            return
        super()._print_message(message, file)


def _output_path(text: str) -> Path:
    # Path("") is ".", the current folder: refuse the empty string before it becomes one.
    if text == "":
        raise argparse.ArgumentTypeError("the path is empty: give a file name")
    # Path("newdir/") is "newdir": a trailing '/' (a folder) is refused before Path drops it.
    from fwadvisor.atomic import names_a_folder

    folder = names_a_folder(text)
    if folder:
        from fwadvisor.safe_text import one_line

        raise argparse.ArgumentTypeError(f"{one_line(text)}: {folder}")
    return Path(text)


def max_threads() -> int:
    return THREADS_PER_CPU * (os.cpu_count() or 1)


def _thread_count(text: str) -> int:
    most = max_threads()
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= most:
        raise argparse.ArgumentTypeError(
            f"give a whole number from 1 to {most} ({THREADS_PER_CPU} per logical CPU of this machine); got '{text}'"
        )
    return value


def _add_rules_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        metavar="DIR",
        action="append",
        type=Path,
        default=[],
        help="an extra rules folder (repeatable); its rules replace built-in ones with the same id",
    )
    parser.add_argument("--no-user-rules", action="store_true", help="ignore the rules in your user config folder")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fwadvisor",
        description="Choose between TensorFlow and PyTorch for your project, with reasons, checked "
        "facts and benchmarks on your own machine. Without a command it opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"fwadvisor {__version__}")
    parser.add_argument(
        "--answers",
        type=Path,
        metavar="FILE",
        help="open the app showing the answers in FILE; your saved interview is kept unless you save these over it",
    )
    parser.add_argument(
        "--project",
        type=Path,
        metavar="PATH",
        help="open the app by reading answers from a project folder (you tick the ones to keep)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    rec = commands.add_parser(
        "recommend",
        help="recommend a framework for the answers in a file",
        description="Recommend TensorFlow or PyTorch for the project described "
        "in an answers file (see `fwadvisor answers-template`).",
    )
    rec.add_argument(
        "--answers",
        type=Path,
        metavar="FILE",
        help="answers file (YAML or JSON mapping of question id to answer); with --project, these win",
    )
    rec.add_argument(
        "--project",
        type=Path,
        metavar="PATH",
        help="a project folder: answers read from its code and dependencies (fwadvisor scan) fill what "
        "--answers leaves out, and the report says which",
    )
    rec.add_argument(
        "--format", choices=("text", "md", "html", "json"), default="text", help="report format (default: text)"
    )
    rec.add_argument(
        "--output", type=_output_path, metavar="FILE", help="write the report to FILE (a file, /dev/stdout or a FIFO)"
    )
    rec.add_argument(
        "--profile",
        type=Path,
        metavar="RUN.json",
        help="a saved `fwadvisor profile` run: its measurements become evidence",
    )
    _add_rules_options(rec)

    tpl = commands.add_parser("answers-template", help="print a commented answers file with every question and choice")
    tpl.add_argument("--output", type=_output_path, metavar="FILE", help="write the template to FILE")

    rules = commands.add_parser("rules", help="check, list or describe decision rules")
    rules_commands = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    check = rules_commands.add_parser(
        "check",
        help="validate rules folders and run every rule's tests",
        description="Validate rules folders (schema, unique ids, known "
        "question ids and choices, every rule tested) and "
        "run each rule's test cases. Without DIR: the "
        "built-in rules and your user rules.",
    )
    check.add_argument("dirs", nargs="*", type=Path, metavar="DIR", help="rules folder(s) to check")
    listing = rules_commands.add_parser("list", help="list the rules in force")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    _add_rules_options(listing)
    schema = rules_commands.add_parser("schema", help="print the JSON Schema of a rules file")
    schema.add_argument("--output", type=_output_path, metavar="FILE")
    schema.add_argument(
        "--libraries", action="store_true", help="the schema of the library knowledge base (rules/libraries.yaml)"
    )
    prof = commands.add_parser(
        "profile",
        help="run micro-benchmarks in PyTorch, TensorFlow (and JAX) on this machine",
        description="Run the same micro-benchmarks in PyTorch and TensorFlow, and JAX where installed, each "
        "framework in its own worker process, one after the other. `fwadvisor profile compare A.json "
        "B.json` compares two saved runs; `fwadvisor profile merge RUN...` merges many nodes' runs into "
        "one fleet report.",
    )
    prof.add_argument(
        "--suite",
        default="quick",
        help="suite name (quick, standard, full, practice, or one of yours) or a suite .yaml file",
    )
    prof.add_argument(
        "--framework",
        action="append",
        choices=PROFILER_IDS,
        help="only this framework (repeatable; default: PyTorch and TensorFlow, and JAX where installed)",
    )
    prof.add_argument(
        "--benchmark", action="append", metavar="ID", help="only this benchmark of the suite (repeatable)"
    )
    prof.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "rocm", "mps", "xpu"),
        default="auto",
        help="cuda: NVIDIA, rocm: AMD, mps: Apple silicon, xpu: Intel GPU; auto: an NVIDIA, AMD or Apple "
        "GPU when there is one, else the CPU (never an Intel GPU: ask for xpu)",
    )
    prof.add_argument(
        "--threads",
        type=_thread_count,
        metavar="N",
        help="CPU threads for every framework (default: physical cores, fewer when other processes hold CPUs "
        "just before the run)",
    )
    prof.add_argument(
        "--format",
        choices=("text", "md", "markdown", "html", "json"),
        default="text",
        help="text or json; md and html too for the fleet report (--hosts, --slurm)",
    )
    prof.add_argument(
        "--output",
        type=_output_path,
        metavar="FILE",
        help="also save the run to FILE (with --hosts or --slurm: the fleet report; with --k8s: the manifest)",
    )
    add_fleet_options(prof)

    facts = commands.add_parser(
        "facts",
        help="list the facts behind the advice, with their ages; --online checks release facts",
        description="List the checked facts behind a recommendation (with --answers) or behind every rule, "
        "with the date each was checked and how long ago that was. --online asks the package index your pip "
        "uses (and npm, where installed) whether a newer release has overtaken a fact; reports and the app "
        "then name those releases. Offline, a missing tool or an unreadable answer is one line, not an error.",
    )
    facts.add_argument("--answers", type=Path, metavar="FILE", help="only the facts behind the advice for FILE")
    facts.add_argument(
        "--online", action="store_true", help="check every release fact against the package indexes (about 15 s)"
    )
    facts.add_argument("--format", choices=("text", "json"), default="text")
    _add_rules_options(facts)

    env = commands.add_parser("env", help="show this machine as the profiler sees it")
    env.add_argument("--format", choices=("text", "json"), default="text")

    scan = commands.add_parser(
        "scan",
        help="infer answers from a project folder, with evidence (reads files, runs nothing)",
        description="Read a project folder (requirements, pyproject.toml, setup.py/cfg, environment.yml, "
        "Pipfile, Dockerfiles, notebooks and Python source, parsed, never run) and print the answers it "
        "supports, each with its evidence (file:line). --output writes them as an answers file for "
        "`fwadvisor recommend --answers`, with the evidence as comments.",
    )
    scan.add_argument("path", metavar="PATH", help="the project's folder")
    scan.add_argument(
        "--output", type=_output_path, metavar="FILE", help="also write the answers as an answers file (YAML)"
    )
    scan.add_argument("--format", choices=("text", "json"), default="text", help="what is printed (default: text)")
    scan.add_argument(
        "--max-files", type=int, default=20000, metavar="N", help="stop after N files of interest (default: 20000)"
    )
    return parser


def build_compare_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fwadvisor profile compare",
        description="Per-benchmark ratios between two saved profile runs, with a warning where the "
        "device, driver, framework versions or precision flags differ.",
    )
    parser.add_argument("baseline", type=Path, metavar="A.json")
    parser.add_argument("candidate", type=Path, metavar="B.json")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def build_merge_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fwadvisor profile merge",
        description="One fleet report from saved profile runs of many nodes: per-node rows, the fleet's "
        "median and spread per benchmark, the slowest node (the straggler sets the pace), busy nodes and "
        "expected-range verdicts, and a warning for every node set up differently from the rest. A RUN "
        "is a saved run file or a folder of them (fleet-<stamp>/); a file that cannot be read is a "
        "missing node (exit 1), the rest still merge.",
    )
    parser.add_argument("runs", type=Path, nargs="+", metavar="RUN")
    parser.add_argument("--format", choices=("text", "md", "markdown", "html", "json"), default="text")
    parser.add_argument("--output", type=_output_path, metavar="FILE", help="write the report to FILE")
    return parser
