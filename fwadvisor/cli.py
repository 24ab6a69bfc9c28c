"""The `fwadvisor` command line. `fwadvisor` alone opens the TUI; every feature also works headless."""

from __future__ import annotations

import argparse
import errno
import io
import os
import sys
from typing import TYPE_CHECKING, TextIO

from fwadvisor.arguments import build_compare_parser, build_merge_parser, build_parser
from fwadvisor.ctrl_c import EXIT_INTERRUPTED, caused_by_ctrl_c
from fwadvisor.errors import InputError

if TYPE_CHECKING:
    from fwadvisor.profiler.stop_signals import StopOnSignals

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
# The reader of stdout went away (`fwadvisor recommend | head -1`): the code a shell reports for a
# process ended by SIGPIPE (128 + 13), as `yes | head -1` gives. Nothing is printed for it.
EXIT_BROKEN_PIPE = 141


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
    return argv[:1] == ["profile"] and argv[1:2] not in (["compare"], ["merge"])


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
    elif argv[:2] == ["profile", "merge"]:
        args = build_merge_parser().parse_args(argv[2:])
        args.command = "profile-merge"
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
    if args.command == "profile-merge":
        from fwadvisor.commands.merge import run_merge

        return run_merge(args)
    if args.command == "profile":
        from fwadvisor.commands import fleet as fleet_command

        if fleet_command.fleet_asked(args):
            return fleet_command.run_fleet_command(args)
        fleet_command.check_single_run_format(args)
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
