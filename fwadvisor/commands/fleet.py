"""`fwadvisor profile --hosts FILE | --slurm | --k8s`: the ordinary profile on many machines.

--hosts and --slurm run every node, save each run in `runs/fleet-<UTC stamp>/<label>.json`, say one
line per node as it ends (on stderr: stdout is the fleet report's) and end with the fleet report
(fleet/merge.py) in --format, to stdout or --output. --k8s only writes a manifest. Exit 0 when every
node ran and every run passed, 1 when any node failed or a run did not pass, 2 for bad input.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from fwadvisor.errors import InputError
from fwadvisor.fleet.options import (
    DEFAULT_HOST_TIMEOUT_S,
    DEFAULT_MAX_PARALLEL,
    DEFAULT_TIME_LIMIT_MIN,
    LAUNCHER_OPTIONS,
)
from fwadvisor.safe_text import for_rich

if TYPE_CHECKING:
    from rich.console import Console

    from fwadvisor.fleet.hosts import Host
    from fwadvisor.fleet.node_run import NodeProfile
    from fwadvisor.fleet.outcome import NodeOutcome
    from fwadvisor.fleet.slurm import Executor
    from fwadvisor.profiler.stop_signals import StopOnSignals

LAUNCHERS = {"hosts": "--hosts", "slurm": "--slurm", "k8s": "--k8s"}
SINGLE_RUN_FORMATS = ("text", "json")


def fleet_asked(args: argparse.Namespace) -> bool:
    """Any launcher, or any launcher's option: the fleet command answers (and refuses what is wrong)."""
    return any(getattr(args, name, None) for name in LAUNCHERS) or any(
        getattr(args, dest, None) is not None for dest, _, _ in LAUNCHER_OPTIONS
    )


def check_single_run_format(args: argparse.Namespace) -> None:
    """A one-machine profile prints text or JSON; Markdown and HTML are the fleet report's."""
    if args.format not in SINGLE_RUN_FORMATS:
        raise InputError(
            f"--format {args.format} is for the fleet report (with --hosts or --slurm); "
            "a run on this machine prints text or json"
        )


def launcher_of(args: argparse.Namespace) -> str:
    """The one launcher asked for; every other combination is one InputError (exit 2)."""
    chosen = [name for name in LAUNCHERS if getattr(args, name, None)]
    if len(chosen) > 1:
        raise InputError(f"{' and '.join(LAUNCHERS[name] for name in chosen)} exclude one another: choose one")
    for dest, shown, owners in LAUNCHER_OPTIONS:
        if getattr(args, dest, None) is not None and (not chosen or chosen[0] not in owners):
            needs = " or ".join(LAUNCHERS[owner] for owner in owners)
            raise InputError(f"{shown} is an option of {needs}" + ("" if chosen else f": add {needs}"))
    launcher = chosen[0]
    if launcher == "k8s":
        if not args.image:
            raise InputError("--k8s needs --image: a container image with fwadvisor and the frameworks installed")
        if args.format != "text":
            raise InputError("--k8s writes a YAML manifest: leave out --format")
    if launcher != "hosts" and args.nodes is None:
        raise InputError(f"{LAUNCHERS[launcher]} needs --nodes N: how many nodes to profile")
    return launcher


def run_fleet_command(args: argparse.Namespace) -> int:
    signals = getattr(args, "stop_signals", None)
    if signals is not None:
        return _fleet(args, signals)
    from fwadvisor.profiler.stop_signals import StopOnSignals

    with StopOnSignals() as signals:
        return _fleet(args, signals)


def _fleet(args: argparse.Namespace, signals: StopOnSignals) -> int:
    from fwadvisor.commands.console import stderr_console
    from fwadvisor.commands.output import check_output, emit
    from fwadvisor.fleet.node_run import node_profile

    launcher = launcher_of(args)
    check_output(args.output)
    run = node_profile(args.suite, args.device, args.framework, args.benchmark, args.threads)
    if launcher == "k8s":
        from fwadvisor.fleet.k8s import k8s_manifest

        claim = args.k8s_claim or "fwadvisor-results"
        text = k8s_manifest(run, nodes=args.nodes, image=args.image, gpus_per_node=args.gpus_per_node or 0, claim=claim)
        emit(text, args.output, "Kubernetes manifest")
        return 0
    from fwadvisor.fleet.outcome import new_fleet_folder

    err = stderr_console(highlight=False)
    if launcher == "hosts":
        from fwadvisor.fleet.hosts import load_hosts

        hosts = load_hosts(args.hosts)  # a bad hosts file stops here (exit 2), before a folder is made
        if shutil.which("ssh") is None:
            raise InputError(
                "--hosts runs the system's ssh client, and there is no `ssh` on PATH (Debian: openssh-client)"
            )
        folder = new_fleet_folder()
        outcomes = _run_hosts(args, hosts, run, folder, err, signals)
    else:
        from fwadvisor.fleet.slurm import check_slurm_ready

        check_slurm_ready("local" if args.slurm_executor == "local" else "slurm")
        folder = new_fleet_folder()
        outcomes = _run_slurm(args, run, folder, err, signals)
    report_failed = _show_report(outcomes, folder, args, err)
    stopped_by = signals.exit_code()
    if stopped_by is not None:
        return stopped_by
    return 0 if all(outcome.passed for outcome in outcomes) and not report_failed else 1


