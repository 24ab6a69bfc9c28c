"""The `fwadvisor` command line. `fwadvisor` alone opens the TUI; every feature also works headless."""

from __future__ import annotations

import argparse
import errno
import io
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from fwadvisor import __version__
from fwadvisor.ctrl_c import EXIT_INTERRUPTED, caused_by_ctrl_c
from fwadvisor.errors import InputError

if TYPE_CHECKING:
    from fwadvisor.profiler.stop_signals import StopOnSignals

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
# The reader of stdout went away (`fwadvisor recommend | head -1`): the code a shell reports for a
# process ended by SIGPIPE (128 + 13), as `yes | head -1` gives. Nothing is printed for it.
EXIT_BROKEN_PIPE = 141
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
        help="run micro-benchmarks in both frameworks on this machine",
        description="Run the same micro-benchmarks in PyTorch and TensorFlow, each framework in its "
        "own worker process, one after the other. `fwadvisor profile compare A.json "
        "B.json` compares two saved runs.",
    )
    prof.add_argument(
        "--suite",
        default="quick",
        help="suite name (quick, standard, full, practice, or one of yours) or a suite .yaml file",
    )
    prof.add_argument(
        "--framework",
        action="append",
        choices=("torch", "tensorflow"),
        help="only this framework (repeatable; default both)",
    )
    prof.add_argument(
        "--benchmark", action="append", metavar="ID", help="only this benchmark of the suite (repeatable)"
    )
    prof.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda"),
        default="auto",
        help="auto: the NVIDIA GPU when there is one, else the CPU",
    )
    prof.add_argument(
        "--threads",
        type=_thread_count,
        metavar="N",
        help="CPU threads for both frameworks (default: physical cores, fewer when other processes hold CPUs "
        "just before the run)",
    )
    prof.add_argument("--format", choices=("text", "json"), default="text")
    prof.add_argument("--output", type=_output_path, metavar="FILE", help="also save the run to FILE")

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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if _is_profile_run(argv):
        # First thing, before any import or check: a stop signal at any moment of a run (start-up,
        # a worker starting, the save) gets the same exit code and the same saved partial run.
        from fwadvisor.profiler.stop_signals import StopOnSignals

        with StopOnSignals() as signals:
            code = _main(argv, signals)
            stopped_by = signals.exit_code()  # read last: a signal while the run was shown counts too
        return code if stopped_by is None else stopped_by
    try:
        return _main(argv, None)
    except BaseException as exc:  # Ctrl+C while the parser loads, before the command handles it: no traceback
        if caused_by_ctrl_c(exc):
            return EXIT_INTERRUPTED
        raise


def _is_profile_run(argv: list[str]) -> bool:
    return argv[:1] == ["profile"] and argv[1:2] != ["compare"]


def _main(argv: list[str], signals: StopOnSignals | None) -> int:
    _prepare_standard_streams()
    try:
        code = _run(argv, signals)
        sys.stdout.flush()  # a closed or broken stdout shows here, where it can still be reported
    except BrokenPipeError:
        code = EXIT_BROKEN_PIPE
        _discard(sys.stdout)
    except OSError as exc:  # writing stdout failed (closed, I/O error), or a file error nothing else caught
        _discard(sys.stdout)
        _say(f"fwadvisor: error: {_describe_os_error(exc)}")
        code = EXIT_FAILED
    try:
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr is gone too: Python's own flush at exit must not fail (exit 120)
        _discard(sys.stderr)
    return code


