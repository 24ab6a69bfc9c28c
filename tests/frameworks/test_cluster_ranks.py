"""The cluster suite's ranks, run for real on the CPU: torchrun with gloo, tf_launch with TensorFlow's
MultiWorkerMirroredStrategy (RING over loopback), MirroredStrategy in one process over logical CPU
devices, and world size 1; the protocol they speak, the records they send, and that no rank outlives
a launch that fails, is stopped or loses its parent.

Tiny sizes (1 MiB, a CNN at batch 4): these test the code paths, not a cluster. This test process plays
the runner: it starts each launch in its own session with PARENT_PID_ENV set, as the runner does.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from conftest import REPO
from fwadvisor.profiler.documents import Record
from fwadvisor.profiler.protocol import PARENT_PID_ENV, Done, Fatal, Hello, Result, Start, WorkerMessage, decode_message

RANK_MODULE = "fwadvisor.bench.cluster.rank"
LAUNCH_TIMEOUT_S = 150
CNN = {"batch": 4, "image": 16, "channels": 3, "classes": 10}
# The record keys the contract asks the worker to fill (the parent adds the scaling and reference ones).
ALL_REDUCE_EXTRA = {"bytes", "algbw_gbs", "busbw_gbs", "world_size", "backend", "launcher", "in_place", "timing"}
ALL_REDUCE_EXTRA |= {"warmup", "iterations"}
DDP_EXTRA = {"world_size", "strategy", "backend", "launcher", "p90_s", "global_batch"}


def all_reduce_case(world_size: int, single_process: int = 0, mebibytes: int = 1, budget_s: float = 0.05) -> dict:
    params = {"mebibytes": mebibytes, "world_size": world_size, "single_process": single_process}
    return {"benchmark": "all_reduce", "params": params, "dtype": "fp32", "budget_s": budget_s}


def cnn_case(world_size: int, dtype: str = "fp32") -> dict:
    params = {"model": "train_cnn", "world_size": world_size, **CNN}
    return {"benchmark": "ddp_scaling", "params": params, "dtype": dtype, "budget_s": 0.01}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def torchrun(ranks: int, cases: Path) -> list[str]:
    return [
        *(sys.executable, "-m", "torch.distributed.run", "--nnodes=1", f"--nproc-per-node={ranks}"),
        *("--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{free_port()}", "--max-restarts=0"),
        *("-m", RANK_MODULE, "--framework", "torch", "--device", "cpu", "--threads", "1", "--cases", str(cases)),
    ]


def tf_launch(ranks: int, cases: Path) -> list[str]:
    module = "fwadvisor.bench.cluster.tf_launch"
    return [
        sys.executable,
        "-m",
        module,
        "--world-size",
        str(ranks),
        "--device",
        "cpu",
        "--threads",
        "1",
        "--cases",
        str(cases),
    ]


def rank(framework: str, world_size: int, cases: Path, *extra: str) -> list[str]:
    return [
        *(sys.executable, "-m", RANK_MODULE, "--framework", framework, "--device", "cpu", "--threads", "1"),
        *("--world-size", str(world_size), "--cases", str(cases), *extra),
    ]


def write_cases(tmp_path: Path, cases: list[dict]) -> Path:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    return path


def start(command: list[str], tmp_path: Path) -> subprocess.Popen[str]:
    """As the runner starts a launch: its own session, our pid for it to check, stderr to a file."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", PARENT_PID_ENV: str(os.getpid())}
    stderr = (tmp_path / "stderr.txt").open("w")
    return subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        start_new_session=True,
    )


def stderr_of(tmp_path: Path) -> str:
    return (tmp_path / "stderr.txt").read_text()[-3000:]


def run_launch(command: list[str], tmp_path: Path) -> tuple[int, list[WorkerMessage]]:
    launch = start(command, tmp_path)
    try:
        out, _ = launch.communicate(timeout=LAUNCH_TIMEOUT_S)
    finally:
        _end(launch)
    return launch.returncode, [decode_message(line.encode()) for line in out.splitlines() if line.strip()]


def _end(launch: subprocess.Popen[str]) -> None:
    if launch.poll() is None:
        os.killpg(launch.pid, signal.SIGKILL)
        launch.wait()


