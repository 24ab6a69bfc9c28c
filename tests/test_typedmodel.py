"""The validator behind every data file: strict, with paths in its errors, and the schema it exports."""

from __future__ import annotations

import datetime as dt

import pytest

from fwadvisor.advisor.model import Condition, Rule, RuleFile, rule_file_schema
from fwadvisor.typedmodel import ValidationError, convert, to_data

RULE = {
    "id": "r-1",
    "area": "team",
    "when": {"not": {"question": "q", "in": ["a"]}},
    "effect": "favor",
    "framework": "pytorch",
    "weight": 2,
    "message": "a message long enough to be read",
    "evidence": [{"source": "https://x.org", "checked": dt.date(2026, 11, 27)}],
    "tests": [{"answers": {"q": "a"}, "fires": False}],
}


def test_converts_nested_renamed_fields_and_round_trips():
    rule = convert(RULE, Rule)
    assert isinstance(rule.when, Condition) and rule.when.not_.in_ == ["a"]
    assert rule.weight == 2.0 and isinstance(rule.weight, float)
    data = to_data(rule)
    assert data["when"] == {"not": {"question": "q", "in": ["a"]}}
    assert data["evidence"][0]["checked"] == "2026-11-27"
    assert convert(data, Rule) == rule


@pytest.mark.parametrize(
    ("change", "message", "path"),
    [
        ({"weight": "heavy"}, "Expected `float`, got `str`", "$.weight"),
        ({"weight": 11}, "Expected `float` <= 10", "$.weight"),
        ({"effect": "boost"}, "Invalid enum value 'boost'", "$.effect"),
        ({"id": "Not Kebab"}, "matching regex", "$.id"),
        ({"evidence": []}, "Expected `array` of length >= 1", "$.evidence"),
        ({"surprise": 1}, "Object contains unknown field `surprise`", "$"),
        ({"when": {"question": "q", "includes": 3}}, "Expected `str`, got `int`", "$.when.includes"),
        (
            {"evidence": [{"source": "https://x.org", "checked": "yesterday"}]},
            "Expected a date",
            "$.evidence[0].checked",
        ),
        ({"weight": True}, "Expected `float`, got `bool`", "$.weight"),
    ],
)
def test_errors_name_the_problem_and_the_path(change, message, path):
    with pytest.raises(ValidationError) as info:
        convert({**RULE, **change}, Rule)
    assert message in info.value.message
    assert info.value.path == path


def test_missing_required_field():
    data = dict(RULE)
    del data["message"]
    with pytest.raises(ValidationError, match="missing required field `message`"):
        convert(data, Rule)


def test_schema_is_closed_and_keeps_renames_and_constraints():
    schema = rule_file_schema()
    rule = schema["$defs"]["Rule"]
    assert rule["additionalProperties"] is False
    assert rule["properties"]["weight"]["maximum"] == 10
    assert rule["properties"]["evidence"]["minItems"] == 1
    condition = schema["$defs"]["Condition"]["properties"]
    assert "not" in condition and "in" in condition and "not_" not in condition
    assert convert({"rules": [RULE]}, RuleFile).rules[0].id == "r-1"
