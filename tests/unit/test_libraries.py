"""The built-in library knowledge base (rules/libraries.yaml): it loads, it is broad, every entry rests
on dated evidence, release claims are recorded as data, and the facts checked at the sources hold."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from fwadvisor.advisor.facts import records_not_in_text, unrecorded_claims
from fwadvisor.advisor.libraries import by_id, load_libraries
from fwadvisor.errors import InputError

# Other rules and scenarios name these ids: they must stay.
REQUIRED_IDS = [
    "transformers",
    "diffusers",
    "sentence-transformers",
    "peft",
    "trl",
    "accelerate",
    "deepspeed",
    "vllm",
    "torchvision",
    "timm",
    "ultralytics",
    "detectron2",
    "tensorflow-models",
    "keras-hub",
    "keras-cv",
    "torch-geometric",
    "dgl",
    "tensorflow-gnn",
    "spektral",
    "stable-baselines3",
    "torchrl",
    "tf-agents",
    "rllib",
    "tensorflow-probability",
    "pyro-ppl",
    "numpyro",
    "tensorflow-quantum",
    "pennylane",
    "monai",
    "torchaudio",
    "speechbrain",
    "nemo-toolkit",
    "openai-whisper",
    "doctr",
    "easyocr",
    "tabpfn",
    "tensorflow-decision-forests",
    "xgboost",
    "lightning",
    "keras",
    "fastai",
    "horovod",
    "tensorflow-text",
    "tensorflow-recommenders",
    "torchrec",
    "tensorflow-hub",
    "tensorflowjs",
    "executorch",
    "litert-torch",
    "coremltools",
    "onnxruntime",
    "tf2onnx",
    "tensorflow-serving-api",
    "tritonclient",
    "deepchem",
    "flax",
    "keras-tuner",
    "optax",
    "gpytorch",
    "segmentation-models-pytorch",
    "mmdetection",
    "allennlp",
    "tensorflow-addons",
    "tensorflow-io",
    "tflite-runtime",
]


def test_the_builtin_file_loads_and_is_broad():
    libraries = load_libraries()
    assert len(libraries) >= 70
    assert len({library.category for library in libraries}) >= 12


def test_the_ids_other_files_rely_on_are_present():
    known = by_id()
    assert [name for name in REQUIRED_IDS if name not in known] == []


def test_every_entry_rests_on_dated_evidence():
    for library in load_libraries():
        assert library.evidence, library.id
        for item in library.evidence:
            assert item.source.startswith("https://"), (library.id, item.source)
            assert item.fact.strip(), (library.id, item.source)
            assert item.checked >= dt.date(2026, 1, 1), (library.id, item.source)


def test_release_claims_in_summaries_are_recorded():
    for library in load_libraries():
        assert unrecorded_claims(library.summary, library.evidence) == [], library.id
        assert records_not_in_text(library.summary, library.evidence) == [], library.id


def test_statuses_are_complete():
    for library in load_libraries():
        if library.status != "active":
            assert library.status_since is not None, library.id
        if library.status in ("frozen", "archived"):
            assert library.replacement, library.id
        assert not {d.framework for d in library.dropped} & set(library.frameworks), library.id


def test_checked_facts():
    lib = by_id()
    transformers = lib["transformers"]
    assert transformers.frameworks == ["pytorch"]
    assert {d.framework for d in transformers.dropped} == {"tensorflow", "jax"}
    assert {d.version for d in transformers.dropped} == {"5.0.0"}

    assert lib["diffusers"].frameworks == ["pytorch"]
    assert [(d.framework, d.date) for d in lib["diffusers"].dropped] == [("jax", dt.date(2026, 7, 11))]

    assert lib["tf-agents"].status == "frozen"
    assert lib["tf-agents"].replacement
    assert lib["tensorflow-gnn"].status == "frozen"
    assert any(e.release and e.release.version == "1.0.3" for e in lib["tensorflow-gnn"].evidence)
    assert lib["tensorflowjs"].status == "frozen"

    assert lib["keras-cv"].status == "archived"
    assert "KerasHub" in lib["keras-cv"].replacement
    assert lib["allennlp"].status == "archived"
    assert lib["allennlp"].status_since == dt.date(2022, 12, 16)
    assert lib["tensorflow-addons"].status == "archived"
    assert lib["torchaudio"].status == "maintenance"

    for name, version in (("doctr", "1.0.0"), ("pennylane", "0.44.0"), ("nncf", "3.0.0")):
        dropped = {d.framework: d.version for d in lib[name].dropped}
        assert dropped.get("tensorflow") == version, name
        assert "tensorflow" not in lib[name].frameworks, name
    assert lib["rllib"].frameworks == ["pytorch"]
    assert "ray.rllib" in lib["rllib"].imports

    assert sorted(lib["keras"].frameworks) == ["jax", "pytorch", "tensorflow"]
    assert lib["xgboost"].frameworks == []
    assert lib["tabpfn"].frameworks == ["pytorch"]


def test_a_package_listed_twice_is_refused(tmp_path: Path):
    entry = """
  - id: {id}
    name: Example {id}
    category: tabular
    packages: [shared-package]
    imports: [{id}_module]
    frameworks: []
    status: active
    summary: An example entry for the consistency check.
    evidence:
      - source: https://example.org/{id}
        checked: 2026-01-01
        fact: "an example"
"""
    path = tmp_path / "libraries.yaml"
    path.write_text("libraries:" + entry.format(id="first") + entry.format(id="second"), encoding="utf-8")
    with pytest.raises(InputError, match="shared-package"):
        load_libraries(path)
