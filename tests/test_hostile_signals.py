"""Signals to `fwadvisor profile` (issue #10): TERM and HUP act like Ctrl+C, a second Ctrl+C still
saves, and a worker never outlives its parent, even one stopped or inside native code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from conftest import FIXTURES, REPO

pytestmark = pytest.mark.frameworks

SLOW = str(FIXTURES / "suites" / "slow_matmul.yaml")


def _workers_of(mark: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "environ", "status"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            if (
                "fwadvisor.profiler.worker" in cmd
                and (proc.info["environ"] or {}).get("FWADVISOR_TEST_MARK") == mark
                and proc.info["status"] != psutil.STATUS_ZOMBIE
            ):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def _default_stop_signals(ignored: tuple[signal.Signals, ...] = ()) -> None:
    """In the child before it starts: the stop signals as a terminal leaves them, so that the tests
    pass however pytest was started. A child inherits an ignored SIGINT (pytest started in the
    background, or by a CI runner) or an ignored SIGHUP (under nohup), and fwadvisor rightly keeps
    an ignored signal ignored; `ignored` sets that up on purpose."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN if signum in ignored else signal.SIG_DFL)


def _start_profile(mark: str, out: Path, ignored: tuple[signal.Signals, ...] = ()) -> subprocess.Popen[str]:
    env = {**os.environ, "FWADVISOR_TEST_MARK": mark, "COLUMNS": "120"}
    command = [sys.executable, "-m", "fwadvisor", "profile", "--suite", SLOW, "--device", "cpu"]
    command += ["--framework", "torch", "--framework", "tensorflow", "--threads", "1", "--output", str(out)]
    return subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: _default_stop_signals(ignored),
    )


def _wait_for_the_slow_benchmark(mark: str) -> list[psutil.Process]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _workers_of(mark):
        time.sleep(0.2)
    workers = _workers_of(mark)
    assert workers, "no worker started"
    time.sleep(5)  # torch imported and into the slow matmul (native code)
    return workers


def _kill_leftovers(mark: str) -> None:
    for proc in _workers_of(mark):
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass


def _assert_partial_run_saved(out: Path, reason: str) -> None:
    doc = json.loads(out.read_text())
    assert doc["cancelled"] is True
    torch_records = [r for r in doc["results"] if r["framework"] == "torch"]
    assert torch_records[0]["error"] is None, "the benchmark measured before the signal was lost"
    assert any(reason in (r["error"] or "") for r in torch_records), [r["error"] for r in torch_records]
    assert all(r["error"] for r in doc["results"] if r["framework"] == "tensorflow")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_term_and_hup_save_the_partial_run_like_ctrl_c(tmp_path, signum, code):
    mark = f"sig-{signum}-{os.getpid()}"
    out = tmp_path / "run.json"
    proc = _start_profile(mark, out)
    try:
        _wait_for_the_slow_benchmark(mark)
        sent = time.monotonic()
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=30)
        assert time.monotonic() - sent < 10
        assert proc.returncode == code, stderr
        assert "Traceback" not in stderr
        _assert_partial_run_saved(out, signal.Signals(signum).name)
        saved = list((Path(os.environ["FWADVISOR_DATA_DIR"]) / "runs").glob("profile-*-slow_matmul.json"))
        assert len(saved) == 1
        time.sleep(0.5)
        assert _workers_of(mark) == []
    finally:
        proc.kill()
        _kill_leftovers(mark)


def test_a_second_ctrl_c_still_saves(tmp_path):
    mark = f"ctrl-c-twice-{os.getpid()}"
    out = tmp_path / "run.json"
    proc = _start_profile(mark, out)
    try:
        (worker,) = _wait_for_the_slow_benchmark(mark)
        # A worker deep in native code takes its time to stop; a stopped one takes the whole grace
        # period, so the second Ctrl+C surely comes while the first is still being handled.
        worker.suspend()
        proc.send_signal(signal.SIGINT)
        time.sleep(1.0)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 130, stderr
        assert "Traceback" not in stderr
        _assert_partial_run_saved(out, "Ctrl+C")
        time.sleep(0.5)
        assert _workers_of(mark) == []
    finally:
        proc.kill()
        _kill_leftovers(mark)


def test_a_stopped_worker_dies_with_its_killed_parent(tmp_path):
    # SIGKILL to the parent runs none of its code: only the kernel (PR_SET_PDEATHSIG) can end the
    # worker, and a stopped worker only answers SIGKILL.
    mark = f"orphan-{os.getpid()}"
    proc = _start_profile(mark, tmp_path / "run.json")
    try:
        (worker,) = _wait_for_the_slow_benchmark(mark)
        worker.suspend()
        proc.kill()
        proc.communicate(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _workers_of(mark):
            time.sleep(0.2)
        assert _workers_of(mark) == [], "the worker outlived its parent"
    finally:
        _kill_leftovers(mark)


def test_a_run_started_under_nohup_keeps_ignoring_hup_and_still_stops_on_term(tmp_path):
    # nohup leaves SIGHUP ignored so that the run outlives its terminal: fwadvisor must not undo that.
    mark = f"nohup-{os.getpid()}"
    out = tmp_path / "run.json"
    proc = _start_profile(mark, out, ignored=(signal.SIGHUP,))
    try:
        _wait_for_the_slow_benchmark(mark)
        proc.send_signal(signal.SIGHUP)
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=3)  # still measuring
        assert _workers_of(mark), "the workers went away with the ignored SIGHUP"
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 143, stderr
        _assert_partial_run_saved(out, "SIGTERM")
    finally:
        proc.kill()
        _kill_leftovers(mark)
