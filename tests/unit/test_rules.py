"""The built-in rules: valid, tested, grounded; broken rules folders are refused with a clear reason."""

from __future__ import annotations

from collections import Counter

import pytest

from conftest import FIXTURES, run_cli
from fwadvisor.advisor.loader import RulesError, load_rules, run_rule_tests
from fwadvisor.advisor.model import AREAS

RULES = load_rules(include_user=False)
RULE_FIXTURES = FIXTURES / "rules"


@pytest.mark.parametrize("entry", RULES.rules, ids=lambda e: e.rule.id)
def test_builtin_rule_passes_its_own_cases(entry):
    assert run_rule_tests(entry) == []


def test_rule_set_size_and_spread():
    assert len(RULES.rules) >= 40
    areas = Counter(e.rule.area for e in RULES.rules)
    for area in ("ecosystem", "deployment", "research", "hardware", "team", "scale"):
        assert areas[area] >= 3, area
    assert set(areas) <= set(AREAS)


def test_every_rule_is_grounded_worded_and_none_fires_on_empty_answers():
    for entry in RULES.rules:
        rule = entry.rule
        assert all(e.source and e.checked for e in rule.evidence), rule.id
        assert len(rule.message.split()) >= 12, f"{rule.id}: message too thin for a person"
        assert not any(t.fires for t in rule.tests if not t.answers and not t.metrics), rule.id
    from fwadvisor.advisor.engine import recommend

    assert recommend({}, RULES).reasons == []


def test_rules_never_repeat_the_original_comparison_errors():
    text = " ".join(e.rule.message.lower() for e in RULES.rules)
    assert "tensorflow provides a flexible dynamic" not in text
    assert "pytorch uses static" not in text
    assert "1/dx" not in text


def test_both_frameworks_can_win_and_there_are_blockers_and_caveats():
    effects = Counter((e.rule.effect, e.rule.framework) for e in RULES.rules)
    assert effects[("favor", "pytorch")] and effects[("favor", "tensorflow")]
    assert effects[("blocker", "tensorflow")] >= 1
    assert effects[("alternative", None)] >= 4  # JAX, Keras 3, MLX, ONNX
    assert effects[("plan", None)] >= 1
    assert sum(n for (effect, _), n in effects.items() if effect == "caveat") >= 3


