"""The command line as a user runs it: a real subprocess each time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, REPO, run_cli
from fwadvisor import __version__

LAB = FIXTURES / "answers" / "good_research_lab.yaml"


def test_version_from_console_script_and_module():
    assert run_cli("--version").stdout.strip() == f"fwadvisor {__version__}"
    console_script = Path(sys.executable).parent / "fwadvisor"  # installed next to this Python
    script = subprocess.run([str(console_script), "--version"], capture_output=True, text=True)
    assert script.stdout.strip() == f"fwadvisor {__version__}"


@pytest.mark.parametrize(
    "command",
    [[], ["recommend"], ["answers-template"], ["rules"], ["rules", "check"], ["rules", "list"], ["rules", "schema"]],
)
def test_help_on_every_command(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: fwadvisor")


def test_unknown_command_or_option_is_exit_2():
    assert run_cli("frobnicate").returncode == 2
    assert run_cli("recommend", "--answers", str(LAB), "--format", "pdf").returncode == 2


def test_recommend_text_names_verdict_reasons_and_sections():
    result = run_cli("recommend", "--answers", str(LAB))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "PyTorch, high confidence:" in out
    assert out.count("high confidence") == 1  # one verdict line, not two
    for heading in ("Reasons", "What would change the answer", "Where to go next (PyTorch)"):
        assert heading in out
    assert "facts behind this advice were checked" in out and "H = primary source" in out
    assert "hf-transformers-v5-pytorch-only" in out
    assert "checked 2026-" in out


def test_recommend_json_has_the_contract_shape():
    result = run_cli("recommend", "--answers", str(LAB), "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == 1
    assert doc["recommendation"] == "pytorch"
    assert doc["confidence"] in {"high", "medium", "low"} and isinstance(doc["margin"], float | int)
    assert set(doc["scores"]) == {"pytorch", "tensorflow"}
    assert isinstance(doc["alternatives"], list) and isinstance(doc["plan"], list)
    assert doc["facts_checked"]["oldest"] <= doc["facts_checked"]["newest"]
    reason = doc["reasons"][0]
    assert set(reason) >= {"rule", "area", "favors", "weight", "message", "evidence"}
    assert set(reason["evidence"][0]) >= {"source", "checked"}
    for key in ("caveats", "blockers", "what_if", "next_steps", "outlook", "misconceptions"):
        assert isinstance(doc[key], list | dict)
    assert all(set(w) >= {"question", "answer", "recommendation"} for w in doc["what_if"])


@pytest.mark.parametrize(
    ("fmt", "marker"),
    [
        ("md", "# fwadvisor recommendation"),
        ("html", "<!DOCTYPE html>"),
        ("json", '"schema_version"'),
        ("text", "fwadvisor recommendation"),
    ],
)
def test_output_file_in_every_format(tmp_path, fmt, marker):
    target = tmp_path / "sub" / f"report.{fmt}"
    result = run_cli("recommend", "--answers", str(LAB), "--format", fmt, "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"Report written to {target}" in result.stderr
    assert marker in target.read_text()
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no temp file left behind


def test_answers_template_covers_every_question_and_round_trips(tmp_path):
    template = run_cli("answers-template").stdout
    from fwadvisor.advisor.questionnaire import load_questionnaire

    for q in load_questionnaire().questions:
        assert f"# {q.id}:" in template
        for choice in q.choices:
            assert choice in template
    filled = tmp_path / "mine.yaml"
    filled.write_text(
        "\n".join(
            line[2:] if line.startswith("# ") and ": " in line and line[2:].split(":")[0].isidentifier() else line
            for line in template.splitlines()
        )
    )
    assert yaml.safe_load(filled.read_text())  # the uncommented template is a valid answers file
    result = run_cli("recommend", "--answers", str(filled), "--format", "json")
    assert result.returncode == 0, result.stderr


def test_no_command_without_a_terminal_explains_and_points_to_recommend():
    result = subprocess.run(
        [sys.executable, "-m", "fwadvisor"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr
    assert "fwadvisor recommend --answers" in result.stderr


def test_rules_list_reads_at_80_and_60_columns():
    for columns in ("80", "60"):
        result = run_cli("rules", "list", env={"COLUMNS": columns})
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert all(len(line) <= int(columns) for line in lines), columns
        assert "…" not in result.stdout  # nothing cut
        assert "library-transformers-pytorch-only" in lines  # an id on a line of its own, whole


def test_an_error_on_a_terminal_wraps_at_spaces_and_stays_one_line_when_piped(tmp_path):
    """The terminal would cut words in two at its edge; a log or grep wants the message on one line."""
    import pty

    bad = tmp_path / "bad.yaml"
    bad.write_text("key_libraries: [tensorflow-decision-forrests]\n", encoding="utf-8")
    piped = run_cli("recommend", "--answers", str(bad))
    assert piped.returncode == 2 and len(piped.stderr.splitlines()) == 1
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "fwadvisor", "recommend", "--answers", str(bad)],
            stdout=subprocess.DEVNULL,
            stderr=follower,
            env={**os.environ, "COLUMNS": "60"},
            timeout=120,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal's other end is closed: all is read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    lines = b"".join(chunks).decode().replace("\r\n", "\n").splitlines()
    assert done.returncode == 2 and len(lines) > 1
    assert all(len(line) <= 60 for line in lines), lines
    # The same words (the long temporary path is the one word broken to fit); only the line breaks differ.
    assert "".join("".join(lines).split()) == "".join(piped.stderr.split())
    assert lines[0].startswith("fwadvisor: error:") and all(line.startswith("  ") for line in lines[1:])


def test_rules_check_problems_wrap_at_spaces_on_a_terminal(tmp_path):
    """A new user saw 'did not find expected node con|tent' at 80 columns: each problem line wraps
    under its indent on a terminal, and stays one line when piped."""
    import pty

    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "bad.yaml").write_text("rules: [\n", encoding="utf-8")
    piped = run_cli("rules", "check", str(folder))
    problem = [line for line in piped.stderr.splitlines() if "invalid YAML" in line]
    assert piped.returncode == 2 and len(problem) == 1 and len(problem[0]) > 60
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "fwadvisor", "rules", "check", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=follower,
            env={**os.environ, "COLUMNS": "60"},
            timeout=120,
        )
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal's other end is closed: all is read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    lines = b"".join(chunks).decode().replace("\r\n", "\n").splitlines()
    assert done.returncode == 2
    assert all(len(line) <= 60 for line in lines), lines
    assert "".join("".join(lines).split()) == "".join(piped.stderr.split())
    problem_lines = [line for line in lines if line.startswith("  ")]
    assert len(problem_lines) > 1 and all(line.startswith("    ") for line in problem_lines[1:]), lines
