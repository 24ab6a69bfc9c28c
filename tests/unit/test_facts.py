"""Facts that stay true: release claims written as data, `fwadvisor facts` with ages, and the online
check against fake (and, marked `online`, real) package indexes."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, run_cli
from fwadvisor.advisor.engine import load_guidance, recommend
from fwadvisor.advisor.facts import (
    Claim,
    IndexAnswer,
    ReleaseCheck,
    all_facts,
    facts_behind,
    guidance_claim_problems,
    overtaken,
    release_claims,
    release_claims_of,
    unrecorded_claims,
)
from fwadvisor.advisor.index_check import ask_indexes, read_npm_answer, read_pip_answer
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.model import Evidence, Release
from fwadvisor.advisor.versions import Ecosystem, Version, newest, parse_version

FAKE_BIN = FIXTURES / "fake_index"
RULES = load_rules(include_user=False)
EPOCH_2026_12_17 = str(int(dt.datetime(2026, 12, 17, tzinfo=dt.UTC).timestamp()))


# --- the claim pattern ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "versions"),
    [
        ("TF.js's last release is 4.22.0 (2024-10), and nothing since", ["4.22.0"]),
        ("the latest coremltools, 9.0 (2025-11), rejects torch.export output", ["9.0"]),
        ("TF-Agents' last release 0.19.0 (2023-12)", ["0.19.0"]),
        ("PyTorch 2.15 (2026-10) is the newest", ["2.15"]),
        ("the newest TensorFlow is the release candidate 2.22.0rc0", ["2.22.0rc0"]),
        ("its most recent release, 1.5.1", ["1.5.1"]),
        # history, which no later release changes, and sentences without a version
        ("TF 2.10 was the last release with native Windows GPU support", []),
        ("25.02 is reported to be the last image that bundles it", []),
        ("runs 2.1 on the latest hardware", []),
        ("facts last checked 2026-11-27", []),
        ("the latest models", []),
    ],
)
def test_release_claims_are_found_and_history_is_not(text, versions):
    assert release_claims(text) == versions


def _evidence(version: str | None) -> Evidence:
    release = Release("tensorflow", "pypi", version, dt.date(2026, 3, 6)) if version else None
    return Evidence("https://pypi.org/project/tensorflow/", dt.date(2026, 12, 7), "H", "", release)


def test_a_claim_needs_a_record_naming_the_same_version():
    text = "The latest TensorFlow is 2.21.0 (2026-03-06)."
    assert unrecorded_claims(text, [_evidence(None)]) == ["2.21.0"]
    assert unrecorded_claims(text, [_evidence("2.21.0")]) == []
    assert unrecorded_claims("The latest TensorFlow is 2.21 (2026-03).", [_evidence("2.21.0")]) == []
    # a record for another version does not vouch for this text
    assert unrecorded_claims(text, [_evidence("2.20.0")]) == ["2.21.0"]


def test_builtin_rules_and_guidance_record_every_release_claim():
    assert guidance_claim_problems(load_guidance()) == []
    for entry in RULES.rules:
        assert unrecorded_claims(entry.rule.message, entry.rule.evidence) == [], entry.rule.id
    packages = {c.release.package for c in release_claims_of(all_facts([e.rule for e in RULES.rules], load_guidance()))}
    assert {"tensorflow", "torch", "@tensorflow/tfjs"} <= packages


def _rule_folder(tmp_path: Path, message: str, release: str = "") -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "claims.yaml").write_text(
        f"""rules:
  - id: tfjs-stalled
    area: deployment
    when: {{question: deploy_targets, includes: browser}}
    effect: caveat
    message: >
      {message}
    evidence:
      - source: https://www.npmjs.com/package/@tensorflow/tfjs
        checked: 2026-12-07
        strength: H
        {release}
    tests:
      - answers: {{deploy_targets: [browser]}}
        fires: true
      - answers: {{deploy_targets: [android]}}
        fires: false
