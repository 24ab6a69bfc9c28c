"""Hostile files around real profile runs: a read-only, full or misplaced data folder, a failing
output, brackets in worker stderr and install hints, and an ASCII-only terminal never lose the run
or its text.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from hostile_files_helpers import QUICK_RUN_MATMUL, TINY, _one_clean_message, _runs

from conftest import REPO, run_cli


def test_ascii_only_profile_does_not_crash(isolated_user_dirs):
    result = run_cli(*QUICK_RUN_MATMUL, env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert "UnicodeEncodeError" not in result.stderr
    assert len(_runs(isolated_user_dirs / "data")) == 1


def test_data_folder_that_is_a_file_still_delivers_the_run(tmp_path):
    data = tmp_path / "data-is-a-file"
    data.write_text("not a folder")
    out = tmp_path / "run.json"
    result = run_cli(*QUICK_RUN_MATMUL, "--format", "json", "--output", str(out), env={"FWADVISOR_DATA_DIR": str(data)})
    assert result.returncode == 1
    _one_clean_message(result.stderr)
    assert "runs" in result.stderr
    assert json.loads(out.read_text())["results"]
    assert json.loads(result.stdout)["results"]
    assert data.read_text() == "not a folder"


def _mount_tmpfs(folder: Path, options: str) -> None:
    """A small or read-only file system of our own (needs root; the test is skipped without it)."""
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")


def test_full_data_folder_still_delivers_the_run(tmp_path):
    data = tmp_path / "small"
    data.mkdir()
    _mount_tmpfs(data, "size=64k")
    try:
        (data / "runs").mkdir()
        try:  # fill it: the run's own file then gets ENOSPC
            with open(data / "filler", "wb") as filler:
                while True:
                    filler.write(b"\0" * 4096)
                    filler.flush()
        except OSError:
            pass
        out = tmp_path / "run.json"
        result = run_cli(*QUICK_RUN_MATMUL, "--output", str(out), env={"FWADVISOR_DATA_DIR": str(data)})
        assert result.returncode == 1
        _one_clean_message(result.stderr)
        assert "No space left" in result.stderr
        assert json.loads(out.read_text())["results"]
        assert not [p for p in (data / "runs").iterdir()], "a partial file was left in runs/"
    finally:
        subprocess.run(["umount", str(data)], check=False)


def test_read_only_data_folder_still_delivers_the_run(tmp_path):
    data = tmp_path / "read-only"
    data.mkdir()
    _mount_tmpfs(data, "ro,size=64k")
    try:
        result = run_cli(*QUICK_RUN_MATMUL, "--format", "json", env={"FWADVISOR_DATA_DIR": str(data)})
        assert result.returncode == 1
        _one_clean_message(result.stderr)
        assert "Read-only file system" in result.stderr and "runs folder" in result.stderr
        assert json.loads(result.stdout)["results"]
    finally:
        subprocess.run(["umount", str(data)], check=False)


def test_output_failure_still_saves_to_runs(isolated_user_dirs):
    result = run_cli(*QUICK_RUN_MATMUL, "--output", "/dev/full")
    assert result.returncode == 1
    _one_clean_message(result.stderr)
    assert "No space left" in result.stderr
    assert len(_runs(isolated_user_dirs / "data")) == 1


def _fake_tensorflow(tmp_path: Path, body: str) -> dict[str, str]:
    fake = tmp_path / "fake" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(body)
    return {"PYTHONPATH": os.pathsep.join([str(tmp_path / "fake"), str(REPO)])}


def test_worker_stderr_with_brackets_does_not_lose_the_run(tmp_path, isolated_user_dirs):
    env = _fake_tensorflow(
        tmp_path,
        "import sys\nsys.stderr.write('loading [/usr/lib/libcuda.so] [bold]\\n')\n"
        "raise RuntimeError('[/usr/lib/x86_64-linux-gnu] is broken')\n",
    )
    args = ("profile", "--suite", TINY, "--device", "cpu", "--threads", "1", "--benchmark", "matmul")
    result = run_cli(*args, env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "MarkupError" not in result.stderr
    assert "[/usr/lib/x86_64-linux-gnu] is broken" in result.stdout + result.stderr
    (saved,) = _runs(isolated_user_dirs / "data")
    doc = json.loads(saved.read_text())
    assert any(r["framework"] == "torch" and r["error"] is None for r in doc["results"])


def test_install_hint_keeps_its_brackets(tmp_path):
    env = _fake_tensorflow(tmp_path, "raise ImportError('simulated: no tensorflow[and-cuda]')\n")
    args = ("profile", "--suite", TINY, "--device", "cpu", "--framework", "tensorflow", "--benchmark", "matmul")
    result = run_cli(*args, env=env)
    assert result.returncode == 1
    shown = " ".join((result.stdout + result.stderr).split())  # Rich wraps long lines at spaces
    assert "pip install 'fwadvisor[tensorflow]'" in shown and "tensorflow[and-cuda]" in shown
    assert "'fwadvisor'" not in shown and "no tensorflow." not in shown, "Rich took [tensorflow] for markup"


def test_env_framework_error_keeps_its_brackets(tmp_path):
    body = "raise ImportError('simulated: needs tensorflow[and-cuda] from [/usr/lib/cuda]')\n"
    result = run_cli("env", env=_fake_tensorflow(tmp_path, body))
    assert result.returncode == 0, result.stderr
    assert "needs tensorflow[and-cuda] from [/usr/lib/cuda]" in result.stdout.replace("\n", " ")
