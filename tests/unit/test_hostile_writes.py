"""Writes that lose nothing and leak nothing (issue 20): two app windows on one data folder, an
--output that is one of the command's inputs, the mode and owner of a replaced file, a path ending
in '/', a read-only file. The CLI runs in a subprocess; the app is driven with Pilot.
The tests with the app (Pilot) are in tests/app/test_hostile_writes_in_the_app.py.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hostile_writes_helpers import ANSWERS

from conftest import FIXTURES, run_cli

TINY = FIXTURES / "suites" / "tiny.yaml"


RULE = (FIXTURES / "rules" / "override_builtin" / "ecosystem.yaml").read_text()


def _one_refusal(stderr: str, *words: str) -> None:
    assert "Traceback" not in stderr, stderr
    # One message: ours ("fwadvisor: error: cannot write ..."), or argparse's for an argument that
    # cannot be a file's name at all (as for an empty --output).
    assert stderr.count("error:") == 1, stderr
    for word in words:
        assert word in stderr, stderr


def _run_document(path: Path) -> Path:
    from conftest import record_data

    document = {
        "schema_version": 1,
        "kind": "fwadvisor-profile",
        "created": "2026-01-02T03:04:05+00:00",
        "suite": {"name": "quick", "device": "cpu", "threads": 1},
        "environment": {"cpu": {"model": "Test CPU", "physical_cores": 4, "logical_cores": 8}, "frameworks": {}},
        "workers": {
            "torch": {"status": "ok", "error": None, "hint": None, "framework_version": "1.0"},
            "tensorflow": {"status": "ok", "error": None, "hint": None, "framework_version": "1.0"},
        },
        "results": [record_data("torch", 100.0), record_data("tensorflow", 90.0)],
    }
    path.write_text(json.dumps(document, indent=2))
    return path


def test_a_merged_save_drops_an_answer_only_the_other_writer_removed(tmp_path):
    from fwadvisor.advisor.questionnaire import Answers
    from fwadvisor.advisor.saved_answers import SavedAnswers

    saved = tmp_path / "answers.yaml"
    base: Answers = {"primary_goal": "research", "domains": ["llm"]}
    saved.write_text(yaml.safe_dump(base))
    window = SavedAnswers(saved, base)
    saved.write_text(yaml.safe_dump({"primary_goal": "research"}))  # the other writer cleared domains
    merged = window.save({**base, "team_experience": "pytorch"})
    assert merged == {"primary_goal": "research", "team_experience": "pytorch"}
    assert yaml.safe_load(saved.read_text()) == merged


def test_a_merged_save_refuses_two_different_changes_of_one_answer(tmp_path):
    from fwadvisor.advisor.saved_answers import AnswersChanged, SavedAnswers

    saved = tmp_path / "answers.yaml"
    saved.write_text(yaml.safe_dump({"primary_goal": "research"}))
    window = SavedAnswers(saved, {"primary_goal": "research"})
    saved.write_text(yaml.safe_dump({"primary_goal": "learning"}))
    with pytest.raises(AnswersChanged) as caught:
        window.save({"primary_goal": "production"})
    assert "primary_goal" in str(caught.value) and "learning" in str(caught.value)
    assert yaml.safe_load(saved.read_text()) == {"primary_goal": "learning"}
    # Answered again here, after being told: this window's answer is saved over the other.
    window.settle("primary_goal")
    assert window.save({"primary_goal": "production"}) == {"primary_goal": "production"}
    assert yaml.safe_load(saved.read_text()) == {"primary_goal": "production"}


def _link(kind: str, target: Path, where: Path) -> Path:
    if kind == "same":
        return target
    link = where / f"{kind}-link{target.suffix}"
    if kind == "symlink":
        link.symlink_to(target)
    else:
        os.link(target, link)
    return link


@pytest.mark.parametrize("kind", ["same", "symlink", "hardlink"])
def test_recommend_refuses_to_write_over_its_profile_run(tmp_path, kind):
    run = _run_document(tmp_path / "run.json")
    before = run.read_bytes()
    output = _link(kind, run, tmp_path)
    result = run_cli("recommend", "--answers", str(ANSWERS), "--profile", str(run), "--output", str(output))
    assert result.returncode == 2, result.stderr
    _one_refusal(result.stderr, "profile run")
    assert run.read_bytes() == before


@pytest.mark.parametrize("kind", ["same", "hardlink"])
def test_recommend_refuses_to_write_over_a_file_of_its_rules_folder(tmp_path, kind):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.yaml").write_text(RULE)
    output = _link(kind, rules / "mine.yaml", tmp_path)
    result = run_cli("recommend", "--answers", str(ANSWERS), "--rules", str(rules), "--output", str(output))
    assert result.returncode == 2, result.stderr
    _one_refusal(result.stderr, "rules")
    assert (rules / "mine.yaml").read_text() == RULE


def test_recommend_refuses_to_write_over_a_user_rules_file(isolated_user_dirs):
    rules = isolated_user_dirs / "config" / "rules"
    rules.mkdir(parents=True)
    (rules / "mine.yaml").write_text(RULE)
    result = run_cli("recommend", "--answers", str(ANSWERS), "--output", str(rules / "mine.yaml"))
    assert result.returncode == 2, result.stderr
    _one_refusal(result.stderr, "rules")
    assert (rules / "mine.yaml").read_text() == RULE


def test_answers_template_refuses_to_write_over_the_built_in_questions(tmp_path):
    from fwadvisor.paths import builtin_rules_dir

    questions = builtin_rules_dir() / "questions.yaml"
    # A hard link: before the fix the write replaced the link, never the built-in file itself.
    link = tmp_path / "questions.yaml"
    try:
        os.link(questions, link)
    except OSError as exc:
        pytest.skip(f"no hard link to the built-in questions possible here: {exc}")
    result = run_cli("answers-template", "--output", str(link))
    assert result.returncode == 2, result.stderr
    _one_refusal(result.stderr, "questions")
    assert link.stat().st_ino == questions.stat().st_ino


@pytest.mark.parametrize("command", ["scan", "recommend"])
def test_a_project_file_that_is_read_is_never_the_output(tmp_path, command):
    project = tmp_path / "project"
    project.mkdir()
    requirements = project / "requirements.txt"
    requirements.write_text("torch==2.3\n")
    (project / "train.py").write_text("import torch\n")
    args = ("scan", str(project)) if command == "scan" else ("recommend", "--project", str(project))
    result = run_cli(*args, "--output", str(requirements))
    assert result.returncode == 2, result.stderr
    _one_refusal(result.stderr, "requirements.txt", "project")
    assert requirements.read_text() == "torch==2.3\n"
    if command == "scan":
        assert "torch" not in result.stdout, "the scan was printed although its output was refused"


def test_profile_refuses_to_write_over_its_suite_file_before_the_run(tmp_path):
    suite = tmp_path / "tiny.yaml"
    suite.write_text(TINY.read_text())
    result = run_cli("profile", "--suite", str(suite), "--device", "cpu", "--output", str(suite))
    assert result.returncode == 2, result.stderr
    _one_refusal(result.stderr, "suite")
    assert "Profiling" not in result.stderr, "the run started although --output is its suite file"
    assert suite.read_text() == TINY.read_text()


def test_output_over_a_private_file_keeps_it_private(tmp_path):
    private = tmp_path / "report.md"
    private.write_text("secret\n")
    private.chmod(0o600)
    result = run_cli("recommend", "--answers", str(ANSWERS), "--format", "md", "--output", str(private))
    assert result.returncode == 0, result.stderr
    assert "PyTorch" in private.read_text()
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


@pytest.mark.parametrize("umask", [0o077, 0o022])
def test_a_new_output_file_follows_the_umask(tmp_path, umask):
    new = tmp_path / "template.yaml"
    script = f"import os, sys; os.umask({umask}); from fwadvisor.cli import main; sys.exit(main())"
    result = subprocess.run(
        [sys.executable, "-c", script, "answers-template", "--output", str(new)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~umask


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another owner to test this")
def test_output_over_another_owners_file_keeps_its_owner(tmp_path):
    theirs = tmp_path / "report.md"
    theirs.write_text("old\n")
    os.chown(theirs, 12345, 54321)
    result = run_cli("answers-template", "--output", str(theirs))
    assert result.returncode == 0, result.stderr
    info = theirs.stat()
    assert (info.st_uid, info.st_gid) == (12345, 54321)
    assert "primary_goal" in theirs.read_text()


@pytest.mark.parametrize("command", ["recommend", "answers-template", "scan", "profile"])
@pytest.mark.parametrize("ending", ["/", "/."])
def test_an_output_ending_in_a_slash_names_a_folder(tmp_path, command, ending):
    args = {
        "recommend": ("recommend", "--answers", str(ANSWERS), "--format", "md"),
        "answers-template": ("answers-template",),
        "scan": ("scan", str(FIXTURES / "projects" / "gpt2_tf1")),
        "profile": ("profile", "--suite", str(TINY), "--device", "cpu"),
    }[command]
    result = run_cli(*args, "--output", str(tmp_path / "newdir") + ending)
    assert result.returncode == 2, result.stderr
    _one_refusal(result.stderr, "folder")
    assert not (tmp_path / "newdir").exists(), "a file named like the folder was written"


def test_an_output_ending_in_a_slash_onto_a_folder_is_refused_as_a_folder(tmp_path):
    result = run_cli("answers-template", "--output", f"{tmp_path}/")
    assert result.returncode == 2, result.stderr
    _one_refusal(result.stderr, "is a folder")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["recommend", "answers-template", "rules-schema"])
def test_output_onto_a_read_only_file_is_refused(tmp_path, command):
    locked = tmp_path / "locked.txt"
    locked.write_text("keep me\n")
    locked.chmod(0o444)
    args = {
        "recommend": ("recommend", "--answers", str(ANSWERS), "--format", "md"),
        "answers-template": ("answers-template",),
        "rules-schema": ("rules", "schema"),
    }[command]
    result = run_cli(*args, "--output", str(locked))
    assert result.returncode == 2, result.stderr
    _one_refusal(result.stderr, "read-only")
    assert locked.read_text() == "keep me\n"
    assert stat.S_IMODE(locked.stat().st_mode) == 0o444


WINDOW_SCRIPT = """
import sys
from pathlib import Path
from fwadvisor.advisor.saved_answers import SavedAnswers

path, question, values = Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
window = SavedAnswers(path, {})
answers = {}
for value in values:
    answers[question] = value
    answers = window.save(answers)  # raises on a clash: with the lock, there is none
print(answers[question])
"""


def test_two_processes_saving_at_once_lose_nothing(tmp_path):
    # Without the folder lock, a save that reads the file just before the other writes it puts the
    # other's older answer back (or meets a clash); each process saves 40 times to give that a chance.
    saved = tmp_path / "answers.yaml"
    goals = ",".join(["production", "research"] * 20)
    teams = ",".join(["tensorflow", "pytorch"] * 20)
    windows = [
        subprocess.Popen(
            [sys.executable, "-c", WINDOW_SCRIPT, str(saved), question, values],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for question, values in (("primary_goal", goals), ("team_experience", teams))
    ]
    for window in windows:
        _, err = window.communicate(timeout=120)
        assert window.returncode == 0, err
    assert yaml.safe_load(saved.read_text()) == {"primary_goal": "research", "team_experience": "pytorch"}