""",
        encoding="utf-8",
    )
    return folder


MESSAGE = "TF.js's last release is 4.22.0 (2024-10), so a browser project should not count on new TF.js features."


def test_rules_check_refuses_a_release_claim_without_a_record(tmp_path):
    result = run_cli("rules", "check", str(_rule_folder(tmp_path, MESSAGE)))
    assert result.returncode == 2
    assert "claims.yaml:6: rule 'tfjs-stalled': the message names 4.22.0 as a latest release" in result.stderr
    assert "release: {package: NAME, ecosystem: pypi|npm, version: 4.22.0" in result.stderr


def test_rules_check_refuses_a_record_the_message_does_not_name(tmp_path):
    record = 'release: {package: "@tensorflow/tfjs", ecosystem: npm, version: 4.21.0, date: 2024-09-01}'
    result = run_cli("rules", "check", str(_rule_folder(tmp_path, MESSAGE, record)))
    assert result.returncode == 2
    assert "release record @tensorflow/tfjs 4.21.0 is not named in the message" in result.stderr


def test_rules_check_accepts_a_recorded_claim_and_refuses_a_future_release(tmp_path):
    record = 'release: {package: "@tensorflow/tfjs", ecosystem: npm, version: 4.22.0, date: 2024-10-21}'
    result = run_cli("rules", "check", str(_rule_folder(tmp_path, MESSAGE, record)))
    assert result.returncode == 0, result.stderr
    future = 'release: {package: "@tensorflow/tfjs", ecosystem: npm, version: 4.22.0, date: 2099-01-01}'
    (tmp_path / "f").mkdir()
    result = run_cli("rules", "check", str(_rule_folder(tmp_path / "f", MESSAGE, future)))
    assert result.returncode == 2 and "a planned release is not a release yet" in result.stderr


@pytest.mark.parametrize(
    "record",
    [
        'release: {package: "not a name", ecosystem: pypi, version: 1.0}',
        "release: {package: tensorflow, ecosystem: conda, version: 2.21.0}",
        "release: {package: tensorflow, ecosystem: pypi, version: latest}",
    ],
)
def test_a_malformed_release_record_is_one_clear_message(tmp_path, record):
    (tmp_path / "f").mkdir()
    result = run_cli("rules", "check", str(_rule_folder(tmp_path / "f", MESSAGE, record)))
    assert result.returncode == 2
    assert "claims.yaml:" in result.stderr and "evidence[0].release" in result.stderr
    assert "Traceback" not in result.stderr


# --- versions -------------------------------------------------------------------------------------


def _version(text: str, ecosystem: Ecosystem) -> Version:
    version = parse_version(text, ecosystem)
    assert version is not None, text
    return version


def test_versions_sort_as_the_indexes_mean_them():
    pypi = ["2.21.0", "2.22.0rc0", "2.21.0rc1", "2.13.0+cpu", "2.15.0.post1", "2.22.0.dev20261101"]
    assert newest(pypi, "pypi") == ("2.21.0", "2.22.0rc0")
    assert parse_version("2.21", "pypi") == parse_version("2.21.0", "pypi")
    assert _version("2.22.0rc0", "pypi") < _version("2.22.0", "pypi")
    assert _version("2.22.0.dev1", "pypi") < _version("2.22.0rc0", "pypi")
    assert _version("1.0.post1", "pypi") > _version("1.0", "pypi")
    assert parse_version("not-a-version", "pypi") is None
    assert newest(["4.22.0", "4.23.0-rc.0", "4.9.0"], "npm") == ("4.22.0", "4.23.0-rc.0")
    assert _version("4.23.0-rc.10", "npm") > _version("4.23.0-rc.9", "npm")
    # a pre-release older than the newest stable is no news
    assert newest(["2.21.0", "2.21.0rc1"], "pypi") == ("2.21.0", None)


def test_pip_and_npm_answers_are_read_and_malformed_ones_said():
    answer = read_pip_answer("tensorflow", "tensorflow (2.22.0rc0)\nAvailable versions: 2.22.0rc0, 2.21.0, 2.20.0\n")
    assert (answer.newest_stable, answer.newest_prerelease, answer.problem) == ("2.21.0", "2.22.0rc0", None)
    assert read_pip_answer("x", "<html>portal</html>").problem_kind == "malformed"
    npm = read_npm_answer("@tensorflow/tfjs", json.dumps({"created": "2018", "4.22.0": "2024-10-21T00:00:00Z"}))
    assert npm.newest_stable == "4.22.0" and npm.dates == {"4.22.0": "2024-10-21"}
    assert read_npm_answer("x", "{nope").problem_kind == "malformed"
    assert read_npm_answer("x", "[1, 2]").problem_kind == "malformed"


def test_overtaken_tells_stable_from_pre_release():
    claims = [
        Claim(Release("tensorflow", "pypi", "2.21.0"), ["rule a"]),
        Claim(Release("torch", "pypi", "2.15.0"), ["rule b"]),
        Claim(Release("keras", "pypi", "3.15.1"), ["rule c"]),
        Claim(Release("tensorflow", "pypi", "2.22.0rc0"), ["outlook (TensorFlow)"]),
    ]
    answers = [
        IndexAnswer("tensorflow", "pypi", "2.21.0", "2.22.0rc1"),
        IndexAnswer("torch", "pypi", "2.16.0", None),
        IndexAnswer("keras", "pypi", "3.15.1", None),
    ]
    found = {(o.package, o.claimed): (o.newer, o.kind) for o in overtaken(claims, answers)}
    assert found == {
        ("tensorflow", "2.21.0"): ("2.22.0rc1", "pre-release"),
        ("tensorflow", "2.22.0rc0"): ("2.22.0rc1", "pre-release"),
        ("torch", "2.15.0"): ("2.16.0", "stable"),
    }
    # a failed answer overtakes nothing
    assert overtaken(claims[:1], [IndexAnswer("tensorflow", "pypi", problem="offline")]) == []


# --- the fake indexes -----------------------------------------------------------------------------

CANNED = {
    "tensorflow": ["2.22.0rc0", "2.21.0", "2.21.0rc1", "2.20.0"],
    "torch": ["2.16.0", "2.15.0", "2.14.1"],
    "@tensorflow/tfjs": {
        "4.22.0": "2024-10-21T18:00:00.000Z",
        "4.23.0-rc.0": "2026-01-15T19:19:19.853Z",
        "4.23.0-rc.1": "2026-12-01T10:00:00.000Z",
    },
}


@pytest.fixture
def fake_index(tmp_path, monkeypatch):
    """A fake pip and npm first on PATH, answering from a canned file; returns the file to edit."""
    index = tmp_path / "index.json"
    index.write_text(json.dumps(CANNED), encoding="utf-8")
    monkeypatch.setenv("PATH", f"{FAKE_BIN}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_INDEX", str(index))
    monkeypatch.setenv("FWADVISOR_PIP", "pip")
    return index


def test_ask_indexes_runs_in_parallel_within_its_time_limit(fake_index):
    data = {"slow-a": "slow", "slow-b": "slow", "broken": "broken", "garbage": "garbage", **CANNED}
    fake_index.write_text(json.dumps(data), encoding="utf-8")
    packages: list[tuple[str, Ecosystem]] = [
        ("slow-a", "pypi"),
        ("slow-b", "pypi"),
        ("broken", "pypi"),
        ("garbage", "pypi"),
    ]
    packages += [("tensorflow", "pypi"), ("@tensorflow/tfjs", "npm")]
    start = time.monotonic()
    answers = {a.package: a for a in ask_indexes(packages, total_seconds=3)}
    assert time.monotonic() - start < 10  # the slow ones (a minute each) were cut at the limit
    assert answers["slow-a"].problem_kind == answers["slow-b"].problem_kind == "timeout"
    assert answers["broken"].problem_kind == "not_found"
    assert answers["garbage"].problem_kind == "malformed"
    assert answers["tensorflow"].newest_prerelease == "2.22.0rc0"
    assert answers["@tensorflow/tfjs"].dates["4.23.0-rc.1"] == "2026-12-01"


def test_facts_online_names_newer_releases_and_reports_then_show_them(fake_index):
    result = run_cli("facts", "--online", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Overtaken by a newer release:" in out
    assert "torch 2.16.0 (stable) is newer than the 2.15.0 named by" in " ".join(out.split())
    assert "A newer pre-release is out:" in out
    assert "@tensorflow/tfjs 4.23.0-rc.1 (pre-release, 2026-12-01)" in " ".join(out.split())
    assert all(len(line) <= 80 for line in out.splitlines() if "://" not in line)
    # every package the canned index lacks is one line, never a traceback
    assert "not checked" in out and "Traceback" not in out + result.stderr

    # A TensorFlow Serving estate: its advice names the newest tensorflow-serving-api, which a new release overtakes.
    fake_index.write_text(json.dumps({**CANNED, "tensorflow-serving-api": ["2.22.0", "2.21.0"]}), encoding="utf-8")
    assert run_cli("facts", "--online").returncode == 0
    answers = str(REPO / "tests" / "scenarios" / "tf_serving_estate_adds_llm.yaml")
    report = run_cli("recommend", "--answers", answers, "--format", "md")
    flat = " ".join(report.stdout.split())
    assert "The online check of" in flat and "than this advice knows" in flat, report.stdout[:3000]
    assert "tensorflow-serving-api 2.22.0 (stable) is newer than the 2.21.0 named by rule tf-serving-estate" in flat
    data = json.loads(run_cli("recommend", "--answers", answers, "--format", "json").stdout)
    assert data["releases_checked"]
    assert any(r["package"] == "tensorflow-serving-api" and r["kind"] == "stable" for r in data["newer_releases"])


@pytest.mark.parametrize("tool", ["pip", "npm"])
def test_offline_each_source_is_one_line_and_exit_0(fake_index, tool):
    result = run_cli("facts", "--online", env={"FAKE_INDEX_OFFLINE": "1"})
    assert result.returncode == 0
    name = {"pip": "PyPI (pip)", "npm": "npm"}[tool]
    lines = [line for line in result.stdout.splitlines() if line.startswith(name + ":")]
    assert len(lines) == 1 and "no answer for" in lines[0], result.stdout


def test_no_npm_installed_is_one_line(fake_index, monkeypatch, tmp_path):
    only_pip = tmp_path / "bin"  # a PATH with the fake pip and a Python for it, and no npm
    only_pip.mkdir()
    (only_pip / "pip").symlink_to(FAKE_BIN / "pip")
    (only_pip / "python3").symlink_to(sys.executable)
    result = run_cli("facts", "--online", env={"PATH": str(only_pip)})
    assert result.returncode == 0
    assert "npm: no answer for @tensorflow/tfjs (npm is not installed)" in result.stdout


# --- listing --------------------------------------------------------------------------------------


def test_facts_lists_every_fact_with_its_age_oldest_first():
    result = run_cli("facts", env={"SOURCE_DATE_EPOCH": EPOCH_2026_12_17, "COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("The ") and "facts of the rules and the guidance were checked between" in result.stdout
    dated = [line for line in lines if line.startswith("checked ")]
    assert dated == sorted(dated, key=lambda line: line[8:18])
    assert any("checked 2026-12-07, 10 days ago" in line for line in dated)
    assert all(len(line) <= 80 for line in lines if "://" not in line)


def test_facts_for_an_answers_file_lists_only_what_the_advice_rests_on():
    answers = REPO / "tests" / "scenarios" / "tf_serving_estate_adds_llm.yaml"
    everything = run_cli("facts", "--format", "json")
    behind = run_cli("facts", "--answers", str(answers), "--format", "json")
    assert everything.returncode == behind.returncode == 0
    rules_all = {f["rule"] for f in json.loads(everything.stdout)["facts"]}
    rules_behind = {f["rule"] for f in json.loads(behind.stdout)["facts"]}
    assert "tf-serving-estate" in rules_behind and rules_behind < rules_all
    rec = recommend({"serving_stack": "tf_serving", "deploy_targets": ["cloud_server"]}, RULES, with_what_if=False)
    assert {f.rule for f in facts_behind(rec, [e.rule for e in RULES.rules]) if f.rule} <= {
        r.rule for r in rec.reasons
    } | {c.rule for c in rec.caveats} | {a.rule for a in rec.alternatives}


def test_report_says_how_old_the_facts_are(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2026_12_17)
    rec = recommend({"primary_goal": "research", "domains": ["llm"]}, RULES)
    assert rec.facts_checked is not None and rec.facts_checked.as_of == "2026-12-17"
    from fwadvisor.report.render import render

    for fmt in ("text", "md", "html"):
        text = " ".join(render(rec, fmt).split())
        assert "days ago)" in text and "facts behind this advice were checked" in text, fmt
    assert rec.newer_releases == [] and rec.releases_checked is None


def test_a_saved_check_reaches_the_report_and_a_damaged_one_is_ignored(tmp_path):
    from fwadvisor.advisor.facts import check_path, load_last_check, save_check

    save_check(ReleaseCheck("2026-12-07T03:00:00Z", [IndexAnswer("torch", "pypi", "2.99.0", None)]))
    check = load_last_check()
    assert check is not None and check.date == dt.date(2026, 12, 7)
    rec = recommend({"primary_goal": "research", "domains": ["llm"]}, RULES, release_check=check)
    from fwadvisor.report import content

    lines = content.release_lines(rec)
    if rec.newer_releases:  # the advice names a torch release: the check overtakes it
        assert "torch 2.99.0 (stable)" in lines[1]
    else:
        assert lines == [
            "The online check of 2026-12-07 (fwadvisor facts --online) found no release newer than the ones this "
            "advice names."
        ]
    check_path().write_bytes(b"\x00not json")
    assert load_last_check() is None


@pytest.mark.online
def test_online_against_the_real_indexes():
    """The real check on this machine: skipped when pip cannot reach its index."""
    result = run_cli("facts", "--online", "--format", "json", timeout=60)
    assert result.returncode == 0, result.stderr
    online = json.loads(result.stdout)["online"]
    tensorflow = next(a for a in online["answers"] if a["package"] == "tensorflow")
    if tensorflow["problem"] is not None:
        pytest.skip(f"no package index reachable here: {tensorflow['problem']}")
    assert tensorflow["newest_stable"] is not None
