"""The commands that start a launch group of the cluster suite (cluster_plan.LaunchGroup).

Each launch is one process tree whose first process the runner starts (run_worker, with a `Launch`):
rank 0 writes the worker protocol on stdout, every other rank writes to stderr. The cases reach the
ranks as a JSON file in a private temporary folder (`cases_file`), removed when the launch ends.

- torch over N >= 2 devices: torchrun (`python -m torch.distributed.run`) with a c10d rendezvous on
  a free loopback port, one process per device (gloo on a CPU, NCCL on GPUs), wrapped in
  exec_with_parent so that it dies with fwadvisor like every worker;
- TensorFlow over N >= 2 devices: fwadvisor.bench.cluster.tf_launch, which starts N ranks with
  TF_CONFIG on loopback ports (MultiWorkerMirroredStrategy);
- TensorFlow's single-process MirroredStrategy, and either framework's one-device baseline: one rank.
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import msgspec

from fwadvisor.profiler.cluster_plan import LaunchGroup
from fwadvisor.profiler.protocol import Case

RANK_MODULE: Final = "fwadvisor.bench.cluster.rank"
TF_LAUNCH_MODULE: Final = "fwadvisor.bench.cluster.tf_launch"
TORCHRUN_MODULE: Final = "torch.distributed.run"
EXEC_WITH_PARENT_MODULE: Final = "fwadvisor.profiler.exec_with_parent"
LOOPBACK: Final = "127.0.0.1"
CASES_FILE_NAME: Final = "cases.json"


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick). Another process could
    take it before torchrun binds it: the launch then fails and says so, costing that group only."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@contextmanager
def cases_file(cases: Sequence[Case]) -> Iterator[Path]:
    """The cases as a JSON list (protocol.Case) in a folder only this user can read, removed after."""
    folder = Path(tempfile.mkdtemp(prefix="fwadvisor-cluster-"))  # mode 0700
    try:
        path = folder / CASES_FILE_NAME
        path.write_bytes(msgspec.json.encode(list(cases)))
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _rank_options(device: str, threads: int | None, cases: Path) -> list[str]:
    options = ["--device", device]
    if threads:
        options += ["--threads", str(threads)]
    return [*options, "--cases", str(cases)]


def launch_command(
    group: LaunchGroup, device: str, threads: int | None, cases: Path, port: int | None = None
) -> list[str]:
    """The command line of one launch group (`threads`: each rank's; `port`: torchrun's rendezvous
    port, picked now when not given)."""
    python = sys.executable
    options = _rank_options(device, threads, cases)
    framework = group.framework
    if group.world_size == 1 or group.single_process:
        flags = ["--single-process"] if group.single_process else []
        world = ["--world-size", str(group.world_size)]
        return [python, "-m", RANK_MODULE, "--framework", framework, *flags, *world, *options]
    if framework == "torch":
        port = port or free_loopback_port()
        return [
            python,
            "-m",
            EXEC_WITH_PARENT_MODULE,
            python,
            "-m",
            TORCHRUN_MODULE,
            "--nnodes=1",
            f"--nproc-per-node={group.world_size}",
            "--rdzv-backend=c10d",
            f"--rdzv-endpoint={LOOPBACK}:{port}",
            "--max-restarts=0",
            "-m",
            RANK_MODULE,
            "--framework",
            "torch",
            *options,
        ]
    return [python, "-m", TF_LAUNCH_MODULE, "--world-size", str(group.world_size), *options]
