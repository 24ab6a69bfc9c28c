"""Hostile and careless input files (issue #10): each is refused with one message naming the file
(and line), exit 2, no traceback, in bounded time; nothing absurd reaches the advice.

Every case runs the real CLI in a subprocess, as a person would.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import msgspec
import pytest
from practice_runs import quick_document

from conftest import FIXTURES, run_cli
from fwadvisor.profiler.documents import encode_run

GOOD_ANSWERS = FIXTURES / "answers" / "good_research_lab.yaml"

# 9 * 9**6 values hidden behind 700 bytes of aliases, the last one in a duplicate key (as in the issue).
ALIAS_BOMB = """\
domains: &a [vision, vision, vision, vision, vision, vision, vision, vision, vision]
domains: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
domains: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
domains: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
domains: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
domains: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
domains: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
domains: [*g, *g, *g, *g, *g, *g, *g, *g, *g]
"""


def one_error(result, path: Path | str, line: int | None = None) -> str:
    """The single error line of a refused input, checked for the file (and line) and no traceback."""
    assert result.returncode == 2, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    errors = [x for x in result.stderr.splitlines() if x.startswith("fwadvisor: error:")]
    assert len(errors) == 1, result.stderr
    where = f"{path}:{line}: " if line else f"{path}"
    assert where in errors[0], errors[0]
    assert len(result.stderr) < 1500, "an error must not echo the whole input"
    return errors[0]


# --- answers files -------------------------------------------------------------------------------


def test_an_alias_bomb_in_an_answers_file_fails_fast_with_one_short_message(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB)
    started = time.monotonic()
    result = run_cli("recommend", "--answers", str(path), timeout=30)
    assert time.monotonic() - started < 5
    assert "aliases" in one_error(result, path, 1)


def test_aliases_are_refused_in_answers_files(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("primary_goal: &goal research\nexisting_codebase: none\nteam_experience: *goal\n")
    assert "aliases (*name) and anchors (&name) are not allowed" in one_error(
        run_cli("recommend", "--answers", str(path)), path
    )


@pytest.mark.parametrize(
    ("name", "content", "lines"),
    [
        ("answers.yaml", "primary_goal: research\ndomains: [nlp]\nprimary_goal: production\n", "lines 1 and 3"),
        ("answers.json", '{"primary_goal": "research",\n "primary_goal": "learning"}\n', "lines 1 and 2"),
    ],
)
def test_a_key_given_twice_is_refused_naming_both_lines(tmp_path, name, content, lines):
    path = tmp_path / name
    path.write_text(content)
    message = one_error(run_cli("recommend", "--answers", str(path)), path)
    assert "'primary_goal' is given twice" in message and lines in message


def test_a_list_as_a_key_is_not_called_a_tag(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("? [primary_goal, domains]\n: research\n")
    message = one_error(run_cli("recommend", "--answers", str(path)), path, 1)
    assert "a mapping key must be a plain value, not a list" in message and "tag" not in message


def test_a_long_wrong_value_is_quoted_as_a_short_excerpt(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("primary_goal: " + "x" * 5000 + "\n")
    message = one_error(run_cli("recommend", "--answers", str(path)), path, 1)
    assert "is not a choice of question 'primary_goal'" in message and "x" * 100 not in message


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_an_answers_file_that_is_not_a_regular_file_is_refused_without_hanging(tmp_path, special):
    path = Path(special)
    if special == "fifo":
        path = tmp_path / "answers.yaml"
        os.mkfifo(path)
    result = run_cli("recommend", "--answers", str(path), timeout=20)
    assert "not a regular file" in one_error(result, path)


def test_an_answers_file_over_a_megabyte_is_refused_fast(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("# padding\n" * 200_000 + "primary_goal: research\n")
    started = time.monotonic()
    result = run_cli("recommend", "--answers", str(path), timeout=30)
    assert time.monotonic() - started < 5
    assert "too large" in one_error(result, path)


def test_a_damaged_saved_answers_file_keeps_its_good_answers_and_is_backed_up(tmp_path):
    from fwadvisor.advisor.questionnaire import load_answers_keeping

    path = tmp_path / "answers.yaml"
    content = "primary_goal: research\ndomains: [nlp, telepathy]\ntraining_scale: multi_gpu\nshoe_size: 44\n"
    path.write_text(content)
    answers, problems = load_answers_keeping(path)
    assert answers == {"primary_goal": "research", "training_scale": "multi_gpu"}
    assert any(f"{path}:2:" in p and "'telepathy'" in p for p in problems)
    assert any(f"{path}:4:" in p and "'shoe_size'" in p for p in problems)
    backups = list(tmp_path.glob("answers.yaml.bad-*"))
    assert len(backups) == 1 and backups[0].read_text() == content and str(backups[0]) in problems[-1]
    assert path.read_text() == content  # the file itself is untouched

    path.write_text(ALIAS_BOMB)  # unreadable as a whole: no answers, one problem, and a copy
    answers, problems = load_answers_keeping(path)
    assert answers == {} and "aliases" in problems[0] and len(list(tmp_path.glob("answers.yaml.bad-*"))) == 2
    assert load_answers_keeping(tmp_path / "missing.yaml") == ({}, [])


# --- rules folders -------------------------------------------------------------------------------

RULE = """\
rules:
  - id: {id}
    area: team
    when: {when}
    effect: favor
    framework: pytorch
    weight: {weight}
    message: A rule written for the hostile input tests of the rules loader.
    evidence:
      - {{source: "https://example.org/fact", checked: 2026-01-01}}
    tests:
      - {{answers: {{team_experience: pytorch}}, fires: true}}
      - {{answers: {{}}, fires: false}}