def ranks_of(cases: Path) -> list[psutil.Process]:
    """Every live rank process of the launch that reads `cases` (its path is unique to the test)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if RANK_MODULE in cmdline and str(cases) in cmdline:
            found.append(process)
    return found


def assert_no_rank_left(cases: Path, within_s: float = 15.0) -> None:
    deadline = time.monotonic() + within_s
    while True:
        alive = [p for p in ranks_of(cases) if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not alive, f"ranks left running: {[p.pid for p in alive]}"


def wait_for_ranks(cases: Path, count: int, within_s: float = 30.0) -> list[psutil.Process]:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        found = ranks_of(cases)
        if len(found) >= count:
            return found
        time.sleep(0.05)
    pytest.fail(f"{count} ranks did not start within {within_s} s")


def lines_of(launch: subprocess.Popen[str]) -> queue.Queue[str]:
    """The launch's stdout lines as they come (read by a thread, so a wait can time out)."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert launch.stdout is not None
        for line in launch.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def wait_for_line(lines: queue.Queue[str], wanted: type, within_s: float = 60.0) -> WorkerMessage:
    deadline = time.monotonic() + within_s
    while True:
        message = decode_message(lines.get(timeout=max(0.1, deadline - time.monotonic())).encode())
        if isinstance(message, wanted):
            return message


def results(messages: list[WorkerMessage]) -> list[Record]:
    """The records, after checking the protocol's order: hello, (start, result) per case, done."""
    assert isinstance(messages[0], Hello) and isinstance(messages[-1], Done), messages
    pairs = messages[1:-1]
    assert all(isinstance(m, Start) for m in pairs[::2]) and all(isinstance(m, Result) for m in pairs[1::2])
    return [m.record for m in pairs[1::2] if isinstance(m, Result)]


def check_all_reduce(record: Record, world_size: int, backend: str) -> None:
    extra: dict[str, Any] = record.extra
    assert record.correct is True, record.check
    assert f"summed to {world_size} in every element" in (record.check or "")
    assert set(extra) >= ALL_REDUCE_EXTRA, sorted(extra)
    assert extra["bytes"] == 1 << 20 and extra["world_size"] == world_size and extra["backend"] == backend
    assert extra["iterations"] >= 20 and extra["warmup"] == 5 and len(record.samples_s) == extra["iterations"]
    assert record.median_s is not None and record.spread_s is not None
    assert extra["algbw_gbs"] == pytest.approx(extra["bytes"] / record.median_s / 1e9)
    # nccl-tests' bus bandwidth: algbw * 2(n-1)/n.
    assert extra["busbw_gbs"] == pytest.approx(extra["algbw_gbs"] * 2 * (world_size - 1) / world_size)
    assert record.metric.name == "GB/s" and record.metric.value == extra["busbw_gbs"]


def check_ddp(record: Record, world_size: int, strategy: str) -> None:
    extra: dict[str, Any] = record.extra
    assert record.correct is True, record.check
    assert set(extra) >= DDP_EXTRA, sorted(extra)
    assert extra["strategy"] == strategy and extra["world_size"] == world_size
    assert extra["global_batch"] == CNN["batch"] * world_size
    assert record.median_s is not None and extra["p90_s"] >= record.median_s
    assert record.metric.name == "steps/s" and record.metric.value == pytest.approx(1 / record.median_s)
    assert extra["final_loss"] < extra["first_loss"]
    if world_size > 1:
        assert f"weights identical on all {world_size} replicas" in (record.check or "")


@pytest.fixture
def cases_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "cases.json"
    yield path
    assert_no_rank_left(path)


def test_torchrun_ranks_all_reduce_train_and_refuse_alike(tmp_path: Path, cases_file: Path) -> None:
    pytest.importorskip("torch")
    # Three ranks: the bus-bandwidth factor 2(n-1)/n is 4/3, not 1.
    cases = [all_reduce_case(3), cnn_case(3), cnn_case(3, "bf16"), all_reduce_case(3, single_process=1)]
    code, messages = run_launch(torchrun(3, write_cases(tmp_path, cases)), tmp_path)
    assert code == 0, stderr_of(tmp_path)
    reduced, trained, refused, skipped = results(messages)
    check_all_reduce(reduced, 3, "gloo")
    assert reduced.extra["in_place"] is True and reduced.extra["launcher"] == "torchrun, one process per device"
    check_ddp(trained, 3, "DistributedDataParallel")
    assert trained.extra["bucket_cap_mb"] == 25 and trained.extra["gradient_as_bucket_view"] is False
    # Refused by every rank before any collective: the launch goes on to the next case.
    assert refused.error is not None and "bf16 on a GPU only" in refused.error
    assert skipped.skipped is not None and "DataParallel" in skipped.skipped and skipped.error is None


