"""Careless and hostile paths, names and streams (issue #10): nothing crashes, nothing is lost,
nothing outside the paths asked for is touched. Every case runs the real CLI in a subprocess.
The tests with real workers are in tests/frameworks/test_hostile_files_real_runs.py.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_files_helpers import QUICK_RUN_MATMUL, _one_clean_message, _runs

from conftest import FIXTURES, REPO, run_cli

ANSWERS = str(FIXTURES / "answers" / "good_research_lab.yaml")


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory) -> Path:
    """A real run document (torch only, tiny matmul) for the tests that read one."""
    folder = tmp_path_factory.mktemp("run")
    out = folder / "run.json"
    env = {"FWADVISOR_DATA_DIR": str(folder / "data"), "FWADVISOR_CONFIG_DIR": str(folder / "config")}
    result = run_cli(*QUICK_RUN_MATMUL, "--output", str(out), env=env)
    assert result.returncode == 0, result.stderr
    return out


def test_output_to_a_fifo_is_written_through_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader is there, so the writer's open() returns
    try:
        result = run_cli("answers-template", "--output", str(fifo))
        received = os.read(reader, 1 << 20).decode()
    finally:
        os.close(reader)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the FIFO was replaced by a plain file"
    assert "primary_goal" in received


def test_output_through_a_symlink_to_a_device_writes_the_device(tmp_path):
    link = tmp_path / "null-link"
    link.symlink_to("/dev/null")
    result = run_cli("answers-template", "--output", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == "/dev/null", "the symlink was replaced by a plain file"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_through_a_symlink_to_a_regular_file_replaces_the_target(tmp_path):
    target = tmp_path / "real.yaml"
    target.write_text("old\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    result = run_cli("answers-template", "--output", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink(), "the symlink itself was replaced"
    assert "primary_goal" in target.read_text()


def test_output_to_this_process_stdout_by_a_proc_link(tmp_path):
    # /dev/stdout is a link to /proc/self/fd/1; a private link of the same kind tests it without
    # ever putting the real /dev/stdout at risk.
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    result = run_cli("recommend", "--answers", ANSWERS, "--format", "md", "--output", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    assert "PyTorch" in result.stdout


@pytest.mark.parametrize("target", ["/dev/stdout", "/dev/fd/1"])
def test_output_dev_stdout_goes_to_stdout(target):
    result = run_cli("recommend", "--answers", ANSWERS, "--format", "json", "--output", target)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["recommendation"] in ("pytorch", "tensorflow", "either")
    assert os.path.islink("/dev/stdout") or not target.startswith("/dev/stdout")


def test_output_dev_stdout_appends_where_the_shell_redirected(tmp_path):
    out = tmp_path / "out.txt"
    script = f"echo first > {out}; exec {sys.executable} -m fwadvisor answers-template --output /dev/stdout >> {out}"
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("first\n") and "primary_goal" in text


def test_output_to_dev_null_works():
    result = run_cli("recommend", "--answers", ANSWERS, "--format", "html", "--output", "/dev/null")
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_output_to_a_missing_device_creates_no_file_in_dev():
    missing = Path("/dev/fwadvisor-test-no-such-device")
    try:
        result = run_cli("answers-template", "--output", str(missing))
        assert result.returncode == 2, result.stderr
        assert "no such device" in result.stderr and "Traceback" not in result.stderr
        assert not missing.exists(), "a plain file was created among the devices"
    finally:
        if missing.is_file() and not missing.is_symlink():
            missing.unlink()


def test_output_to_a_fifo_nobody_reads_is_one_message(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run_cli("answers-template", "--output", str(fifo), timeout=30)
    assert result.returncode == 1
    _one_clean_message(result.stderr)
    assert "no program is reading" in result.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_output_to_a_full_device_is_one_message():
    result = run_cli("answers-template", "--output", "/dev/full")
    assert result.returncode == 1
    _one_clean_message(result.stderr)
    assert "/dev/full" in result.stderr and "No space left" in result.stderr


def _bad_paths(tmp_path: Path) -> dict[str, tuple[str, str]]:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    return {
        "folder": (str(tmp_path), "is a folder"),
        "under a file": (str(a_file / "report.md"), "not a folder"),
        "empty": ("", "empty"),
        "proc": ("/proc/version", "/proc"),
        "proc absent": ("/proc/fwadvisor-report.md", "/proc"),
    }


@pytest.mark.parametrize("case", ["folder", "under a file", "empty", "proc", "proc absent"])
@pytest.mark.parametrize("command", ["recommend", "answers-template", "rules-schema"])
def test_bad_output_paths_are_refused_with_one_message(tmp_path, case, command):
    path, message = _bad_paths(tmp_path)[case]
    args = {
        "recommend": ("recommend", "--answers", ANSWERS, "--format", "md"),
        "answers-template": ("answers-template",),
        "rules-schema": ("rules", "schema"),
    }[command]
    result = run_cli(*args, "--output", path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    assert (tmp_path / "a-file").read_text() == "x"


def test_profile_checks_output_before_the_run_starts(tmp_path, isolated_user_dirs):
    result = run_cli(*QUICK_RUN_MATMUL, "--output", str(tmp_path))
    assert result.returncode == 2
    assert "is a folder" in result.stderr and "Traceback" not in result.stderr
    assert "Profiling" not in result.stderr, "the run started although --output could not be written"
    assert _runs(isolated_user_dirs / "data") == []


def test_broken_pipe_is_quiet_and_exits_141():
    proc = subprocess.Popen(
        [sys.executable, "-m", "fwadvisor", "recommend", "--answers", ANSWERS, "--format", "html"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.close()  # the reader went away (`| head -1` after its line)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 141, stderr
    assert b"Traceback" not in stderr and b"Exception ignored" not in stderr, stderr


@pytest.mark.parametrize(
    "args",
    [
        ("recommend", "--answers", ANSWERS),
        ("recommend", "--answers", ANSWERS, "--format", "json"),
        ("answers-template",),
        ("rules", "list"),
    ],
)
def test_closed_stdout_is_one_message_and_exit_1(args):
    script = 'exec "$@" >&-'
    result = subprocess.run(
        ["sh", "-c", script, "sh", sys.executable, "-m", "fwadvisor", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    _one_clean_message(result.stderr)
    assert "standard output" in result.stderr


@pytest.mark.parametrize("args", [("recommend", "--answers", ANSWERS), ("rules", "list")])
def test_ascii_only_stdout_does_not_crash(args):
    result = run_cli(*args, env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert "UnicodeEncodeError" not in result.stderr
    result.stdout.encode("ascii")


@pytest.mark.parametrize(
    ("name", "shown"),
    [('"/../../outside"', "/../../outside"), ('"a\\0b"', "a\ufffdb"), ("x" * 300, "x" * 20)],
)
def test_suite_names_are_restricted_at_load_time(tmp_path, isolated_user_dirs, name, shown):
    suite = tmp_path / "evil.yaml"
    suite.write_text(
        f"name: {name}\ndescription: d\nbudget_s: 0.05\nbenchmarks:\n"
        "  - benchmark: matmul\n    cpu: {params: {m: 8, n: 8, k: 8}}\n"
    )
    result = run_cli("profile", "--suite", str(suite), "--device", "cpu", "--framework", "torch")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{suite}:1:" in result.stderr and "A-Z" in result.stderr and shown in result.stderr
    assert not list(isolated_user_dirs.rglob("*.json")), "something was written"


def test_two_runs_saved_in_the_same_second_get_two_files(saved_run, isolated_user_dirs):
    # The same document saved twice is two runs created in the same second: neither may replace the other.
    script = (
        "import sys; from pathlib import Path\n"
        "from fwadvisor.profiler.run_file import load_run\n"
        "from fwadvisor.profiler.session import save_document\n"
        "doc = load_run(Path(sys.argv[1]))\n"
        "print(save_document(doc)[0]); print(save_document(doc)[0])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(saved_run)], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stderr
    first, second = (Path(line) for line in result.stdout.split())
    assert first != second and first.exists() and second.exists()
    assert _runs(isolated_user_dirs / "data") == sorted([first, second])
    # Newest last by name, as the app picks the latest run.
    assert sorted([first, second])[-1] == second


def test_compare_paths_with_brackets(saved_run, tmp_path):
    odd = tmp_path / "a[" / "b][bold].json"
    odd.parent.mkdir()
    odd.write_bytes(saved_run.read_bytes())
    result = run_cli("profile", "compare", str(saved_run), str(odd))
    assert result.returncode == 0, result.stderr
    assert "b][bold].json" in result.stdout.replace("\n", "")


@pytest.mark.parametrize("threads", ["0", "-1", "100000", "many"])
def test_threads_out_of_range_is_refused(threads):
    result = run_cli("profile", "--suite", "no-such-suite", "--threads", threads)
    assert result.returncode == 2
    assert "--threads" in result.stderr and "from 1 to" in result.stderr
