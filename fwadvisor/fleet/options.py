"""`fwadvisor profile`'s options for profiling many machines (--hosts, --slurm, --k8s and theirs).

The launchers exclude one another and each has options of its own; commands/fleet.py checks the
combination (one message, exit 2) since argparse cannot say "only with --slurm"."""

from __future__ import annotations

import argparse
from pathlib import Path

# Options that belong to one or two launchers: (dest, shown name, launchers).
LAUNCHER_OPTIONS = (
    ("max_parallel", "--max-parallel", ("hosts",)),
    ("host_timeout", "--host-timeout", ("hosts",)),
    ("nodes", "--nodes", ("slurm", "k8s")),
    ("gpus_per_node", "--gpus-per-node", ("slurm", "k8s")),
    ("partition", "--partition", ("slurm",)),
    ("time_limit", "--time-limit", ("slurm",)),
    ("slurm_folder", "--slurm-folder", ("slurm",)),
    ("slurm_executor", "--slurm-executor", ("slurm",)),
    ("image", "--image", ("k8s",)),
    ("k8s_claim", "--k8s-claim", ("k8s",)),
)
DEFAULT_MAX_PARALLEL = 8
DEFAULT_HOST_TIMEOUT_S = 3600.0
DEFAULT_TIME_LIMIT_MIN = 60


def _whole(low: int, high: int, what: str) -> type[int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"give a whole number of {what} from {low} to {high:,}; got '{text}'")
        return value

    return parse  # type: ignore[return-value]


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 1 <= value <= 7 * 86400:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"give a number of seconds from 1 to 604,800 (a week); got '{text}'")
    return value


def add_fleet_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "many machines",
        "Run the same profile on other machines and merge their runs into one fleet report. "
        "--hosts, --slurm and --k8s exclude one another.",
    )
    group.add_argument(
        "--hosts",
        type=Path,
        metavar="FILE",
        help="run on every host of a YAML list over ssh (your ~/.ssh/config and keys), save each run in "
        "runs/fleet-<UTC time>/<label>.json, then show the fleet report",
    )
    group.add_argument(
        "--max-parallel",
        type=_whole(1, 1000, "hosts"),
        metavar="K",
        help=f"--hosts: at most K at once (default {DEFAULT_MAX_PARALLEL})",
    )
    group.add_argument(
        "--host-timeout",
        type=_seconds,
        metavar="S",
        help=f"--hosts: stop a host after S seconds (default {DEFAULT_HOST_TIMEOUT_S:g})",
    )
    group.add_argument("--slurm", action="store_true", help="submit one Slurm job per node through submitit")
    group.add_argument("--nodes", type=_whole(1, 1000, "nodes"), metavar="N", help="--slurm, --k8s: how many nodes")
    group.add_argument("--partition", metavar="NAME", help="--slurm: the Slurm partition")
    group.add_argument(
        "--gpus-per-node",
        type=_whole(0, 64, "GPUs"),
        metavar="G",
        help="--slurm, --k8s: GPUs each node asks for (default 0)",
    )
    group.add_argument(
        "--time-limit",
        type=_whole(1, 43200, "minutes"),
        metavar="MIN",
        help=f"--slurm: each job's time limit in minutes (default {DEFAULT_TIME_LIMIT_MIN})",
    )
    group.add_argument(
        "--slurm-folder",
        type=Path,
        metavar="DIR",
        help="--slurm: submitit's folder for jobs and logs, on a file system the nodes share "
        "(default: slurm/ in the fleet's runs folder)",
    )
    group.add_argument(
        "--slurm-executor",
        choices=("slurm", "local"),
        help="--slurm: 'local' runs the jobs as processes on this machine, to try it without a cluster",
    )
    group.add_argument(
        "--k8s",
        action="store_true",
        help="write a Kubernetes Indexed Job manifest to --output (or stdout); applies nothing",
    )
    group.add_argument("--image", metavar="IMAGE", help="--k8s: a container image with fwadvisor and the frameworks")
    group.add_argument(
        "--k8s-claim",
        metavar="NAME",
        help="--k8s: the PersistentVolumeClaim the runs are written to (default fwadvisor-results)",
    )


def chosen_launcher(args: argparse.Namespace) -> str | None:
    """'hosts', 'slurm' or 'k8s' when one was asked for (checked by commands.fleet), else None."""
    for name in ("hosts", "slurm", "k8s"):
        if getattr(args, name, None):
            return name
    return None
