"""A stdout whose reader went away (`fwadvisor ... | head -1`, `| true`), issue 20: one rule for every
command, exit 141 as for a program ended by SIGPIPE, with nothing on stderr (no traceback, no
"Exception ignored"). `profile` is tested in test_hostile_signals.py (it starts the frameworks)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from practice_runs import quick_document

from conftest import FIXTURES, REPO
from fwadvisor.profiler.documents import encode_run

ANSWERS = str(FIXTURES / "answers" / "good_research_lab.yaml")
PROJECT = str(FIXTURES / "projects" / "gpt2_tf1")


def _saved_run(folder) -> str:
    """A quick-suite run as the profiler saves it, for `profile compare` and `recommend --profile`."""
    path = folder / "run.json"
    path.write_bytes(encode_run(quick_document()))
    return str(path)


COMMANDS = {
    "--help": ["--help"],
    "--version": ["--version"],
    "recommend": ["recommend", "--answers", ANSWERS],
    "recommend json": ["recommend", "--answers", ANSWERS, "--format", "json"],
    "recommend md": ["recommend", "--answers", ANSWERS, "--format", "md"],
    "recommend html": ["recommend", "--answers", ANSWERS, "--format", "html"],
    "recommend --profile": ["recommend", "--answers", ANSWERS, "--profile", "{run}"],
    "answers-template": ["answers-template"],
    "rules check": ["rules", "check"],
    "rules list": ["rules", "list"],
    "rules list json": ["rules", "list", "--format", "json"],
    "rules schema": ["rules", "schema"],
    "facts": ["facts"],
    "facts json": ["facts", "--format", "json"],
    "scan": ["scan", PROJECT],
    "scan json": ["scan", PROJECT, "--format", "json"],
    "profile compare": ["profile", "compare", "{run}", "{run}"],
    "profile compare json": ["profile", "compare", "{run}", "{run}", "--format", "json"],
    "env": ["env"],
    "env json": ["env", "--format", "json"],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_ends_quietly_with_141_when_its_reader_went_away(name, tmp_path):
    run = _saved_run(tmp_path) if any("{run}" in arg for arg in COMMANDS[name]) else ""
    args = [arg.replace("{run}", run) for arg in COMMANDS[name]]
    proc = subprocess.Popen(
        [sys.executable, "-m", "fwadvisor", *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    proc.stdout.close()  # the reader went away before the first line (`| true`)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 141, stderr.decode(errors="replace")[-2000:]
    assert stderr == b"", stderr.decode(errors="replace")[-2000:]
