"""A verdict no single answer reverses still says what moves it most and what it would take for the
other framework; and "Where to go next" names a serving system only where the answers call for one."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from test_engine import valid_answers

from conftest import FIXTURES
from fwadvisor.advisor.engine import Recommendation, recommend
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.questionnaire import load_answers, validate_answers
from fwadvisor.advisor.whatif import WhatIf
from fwadvisor.report.render import render
from fwadvisor.safe_text import is_url

RULES = load_rules(include_user=False)
SCENARIOS = FIXTURES.parent / "scenarios"
# Found by a search over random answers: the biggest movers, one per question, are not enough.
FALLS_SHORT = {
    "domains": ["llm", "graphs", "reinforcement_learning"],
    "deploy_targets": ["none"],
    "operating_systems": ["macos"],
    "training_scale": "multi_node",
    "code_users": "own_team",
    "model_sources": ["huggingface"],
}


def _changed(answers: dict, *changes: WhatIf) -> dict:
    trial = dict(answers)
    for change in changes:
        if change.answer is None:
            trial.pop(change.question, None)
        else:
            trial[change.question] = change.answer
    return trial


def _lead(rec: Recommendation) -> float:
    return rec.scores["pytorch"] - rec.scores["tensorflow"]


def _check_movers_and_what_it_takes(answers: dict, rec: Recommendation) -> None:
    """Each mover and the combination, recomputed from scratch with the changed answers."""
    if rec.recommendation == "either":
        assert rec.movers == [] and rec.what_it_takes is None
        return
    toward = 1 if rec.recommendation == "tensorflow" else -1  # the sign of a move to the other framework
    shifts = [abs(m.shift) for m in rec.movers]
    assert shifts == sorted(shifts, reverse=True)
    for mover in rec.movers:
        alone = recommend(_changed(answers, mover), RULES, with_what_if=False)
        assert alone.recommendation == rec.recommendation == mover.recommendation
        assert mover.shift * toward > 0
        assert round(_lead(alone) - _lead(rec), 2) == mover.shift
    takes = rec.what_it_takes
    if any(w.recommendation != rec.recommendation and w.recommendation != "either" for w in rec.what_if):
        assert takes is None  # one change is enough: the what-ifs say so
        return
    if takes is None:
        assert not rec.movers and not any(w.shift * toward > 0 for w in rec.what_if)
        return
    assert takes.target != rec.recommendation
    assert len({c.question for c in takes.changes}) == len(takes.changes)  # one change per question
    together = recommend(validate_answers(_changed(answers, *takes.changes)), RULES, with_what_if=False)
    assert together.recommendation == takes.recommendation
    assert together.scores == takes.scores
    assert round(_lead(together) - _lead(rec), 2) == takes.shift and takes.shift * toward > 0
    if takes.recommendation == takes.target and len(takes.changes) > 1:
        # It stops as soon as it gets there.
        short = recommend(_changed(answers, *takes.changes[:-1]), RULES, with_what_if=False)
        assert short.recommendation != takes.target


def test_a_confident_verdict_names_its_biggest_movers_and_what_it_would_take():
    answers = load_answers(SCENARIOS / "gnn_research_lib.yaml")
    rec = recommend(answers, RULES)
    assert (rec.recommendation, rec.confidence, rec.what_if) == ("pytorch", "high", [])
    assert rec.movers and rec.what_it_takes is not None
    assert rec.what_it_takes.recommendation == "tensorflow" and len(rec.what_it_takes.changes) >= 2
    assert rec.movers[0].question == "domains" and rec.movers[0].choice == "graphs"  # the graph library
    _check_movers_and_what_it_takes(answers, rec)


def test_what_it_takes_may_only_reach_either_or_fall_short_and_says_so():
    either = load_answers(SCENARIOS / "mac_only_llm_tinkering.yaml")
    rec = recommend(either, RULES)
    assert rec.what_it_takes is not None and rec.what_it_takes.recommendation == "either"
    _check_movers_and_what_it_takes(either, rec)
    assert "would make it either framework (PyTorch 5, TensorFlow 6.5)" in " ".join(render(rec, "md").split())
    short = recommend(validate_answers(FALLS_SHORT), RULES)
    assert short.what_if == [] and short.what_it_takes is not None
    assert short.what_it_takes.recommendation == "pytorch"
    _check_movers_and_what_it_takes(FALLS_SHORT, short)
    for fmt in ("md", "html", "text"):
        flat = " ".join(render(short, fmt, width=80).split())
        assert "would still leave PyTorch ahead by 3.5 points (PyTorch 8, TensorFlow 4.5)" in flat, fmt


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_answers())
def test_movers_and_what_it_takes_hold_when_recomputed(answers):
    validated = validate_answers(answers)
    _check_movers_and_what_it_takes(validated, recommend(validated, RULES))


def test_every_format_shows_the_movers_and_what_it_would_take():
    rec = recommend(load_answers(SCENARIOS / "amd_rocm_research.yaml"), RULES)
    assert rec.what_if == [] and rec.what_it_takes is not None
    shown = rec.what_it_takes.changes
    for fmt in ("md", "html", "text"):
        out = render(rec, fmt, width=80)
        flat = " ".join(out.replace("&#x27;", "'").split())
        section = flat.split("What would change the answer")[1].split("Where to go next")[0]
        assert "No single change of one answer would change it" in section.replace("no single", "No single"), fmt
        assert section.count("the advice would move") == len(shown), fmt
        assert "(still PyTorch)" in section and "points towards TensorFlow" in section, fmt
        assert "What it would take for TensorFlow: these 3 changes together would make it TensorFlow" in section, fmt
        assert f"… and {len(rec.movers) - len(shown)} more changes towards TensorFlow" in section, fmt
        # Prompts and labels, never ids.
        assert "deploy_targets" not in section and "microcontroller " not in section, fmt
        if fmt == "text":
            # A URL alone on its line may pass the width: it is never broken (test_80_columns).
            assert all(len(line) <= 80 or is_url(line.strip()) for line in out.splitlines())
    doc = json.loads(render(rec, "json"))
    assert doc["what_if"] == []  # the old field keeps its meaning: changes that change the answer
    assert len(doc["movers"]) == len(rec.movers) and doc["movers"][0].keys() >= {"question", "answer", "shift"}
    assert doc["what_it_takes"]["target"] == "tensorflow" and doc["what_it_takes"]["recommendation"] == "tensorflow"


def test_a_verdict_one_answer_reverses_keeps_its_what_ifs_and_either_has_no_movers():
    rec = recommend({"existing_codebase": "tensorflow"}, RULES)
    assert rec.what_if and any(w.recommendation == "pytorch" for w in rec.what_if)
    assert rec.what_it_takes is None  # one answer is enough, and the what-ifs say which
    assert "No single change" not in render(rec, "md")
    none = recommend({}, RULES)
    assert none.recommendation == "either" and none.movers == [] and none.what_it_takes is None


SERVERS = ("NVIDIA Triton", "KServe", "TensorFlow Serving")


def _servers(**answers: object) -> set[str]:
    rec = recommend(validate_answers({"deploy_targets": ["cloud_server"], "domains": ["llm"], **answers}), RULES)
    return {s.title.split(" (")[0] for s in rec.next_steps if s.title.startswith(SERVERS)}


def test_a_serving_system_is_suggested_only_where_the_answers_call_for_one():
    # A vLLM user is not sent to Triton or KServe (seen by hand: they were listed for every server target).
    vllm = recommend(load_answers(SCENARIOS / "tpu_first_llm_research.yaml"), RULES)
    titles = [s.title for s in vllm.next_steps]
    assert any("vLLM" in t for t in titles) and not any(t.startswith(SERVERS) for t in titles)
    assert _servers(serving_stack="vllm_or_sglang") == set()
    assert _servers(serving_stack="vllm_or_sglang", serving_change="keep") == set()
    # Still open, being left, or having to take other frameworks' models: the choices are listed.
    both = {"NVIDIA Triton Inference Server", "KServe", "TensorFlow Serving"}
    for open_choice in (
        {},
        {"serving_stack": "undecided"},
        {"serving_stack": "vllm_or_sglang", "serving_change": "leaving"},
    ):
        assert _servers(**open_choice) >= {"NVIDIA Triton Inference Server", "KServe"}, open_choice
    assert (
        _servers(serving_stack="tf_serving", serving_change="must_serve_other_frameworks", team_experience="both")
        <= both
    )
    # The one in use is named; TorchServe gets no fixes, so its users see the maintained replacements.
    assert _servers(serving_stack="triton") == {"NVIDIA Triton Inference Server"}
    assert _servers(serving_stack="kserve_or_ray") == {"KServe"}
    assert _servers(serving_stack="torchserve") == {"NVIDIA Triton Inference Server", "KServe"}
    estate = recommend(load_answers(SCENARIOS / "legacy_tf_serving.yaml"), RULES)
    assert [s.title for s in estate.next_steps if s.title.startswith(SERVERS)] == ["TensorFlow Serving"]
