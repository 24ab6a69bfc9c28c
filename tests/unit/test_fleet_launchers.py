"""`fwadvisor profile --hosts | --slurm | --k8s` without a framework: the hosts file, the option
combinations, the Kubernetes manifest, and hosts that fail, hang or are stopped (a fake ssh on PATH).
The runs that really profile are in tests/frameworks/test_fleet_runs.py."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from fleet_helpers import FakeSsh, local_node, wait_for, write_hosts

from conftest import FIXTURES, REPO, run_cli
from fwadvisor.errors import InputError
from fwadvisor.fleet.hosts import load_hosts

TINY = str(FIXTURES / "suites" / "tiny.yaml")


def _refused(path: Path, text: str) -> InputError:
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_hosts(path)
    return caught.value


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("- node1\n- node2\n- -oProxyCommand=evil\n", 3, "not starting with '-'"),
        ("- node1\n- host: node2\n  port: 70000\n", 3, "<= 65535"),
        ("- node1\n- host: node2\n  hostname: typo\n", 3, "unknown field `hostname`"),
        ("- node1\n- {host: node2, user: '-lroot'}\n", 2, "is not a user name"),
        ("- node1\n- {host: node2, label: '../escape'}\n", 2, "<label>.json"),
        ('- node1\n- {host: node2, fwadvisor: "it\'s"}\n', 2, "cannot be split into words"),
        ("- {host: node1, label: same}\n- node2\n- {host: node3, label: same}\n", 3, "first on line 1"),
        ("- node1\n- node1\n", 2, "label 'node1' is given twice"),
    ],
)
def test_a_bad_hosts_entry_is_named_with_its_line(tmp_path, text, line, words):
    problem = _refused(tmp_path / "hosts.yaml", text)
    assert problem.line == line, str(problem)
    assert words in str(problem)


def test_a_hosts_file_that_is_not_a_list_is_refused(tmp_path):
    assert "expected a list of hosts" in str(_refused(tmp_path / "hosts.yaml", "node1: {}\n"))
    assert "expected a list of hosts" in str(_refused(tmp_path / "empty.yaml", "[]\n"))


def test_hosts_get_labels_users_ports_and_commands(tmp_path):
    path = tmp_path / "hosts.yaml"
    path.write_text(
        "- gpu-node-1\n- {host: 10.0.0.7, user: me, port: 2222, label: second}\n"
        "- {host: '[fe80::1]', fwadvisor: '~/venv/bin/python -m fwadvisor', python: /usr/bin/python3.12}\n",
        encoding="utf-8",
    )
    first, second, third = load_hosts(path)
    assert (first.label, first.destination, first.port, first.fwadvisor) == (
        "gpu-node-1",
        "gpu-node-1",
        None,
        ["fwadvisor"],
    )
    assert (second.label, second.destination, second.port) == ("second", "me@10.0.0.7", 2222)
    assert (third.label, third.host) == ("fe80-1", "fe80::1")
    assert third.fwadvisor == ["~/venv/bin/python", "-m", "fwadvisor"] and third.python == ["/usr/bin/python3.12"]


def test_duplicate_labels_stop_the_command_before_any_host_runs(tmp_path):
    fake = FakeSsh(tmp_path)
    hosts = write_hosts(tmp_path / "hosts.yaml", [local_node("alpha"), local_node("beta", label="alpha")])
    done = run_cli("profile", "--hosts", str(hosts), "--suite", TINY, env=fake.env())
    assert done.returncode == 2, done.stderr
    assert "hosts.yaml:4: hosts file: label 'alpha' is given twice (first on line 1)" in done.stderr
    assert fake.calls() == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--hosts", "h.yaml", "--slurm", "--nodes", "2"], "--hosts and --slurm exclude one another"),
        (["--slurm", "--k8s", "--nodes", "2", "--image", "x"], "--slurm and --k8s exclude one another"),
        (["--max-parallel", "2"], "--max-parallel is an option of --hosts: add --hosts"),
        (["--slurm", "--nodes", "1", "--image", "x"], "--image is an option of --k8s"),
        (["--hosts", "h.yaml", "--partition", "gpu"], "--partition is an option of --slurm"),
        (["--k8s", "--nodes", "2"], "--k8s needs --image"),
        (["--k8s", "--image", "x"], "--k8s needs --nodes"),
        (["--slurm"], "--slurm needs --nodes"),
        (["--k8s", "--nodes", "2", "--image", "x", "--format", "json"], "leave out --format"),
        (["--format", "html"], "--format html is for the fleet report"),
        (["--k8s", "--nodes", "2", "--image", "x", "--suite", TINY], "cannot read a suite file from this machine"),
    ],
)
def test_a_bad_combination_is_one_message_and_exit_2(args, words):
    done = run_cli("profile", *args)
    assert done.returncode == 2, done.stderr
    assert words in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 or "usage:" not in done.stderr


def test_a_bad_option_value_is_refused_by_the_parser():
    done = run_cli("profile", "--hosts", "h.yaml", "--host-timeout", "nan")
    assert done.returncode == 2 and "give a number of seconds" in done.stderr


def test_the_kubernetes_manifest_is_an_indexed_job_one_pod_a_node(tmp_path):
    out = tmp_path / "job.yaml"
    done = run_cli(
        "profile", "--k8s", "--nodes", "3", "--gpus-per-node", "2", "--image", "ghcr.io/me/fwadvisor:1.0",
        "--suite", "quick", "--device", "cuda", "--framework", "torch", "--output", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert max(len(line) for line in text.splitlines()) <= 80
    job, fetch = yaml.safe_load_all(text)
    assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job")
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] == spec["parallelism"] == 3
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    anti = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert anti["topologyKey"] == "kubernetes.io/hostname"
    assert anti["labelSelector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    (container,) = pod["containers"]
    assert container["image"] == "ghcr.io/me/fwadvisor:1.0"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 2
    assert container["command"] + container["args"] == [
        "fwadvisor", "profile", "--suite", "quick", "--device", "cuda", "--framework", "torch",
        "--format", "json", "--output", "/results/node-$(JOB_COMPLETION_INDEX).json",
    ]  # fmt: skip
    (mount,) = container["volumeMounts"]
    claim = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in pod["volumes"]}
    assert mount["mountPath"] == "/results" and claim[mount["name"]] == "fwadvisor-results"
    assert (
        fetch["kind"] == "Pod"
        and fetch["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "fwadvisor-results"
    )
    assert f"{job['metadata']['name']}" in text.split("apiVersion")[0]  # the instructions name the job
    assert "fwadvisor profile merge fleet-$JOB" in text


def test_failing_hanging_and_odd_hosts_are_reported_and_block_nothing(tmp_path):
    """A refused connection, a host that never answers (stopped at --host-timeout, nothing left
    behind), a node whose command fails with hostile text on stderr and one that sends back what is
    not a run: one line each, exit 1."""
    fake = FakeSsh(tmp_path)
    hostile = "sh -c 'printf \"[bold]boom \\033[2J it'\"'\"'s broken\\n\" >&2; exit 7'"
    # Writes JSON that is no run to the --output it is given (its last argument), and exits 0.
    junk = """sh -c 'for word; do out=$word; done; echo "{\\"kind\\": 1}" > "$out"' sh"""
    hosts = write_hosts(
        tmp_path / "hosts.yaml",
        [
            {"host": "refused.example", "user": "me", "port": 2222, "python": sys.executable},
            {"host": "hang.example", "python": sys.executable},
            {"host": "odd.example", "python": sys.executable, "fwadvisor": hostile},
            {"host": "junk.example", "python": sys.executable, "fwadvisor": junk},
        ],
    )
    started = time.monotonic()
    done = run_cli("profile", "--hosts", str(hosts), "--suite", TINY, "--host-timeout", "2", env=fake.env())
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    err = " ".join(done.stderr.split())
    assert "✗ refused.example: failed after" in err and "Connection refused" in err and "(exit 255)" in err
    assert "✗ hang.example: timed out after" in err and "no answer within 2 s (--host-timeout)" in err
    assert "✗ odd.example: failed after" in err and "exit code 7: [bold]boom �[2J it's broken" in err
    assert "✗ junk.example: failed after" in err and "not a profile document" in err and "(exit code 0)" in err
    assert "No node sent a run back" in err
    assert "\x1b" not in done.stderr + done.stdout
    assert took < 60
    assert wait_for(lambda: not fake.leftovers(), 5), fake.leftovers()
    calls = {call[call.index("--") - 1]: call for call in fake.calls()}
    refused = calls["me@refused.example"]
    assert refused[: refused.index("--")] == [
        "-o", "BatchMode=yes", "-o", "ConnectTimeout=2", "-p", "2222", "me@refused.example"
    ]  # fmt: skip
    assert len(refused) == refused.index("--") + 2  # the remote command is one quoted line


def test_sigterm_stops_every_host_and_leaves_no_process(tmp_path):
    fake = FakeSsh(tmp_path)
    hosts = write_hosts(
        tmp_path / "hosts.yaml", [{"host": f"hang{i}.example", "python": sys.executable} for i in range(3)]
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "fwadvisor", "profile", "--hosts", str(hosts), "--suite", TINY, "--max-parallel", "2"],
        cwd=REPO,
        env={**os.environ, **fake.env()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: len(fake.leftovers()) >= 2, 60), "the hanging hosts never started"
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, err
    flat = " ".join(err.split())
    assert flat.count("cancelled after") == 3, err  # two stopped, one never started
    assert "stopped before it started" in flat
    assert wait_for(lambda: not fake.leftovers(), 5), fake.leftovers()


@pytest.mark.skipif(shutil.which("sbatch") is not None, reason="Slurm is installed here: the job would be submitted")
def test_slurm_without_sbatch_is_one_message_and_nothing_is_made(isolated_user_dirs):
    done = run_cli("profile", "--slurm", "--nodes", "2")
    assert done.returncode == 2, done.stderr
    assert "sbatch is not on PATH" in done.stderr and "--slurm-executor local" in done.stderr
    assert not (isolated_user_dirs / "data" / "runs").exists()
