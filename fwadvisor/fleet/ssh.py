"""`fwadvisor profile --hosts FILE`: the ordinary profile on every host, over the system's ssh client.

Each host is one `ssh -o BatchMode=yes [-p PORT] [USER@]HOST -- <command>`: the user's own
~/.ssh/config, keys and agent, never a password prompt. The command runs the node wrapper
(node_run.py), which sends the saved run back on ssh's stdout. Hosts run in parallel, at most
`max_parallel` at a time, each within `timeout_s`; a host that fails or hangs costs its own run only.

Stopping (a timeout, Ctrl+C, SIGTERM): ssh's stdin is closed first, so the node's wrapper stops its
run and sends back what it measured; after GRACE_S the ssh process group gets SIGTERM, then SIGKILL.
Each ssh runs in a session of its own, so nothing it started (a local fake ssh's children too) is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import IO

from fwadvisor.atomic import WriteError
from fwadvisor.errors import InputError
from fwadvisor.fleet.hosts import Host
from fwadvisor.fleet.node_run import COMMAND_NOT_FOUND, NodeProfile, node_command, remote_command_line
from fwadvisor.fleet.outcome import NodeOutcome, Status, last_line, read_sent_run, save_node_run
from fwadvisor.profiler.run_file import MAX_RUN_BYTES
from fwadvisor.safe_text import one_line

SSH_FAILED = 255  # ssh's own exit code for a connection or authentication failure
GRACE_S = 5.0  # after stdin closes, how long the node may take to stop its run and send it back
KILL_AFTER_S = 3.0  # after SIGTERM, before SIGKILL
POLL_S = 0.2
CONNECT_TIMEOUT_S = 30
STDERR_KEPT = 64 * 1024  # the end of a node's stderr: its last line says why it failed


def ssh_command(host: Host, remote: Sequence[str], ssh: str = "ssh", timeout_s: float | None = None) -> list[str]:
    """The local ssh command line for running `remote` (words, each quoted for the remote shell) on `host`."""
    connect = CONNECT_TIMEOUT_S if timeout_s is None else max(1, min(CONNECT_TIMEOUT_S, int(timeout_s)))
    command = [ssh, "-o", "BatchMode=yes", "-o", f"ConnectTimeout={connect}"]
    if host.port is not None:
        command += ["-p", str(host.port)]
    return [*command, host.destination, "--", remote_command_line(remote)]


def run_hosts(
    hosts: Sequence[Host],
    run: NodeProfile,
    folder: Path,
    *,
    max_parallel: int,
    timeout_s: float,
    cancel: threading.Event,
    on_done: Callable[[Host, NodeOutcome], None],
    ssh: str = "ssh",
) -> list[NodeOutcome]:
    """Run `run` on every host, at most `max_parallel` at a time; each run that comes back is saved in
    `folder` as `<label>.json`. `on_done` is called (in this thread) as each host finishes, in the order
    they finish; the outcomes come back in the hosts file's order."""
    outcomes: dict[str, NodeOutcome] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(max_parallel, len(hosts)))) as pool:
        futures = {
            pool.submit(_run_host, host, run, folder, timeout_s=timeout_s, cancel=cancel, ssh=ssh): host
            for host in hosts
        }
        for future in as_completed(futures):
            host = futures[future]
            outcome = future.result()
            outcomes[host.label] = outcome
            on_done(host, outcome)
    return [outcomes[host.label] for host in hosts]


def _run_host(
    host: Host, run: NodeProfile, folder: Path, *, timeout_s: float, cancel: threading.Event, ssh: str
) -> NodeOutcome:
    started = time.monotonic()
    if cancel.is_set():
        return NodeOutcome(host.label, "cancelled", 0.0, why="stopped before it started")
    command = ssh_command(host, node_command(host.python, host.fwadvisor, run), ssh, timeout_s)
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,  # held open, never written: closing it tells the node to stop
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, killed whole (Ctrl+C reaches it only through us)
        )
    except OSError as exc:
        return NodeOutcome(host.label, "failed", 0.0, why=f"cannot start {ssh}: {exc.strerror or exc}")
    stdout, stderr, stopped = _wait(process, started + timeout_s, cancel)
    seconds = time.monotonic() - started
    code = process.returncode
    status: Status = "timed out" if stopped == "timeout" else "cancelled" if stopped == "cancel" else "ok"
    why: str | None
    if stopped == "timeout":
        why = f"no answer within {timeout_s:g} s (--host-timeout); ssh was stopped"
    elif stopped == "cancel":
        why = "stopped (Ctrl+C or a signal)"
    else:
        why = _why_failed(code, stderr)
    try:
        document = read_sent_run(stdout, host.label)
    except InputError as exc:
        # No run: the reason is ssh's or the node's, and the node's last stderr line, shown as data.
        detail = why or f"{exc.message} (exit code {code})"
        return NodeOutcome(host.label, "failed" if status == "ok" else status, seconds, why=detail)
    try:
        saved = save_node_run(folder, host.label, stdout)
    except WriteError as exc:  # a full or read-only runs folder costs this run, not the others
        return NodeOutcome(host.label, "failed", seconds, why=f"its run came back but was not saved: {exc}")
    if status != "ok":  # a partial run came back before the stop: saved, and still a timeout or a cancel
        return NodeOutcome(
            host.label, status, seconds, why=f"{why}; its partial run was saved", document=document, saved=saved
        )
    return NodeOutcome(host.label, "ok", seconds, document=document, saved=saved)


