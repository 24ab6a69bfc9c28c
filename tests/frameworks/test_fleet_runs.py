"""The fleet launchers really profiling: three "hosts" through a fake ssh on PATH, one host through the
real ssh client to a loopback SSH server, and one Slurm node through submitit's local executor. Each
node runs this checkout's `fwadvisor profile` (PyTorch, the tiny suite's matmul: seconds), and the
command ends with the merged fleet report."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fleet_helpers import FakeSsh, local_node, processes_holding, wait_for, write_hosts

from conftest import FIXTURES, REPO, run_cli
from fwadvisor.profiler.run_file import load_run

TINY = str(FIXTURES / "suites" / "tiny.yaml")
ONE_CASE = ["--suite", TINY, "--framework", "torch", "--benchmark", "matmul"]

# The nodes import PyTorch, this process does not (find_spec only looks for it).
pytestmark = pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed")


def _fleet_folder(data: Path) -> Path:
    (folder,) = (data / "runs").glob("fleet-*")
    return folder


def test_three_hosts_over_ssh_give_one_fleet_report(tmp_path, isolated_user_dirs):
    """Three hosts run and come back (the suite file travels as text; each node's temporary folder is
    removed); a refused host is one line and a missing node, and never blocks the rest."""
    fake = FakeSsh(tmp_path)
    hosts = write_hosts(
        tmp_path / "hosts.yaml",
        [
            local_node("alpha"),
            local_node("beta", user="me", port=2222),
            local_node("gamma.example", label="third"),
            {"host": "refused.example", "python": sys.executable},
        ],
    )
    report = tmp_path / "fleet.json"
    env = {**fake.env(), "TMPDIR": str(tmp_path / "node-tmp")}
    (tmp_path / "node-tmp").mkdir()
    done = run_cli(
        "profile", "--hosts", str(hosts), *ONE_CASE, "--max-parallel", "3", "--host-timeout", "300",
        "--format", "json", "--output", str(report), env=env, timeout=400,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # the refused host
    err = " ".join(done.stderr.split())
    for label in ("alpha", "beta", "third"):
        assert f"✓ {label}: ok (1 result," in err
    assert "✗ refused.example: failed after" in err
    assert "3 of 4 runs saved in" in err
    fleet = json.loads(report.read_text(encoding="utf-8"))
    assert fleet["kind"] == "fwadvisor-fleet"
    nodes = {node["label"]: node for node in fleet["nodes"]}
    assert set(nodes) == {"alpha", "beta", "third", "refused.example"}
    assert nodes["refused.example"]["missing"] and "Connection refused" in nodes["refused.example"]["missing_reason"]
    (case,) = fleet["cases"]
    assert case["benchmark"] == "matmul" and {value["node"] for value in case["nodes"]} == {"alpha", "beta", "third"}
    folder = _fleet_folder(isolated_user_dirs / "data")
    assert sorted(path.name for path in folder.iterdir()) == ["alpha.json", "beta.json", "third.json"]
    for path in folder.iterdir():
        run = load_run(path)
        assert run.suite.name == "tiny" and [r.benchmark for r in run.results] == ["matmul"]
    # Each "host" saved its own run in its own data folder, as a separate machine would ...
    for host in ("alpha", "beta", "gamma.example"):
        assert len(list((fake.root / host / "runs").glob("profile-*-tiny.json"))) == 1
    # ... and left no temporary folder behind.
    assert list((tmp_path / "node-tmp").iterdir()) == []
    destinations = {call[call.index("--") - 1] for call in fake.calls()}
    assert destinations == {"alpha", "me@beta", "gamma.example", "refused.example"}


def test_one_slurm_node_through_submitits_local_executor(tmp_path, isolated_user_dirs):
    pytest.importorskip("submitit")
    report = tmp_path / "fleet.md"
    done = run_cli(
        "profile", "--slurm", "--slurm-executor", "local", "--nodes", "1", "--time-limit", "5", *ONE_CASE,
        "--format", "md", "--output", str(report), timeout=400,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "(local executor)" in done.stderr and "1 of 1 runs saved in" in done.stderr
    folder = _fleet_folder(isolated_user_dirs / "data")
    (saved,) = folder.glob("*.json")
    run = load_run(saved)
    assert saved.stem == run.environment.hostname  # a Slurm node is named by its host name
    assert [r.benchmark for r in run.results] == ["matmul"]
    assert (folder / "slurm").is_dir()  # submitit's job files and logs, beside the runs
    assert saved.stem in report.read_text(encoding="utf-8")


def _real_ssh_or_skip() -> str:
    found = shutil.which("ssh")
    if found is None:
        pytest.skip("no ssh client on PATH (Debian: openssh-client)")
    pytest.importorskip("asyncssh", reason="the loopback SSH server is asyncssh (the dev extra)")
    return found


def test_one_host_through_the_real_ssh_client_to_a_loopback_server(tmp_path, isolated_user_dirs):
    """The real OpenSSH client (BatchMode, a key, -p, the quoting over the wire) against an asyncssh
    server on 127.0.0.1 with a throwaway host key; ssh reads its settings from a config file, as a
    user's ~/.ssh/config would give them."""
    real_ssh = _real_ssh_or_skip()
    import asyncssh

    keys = tmp_path / "keys"
    keys.mkdir(mode=0o700)
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    (keys / "client_key").write_bytes(client_key.export_private_key())
    (keys / "client_key").chmod(0o600)
    (keys / "client_key.pub").write_bytes(client_key.export_public_key())
    server = subprocess.Popen(
        [sys.executable, "-W", "ignore", str(REPO / "tests" / "loopback_ssh_server.py"), str(keys)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("PORT "), line
        port = int(line.split()[1])
        host_key = (keys / "host_key.pub").read_text(encoding="utf-8").strip()
        (keys / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_key}\n", encoding="utf-8")
        config = keys / "ssh_config"
        config.write_text(
            f"Host 127.0.0.1\n  IdentityFile {keys / 'client_key'}\n  IdentitiesOnly yes\n"
            f"  UserKnownHostsFile {keys / 'known_hosts'}\n  StrictHostKeyChecking yes\n  LogLevel ERROR\n",
            encoding="utf-8",
        )
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        (bin_dir / "ssh").write_text(f'#!/bin/sh\nexec {real_ssh} -F {config} "$@"\n', encoding="utf-8")
        (bin_dir / "ssh").chmod(0o755)
        hosts = write_hosts(tmp_path / "hosts.yaml", [local_node("127.0.0.1", port=port, label="loopback")])
        env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
        done = run_cli("profile", "--hosts", str(hosts), *ONE_CASE, "--format", "json", env=env, timeout=300)
    finally:
        server.terminate()
        server.wait(10)
    assert done.returncode == 0, done.stderr
    fleet = json.loads(done.stdout)
    assert [node["label"] for node in fleet["nodes"]] == ["loopback"]
    saved = _fleet_folder(isolated_user_dirs / "data") / "loopback.json"
    assert [r.benchmark for r in load_run(saved).results] == ["matmul"]
    assert wait_for(lambda: server.poll() is not None, 5)


def test_sigterm_stops_the_slurm_nodes_and_keeps_their_partial_runs(tmp_path, isolated_user_dirs):
    """SIGTERM to fwadvisor asks each running job to stop (its stop file in the shared job folder): the
    node's profile saves what it measured, the job returns it, and no process is left."""
    pytest.importorskip("submitit")
    slow = str(FIXTURES / "suites" / "slow_matmul.yaml")
    # The node's profile reads its suite from a folder in TMPDIR: this test's processes carry the path.
    node_tmp = tmp_path / "node-tmp"
    node_tmp.mkdir()
    marker = str(node_tmp)
    process = subprocess.Popen(
        [sys.executable, "-m", "fwadvisor", "profile", "--slurm", "--slurm-executor", "local", "--nodes", "1",
         "--suite", slow, "--framework", "torch"],
        cwd=REPO, env={**os.environ, "TMPDIR": marker}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert wait_for(lambda: processes_holding(marker), 120), "the node's profile never started"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, err
    assert "cancelled after" in err and "its partial run was saved" in err, err
    (saved,) = _fleet_folder(isolated_user_dirs / "data").glob("*.json")
    run = load_run(saved)
    assert run.cancelled and run.results[0].benchmark == "matmul"
    assert wait_for(lambda: not processes_holding(marker), 10), processes_holding(marker)
