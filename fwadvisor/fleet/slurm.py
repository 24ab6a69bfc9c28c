"""`fwadvisor profile --slurm`: one Slurm job per node through submitit, each the ordinary profile.

Each job runs `python -m fwadvisor profile ... --format json --output <file>` as a subprocess on its
node (the Python that submitted it: submitit's jobs share the submitter's environment and folder)
and returns the run's bytes, checked and saved here. A job that fails, is cancelled or runs out of
time is one line; the others go on. `executor="local"` runs the same jobs as local processes
(submitit's LocalExecutor): a trial without a cluster, and what the tests use.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from fwadvisor.atomic import WriteError
from fwadvisor.errors import InputError
from fwadvisor.fleet.node_run import NodeProfile
from fwadvisor.fleet.outcome import NodeOutcome, last_line, read_sent_run, save_node_run, unique_label
from fwadvisor.safe_text import excerpt, one_line

Executor = Literal["slurm", "local"]
POLL_S = 0.5
STOP_WAIT_S = 30.0  # a cancelled node's profile saves its partial run; then it is killed


def run_node(run: NodeProfile, output: str) -> tuple[int, bytes, str]:
    """On the node: the ordinary profile; its exit code, the run's bytes and its last stderr line.

    The suite, when sent as text, is written beside the output. A stop (scancel's SIGTERM, the local
    executor's SIGINT) stops the profile first, which then saves what it measured."""
    folder = Path(tempfile.mkdtemp(prefix="fwadvisor-node-"))
    try:
        suite_path = None
        if run.suite_text is not None:
            suite_path = str(folder / "suite.yaml")
            Path(suite_path).write_text(run.suite_text, encoding="utf-8")
        command = [sys.executable, "-m", "fwadvisor", "profile", *run.arguments(suite_path)]
        command += ["--format", "json", "--output", output]
        with tempfile.TemporaryFile() as stderr:
            child = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                preexec_fn=_stop_with_parent,  # the job process has no other thread
            )
            try:
                code = _wait_or_stop(child, Path(stop_file(output)))
            except BaseException:  # KeyboardInterrupt (local cancel), SystemExit (submitit's SIGTERM handling)
                child.send_signal(signal.SIGTERM)
                try:
                    child.wait(STOP_WAIT_S)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
                raise
            stderr.seek(0)
            said = last_line(stderr.read()[-8192:])
        try:
            data = Path(output).read_bytes()
        except OSError:
            data = b""
        return code, data, said
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def stop_file(output: str | Path) -> str:
    """The file whose appearance asks a node to stop its run (Ctrl+C here): the job folder is shared
    with the nodes, and a stopped profile still returns what it measured."""
    return f"{output}.stop"


def _wait_or_stop(child: subprocess.Popen[bytes], stop: Path) -> int:
    asked = False
    while True:
        try:
            return child.wait(timeout=POLL_S)
        except subprocess.TimeoutExpired:
            if not asked and stop.exists():
                asked = True
                child.terminate()  # the profile saves its partial run and exits 143


