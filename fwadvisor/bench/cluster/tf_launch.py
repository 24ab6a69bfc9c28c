"""Starts TensorFlow's ranks for one cluster launch: `python -m fwadvisor.bench.cluster.tf_launch
--world-size N --device cpu|cuda [--threads T] --cases FILE`. Imports no framework.

TensorFlow has no torchrun: MultiWorkerMirroredStrategy reads its cluster from TF_CONFIG, one worker
per process. This picks N free loopback ports, starts N `python -m fwadvisor.bench.cluster.rank
--framework tensorflow` with TF_CONFIG naming them (and CUDA_VISIBLE_DEVICES=i on GPUs), passes rank 0's
stdout through as its own (the worker protocol) and every other rank's to stderr. When a rank exits
non-zero the others are stopped and this exits with that rank's code; SIGTERM stops them all; the
ranks die with this process (PR_SET_PDEATHSIG) and this one with the runner.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

from fwadvisor.bench.worker import die_with_parent
from fwadvisor.profiler.protocol import PARENT_PID_ENV

LOOPBACK = "127.0.0.1"
POLL_S = 0.05
STOP_GRACE_S = 3.0


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free on loopback now (held open together, so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((LOOPBACK, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def tf_config(ports: Sequence[int], index: int) -> str:
    cluster = {"worker": [f"{LOOPBACK}:{port}" for port in ports]}
    return json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})


def rank_command(args: argparse.Namespace) -> list[str]:
    command = [sys.executable, "-m", "fwadvisor.bench.cluster.rank", "--framework", "tensorflow"]
    command += ["--device", args.device, "--world-size", str(args.world_size), "--cases", args.cases]
    if args.threads is not None:
        command += ["--threads", str(args.threads)]
    return command


def _stop(ranks: Sequence[subprocess.Popen[bytes]]) -> None:
    """SIGTERM to every rank still running, SIGKILL to those still there after a grace period."""
    for rank in ranks:
        if rank.poll() is None:
            rank.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for rank in ranks:
        try:
            rank.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            rank.kill()
            rank.wait()


def exit_code(returncode: int) -> int:
    """A rank's exit status as this process's: a signal's number becomes 128 + it, as a shell says."""
    return 128 - returncode if returncode < 0 else returncode


def run(args: argparse.Namespace) -> int:
    ports = free_ports(args.world_size)
    ranks: list[subprocess.Popen[bytes]] = []

    def on_sigterm(*_: object) -> None:
        _stop(ranks)
        os._exit(143)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        for index in range(args.world_size):
            env = {**os.environ, "TF_CONFIG": tf_config(ports, index), PARENT_PID_ENV: str(os.getpid())}
            if args.device == "cuda":
                env["CUDA_VISIBLE_DEVICES"] = str(index)
            # Rank 0 writes the protocol on our stdout; the others' stdout is our stderr.
            stdout = None if index == 0 else sys.stderr.fileno()
            ranks.append(subprocess.Popen(rank_command(args), env=env, stdin=subprocess.DEVNULL, stdout=stdout))
        while True:
            codes = [rank.poll() for rank in ranks]
            failed = [code for code in codes if code not in (None, 0)]
            if failed:
                index = codes.index(failed[0])
                print(f"tf_launch: rank {index} exited with {failed[0]}: stopping the others", file=sys.stderr)
                _stop(ranks)
                return exit_code(failed[0])
            if all(code == 0 for code in codes):
                return 0
            time.sleep(POLL_S)
    finally:
        _stop(ranks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fwadvisor.bench.cluster.tf_launch")
    parser.add_argument("--world-size", type=int, required=True)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--cases", required=True, help="a JSON file: list of protocol.Case")
    args = parser.parse_args(argv)
    if args.world_size < 2:
        parser.error("--world-size must be at least 2 (world size 1 runs the rank directly)")
    die_with_parent()
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
