"""The msgspec models of the data files: strict, every error with its file, line and field; the schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import msgspec
import pytest

from fwadvisor.advisor.engine import load_guidance
from fwadvisor.advisor.model import EFFECTS, Condition, Guidance, Questionnaire, Rule, RuleFile, rule_file_schema
from fwadvisor.advisor.questionnaire import load_questionnaire
from fwadvisor.errors import InputError
from fwadvisor.parsecache import _cache_file, load_validated
from fwadvisor.validation import convert_or_explain
from fwadvisor.yamlio import load_yaml

# One valid rule; each case below changes one line of it (the line numbers are this text's).
RULE_FILE = """\
rules:
  - id: r-1
    area: team
    when:
      not: {question: team_experience, in: [pytorch]}
    effect: favor
    framework: pytorch
    weight: 2
    message: a message long enough to be read
    evidence:
      - source: https://x.org
        checked: 2026-11-27
    tests:
      - answers: {team_experience: pytorch}
        fires: false
"""


def _convert(tmp_path, text: str) -> RuleFile:
    path = tmp_path / "team.yaml"
    path.write_text(text, encoding="utf-8")
    return convert_or_explain(load_yaml(path), RuleFile, path, "rules file")


def test_converts_nested_renamed_fields_and_round_trips(tmp_path):
    rule = _convert(tmp_path, RULE_FILE).rules[0]
    assert isinstance(rule.when, Condition) and rule.when.not_ is not None and rule.when.not_.in_ == ["pytorch"]
    assert rule.weight == 2.0 and isinstance(rule.weight, float)
    assert rule.evidence[0].checked == dt.date(2026, 11, 27)
    data = msgspec.to_builtins(rule)
    assert {k: v for k, v in data["when"]["not"].items() if v is not None} == {
        "question": "team_experience",
        "in": ["pytorch"],
    }  # the keys of the file, not the attributes
    assert data["evidence"][0]["checked"] == "2026-11-27"
    assert msgspec.convert(data, Rule) == rule  # a date as text converts too


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("weight: 2", "weight: heavy", 8, "Expected `float`, got `str` at rules[0].weight"),
        ("weight: 2", "weight: 11", 8, "Expected `float` <= 10"),
        ("weight: 2", "weight: true", 8, "Expected `float`, got `bool` at rules[0].weight"),
        (
            "effect: favor",
            "effect: boost",
            6,
            "Invalid enum value 'boost'; allowed: 'alternative', 'blocker', 'caveat', 'favor', 'plan' at "
            "rules[0].effect",
        ),
        ("id: r-1", "id: Not Kebab", 2, "matching regex"),
        ("checked: 2026-11-27", "checked: yesterday", 12, "Expected a date (YYYY-MM-DD), got `yesterday`"),
        (
            "checked: 2026-11-27",
            "checked: 2026-11-27 10:00:00",
            12,
            "Expected a date (YYYY-MM-DD), got `2026-11-27 10:00:00`",
        ),
        (
            "framework: pytorch",
            "framework: pytorch\n    surprise: 1",
            8,
            "Object contains unknown field `surprise` at rules[0].surprise",
        ),
        (
            "{question: team_experience, in: [pytorch]}",
            "{question: team_experience, includes: 3}",
            5,
            "Expected `str | null`, got `int` at rules[0].when.not.includes",
        ),
        (
            "{question: team_experience, in: [pytorch]}",
            "{question: team_experience, in: [pytorch], colour: red}",
            5,
            "unknown field `colour` at rules[0].when.not.colour",
        ),
        # A bad value inside a mapping is named by its key (msgspec itself says only `answers[...]`).
        (
            "answers: {team_experience: pytorch}",
            "answers:\n          team_experience: pytorch\n          domains: 3",
            16,
            "got `int` at rules[0].tests[0].answers.domains",
        ),
        (
            "answers: {team_experience: pytorch}",
            "answers: {team_experience: pytorch, 3: x}",
            14,
            "Expected `str`, got `int` (a key) at rules[0].tests[0].answers",
        ),
        ("message: a message long enough to be read", "message: short", 9, "Expected `str` of length >= 20"),
        ("evidence:\n      - source: https://x.org\n        checked: 2026-11-27", "evidence: []", 10, "length >= 1"),
        (
            "    message: a message long enough to be read\n",
            "",
            2,
            "Object missing required field `message` at rules[0]",
        ),
    ],
)
def test_errors_name_the_file_the_line_and_the_field(tmp_path, old, new, line, message):
    assert old in RULE_FILE
    with pytest.raises(InputError) as info:
        _convert(tmp_path, RULE_FILE.replace(old, new))
    error = info.value
    assert message in error.message
    assert error.message.startswith("rules file: ")
    assert (error.file, error.line) == (str(tmp_path / "team.yaml"), line)


def test_the_top_level_must_be_a_mapping(tmp_path):
    with pytest.raises(InputError, match="Expected `object`, got `array` at the top level"):
        _convert(tmp_path, "- a\n- b\n")


def test_schema_is_closed_and_keeps_renames_and_constraints():
    schema = rule_file_schema()
    assert schema["title"] == "fwadvisor rules file"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    rule = schema["$defs"]["Rule"]
    assert rule["additionalProperties"] is False
    assert set(rule["required"]) == {"id", "area", "when", "effect", "message", "evidence", "tests"}
    properties = rule["properties"]
    assert sorted(properties["effect"]["enum"]) == sorted(EFFECTS)
    assert "alternative" in properties["effect"]["description"]
    assert (properties["weight"]["minimum"], properties["weight"]["maximum"]) == (0, 10)
    assert properties["id"]["pattern"] == "^[a-z0-9][a-z0-9-]*$"
    assert properties["evidence"]["minItems"] == 1
    assert properties["message"]["minLength"] == 20
    condition = schema["$defs"]["Condition"]
    assert "not" in condition["properties"] and "in" in condition["properties"]
    assert "not_" not in condition["properties"] and "in_" not in condition["properties"]
    assert condition["additionalProperties"] is False
    checked = schema["$defs"]["Evidence"]["properties"]["checked"]
    assert (checked["type"], checked["format"]) == ("string", "date")


def test_builtin_files_convert_to_frozen_models():
    questionnaire = load_questionnaire()
    assert isinstance(questionnaire, Questionnaire) and isinstance(load_guidance(), Guidance)
    with pytest.raises(AttributeError):
        questionnaire.questions = []  # type: ignore[misc]


def test_parse_cache_reuses_validated_models_until_the_file_changes(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text(RULE_FILE, encoding="utf-8")
    parsed: list[Path] = []

    def parse(p: Path) -> RuleFile:
        parsed.append(p)
        return convert_or_explain(load_yaml(p), RuleFile, p, "rules file")

    first = load_validated(path, RuleFile, parse)
    second = load_validated(path, RuleFile, parse)
    assert len(parsed) == 1 and second == first and isinstance(second.rules[0].evidence[0].checked, dt.date)
    path.write_text(RULE_FILE.replace("weight: 2", "weight: 3"), encoding="utf-8")
    assert load_validated(path, RuleFile, parse).rules[0].weight == 3.0 and len(parsed) == 2
    # A cache this model cannot read (damaged, or written for another model) is not used.
    cache_file = _cache_file(path)
    cache_file.write_bytes(b"not msgpack")
    assert load_validated(path, RuleFile, parse) == load_validated(path, RuleFile, parse) and len(parsed) == 3
    assert load_validated(path, Guidance, lambda p: load_guidance()) == load_guidance()  # same file, other model
    assert load_validated(path, RuleFile, parse).rules[0].weight == 3.0 and len(parsed) == 4