def _run_hosts(
    args: argparse.Namespace, hosts: list[Host], run: NodeProfile, folder: Path, err: Console, signals: StopOnSignals
) -> list[NodeOutcome]:
    from fwadvisor.fleet.ssh import run_hosts

    parallel = args.max_parallel or DEFAULT_MAX_PARALLEL
    timeout = args.host_timeout or DEFAULT_HOST_TIMEOUT_S
    err.print(
        f"Profiling suite [bold]{for_rich(run.suite)}[/] on {len(hosts)} host{'s' if len(hosts) != 1 else ''} over "
        f"ssh, {min(parallel, len(hosts))} at a time, each within {timeout:g} s; runs go to {for_rich(folder)}"
    )
    return run_hosts(
        hosts,
        run,
        folder,
        max_parallel=parallel,
        timeout_s=timeout,
        cancel=signals.cancel,
        on_done=lambda host, outcome: _tell(err, outcome),
    )


def _run_slurm(
    args: argparse.Namespace, run: NodeProfile, folder: Path, err: Console, signals: StopOnSignals
) -> list[NodeOutcome]:
    from fwadvisor.fleet.slurm import run_slurm

    executor: Executor = "local" if args.slurm_executor == "local" else "slurm"
    job_folder = args.slurm_folder or folder / "slurm"
    err.print(
        f"Submitting {args.nodes} job{'s' if args.nodes != 1 else ''} ({executor} executor), one a node, "
        f"suite [bold]{for_rich(run.suite)}[/]; job files in {for_rich(job_folder)}"
    )
    return run_slurm(
        run,
        folder,
        nodes=args.nodes,
        job_folder=job_folder,
        time_limit_min=args.time_limit or DEFAULT_TIME_LIMIT_MIN,
        partition=args.partition,
        gpus_per_node=args.gpus_per_node or 0,
        cancel=signals.cancel,
        on_done=lambda job, outcome: _tell(err, outcome, job),
        executor=executor,
    )


def _tell(err: Console, outcome: NodeOutcome, job: str | None = None) -> None:
    """One line as a node ends: ✓ or ✗, its label, how it went (a node's stderr is shown as data)."""
    from fwadvisor.fleet.outcome import describe

    mark, style = ("✓", "green") if outcome.passed else ("✗", "red")
    where = f" ({for_rich(job)})" if job else ""
    err.print(f"[{style}]{mark}[/] [bold]{for_rich(outcome.label)}[/]{where}: {for_rich(describe(outcome))}")


def _show_report(outcomes: list[NodeOutcome], folder: Path, args: argparse.Namespace, err: Console) -> bool:
    """The fleet report of the runs that came back, failed nodes listed as missing; True when it failed."""
    from fwadvisor.commands.console import stdout_console
    from fwadvisor.commands.output import emit
    from fwadvisor.fleet.merge import merge_runs, missing_node
    from fwadvisor.report.fleet_render import render_fleet

    saved = [outcome for outcome in outcomes if outcome.document is not None and outcome.saved is not None]
    err.print(f"{len(saved)} of {len(outcomes)} runs saved in {for_rich(folder)}")
    missing = [missing_node(o.label, o.why or o.status) for o in outcomes if o.document is None]
    if not saved:
        err.print("[red]No node sent a run back: there is no fleet report.[/]")
        return True
    report = merge_runs(
        [(o.label, o.document) for o in saved if o.document is not None],
        sources=[str(o.saved) for o in saved],
        missing=missing,
    )
    if args.format == "text" and args.output is None:
        from fwadvisor.report.fleet_text import print_fleet

        print_fleet(stdout_console(highlight=False), report)
    else:
        emit(render_fleet(report, args.format), args.output, "Fleet report")
    sys.stdout.flush()
    return report.failed
