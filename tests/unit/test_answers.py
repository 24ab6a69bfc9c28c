"""Answers files: the valid ones load, each class of bad input gets one clear message and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli
from fwadvisor.advisor.questionnaire import load_answers, load_questionnaire, validate_answers
from fwadvisor.errors import InputError

ANSWERS = FIXTURES / "answers"


def test_questionnaire_keeps_the_contract_ids_and_choices():
    by_id = load_questionnaire().by_id()
    contract = {
        "primary_goal": ("one", {"research", "production", "prototyping", "learning"}),
        "domains": (
            "many",
            {
                "vision",
                "nlp",
                "llm",
                "speech_audio",
                "recommender",
                "tabular",
                "reinforcement_learning",
                "generative_media",
                "scientific",
                "time_series",
            },
        ),
        "deploy_targets": (
            "many",
            {"cloud_server", "on_prem_server", "android", "ios", "browser", "microcontroller", "edge_device", "none"},
        ),
        "serving_stack": (
            "one",
            {"undecided", "tf_serving", "triton", "kserve_or_ray", "vllm_or_sglang", "onnx_runtime", "torchserve"},
        ),
        "accelerators": ("many", {"nvidia_gpu", "amd_gpu", "apple_silicon", "google_tpu", "intel_gpu", "cpu_only"}),
        "operating_systems": ("many", {"linux", "windows", "macos"}),
        "training_scale": ("one", {"inference_only", "single_device", "multi_gpu", "multi_node"}),
        "team_experience": ("one", {"tensorflow", "pytorch", "jax", "both", "none"}),
        "existing_codebase": ("one", {"none", "tensorflow", "pytorch", "both"}),
        "model_sources": ("many", {"huggingface", "kaggle_tfhub", "torchvision_timm", "keras_hub", "own_models"}),
        "priorities": (
            "many",
            {"ease_of_use", "raw_performance", "deployment_breadth", "ecosystem", "long_term_support", "stability"},
        ),
    }
    for qid, (kind, choices) in contract.items():
        assert by_id[qid].kind == kind
        assert choices <= set(by_id[qid].choices), qid
        assert by_id[qid].prompt and by_id[qid].help
        assert all(len(text) > 10 for text in by_id[qid].choices.values())


def test_new_choices_are_added_and_every_template_example_is_a_valid_answer():
    from fwadvisor.advisor.questionnaire import check_answer

    by_id = load_questionnaire().by_id()
    assert {"tensorflow_keras3", "tensorflow_v1"} <= set(by_id["existing_codebase"].choices)
    assert set(by_id["code_users"].choices) == {"own_team", "outside_users", "learners"}
    assert by_id["priorities"].max_choices == 3 and by_id["deploy_targets"].exclusive == ["none"]
    for question in by_id.values():
        if question.example is not None:
            assert check_answer(question, question.example) is None, question.id


def test_valid_yaml_and_json_answers_load():
    assert load_answers(ANSWERS / "good_research_lab.yaml")["domains"] == ["llm", "nlp"]
    assert load_answers(ANSWERS / "good.json") == {
        "primary_goal": "production",
        "deploy_targets": ["android"],
        "team_experience": "none",
    }


def test_a_single_string_for_a_many_question_becomes_a_list_and_empty_means_unanswered():
    assert validate_answers({"domains": "vision", "priorities": []}) == {"domains": ["vision"]}
    assert validate_answers(None) == {}


@pytest.mark.parametrize(
    ("fixture", "line", "expected"),
    [
        ("unknown_question.yaml", 2, ["unknown question 'favourite_colour'", "primary_goal, domains"]),
        ("unknown_choice.yaml", 2, ["'astrology' is not a choice of question 'domains'", "vision, nlp, llm"]),
        (
            "list_for_one.yaml",
            1,
            ["question 'primary_goal' takes one choice, not a list", "research, production, prototyping, learning"],
        ),
        ("invalid_yaml.yaml", 3, ["invalid YAML in answers file"]),
        ("not_mapping.yaml", 1, ["must be a mapping of question id to answer, got a list"]),
        ("python_tag.yaml", 1, ["tag that is not allowed", "python/object/apply"]),
        # Answers that do not make sense together name the question and what is allowed.
        ("four_priorities.yaml", 2, ["question 'priorities' takes at most 3 choices, got 4"]),
        ("none_with_targets.yaml", 2, ["question 'deploy_targets': 'none' cannot be combined"]),
        ("serving_without_deploy.yaml", 2, ["question 'serving_stack' applies only when the model is deployed"]),
        (
            "device_work_without_device.yaml",
            2,
            ["question 'on_device_work' applies only when deploy_targets includes android, ios, browser"],
        ),
    ],
)
def test_bad_answers_file_gives_one_message_and_exit_2(fixture, line, expected):
    path = ANSWERS / fixture
    result = run_cli("recommend", "--answers", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"fwadvisor: error: {path}:{line}: ")
    for fragment in expected:
        assert fragment in lines[0]
    assert "Traceback" not in result.stderr


def test_missing_answers_file(tmp_path):
    result = run_cli("recommend", "--answers", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"fwadvisor: error: {tmp_path / 'nope.yaml'}: answers file not found"


def test_python_tag_is_never_executed(tmp_path):
    marker = Path("/tmp/fwadvisor-pwned")
    marker.unlink(missing_ok=True)
    run_cli("recommend", "--answers", str(ANSWERS / "python_tag.yaml"))
    with pytest.raises(InputError):
        load_answers(ANSWERS / "python_tag.yaml")
    assert not marker.exists()
