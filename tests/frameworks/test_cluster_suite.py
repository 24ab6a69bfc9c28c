"""The cluster suite end to end on the CPU: both frameworks, real ranks (torchrun over gloo, TF_CONFIG
over RING, MirroredStrategy over logical CPU devices), through the CLI; and a SIGTERM during a
torchrun launch leaves no rank behind. The cases files live under the test's TMPDIR, so the ranks
of this test are found by their command lines, never another user's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import psutil
import pytest

from conftest import FIXTURES, REPO
from fwadvisor.frameworks import installed
from fwadvisor.profiler.documents import RunDocument

SUITE = FIXTURES / "suites" / "cluster_tiny.yaml"
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ranks die with their parent on Linux")


def ours(folder: Path) -> list[psutil.Process]:
    """Processes whose command line names a file under `folder` (the cases file of this test's launches)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if any(str(folder) in part for part in process.info["cmdline"] or []):
            found.append(process)
    return found


def start_cli(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TMPDIR": str(tmp_path), "COLUMNS": "80"}
    command = [sys.executable, "-m", "fwadvisor", "profile", "--suite", str(SUITE), "--device", "cpu", *args]
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_the_tiny_cluster_suite_checks_out_in_both_frameworks_and_leaves_no_rank(tmp_path: Path) -> None:
    output = tmp_path / "run.json"
    cli = start_cli(tmp_path, "--threads", "1", "--format", "json", "--output", str(output))
    _, stderr = cli.communicate(timeout=400)
    document = msgspec.json.decode(output.read_bytes(), type=RunDocument)
    measured = [r for r in document.results if r.skipped is None and r.unsupported is None]
    if installed("jax"):  # JAX runs the suite's one-device case; its cluster cases are not supported here
        jax_records = [r for r in document.results if r.framework == "jax"]
        assert {r.benchmark for r in jax_records if r.unsupported} == {"all_reduce", "ddp_scaling"}
        assert all("JAX's are not measured" in (r.unsupported or "") for r in jax_records if r.unsupported)
        assert [r.benchmark for r in jax_records if not r.unsupported] == ["eager_overhead"]
    problems = [(r.framework, r.benchmark, r.params, r.error) for r in measured if r.error or r.correct is not True]
    assert not problems, (problems, stderr.decode()[-2000:])
    assert cli.returncode == 0, stderr.decode()[-2000:]
    (skipped,) = [r for r in document.results if r.skipped]  # PyTorch's single-process all-reduce
    assert skipped.framework == "torch" and skipped.params["single_process"] == 1
    scaled = [r for r in measured if r.benchmark == "ddp_scaling" and r.params["world_size"] == 2]
    assert {r.framework for r in scaled} == {"torch", "tensorflow"}
    assert all(float(r.extra["scaling_efficiency"]) > 0 for r in scaled)  # type: ignore[arg-type]
    reduced = [r for r in measured if r.benchmark == "all_reduce"]
    assert all(r.extra["world_size"] == 2 and r.percent_of_peak is None for r in reduced)
    assert [launch.label for launch in document.workers["torch"].launches] == [
        "single-device worker",
        "one device, no strategy",
        "torchrun, 2 ranks",
    ]
    assert not ours(tmp_path)


def test_sigterm_during_a_torchrun_launch_leaves_no_rank_and_saves_the_partial_run(tmp_path: Path) -> None:
    output = tmp_path / "run.json"
    cli = start_cli(tmp_path, "--framework", "torch", "--threads", "1", "--format", "json", "--output", str(output))
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and not any(
            "torch.distributed.run" in " ".join(p.info["cmdline"] or []) for p in ours(tmp_path)
        ):
            time.sleep(0.2)
        if cli.poll() is not None or time.monotonic() >= deadline:
            pytest.skip("the torchrun launch did not start within 120 s on this machine")
        time.sleep(2.0)  # the ranks are up (or starting): the signal finds a whole tree
        cli.send_signal(signal.SIGTERM)
        cli.communicate(timeout=60)
    finally:
        if cli.poll() is None:
            cli.kill()
    assert cli.returncode == 128 + signal.SIGTERM
    left = time.monotonic() + 10  # PDEATHSIG is immediate; the kernel may take a moment to reap
    while ours(tmp_path) and time.monotonic() < left:
        time.sleep(0.2)
    assert not ours(tmp_path)
    document = msgspec.json.decode(output.read_bytes(), type=RunDocument)
    assert document.cancelled and any(r.cancelled for r in document.results)
