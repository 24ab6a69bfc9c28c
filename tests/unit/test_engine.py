"""The engine: deterministic, never raises on valid answers, priorities and blockers work as documented."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from fwadvisor.advisor.conditions import matches
from fwadvisor.advisor.engine import recommend
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.model import Condition
from fwadvisor.advisor.questionnaire import Answers, applies, load_answers, load_questionnaire, validate_answers

QUESTIONNAIRE = load_questionnaire()
RULES = load_rules(include_user=False)


@st.composite
def valid_answers(draw):
    answers = {}
    for q in QUESTIONNAIRE.questions:
        if not draw(st.booleans()):
            continue
        choices = list(q.choices)
        if q.kind == "one":
            answers[q.id] = draw(st.sampled_from(choices))
        else:
            picked = draw(st.lists(st.sampled_from(choices), min_size=1, max_size=q.max_choices, unique=True))
            # A choice that stands alone (deploy_targets: none) is kept alone.
            alone = [c for c in picked if c in q.exclusive]
            answers[q.id] = alone[:1] if alone else picked
    # Questions that do not apply to the other answers are left out, as the app does; again until nothing
    # changes, since leaving one out can make another not apply (serving_change after serving_stack).
    while True:
        kept = {qid: value for qid, value in answers.items() if applies(QUESTIONNAIRE.by_id()[qid], answers)}
        if kept == answers:
            return kept
        answers = kept


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_answers())
def test_engine_never_raises_and_is_deterministic(answers):
    validated = validate_answers(answers)
    first = recommend(validated, RULES)
    second = recommend(dict(reversed(list(validated.items()))), RULES)
    assert first.to_dict() == second.to_dict() | {"answers": first.to_dict()["answers"]}
    assert first.recommendation in {"pytorch", "tensorflow", "either"}
    assert first.confidence in {"high", "medium", "low"}
    assert first.margin == abs(first.scores["pytorch"] - first.scores["tensorflow"]) or first.blockers
    for flip in first.what_if:
        assert flip.recommendation != first.recommendation
        # Every what-if is a real option: the changed answers pass the same checks as a file.
        trial = {k: v for k, v in validated.items() if k != flip.question}
        if flip.answer is not None:
            trial[flip.question] = flip.answer
        validate_answers(trial)
    shifts = [abs(w.shift) for w in first.what_if if not w.blocker]
    assert shifts == sorted(shifts, reverse=True)  # the changes that move the advice most come first


def test_nothing_answered_gives_either_with_low_confidence_and_no_reasons():
    rec = recommend({}, RULES)
    assert (rec.recommendation, rec.confidence) == ("either", "low")
    assert rec.scores == {"pytorch": 0, "tensorflow": 0}
    assert rec.reasons == [] and rec.blockers == []


def test_priorities_multiply_their_areas_and_say_so():
    base: Answers = {"model_sources": ["huggingface"]}
    plain = recommend(base, RULES)
    boosted = recommend({**base, "priorities": ["ecosystem"]}, RULES)
    hf_plain = next(r for r in plain.reasons if r.rule == "hf-transformers-v5-pytorch-only")
    hf_boost = next(r for r in boosted.reasons if r.rule == "hf-transformers-v5-pytorch-only")
    assert hf_boost.weight == hf_plain.weight * 1.5
    assert hf_boost.base_weight == hf_plain.base_weight
    assert boosted.priorities.area_multipliers == {"ecosystem": 1.5}
    assert boosted.scores["pytorch"] > plain.scores["pytorch"]


def test_a_blocker_decides_whatever_the_scores():
    answers: Answers = {
        "operating_systems": ["macos"],
        "accelerators": ["apple_silicon"],
        "training_scale": "single_device",
        "existing_codebase": "tensorflow",
        "team_experience": "tensorflow",
        "serving_stack": "tf_serving",
        # A present TensorFlow need too, so its past (code, skills, serving) counts in full (scoring.tally).
        "deploy_targets": ["microcontroller", "cloud_server"],
    }
    rec = recommend(answers, RULES)
    assert [b.framework for b in rec.blockers] == ["tensorflow"]
    assert rec.scores["tensorflow"] > rec.scores["pytorch"]
    assert (rec.recommendation, rec.confidence) == ("pytorch", "high")


def test_native_windows_gpu_is_a_strong_reason_not_a_blocker():
    # TF has no native Windows GPU since 2.11: a reason for PyTorch, but a TF team with a TF
    # codebase on Windows can stay on TensorFlow through WSL2.
    windows: Answers = {
        "operating_systems": ["windows"],
        "accelerators": ["nvidia_gpu"],
        "training_scale": "single_device",
    }
    new_project = recommend(windows, RULES)
    assert new_project.recommendation == "pytorch" and not new_project.blockers
    tf_estate = recommend({**windows, "existing_codebase": "tensorflow", "team_experience": "tensorflow"}, RULES)
    assert tf_estate.recommendation == "tensorflow" and not tf_estate.blockers
    assert "WSL2" in next(c.message for c in tf_estate.caveats if c.rule == "tf-windows-gpu-needs-wsl2")


def test_what_if_lists_single_changes_that_flip_the_verdict():
    answers: Answers = {"existing_codebase": "tensorflow"}
    rec = recommend(answers, RULES)
    assert rec.recommendation == "tensorflow"
    flips = {(w.question, w.choice) for w in rec.what_if}
    assert ("existing_codebase", "pytorch") in flips
    for flip in rec.what_if:
        trial = dict(answers)
        if flip.answer is None:
            trial.pop(flip.question, None)
        else:
            trial[flip.question] = flip.answer
        assert recommend(trial, RULES, with_what_if=False).recommendation == flip.recommendation


def test_condition_operators():
    answers: Answers = {"domains": ["vision", "nlp"], "primary_goal": "research"}
    leaf = Condition
    assert matches(leaf(question="primary_goal", equals="research"), answers, {})
    assert matches(leaf(question="domains", includes="nlp"), answers, {})
    assert matches(leaf(question="domains", in_=["llm", "vision"]), answers, {})
    assert not matches(leaf(question="domains", includes_all=["vision", "llm"]), answers, {})
    assert matches(leaf(question="domains", only=["vision", "nlp", "llm"]), answers, {})
    assert not matches(leaf(question="domains", only=["vision"]), answers, {})
    assert not matches(leaf(question="domains", equals="vision"), answers, {})
    assert matches(leaf(question="accelerators", answered=False), answers, {})
    assert not matches(leaf(question="accelerators", in_=["cpu_only"]), answers, {})
    assert matches(leaf(not_=leaf(question="accelerators", in_=["cpu_only"])), answers, {})
    assert matches(leaf(metric="m", gt=1.0, le=2.0), {}, {"m": 2.0})
    assert not matches(leaf(metric="m", gt=1.0), {}, {})
    assert matches(leaf(metric="m", present=False), {}, {})


# The JSON of `recommend --format json` is a public contract: these files hold it, byte for byte, for
# two whole projects (a split plan, alternatives, what-ifs, guidance with conditions; a blocker).
# After a deliberate change to the rules or the guidance, rewrite them with FWADVISOR_WRITE_GOLDEN=1.
GOLDEN = FIXTURES / "golden"


@pytest.mark.parametrize("scenario", ["tf_serving_estate_adds_llm", "mac_only_llm_tinkering"])
def test_recommendation_json_matches_the_golden_file(scenario, facts_today):
    answers = load_answers(FIXTURES.parent / "scenarios" / f"{scenario}.yaml")
    text = json.dumps(recommend(answers, RULES).to_dict(), indent=2, ensure_ascii=False) + "\n"
    golden = GOLDEN / f"{scenario}.json"
    if os.environ.get("FWADVISOR_WRITE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
