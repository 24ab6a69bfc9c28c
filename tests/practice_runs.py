"""Practice-suite runs built by hand in the profiler's record format, for the report and app tests.

No framework runs here, so the tests that use them are quick and say exactly which numbers each
format must show.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import msgspec

from fwadvisor.advisor.engine import Blocker, Caveat, Reason
from fwadvisor.profiler.benchmark_spec import Params
from fwadvisor.profiler.documents import Record, RunDocument
from fwadvisor.profiler.records import failed_record, make_record, with_curve
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.report import html, markdown, text
from fwadvisor.report.profile_model import build_evidence

# Five epochs each, as the practice workers record them: the CNN ends 5.6 points apart (a finding),
# the LSTM only in PyTorch (TensorFlow's worker crashed).
CNN_TORCH = [
    (1, 1.9021, 0.4512, 0.7311),
    (2, 0.6127, 0.8433, 0.8867),
    (3, 0.2875, 0.9207, 0.9311),
    (4, 0.1741, 0.9532, 0.9511),
    (5, 0.1169, 0.9681, 0.9644),
]
CNN_TF = [
    (1, 2.0518, 0.3120, 0.5911),
    (2, 1.0934, 0.6917, 0.7622),
    (3, 0.5712, 0.8384, 0.8533),
    (4, 0.3820, 0.8880, 0.8889),
    (5, 0.2906, 0.9151, 0.9089),
]
RNN_TORCH = [
    (1, 2.2011, 0.2105, 0.3400),
    (2, 1.4520, 0.5122, 0.6022),
    (3, 0.8814, 0.7306, 0.7689),
    (4, 0.5525, 0.8411, 0.8511),
    (5, 0.3810, 0.8904, 0.8800),
]


def curve(points: list[tuple[int, float, float, float]], seconds: float) -> list[dict[str, float]]:
    return [
        {"epoch": e, "train_loss": loss, "train_accuracy": train, "test_accuracy": test, "seconds": seconds + 0.01 * e}
        for e, loss, train, test in points
    ]


def practice(benchmark: str, framework: str, points: list[tuple[int, float, float, float]], seconds: float) -> Record:
    params: Params = {"epochs": 5, "batch": 64, "test_percent": 25, "seed": 7}
    if benchmark == "practice_rnn":
        params["hidden"] = 64
    record = make_record(
        benchmark=benchmark,
        framework=framework,
        framework_version="x",
        device="cpu",
        dtype="fp32",
        params=params,
        threads=4,
        precision={},
        timing=None,
        metric_name="test accuracy",
        metric_value=points[-1][3],
        correct=True,
        check="the loss fell and the accuracy beat chance",
    )
    return with_curve(record, curve(points, seconds))


def export(framework: str, fmt: str, load_s: float, correct: bool, error: float) -> Record:
    return make_record(
        benchmark="export_roundtrip",
        framework=framework,
        framework_version="x",
        device="cpu",
        dtype="fp32",
        params={"batch": 64},
        threads=4,
        precision={},
        timing=None,
        metric_name="load s",
        metric_value=load_s,
        correct=correct,
        check=None if correct else "reloaded outputs differ from the trained model's",
        extra={"export_s": 0.84, "load_s": load_s, "artifact_bytes": 1_234_567, "format": fmt, "max_rel_error": error},
    )


def document(data: dict[str, object]) -> RunDocument:
    """A run document from plain data and records, as a saved run is loaded."""
    return run_from_data(msgspec.to_builtins(data))


def practice_document() -> RunDocument:
    return document(
        {
            "schema_version": 1,
            "kind": "fwadvisor-profile",
            "created": "2025-05-01T10:00:00+00:00",
            "cancelled": False,
            "suite": {"name": "practice", "device": "cpu", "threads": 4},
            "environment": {"cpu": {"model": "Test CPU", "physical_cores": 4, "logical_cores": 8}, "frameworks": {}},
            "workers": {
                "torch": {"status": "ok", "framework_version": "2.5.1"},
                "tensorflow": {"status": "failed", "framework_version": "2.18.0"},
            },
            "results": [
                practice("practice_cnn", "torch", CNN_TORCH, 0.31),
                practice("practice_cnn", "tensorflow", CNN_TF, 0.52),
                practice("practice_rnn", "torch", RNN_TORCH, 0.44),
                failed_record(
                    "practice_rnn",
                    "tensorflow",
                    "worker crashed: <oom> | out of memory",
                    device="cpu",
                    params={"epochs": 5, "batch": 64, "hidden": 64, "test_percent": 25, "seed": 7},
                    dtype="fp32",
                ),
                export("torch", "torch.export .pt2", 0.042, True, 2.1e-7),
                export("tensorflow", "SavedModel", 0.913, False, 0.31),
            ],
        }
    )


def quick_document() -> RunDocument:
    """A quick-suite run as the profiler saves it: speeds only, no curves."""

    def matmul(framework: str, value: float) -> Record:
        return make_record(
            benchmark="matmul",
            framework=framework,
            framework_version="x",
            device="cpu",
            dtype="fp32",
            params={"m": 64, "n": 64, "k": 64},
            threads=4,
            precision={},
            timing=None,
            metric_name="GFLOP/s",
            metric_value=value,
            correct=True,
        )

    return document(
        {
            **msgspec.to_builtins(practice_document()),
            "suite": {"name": "quick", "device": "cpu", "threads": 4},
            "workers": {"torch": {"status": "ok"}, "tensorflow": {"status": "ok"}},
            "results": [matmul("torch", 12.5), matmul("tensorflow", 9.75)],
        }
    )


# The "Evidence from this machine" section of a run in each format, as the reports build it: built
# once (profile_model), then laid out by the format.
Run = RunDocument
Triggered = Sequence[Reason | Caveat | Blocker] | None


def evidence_markdown(document: Run, path: Path | str | None, triggered: Triggered = None) -> str:
    return markdown.evidence_markdown(build_evidence(document, path, triggered))


def evidence_html(document: Run, path: Path | str | None, triggered: Triggered = None) -> str:
    return html.evidence_html(build_evidence(document, path, triggered))


def evidence_text(document: Run, path: Path | str | None, width: int = 100, triggered: Triggered = None) -> list[str]:
    return text.evidence_lines(build_evidence(document, path, triggered), width)
