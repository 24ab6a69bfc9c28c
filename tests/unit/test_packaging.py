"""A built wheel (not the source tree) carries rules/ and profiles/ and works on its own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import FIXTURES, REPO


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("fwadvisor-*.whl")
    target = out / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def test_wheel_ships_rules_and_profiles_and_recommends(installed_wheel, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(installed_wheel)}
    code = (
        "import fwadvisor, fwadvisor.paths as p; print(fwadvisor.__file__); "
        "print(p.builtin_rules_dir()); print(p.builtin_profiles_dir())"
    )
    where = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, check=True
    ).stdout.split()
    assert all(line.startswith(str(installed_wheel)) for line in where), where
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fwadvisor",
            "recommend",
            "--answers",
            str(FIXTURES / "answers" / "good_research_lab.yaml"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert '"recommendation": "pytorch"' in result.stdout
    check = subprocess.run(
        [sys.executable, "-m", "fwadvisor", "rules", "check"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert check.returncode == 0, check.stdout + check.stderr