def _run(argv: list[str], signals: StopOnSignals | None = None) -> int:
    from fwadvisor.atomic import WriteError

    if argv[:2] == ["profile", "compare"]:
        args = build_compare_parser().parse_args(argv[2:])
        args.command = "profile-compare"
    else:
        parser = build_parser()
        args = parser.parse_args(argv)
    args.stop_signals = signals
    try:
        return _dispatch(args)
    except InputError as exc:
        _say(f"fwadvisor: error: {exc}")
        return EXIT_BAD_INPUT
    except WriteError as exc:
        _say(f"fwadvisor: error: {exc}")
        return EXIT_BAD_INPUT if exc.refused else EXIT_FAILED
    except KeyboardInterrupt:
        _say("fwadvisor: interrupted")
        return EXIT_INTERRUPTED


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        return _open_app(args)
    if args.command == "recommend":
        from fwadvisor.commands.recommend import run_recommend

        return run_recommend(args)
    if args.command == "answers-template":
        from fwadvisor.commands.rules import run_answers_template

        return run_answers_template(args)
    if args.command in ("profile", "profile-compare", "env"):
        from fwadvisor.commands import compare as compare_command
        from fwadvisor.commands import profile as profile_commands

        return {
            "profile": profile_commands.run_profile_command,
            "profile-compare": compare_command.run_compare,
            "env": profile_commands.run_env,
        }[args.command](args)
    if args.command == "facts":
        from fwadvisor.commands.facts import run_facts

        return run_facts(args)
    if args.command == "scan":
        from fwadvisor.commands.scan import run_scan

        return run_scan(args)
    if args.command == "rules":
        from fwadvisor.commands import rules as rules_commands

        return {
            "check": rules_commands.run_check,
            "list": rules_commands.run_list,
            "schema": rules_commands.run_schema,
        }[args.rules_command](args)
    _say(f"fwadvisor: error: unknown command {args.command}")
    return EXIT_BAD_INPUT


def _prepare_standard_streams() -> None:
    """Make stdout and stderr safe to use whatever this process was started with.

    - A closed descriptor 0, 1 or 2 (`>&-`) gets /dev/null as a placeholder, so no file opened later
      takes its number; stdout's placeholder is read-only, so writing output still fails (EBADF) and
      is reported, as it must be: the output went nowhere.
    - An encoding that cannot show every character (PYTHONIOENCODING=ascii, a C locale) writes
      `\\u2717` for what it cannot show instead of raising UnicodeEncodeError.
    """
    for fd, flags in ((0, os.O_RDONLY), (1, os.O_RDONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
        except OSError:
            placeholder = os.open(os.devnull, flags)
            if placeholder != fd:
                os.dup2(placeholder, fd)
                os.close(placeholder)
    if sys.stdin is None:
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115  # lives as long as the process
    if sys.stdout is None:
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    if sys.stderr is None:
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _discard(stream: TextIO) -> None:
    """After a standard stream failed, point it at /dev/null: the exit-time flush must not fail (and
    print, and turn the exit status into 120) again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _describe_os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.filename:
        from fwadvisor.safe_text import one_line

        return f"{one_line(exc.filename)}: {reason}"
    if exc.errno in (errno.EBADF, errno.EIO, errno.ENOSPC, errno.EPIPE):
        return f"cannot write to standard output: {reason}"
    return reason


def _say(message: str) -> None:
    """One line on stderr; a stderr that is gone too (a closed terminal) is not worth a traceback.

    On a terminal the line is wrapped at spaces to its width (the terminal itself would cut words in
    two at column 80); piped or redirected it stays one line, for grep and logs."""
    from fwadvisor.safe_text import for_stderr

    message = for_stderr(message)
    try:
        print(message, file=sys.stderr, flush=True)
    except OSError:
        pass


def _open_app(args: argparse.Namespace) -> int:
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        print(
            "fwadvisor: the app needs a terminal. For advice without one:\n"
            "  fwadvisor answers-template --output my-project.yaml\n"
            "  fwadvisor recommend --answers my-project.yaml",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    from fwadvisor.tui.app import make_app

    app = make_app(args.answers, project=getattr(args, "project", None))
    app.run()
    # Textual sets return_code to 1 when the app ended on an unhandled exception: a crash is not a success.
    return app.return_code or EXIT_OK