def test_tf_launch_workers_all_reduce_and_train_over_loopback(tmp_path: Path, cases_file: Path) -> None:
    pytest.importorskip("tensorflow")
    code, messages = run_launch(tf_launch(2, write_cases(tmp_path, [all_reduce_case(2), cnn_case(2)])), tmp_path)
    assert code == 0, stderr_of(tmp_path)
    reduced, trained = results(messages)
    check_all_reduce(reduced, 2, "RING")
    assert reduced.extra["in_place"] is False and reduced.extra["launcher"] == "TF_CONFIG, one process per device"
    check_ddp(trained, 2, "MultiWorkerMirroredStrategy")
    assert trained.extra["bytes_per_pack"] == 0


def test_tf_mirrored_strategy_in_one_process_over_logical_cpus(tmp_path: Path, cases_file: Path) -> None:
    pytest.importorskip("tensorflow")
    cases = [
        all_reduce_case(2, single_process=1),
        {**cnn_case(2), "params": {**cnn_case(2)["params"], "single_process": 1}},
    ]
    command = rank("tensorflow", 2, write_cases(tmp_path, cases), "--single-process")
    code, messages = run_launch(command, tmp_path)
    assert code == 0, stderr_of(tmp_path)
    reduced, trained = results(messages)
    check_all_reduce(reduced, 2, "ReductionToOneDevice")
    assert reduced.extra["launcher"] == "MirroredStrategy, one process"
    assert reduced.extra["devices"] == ["/device:CPU:0", "/device:CPU:1"]
    check_ddp(trained, 2, "MirroredStrategy")


def test_world_size_one_is_the_plain_step(tmp_path: Path, cases_file: Path) -> None:
    """torch only: TensorFlow's world size 1 is its plain adapter's step too, and costs 10 s more here."""
    pytest.importorskip("torch")
    code, messages = run_launch(rank("torch", 1, write_cases(tmp_path, [cnn_case(1)])), tmp_path)
    assert code == 0, stderr_of(tmp_path)
    (trained,) = results(messages)
    check_ddp(trained, 1, "none (one device)")
    assert trained.extra["backend"] == "none" and "bucket_cap_mb" not in trained.extra


def test_a_case_for_another_world_size_is_refused_before_any_framework(tmp_path: Path, cases_file: Path) -> None:
    code, messages = run_launch(rank("torch", 1, write_cases(tmp_path, [cnn_case(2)])), tmp_path)
    assert code == 3
    (fatal,) = messages
    assert isinstance(fatal, Fatal) and fatal.kind == "setup_failed"
    assert "world_size 2; this launch has 1" in fatal.error


def test_a_killed_rank_ends_the_torchrun_launch(tmp_path: Path, cases_file: Path) -> None:
    pytest.importorskip("torch")
    # 64 MiB with a long budget: the case lasts well beyond the kill.
    launch = start(torchrun(2, write_cases(tmp_path, [all_reduce_case(2, mebibytes=64, budget_s=60)])), tmp_path)
    try:
        lines = lines_of(launch)
        wait_for_line(lines, Start)
        (other,) = [p for p in ranks_of(cases_file) if "RANK=1" in _environ(p)]
        other.send_signal(signal.SIGKILL)
        assert launch.wait(timeout=60) != 0
    finally:
        _end(launch)


def _environ(process: psutil.Process) -> str:
    try:
        return " ".join(f"{k}={v}" for k, v in process.environ().items())
    except psutil.Error:
        return ""


@pytest.mark.parametrize("how", ["SIGTERM to tf_launch", "SIGKILL to tf_launch", "SIGKILL to a rank"])
def test_tf_launch_leaves_no_rank(how: str, tmp_path: Path, cases_file: Path) -> None:
    """Within a second of starting (before TensorFlow has even loaded): no framework time is spent."""
    launch = start(tf_launch(2, write_cases(tmp_path, [all_reduce_case(2)])), tmp_path)
    try:
        ranks = wait_for_ranks(cases_file, 2)
        if how == "SIGKILL to a rank":
            (second,) = [p for p in ranks if '"index": 1' in _environ(p)]
            second.send_signal(signal.SIGKILL)
            assert launch.wait(timeout=30) == 128 + signal.SIGKILL
        else:
            launch.send_signal(signal.SIGTERM if how == "SIGTERM to tf_launch" else signal.SIGKILL)
            assert launch.wait(timeout=30) != 0
    finally:
        _end(launch)