def test_rules_check_cli_passes_on_the_builtin_rules():
    result = run_cli("rules", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK:" in result.stdout and "test cases pass" in result.stdout


@pytest.mark.parametrize(
    ("folder", "rule_id", "line", "reason"),
    [
        ("duplicate_id", "same-id", 14, "duplicate id"),
        ("unknown_question", "asks-unknown", 4, "unknown question 'favourite_colour'"),
        ("unknown_choice", "bad-choice", 4, "'fortran' is not a choice of question 'team_experience'"),
        ("bad_condition", "two-tests-in-leaf", 4, "a question leaf needs exactly one of"),
        ("untested_rule", "no-tests", 11, "length >= 1 at rules[0].tests"),
        ("wrong_type", "heavy-weight", 7, "Expected `float`, got `str` at rules[0].weight"),
    ],
)
def test_broken_rules_folder_is_refused_by_check_and_recommend(folder, rule_id, line, reason):
    path = RULE_FIXTURES / folder
    expected = f"{path / 'team.yaml'}:{line}: rule '{rule_id}': "
    check = run_cli("rules", "check", str(path))
    assert check.returncode == 2
    assert expected in check.stderr and reason in check.stderr
    rec = run_cli("recommend", "--answers", str(FIXTURES / "answers" / "good.json"), "--rules", str(path))
    assert rec.returncode == 2
    assert expected in rec.stderr and reason in rec.stderr
    assert "Traceback" not in rec.stderr + check.stderr
    with pytest.raises(RulesError):
        load_rules([path], include_user=False)


def test_a_failing_rule_case_fails_rules_check(tmp_path):
    text = (RULE_FIXTURES / "html_injection" / "team.yaml").read_text()
    (tmp_path / "team.yaml").write_text(
        text.replace(
            "{answers: {team_experience: pytorch}, fires: true}",
            "{answers: {team_experience: tensorflow}, fires: true}",
        )
    )
    result = run_cli("rules", "check", str(tmp_path))
    assert result.returncode == 1
    assert "test 1 should fire but it did not" in result.stderr


def test_user_rule_with_a_builtin_id_replaces_it(isolated_user_dirs):
    ruleset = load_rules([RULE_FIXTURES / "override_builtin"], include_user=False)
    replaced = ruleset.by_id()["hf-transformers-v5-pytorch-only"].rule
    assert replaced.effect == "caveat"
    assert ruleset.replaced == ["hf-transformers-v5-pytorch-only"]
    assert len(ruleset.rules) == len(RULES.rules)


def test_user_config_rules_folder_is_picked_up(isolated_user_dirs):
    user_rules = isolated_user_dirs / "config" / "rules"
    user_rules.mkdir(parents=True)
    (user_rules / "team.yaml").write_text((RULE_FIXTURES / "html_injection" / "team.yaml").read_text())
    listed = run_cli("rules", "list", "--format", "json")
    assert listed.returncode == 0
    assert '"html-injection"' in listed.stdout
    skipped = run_cli("rules", "list", "--format", "json", "--no-user-rules")
    assert '"html-injection"' not in skipped.stdout


def test_schema_is_generated_from_the_model_and_strict():
    import json

    result = run_cli("rules", "schema")
    schema = json.loads(result.stdout)
    rule = schema["$defs"]["Rule"]
    assert rule["additionalProperties"] is False
    assert {"id", "area", "when", "effect", "message", "evidence", "tests"} <= set(rule["required"])
    assert "Condition" in schema["$defs"]


def test_rules_check_refuses_evidence_checked_in_the_future():
    folder = FIXTURES / "rules" / "future_date"
    result = run_cli("rules", "check", str(folder))
    assert result.returncode == 2
    assert "rule 'checked-tomorrow': evidence 1 was checked on 2999-01-01, a date in the future" in result.stderr
    assert f"{folder / 'team.yaml'}:" in result.stderr


def test_rules_check_warns_but_passes_on_stale_evidence(tmp_path):
    (tmp_path / "team.yaml").write_text(
        (FIXTURES / "rules" / "future_date" / "team.yaml").read_text().replace("2999-01-01", "2025-01-02")
    )
    result = run_cli("rules", "check", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "warning: 1 fact(s) last checked more than 180 days ago" in result.stderr
    assert "was last checked 2025-01-02" in result.stderr


def test_builtin_rules_have_no_stale_facts_today():
    result = run_cli("rules", "check")
    assert "warning" not in result.stderr


def test_alternative_and_plan_rules_are_checked():
    result = run_cli("rules", "check", str(FIXTURES / "rules" / "bad_alternative"))
    assert result.returncode == 2
    assert "effect 'alternative' is for no single framework: remove `framework`" in result.stderr
    assert "effect 'alternative' needs `option` (the other path) and `fits` (when it fits)" in result.stderr
    assert "effect 'plan' needs `parts` covering both frameworks" in result.stderr


def test_every_serving_stack_choice_has_a_rule():
    from fwadvisor.advisor.conditions import referenced
    from fwadvisor.advisor.questionnaire import load_questionnaire

    choices = set(load_questionnaire().by_id()["serving_stack"].choices)
    fired_by = {
        choice: [
            e.rule.id
            for e in RULES.rules
            if "serving_stack" in referenced(e.rule.when)[0]
            and any(test.fires and test.answers.get("serving_stack") == choice for test in e.rule.tests)
        ]
        for choice in choices
    }
    assert all(fired_by.values()), {c: ids for c, ids in fired_by.items() if not ids}