def _stop_with_parent() -> None:
    """In the node's profile process, before it starts: SIGTERM it when the job process dies (the
    local executor SIGKILLs a cancelled job a second after its SIGINT). SIGTERM, not SIGKILL: the
    profile then saves what it measured, and its own workers die with it."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
        except OSError:
            pass


def check_slurm_ready(executor: Executor) -> None:
    """submitit is installed and, for the Slurm executor, sbatch is on PATH; else one InputError."""
    try:
        import submitit  # noqa: F401
    except ImportError:
        raise InputError("--slurm needs submitit, which is not installed: pip install 'fwadvisor[fleet]'") from None
    if executor == "slurm" and shutil.which("sbatch") is None:
        raise InputError(
            "--slurm: Slurm's sbatch is not on PATH, so no job can be submitted from here; run this on a Slurm "
            "login node (or add --slurm-executor local to try the jobs as local processes)"
        )


def run_slurm(
    run: NodeProfile,
    folder: Path,
    *,
    nodes: int,
    job_folder: Path,
    time_limit_min: int,
    partition: str | None,
    gpus_per_node: int,
    cancel: threading.Event,
    on_done: Callable[[str, NodeOutcome], None],
    executor: Executor = "slurm",
) -> list[NodeOutcome]:
    """Submit `nodes` jobs, wait for them, save each run in `folder` as `<node's host name>.json`.
    `on_done(job, outcome)` is called as each job ends."""
    import submitit

    check_slurm_ready(executor)
    submitter = submitit.AutoExecutor(folder=job_folder, cluster=executor)
    parameters: dict[str, Any] = {"name": "fwadvisor-profile", "timeout_min": time_limit_min, "nodes": 1}
    parameters["tasks_per_node"] = 1
    if gpus_per_node:
        parameters["gpus_per_node"] = gpus_per_node
    if partition:
        parameters["slurm_partition"] = partition
    submitter.update_parameters(**parameters)
    started = time.monotonic()
    jobs: list[tuple[Any, Path]] = []
    try:
        for index in range(nodes):
            output = job_folder / f"node-{index}.json"
            jobs.append((submitter.submit(run_node, run, str(output)), output))
    except Exception as exc:  # sbatch refused (a wrong partition, no such account): nothing was measured
        for job, _ in jobs:
            with contextlib.suppress(Exception):
                job.cancel(check=False)
        raise InputError(f"--slurm: the job could not be submitted: {excerpt(one_line(exc), 400)}") from None
    return _wait_for_jobs(jobs, folder, started, cancel, on_done)


def _wait_for_jobs(
    jobs: list[tuple[Any, Path]],
    folder: Path,
    started: float,
    cancel: threading.Event,
    on_done: Callable[[str, NodeOutcome], None],
) -> list[NodeOutcome]:
    outcomes: dict[str, NodeOutcome] = {}
    labels: set[str] = set()
    waiting = list(jobs)
    cancelled_at: float | None = None
    while waiting:
        if cancel.is_set() and cancelled_at is None:
            cancelled_at = time.monotonic()
            for job, output in waiting:
                _ask_to_stop(job, output)
        elif cancelled_at is not None and time.monotonic() - cancelled_at > STOP_WAIT_S:
            for job, _ in waiting:  # a node that did not stop when asked: the scheduler stops it
                with contextlib.suppress(Exception):
                    job.cancel(check=False)
        for job, output in [entry for entry in waiting if entry[0].done()]:
            if cancelled_at is not None and not _settled(job, output, cancelled_at):
                continue
            waiting.remove((job, output))
            name = f"job {job.job_id}"
            outcome = _outcome(job, output, folder, time.monotonic() - started, labels, cancelled_at is not None)
            outcomes[name] = outcome
            on_done(name, outcome)
        if waiting:
            time.sleep(POLL_S)
    return [outcomes[f"job {job.job_id}"] for job, _ in jobs]


def _ask_to_stop(job: Any, output: Path) -> None:
    """A running job is asked through its stop file (it then returns its partial run as usual); one
    still waiting in the queue is cancelled outright."""
    try:
        Path(stop_file(output)).touch()
    except OSError:
        pass
    with contextlib.suppress(Exception):
        if job.state in ("PENDING", "REQUEUED", "CONFIGURING"):
            job.cancel(check=False)


def _settled(job: Any, output: Path, cancelled_at: float) -> bool:
    """A cancelled job is settled once its result or its node's partial run is written, or after
    twice STOP_WAIT_S (the profile saves what it measured when it is stopped)."""
    has_result = job.paths.result_pickle.exists()
    return has_result or output.exists() or time.monotonic() - cancelled_at > 2 * STOP_WAIT_S


def _outcome(job: Any, output: Path, folder: Path, seconds: float, labels: set[str], cancelled: bool) -> NodeOutcome:
    fallback = unique_label(f"job-{job.job_id}".replace("_", "-"), labels)
    status: Literal["failed", "cancelled"] = "cancelled" if cancelled else "failed"
    said = ""
    if cancelled and not job.paths.result_pickle.exists():
        # The job was stopped before it could return: the node's profile saved its partial run itself.
        code: int | str = "stopped"
        try:
            data = output.read_bytes()
        except OSError:
            return NodeOutcome(
                fallback, "cancelled", seconds, why="stopped (Ctrl+C or a signal) before a run was saved"
            )
    else:
        try:
            code, data, said = job.result()
        except Exception as exc:
            return NodeOutcome(fallback, status, seconds, why=_job_error(exc))
    try:
        document = read_sent_run(data, fallback)
    except InputError as exc:
        why = f"{exc.message} (exit code {code})" + (f": {said}" if said else "")
        return NodeOutcome(fallback, status, seconds, why=why)
    # The node's host name labels its run (the fleet report's rows); two jobs on one node get -2.
    hostname = document.environment.hostname or ""
    if hostname:
        labels.discard(fallback)
        fallback = unique_label(_file_label(hostname), labels)
    try:
        saved = save_node_run(folder, fallback, data)
    except WriteError as exc:  # a full or read-only runs folder costs this run, not the others
        return NodeOutcome(fallback, "failed", seconds, why=f"its run came back but was not saved: {exc}")
    if cancelled:
        return NodeOutcome(
            fallback, "cancelled", seconds, why="stopped; its partial run was saved", document=document, saved=saved
        )
    return NodeOutcome(fallback, "ok", seconds, document=document, saved=saved)


def _file_label(hostname: str) -> str:
    import re

    return (re.sub(r"[^A-Za-z0-9_.-]+", "-", hostname).strip("-.") or "node")[:64]


def _job_error(exc: BaseException) -> str:
    """submitit's failure as one line: its message ends with the job's stderr; the last line says most."""
    text = str(exc)
    said = last_line(text)
    first = one_line(text.splitlines()[0]) if text.strip() else type(exc).__name__
    return excerpt(first if said == first else f"{first} … {said}", 600)