def _wait(
    process: subprocess.Popen[bytes], deadline: float, cancel: threading.Event
) -> tuple[bytes, bytes, str | None]:
    """ssh's stdout and stderr once it ends, and why it was stopped ("timeout", "cancel") if it was.

    Not Popen.communicate: it closes stdin at once, which the node reads as "stop"."""
    assert process.stdout is not None and process.stderr is not None
    # One byte past the largest run: read_sent_run then says it is too large.
    readers = [_Reader(process.stdout, MAX_RUN_BYTES), _Reader(process.stderr, STDERR_KEPT, tail=True)]
    stopped: str | None = None
    stop_at = 0.0
    while True:
        try:
            process.wait(timeout=POLL_S)
            break
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        if stopped is None and (cancel.is_set() or now >= deadline):
            stopped = "cancel" if cancel.is_set() else "timeout"
            stop_at = now
            _close_stdin(process)
        elif stopped is not None and now - stop_at >= GRACE_S:
            _signal_group(process, signal.SIGKILL if now - stop_at >= GRACE_S + KILL_AFTER_S else signal.SIGTERM)
    _close_stdin(process)
    # Whatever ssh started in its group (a local command's children) goes with it: nothing outlives the host.
    _signal_group(process, signal.SIGKILL)
    return readers[0].result(), readers[1].result(), stopped


class _Reader:
    """Reads one pipe to its end in a thread of its own, so a full pipe never blocks ssh. Keeps at most
    `limit` bytes (the first ones, or with `tail` the last ones): a host cannot fill this machine's memory."""

    def __init__(self, pipe: IO[bytes], limit: int, *, tail: bool = False):
        self._kept = bytearray()
        self._limit = limit
        self._tail = tail
        self._pipe = pipe
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while chunk := os.read(self._pipe.fileno(), 1 << 16):
                if self._tail:
                    self._kept += chunk
                    del self._kept[: max(0, len(self._kept) - self._limit)]
                elif len(self._kept) <= self._limit:
                    self._kept += chunk[: self._limit + 1 - len(self._kept)]
        except (OSError, ValueError):
            pass

    def result(self) -> bytes:
        # A grandchild that kept the pipe open was killed with the group above: the end comes soon.
        self._thread.join(timeout=KILL_AFTER_S)
        try:
            self._pipe.close()
        except OSError:
            pass
        return bytes(self._kept)


def _close_stdin(process: subprocess.Popen[bytes]) -> None:
    try:
        if process.stdin is not None:
            process.stdin.close()
    except OSError:
        pass


def _signal_group(process: subprocess.Popen[bytes], number: int) -> None:
    try:
        os.killpg(process.pid, number)
    except (ProcessLookupError, PermissionError):
        pass


def _why_failed(code: int | None, stderr: bytes) -> str | None:
    """Why ssh or the node ended without a run, from its exit code and its last stderr line."""
    said = last_line(stderr)
    if code == 0:
        return None
    if code == SSH_FAILED:
        return f"ssh could not run the command (exit 255): {said or 'no message'}"
    if code == COMMAND_NOT_FOUND:
        return said or "the node's fwadvisor command was not found (set `fwadvisor:` for this host)"
    if code == 2:
        return f"the node refused the run (exit 2): {said or 'no message'}"
    if code is not None and code < 0:
        return f"ssh ended by signal {one_line(signal.Signals(-code).name)}: {said or 'no message'}"
    return f"exit code {code}: {said or 'no message'}" if said else None
