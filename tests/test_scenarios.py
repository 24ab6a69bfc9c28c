"""Whole projects, end to end: an answers file gives the expected verdict for the expected reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FIXTURES, run_cli
from fwadvisor.advisor.engine import recommend
from fwadvisor.advisor.loader import load_rules
from fwadvisor.advisor.questionnaire import load_answers

SCENARIOS = Path(__file__).parent / "scenarios"
RULES = load_rules(include_user=False)

# file -> (verdict, confidences allowed, rules it must cite as reasons, blockers, caveats)
EXPECTED = {
    "llm_research_lab": ("pytorch", {"high"}, {"hf-transformers-v5-pytorch-only",
                                               "vllm-sglang-serve-pytorch-models",
                                               "llm-distributed-training-stacks-pytorch"}, set(), set()),
    "browser_team": ("either", {"low"}, {"browser-tfjs-native"}, set(), {"browser-onnx-runtime-web"}),
    "android_app": ("either", {"low"}, {"android-litert-mature"}, set(), {"mobile-executorch-stable"}),
    "legacy_tf_serving": ("tensorflow", {"high"}, {"tf-serving-estate", "existing-tensorflow-codebase"},
                          set(), {"tf-serving-lags-core"}),
    "windows_laptop_nvidia": ("pytorch", {"high"}, {"pytorch-native-windows-cuda"},
                              {"tf-no-native-windows-gpu"}, set()),
    "mac_student": ("pytorch", {"high"}, {"pytorch-mps-apple-silicon"}, {"tf-no-macos-gpu"},
                    {"learning-goal-concepts-transfer"}),
    "tpu_shop": ("tensorflow", {"high"}, {"tpu-tensorflow-native", "existing-tensorflow-codebase"},
                 set(), {"tpu-pod-training-options"}),
    "torchserve_user": ("pytorch", {"high"}, {"existing-pytorch-codebase"}, set(),
                        {"torchserve-limited-maintenance"}),
    "microcontroller_keyword_spotting": ("tensorflow", {"low"}, {"microcontroller-litert-micro"},
                                         set(), set()),
    "kaggle_keras_team": ("tensorflow", {"medium"}, {"kaggle-models-former-tfhub-tensorflow",
                                                     "team-knows-tensorflow"}, set(), set()),
    "amd_rocm_research": ("pytorch", {"high"}, {"amd-rocm-pytorch-upstream",
                                                "research-goal-reference-implementations-pytorch",
                                                "torchvision-timm-pytorch-only"}, set(), set()),
    "generative_media_startup": ("pytorch", {"high"}, {"diffusers-generative-media-pytorch"}, set(), set()),
    "tabular_business": ("either", {"low"}, set(), set(), {"tabular-trees-often-win"}),
    "both_codebases_team": ("either", {"low"}, set(), set(), {"existing-code-in-both-one-process-each"}),
    "intel_gpu_workstation": ("pytorch", {"low"}, {"intel-gpu-pytorch-xpu"}, set(), set()),
    "long_term_new_product": ("pytorch", {"medium"}, {"tf-core-maintenance-focus-lts"}, set(), set()),
    "mixed_os_tf_team": ("tensorflow", {"medium"}, {"existing-tensorflow-codebase"}, set(),
                         {"tf-windows-gpu-needs-wsl2"}),
    "edge_jetson_vision": ("pytorch", {"high"}, {"torchvision-timm-pytorch-only"}, set(),
                           {"edge-device-both-frameworks"}),
    "mobile_both_platforms_keras_team": ("tensorflow", {"medium"}, {"team-knows-tensorflow",
                                                                    "android-litert-mature"},
                                         set(), {"keras-hub-is-multi-backend", "ios-coreml-converts-both"}),
}


def _answers(name: str):
    path = SCENARIOS / f"{name}.yaml"
    return load_answers(path if path.exists() else FIXTURES / "answers" / "good_research_lab.yaml")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario(name):
    verdict, confidences, reasons, blockers, caveats = EXPECTED[name]
    rec = recommend(_answers(name), RULES)
    assert rec.recommendation == verdict, rec.summary
    assert rec.confidence in confidences, (rec.confidence, rec.margin)
    assert reasons <= {r.rule for r in rec.reasons}
    assert {b.rule for b in rec.blockers} == blockers
    assert caveats <= {c.rule for c in rec.caveats}


def test_every_scenario_file_is_covered():
    assert {p.stem for p in SCENARIOS.glob("*.yaml")} | {"llm_research_lab"} == set(EXPECTED)
    assert len(EXPECTED) >= 15


def test_scenario_through_the_cli():
    result = run_cli("recommend", "--answers", str(SCENARIOS / "windows_laptop_nvidia.yaml"),
                     "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["recommendation"] == "pytorch"
    assert doc["blockers"][0]["framework"] == "tensorflow"
    assert "WSL2" in doc["blockers"][0]["message"]