"""
LEAF = "{question: team_experience, equals: pytorch}"


def rules_folder(tmp_path: Path, name: str = "team.yaml", **fields: str) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(RULE.format(**{"id": "hostile-rule", "when": LEAF, "weight": "2", **fields}))
    return folder


def test_a_condition_nested_150_levels_is_refused_with_file_and_line(tmp_path):
    when = LEAF
    for _ in range(150):
        when = "{all: [" + when + "]}"
    folder = rules_folder(tmp_path, when=when)
    for args in (
        ["rules", "check", str(folder)],
        ["recommend", "--answers", str(GOOD_ANSWERS), "--rules", str(folder)],
    ):
        result = run_cli(*args, timeout=30)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert f"{folder / 'team.yaml'}:4:" in result.stderr and "nested too deeply" in result.stderr


def test_a_key_given_twice_in_a_rules_file_is_refused(tmp_path):
    folder = rules_folder(tmp_path, weight="2\n    weight: 9")
    result = run_cli("rules", "check", str(folder))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{folder / 'team.yaml'}:8:" in result.stdout + result.stderr
    assert "'weight' is given twice, on lines 7 and 8" in result.stdout + result.stderr


def test_yml_rule_files_are_read_like_yaml_ones(tmp_path):
    folder = rules_folder(tmp_path, name="team.yml", weight="heavy")
    result = run_cli("rules", "check", str(folder))
    assert result.returncode == 2 and f"{folder / 'team.yml'}:7:" in result.stdout + result.stderr
    (folder / "team.yml").write_text(RULE.format(id="hostile-rule", when=LEAF, weight="2"))
    result = run_cli("rules", "check", str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 valid rule" in result.stdout


def test_a_nan_threshold_is_refused(tmp_path):
    folder = rules_folder(tmp_path, when="{metric: speed_matmul, gt: .nan}")
    result = run_cli("rules", "check", str(folder))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{folder / 'team.yaml'}:4:" in result.stdout + result.stderr


# --- suite files ---------------------------------------------------------------------------------


def test_budget_written_1e9_says_how_yaml_reads_it(tmp_path):
    path = tmp_path / "suite.yaml"
    path.write_text((FIXTURES / "suites" / "tiny.yaml").read_text().replace("budget_s: 0.05", "budget_s: 1e9"))
    message = one_error(run_cli("profile", "--suite", str(path), timeout=30), path, 4)
    assert "YAML 1.1 reads `1e9` as text" in message and "1.0e9" in message


def test_a_key_given_twice_in_a_suite_is_refused(tmp_path):
    path = tmp_path / "suite.yaml"
    path.write_text((FIXTURES / "suites" / "tiny.yaml").read_text().replace("name: tiny", "name: tiny\nname: other"))
    assert "'name' is given twice" in one_error(run_cli("profile", "--suite", str(path), timeout=30), path, 3)


# --- profile runs --------------------------------------------------------------------------------


def run_data() -> dict:
    return msgspec.json.decode(encode_run(quick_document()))


def edited(change) -> dict:
    data = run_data()
    change(data)
    return data


PROFILE_CASES = {
    "metric-string": (lambda d: d["results"][0]["metric"].update(value="fast"), "record 1: matmul in torch"),
    "metric-list": (lambda d: d["results"][0].update(metric=[1, 2]), "record 1: matmul in torch"),
    "metric-negative": (lambda d: d["results"][0]["metric"].update(value=-0.1), ">= 0"),
    "metric-absurd": (lambda d: d["results"][1]["metric"].update(value=1e300), "<= "),
    "peak-negative": (lambda d: d["results"][0].update(percent_of_peak=-5), ">= 0"),
    "cpu-a-list": (lambda d: d["environment"].update(cpu=["x"]), "$.environment.cpu"),
    "cpu-model-a-list": (lambda d: d["environment"]["cpu"].update(model=[1]), "$.environment.cpu.model"),
    "gpu-a-string": (lambda d: d["environment"].update(gpu="none"), "$.environment.gpu"),
    "gpus-strings": (lambda d: d["environment"].update(gpu={"gpus": ["H100"]}), "$.environment.gpu.gpus[0]"),
    "framework-a-string": (lambda d: d["environment"].update(frameworks={"torch": "2.5"}), "frameworks"),
    "version-text": (lambda d: d.update(schema_version="1"), 'text ("1"): write the number 1 without quotes'),
    "version-true": (lambda d: d.update(schema_version=True), "must be a whole number"),
    "version-zero": (lambda d: d.update(schema_version=0), "version 0 is not a valid version"),
    "version-negative": (lambda d: d.update(schema_version=-1), "version -1 is not a valid version"),
    "version-missing": (lambda d: d.pop("schema_version"), "has no schema_version"),
}


@pytest.mark.parametrize("case", sorted(PROFILE_CASES))
def test_a_malformed_profile_is_refused_by_recommend_and_compare(tmp_path, case):
    change, fragment = PROFILE_CASES[case]
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_bytes(encode_run(quick_document()))
    bad.write_text(json.dumps(edited(change)))
    for args in (
        ["recommend", "--answers", str(GOOD_ANSWERS), "--profile", str(bad)],
        ["recommend", "--answers", str(GOOD_ANSWERS), "--profile", str(bad), "--format", "html"],
        ["profile", "compare", str(good), str(bad)],
    ):
        message = one_error(run_cli(*args, timeout=30), bad)
        assert fragment in message and "newer" not in message, message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (json.dumps(run_data()).replace("12.5", "NaN"), "NaN and Infinity"),
        (json.dumps(run_data()).replace("12.5", "Infinity"), "NaN and Infinity"),
        ('{"kind": "fwadvisor-profile", "environment": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    ],
    ids=["nan", "infinity", "deep"],  # the ids travel in the environment of the subprocess: keep them short
)
def test_nan_infinity_and_deep_nesting_in_a_profile_are_refused(tmp_path, text, fragment):
    bad = tmp_path / "bad.json"
    bad.write_text(text)
    result = run_cli("recommend", "--answers", str(GOOD_ANSWERS), "--profile", str(bad), timeout=30)
    assert fragment in one_error(result, bad)


def test_a_profile_that_is_a_fifo_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "run.json"
    os.mkfifo(fifo)
    result = run_cli("profile", "compare", str(fifo), str(fifo), timeout=20)
    assert "not a regular file" in one_error(result, fifo)


def test_an_absurd_ratio_never_reaches_the_advice(tmp_path):
    """1e-12 GFLOP/s passes as a number, but a speed ratio of 1e13 is no finding: it is not used."""
    path = tmp_path / "run.json"
    path.write_text(json.dumps(edited(lambda d: d["results"][1]["metric"].update(value=1e-12))))
    result = run_cli("recommend", "--answers", str(GOOD_ANSWERS), "--profile", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "speed_matmul" not in json.loads(result.stdout)["profile"]["metrics"]
