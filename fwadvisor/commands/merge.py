"""`fwadvisor profile merge RUN...`: saved runs of many nodes as one fleet report.

A RUN is a saved run file or a folder of them (a launcher's `fleet-<stamp>/`). A file that cannot be
read is a missing node: one message on stderr naming the file and why, the node listed as missing,
and the rest still merged (exit 1). Exit 2 when nothing at all could be read, or for a bad --output.
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_INCOMPLETE, EXIT_BAD_INPUT = 0, 1, 2


def run_merge(args: argparse.Namespace) -> int:
    from fwadvisor.commands.console import stderr_console, stdout_console
    from fwadvisor.commands.output import check_output, emit, refuse_inputs
    from fwadvisor.errors import InputError
    from fwadvisor.fleet.merge import load_runs_leniently, merge_runs, run_files
    from fwadvisor.report.fleet_render import render_fleet

    check_output(args.output)  # a bad --output is refused before anything is read
    files = run_files(args.runs)
    refuse_inputs(args.output, [("a run this command merges", path) for path in files])
    runs, sources, missing = load_runs_leniently(files)
    errors = stderr_console(highlight=False)
    for node in missing:
        errors.print(f"fwadvisor: {node.missing_reason}", markup=False, overflow="fold")
    if not runs:
        raise InputError(f"no saved run could be read of the {len(files)} given: nothing to merge")
    report = merge_runs(runs, sources=sources, missing=missing)
    if args.format == "text" and args.output is None:
        from fwadvisor.report.fleet_text import print_fleet

        print_fleet(stdout_console(highlight=False), report)
    else:
        emit(render_fleet(report, args.format), args.output, "Fleet report")
    sys.stdout.flush()
    return EXIT_INCOMPLETE if report.failed else EXIT_OK
