"""The library knowledge base in the advice: key libraries decide, the past does not outvote them, and
what things are worth today (TF1 skills, Keras skills, a serving stack being left, code others run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import run_cli
from fwadvisor.advisor.engine import PAST_CAPPED_RULE, recommend
from fwadvisor.advisor.libraries import load_libraries
from fwadvisor.advisor.library_rules import LIBRARY_WEIGHT, centrality_factor, library_id
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.questionnaire import Answers, load_questionnaire
from fwadvisor.report.render import render

RULES = load_rules(include_user=False)
TF_PAST: Answers = {"existing_codebase": "tensorflow", "team_experience": "tensorflow", "code_users": "own_team"}


def _rule_ids(rec) -> set[str]:
    return {r.rule for r in rec.reasons} | {c.rule for c in rec.caveats}


def test_key_libraries_choices_are_the_knowledge_base():
    question = load_questionnaire().by_id()["key_libraries"]
    assert list(question.choices) == [lib.id for lib in load_libraries()]
    assert question.label("transformers") == "Hugging Face Transformers"


def test_a_pytorch_only_key_library_is_a_strong_reason_and_a_frozen_one_a_caveat():
    rec = recommend({"key_libraries": ["transformers"]}, RULES)
    reason = next(r for r in rec.reasons if r.rule == "library-transformers-pytorch-only")
    assert reason.favors == "pytorch" and reason.weight == LIBRARY_WEIGHT
    assert "dropped TensorFlow" in reason.message and reason.evidence
    frozen = recommend({"key_libraries": ["tf-agents"]}, RULES)
    caveat = next(c for c in frozen.caveats if c.rule == "library-tf-agents-frozen")
    assert "Stable-Baselines3" in caveat.message and frozen.reasons == []
    assert library_id("library-tf-agents-frozen") == "tf-agents"


def test_the_past_never_outvotes_a_hard_present_need():
    without = recommend(TF_PAST, RULES)
    assert without.recommendation == "tensorflow"
    rec = recommend({**TF_PAST, "key_libraries": ["transformers"]}, RULES)
    assert rec.recommendation == "pytorch", rec.summary
    assert rec.scores["pytorch"] - rec.scores["tensorflow"] >= 2  # narrowed, never reversed
    caveat = next(c for c in rec.caveats if c.rule == PAST_CAPPED_RULE)
    assert "Hugging Face Transformers supports only PyTorch" in caveat.message
    # a present TensorFlow need on the other side: the past counts in full again
    both = recommend({**TF_PAST, "key_libraries": ["transformers"], "deploy_targets": ["microcontroller"]}, RULES)
    assert PAST_CAPPED_RULE not in _rule_ids(both)


def test_a_library_found_in_few_files_counts_less():
    assert centrality_factor(0.0) == 0.5 and centrality_factor(0.25) == 1.0 and centrality_factor(0.9) == 1.0
    little = recommend({"key_libraries": ["transformers"]}, RULES, library_shares={"transformers": 0.02})
    central = recommend({"key_libraries": ["transformers"]}, RULES, library_shares={"transformers": 0.5})
    assert little.scores["pytorch"] < central.scores["pytorch"] == LIBRARY_WEIGHT
    assert [row.share for row in central.libraries] == [0.5]


@pytest.mark.parametrize("change", ["leaving", "must_serve_other_frameworks"])
def test_a_serving_stack_being_left_scores_nothing(change):
    base: Answers = {"deploy_targets": ["cloud_server"], "serving_stack": "tf_serving"}
    assert "tf-serving-estate" in _rule_ids(recommend(base, RULES))
    rec = recommend({**base, "serving_change": change}, RULES)
    assert "tf-serving-estate" not in _rule_ids(rec) and "serving-stack-being-left" in _rule_ids(rec)


def test_skills_and_code_are_weighed_by_what_they_are_worth_today():
    tf2 = recommend({"team_experience": "tensorflow"}, RULES).scores["tensorflow"]
    tf1 = recommend({"team_experience": "tensorflow_v1"}, RULES).scores["tensorflow"]
    assert 0 < tf1 < tf2
    keras = recommend({"team_experience": "keras"}, RULES)
    assert keras.scores == {"pytorch": 0.0, "tensorflow": 0.0} and "team-knows-keras" in _rule_ids(keras)
    # rewriting TF1 code is new code
    rewrite = recommend({"primary_goal": "production", "existing_codebase": "tensorflow_v1"}, RULES)
    assert "new-production-codebase-direction" in _rule_ids(rewrite)
    # code others install earns points toward where its users are
    library = recommend({"code_users": "outside_users"}, RULES)
    assert "library-users-are-mostly-on-pytorch" in _rule_ids(library) and library.scores["pytorch"] > 0


def test_every_format_shows_the_libraries_table(tmp_path):
    rec = recommend({"key_libraries": ["transformers", "tf-agents"]}, RULES)
    text = render(rec, "text", width=80)
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if line.split()[:2] == ["library", "files"])
    assert all(len(line) <= 80 for line in lines[head : head + 5])
    # "Hugging Face Transformers" wraps within its column (whole, never cut), so TF-Agents' row follows.
    assert "TF-Agents" in lines[head + 4] and "frozen 2023" in lines[head + 4]
    assert "| TF-Agents | - | no | yes | no | frozen 2023 |" in render(rec, "md")
    assert "<td>TF-Agents</td>" in render(rec, "html")
    data = json.loads(render(rec, "json"))
    assert [row["id"] for row in data["libraries"]] == ["transformers", "tf-agents"]


def test_recommend_needs_answers_or_a_project_and_never_writes_over_its_answers(tmp_path):
    result = run_cli("recommend")
    assert result.returncode == 2 and "give --answers FILE, --project PATH, or both" in result.stderr
    answers = tmp_path / "a.yaml"
    answers.write_text("primary_goal: research\n", encoding="utf-8")
    result = run_cli("recommend", "--answers", str(answers), "--output", str(answers))
    assert result.returncode == 2 and "is the answers file" in result.stderr
    assert answers.read_text(encoding="utf-8") == "primary_goal: research\n"
    link = tmp_path / "link.yaml"
    link.symlink_to(answers)
    assert run_cli("recommend", "--answers", str(answers), "--output", str(link)).returncode == 2
    assert Path(answers).read_text(encoding="utf-8") == "primary_goal: research\n"


def test_a_wrong_library_names_the_nearest_ones_not_all_of_them(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("key_libraries: [transformerz]\n", encoding="utf-8")
    result = run_cli("recommend", "--answers", str(answers))
    assert result.returncode == 2
    assert "a.yaml:1: 'transformerz' is not a choice of question 'key_libraries'" in result.stderr
    assert "nearest: transformers" in result.stderr and "fwadvisor answers-template" in result.stderr
    assert len(result.stderr) < 400  # one readable message, not the knowledge base


def _frozen_tf_only_condition(rule_id: str) -> set[str]:
    """The key libraries the existing-TF-code rule `rule_id` names as frozen TensorFlow-only ones."""
    rule = next(entry.rule for entry in RULES.rules if entry.rule.id == rule_id)
    stack = [rule.when]
    while stack:
        cond = stack.pop()
        if cond.question == "key_libraries" and cond.in_:
            return set(cond.in_)
        stack += [*(cond.all or []), *(cond.any or []), *([cond.not_] if cond.not_ else [])]
    raise AssertionError(f"{rule_id} names no key libraries")


@pytest.mark.parametrize("rule_id", ["existing-tensorflow-codebase", "existing-tensorflow-codebase-outweighed"])
def test_existing_tf_code_rules_name_every_frozen_tensorflow_only_library(rule_id):
    """The rules list them by id (conditions are plain data); the knowledge base is where the status lives."""
    frozen_tf_only = {
        lib.id for lib in load_libraries() if lib.status in ("frozen", "archived") and lib.frameworks == ["tensorflow"]
    }
    assert _frozen_tf_only_condition(rule_id) == frozen_tf_only


def test_tf_code_on_a_frozen_tensorflow_only_library_weighs_like_code_to_rewrite():
    kept = recommend(TF_PAST, RULES)
    moving = recommend({**TF_PAST, "key_libraries": ["tensorflow-decision-forests"]}, RULES)
    assert "existing-tensorflow-codebase" in _rule_ids(kept)
    assert "existing-tensorflow-codebase-outweighed" in _rule_ids(moving)
    assert "library-tensorflow-decision-forests-frozen" in _rule_ids(moving)
    assert moving.scores["tensorflow"] < kept.scores["tensorflow"]
