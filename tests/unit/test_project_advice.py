"""Advice from the project itself: `recommend --project` and the app's "Start from a project folder".

The tests with the app (Pilot) are in tests/app/test_project_advice_in_the_app.py.
"""

from __future__ import annotations

import json

from project_advice_helpers import PROJECTS

from conftest import run_cli


def test_recommend_project_fills_the_gaps_and_your_answers_win(tmp_path):
    project = str(PROJECTS / "whisper_asr_service")
    data = json.loads(run_cli("recommend", "--project", project, "--format", "json").stdout)
    inferred = {item["question"]: item for item in data["inferred"]}
    assert inferred["existing_codebase"]["value"] == "pytorch"
    assert any(e.startswith("app/config.py:3: import torch") for e in inferred["existing_codebase"]["evidence"])
    assert data["answers"]["existing_codebase"] == "pytorch"
    rows = {row["id"]: row for row in data["libraries"]}
    assert {"openai-whisper", "torchaudio"} <= set(rows) and rows["openai-whisper"]["share"] > 0
    mine = tmp_path / "mine.yaml"
    mine.write_text("existing_codebase: none\ndeploy_targets: [none]\n", encoding="utf-8")
    data = json.loads(run_cli("recommend", "--project", project, "--answers", str(mine), "--format", "json").stdout)
    assert data["answers"]["existing_codebase"] == "none"  # given answers win
    assert "existing_codebase" not in {item["question"] for item in data["inferred"]}
    text = run_cli("recommend", "--project", project, "--format", "md").stdout
    assert "## Answers read from the project" in text and "app/config.py:3" in text


def test_recommend_project_refuses_a_missing_folder(tmp_path):
    result = run_cli("recommend", "--project", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "nowhere" in result.stderr and "Traceback" not in result.stderr
