"""Real public decisions (2023-2026): the verdict a current expert accepts for what the project would answer.

Each `tests/cases/<name>.yaml` holds a `case:` block (the project, the thread or PR it comes from, the date,
what the maintainers decided and why, the expected verdict) and an `answers:` block, a flat answers file as the
people in that thread would have filled it in. The cases where the engine disagrees today are listed in
DISAGREES with what drives the engine's verdict: they are strict expected failures, so a rule change that makes
one agree fails the suite until it is taken off the list, and a case that starts to disagree fails at once.
`python -m pytest -s tests/unit/test_real_cases.py -k agreement` prints how many decisions the engine agrees with.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import yaml

from conftest import FIXTURES
from fwadvisor.advisor.engine import Recommendation, recommend
from fwadvisor.advisor.loader import RuleSet, load_rules
from fwadvisor.advisor.questionnaire import Answers, load_answers
from fwadvisor.errors import InputError

CASES = FIXTURES.parent / "cases"
VERDICTS = {"pytorch", "tensorflow", "either"}
CONFIDENCES = {"low", "medium", "high"}
EARLIEST = dt.date(2023, 1, 1)
MIN_CASES = 40
CASE_KEYS = {"project", "url", "date", "decision", "verdict", "confidence", "why"}
REQUIRED_KEYS = CASE_KEYS - {"confidence"}


def case_names() -> list[str]:
    return sorted(p.stem for p in CASES.glob("*.yaml"))


@cache
def load_case(name: str) -> dict[str, Any]:
    data = yaml.safe_load((CASES / f"{name}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and set(data) == {"case", "answers"}, f"{name}: needs exactly `case:` and `answers:`"
    return data


def case_answers(name: str, tmp_dir: Path) -> Answers:
    """The case's answers, validated the way `fwadvisor recommend --answers` validates a file."""
    path = tmp_dir / f"{name}.answers.yaml"
    path.write_text(yaml.safe_dump(load_case(name)["answers"], sort_keys=False), encoding="utf-8")
    return load_answers(path)


@cache
def rules() -> RuleSet:
    return load_rules(include_user=False)


def engine_says(name: str, tmp_dir: Path) -> Recommendation:
    return recommend(case_answers(name, tmp_dir), rules(), with_what_if=False)


def agrees(case: dict[str, Any], rec: Recommendation) -> bool:
    """The engine agrees when its verdict is the expected one and, where the case lists confidences, so is its own."""
    confidences = case.get("confidence")
    return rec.recommendation == case["verdict"] and (not confidences or rec.confidence in confidences)


def agreement(tmp_dir: Path | None = None) -> tuple[int, int]:
    """(cases where fwadvisor agrees with the expert verdict, all cases); a case whose answers are invalid disagrees."""
    names = case_names()
    with tempfile.TemporaryDirectory() as scratch:
        where = tmp_dir or Path(scratch)
        agreed = 0
        for name in names:
            try:
                rec = engine_says(name, where)
            except InputError:  # an answer the questionnaire does not know (yet) counts as a disagreement
                continue
            agreed += agrees(load_case(name)["case"], rec)
    return agreed, len(names)


@pytest.mark.parametrize("name", case_names())
def test_case_metadata(name):
    case = load_case(name)["case"]
    assert isinstance(case, dict)
    assert REQUIRED_KEYS <= set(case) <= CASE_KEYS, (name, set(case) ^ CASE_KEYS)
    project = case["project"]
    assert isinstance(project, str) and project.count("/") == 1 and all(project.split("/")), project
    url = urlparse(case["url"])
    assert url.scheme == "https" and url.netloc, case["url"]
    if url.netloc == "github.com":  # the thread belongs to the project the case is about
        assert url.path.lower().startswith(f"/{project.lower()}/"), (project, case["url"])
    assert isinstance(case["date"], dt.date) and not isinstance(case["date"], dt.datetime), case["date"]
    assert EARLIEST <= case["date"] <= dt.date.today(), case["date"]
    for key in ("decision", "why"):
        assert isinstance(case[key], str) and case[key].strip(), (name, key)
    assert case["verdict"] in VERDICTS, case["verdict"]
    if "confidence" in case:
        assert case["confidence"] and set(case["confidence"]) <= CONFIDENCES, case["confidence"]


@pytest.mark.parametrize("name", case_names())
def test_case_answers_are_valid(name, tmp_path):
    answers = case_answers(name, tmp_path)
    assert answers == {key: value for key, value in load_case(name)["answers"].items() if value not in (None, [])}, (
        "an answer was dropped or changed while loading"
    )


# Where the engine disagrees with the expert today, and why (README states the agreement).
DISAGREES = {
    "bayesflow_keras3_backends": "TF skills (x1.5 for ease of use) and TF code of a Keras library;"
    " its users pick the backend",
    "donkeycar_keras3_tflite": "apple_silicon among the training machines is a PyTorch need (MPS) that caps TF skills;"
    " nothing scores the Raspberry Pi's TFLite runtime for TensorFlow",
    "galaxy_training_bioimage": "learners' material: the tool learners run now cannot be said in the answers",
    "gpflow_tf216": "research (3) still pushes PyTorch; TF Probability, GPflow's base, is frozen today"
    " (0.25.0, 2024-11)",
    "mit_6s191_pytorch_labs": "the verdict agrees (PyTorch); its LLM lab's libraries give high, not low or medium",
    "mlperf_mobile_litert": "model_sources huggingface fires the Transformers rule for .tflite files from the Hub",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.xfail(reason=DISAGREES[n], strict=True)) if n in DISAGREES else n
        for n in case_names()
    ],
)
def test_engine_gives_the_expert_verdict(name, tmp_path):
    case = load_case(name)["case"]
    rec = engine_says(name, tmp_path)
    assert rec.recommendation == case["verdict"], f"{case['url']}: {rec.summary}"
    if case.get("confidence"):
        assert rec.confidence in case["confidence"], (case["url"], rec.confidence, rec.margin)


def test_case_files_are_enough_and_distinct():
    names = case_names()
    assert len(names) >= MIN_CASES, len(names)
    urls = [load_case(name)["case"]["url"] for name in names]
    assert len(set(urls)) == len(urls), "two case files cite the same thread"


def test_agreement(tmp_path):
    agreed, total = agreement(tmp_path)
    print(f"\nfwadvisor agrees with {agreed} of {total} real decisions")
    assert total >= MIN_CASES
    assert agreed == total - len(DISAGREES)  # README states this number: keep them in step
