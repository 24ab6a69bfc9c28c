"""Pairwise ratios (contract of issue 23, section 4): Row.pair_leads and the ratio text with two or three
frameworks, from hand-made runs (conftest.record_data) read the way a saved run is read."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import record_data
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.report.profile_table import PairLead, Row, rows


def _samples(centre: float, spread: float, count: int = 12) -> list[float]:
    """Seconds per call spread evenly around `centre` by ±`spread` (a fraction)."""
    return [centre * (1 + spread * (2 * i / (count - 1) - 1)) for i in range(count)]


def _record(framework: str, value: float, centre: float, spread: float = 0.01, **fields: Any) -> dict[str, Any]:
    data = record_data(framework, value, benchmark=fields.pop("benchmark", "matmul"))
    data["samples_s"] = _samples(centre, spread)
    data.update(fields)
    return data


def _rows(results: list[dict[str, Any]]) -> dict[str, Row]:
    frameworks = {r["framework"] for r in results}
    document = run_from_data(
        {
            "schema_version": 2,
            "kind": "fwadvisor-profile",
            "created": "2026-01-02T03:04:05",
            "suite": {"name": "pairs", "device": "cpu", "threads": 1},
            "environment": {"hostname": "pairs-test", "cpu": {"model": "Test CPU", "logical_cores": 2}},
            "workers": {fw: {"status": "ok", "framework_version": "1.0"} for fw in frameworks},
            "results": results,
        }
    )
    return {row.benchmark: row for row in rows(document)}


WIDE = {"wide_spread": True, "rel_spread": 0.2}


def _three_way() -> dict[str, Row]:
    """matmul: JAX 1.5x PyTorch, PyTorch 1.3x TensorFlow; eager_overhead (us/op, lower is better):
    TensorFlow 2x PyTorch, JAX level with PyTorch within the noise."""
    return _rows(
        [
            _record("torch", 130.0, 0.0010),
            _record("tensorflow", 100.0, 0.0013),
            _record("jax", 195.0, 0.00066667),
            _record(
                "torch", 20.0, 0.0020, 0.2, benchmark="eager_overhead", metric={"name": "us/op", "value": 20.0}, **WIDE
            ),
            _record("tensorflow", 10.0, 0.0010, benchmark="eager_overhead", metric={"name": "us/op", "value": 10.0}),
            _record(
                "jax", 19.8, 0.00198, 0.2, benchmark="eager_overhead", metric={"name": "us/op", "value": 19.8}, **WIDE
            ),
        ]
    )


def test_pairs_come_in_frameworks_order_with_the_leader_first_and_ratio_above_one() -> None:
    matmul = _three_way()["matmul"]
    leads = matmul.pair_leads()
    assert [lead.pair for lead in leads] == [("torch", "tensorflow"), ("torch", "jax"), ("tensorflow", "jax")]
    assert [(lead.ahead, lead.behind) for lead in leads] == [
        ("torch", "tensorflow"),
        ("jax", "torch"),
        ("jax", "tensorflow"),
    ]
    assert [lead.ratio for lead in leads] == pytest.approx([1.3, 1.5, 1.95])
    for lead in leads:  # each interval in the leader's direction, around its ratio, beyond the noise
        assert lead.interval is not None and lead.interval[0] < lead.ratio < lead.interval[1]
        assert lead.interval[0] > 1 and not lead.within_noise
    assert matmul.faster == ("torch", pytest.approx(1.3))  # the advice's pair stays PyTorch vs TensorFlow
    assert matmul.interval == leads[0].interval


def test_three_frameworks_give_one_named_pair_per_line() -> None:
    table = _three_way()
    assert table["matmul"].faster_text(short=True).splitlines() == [
        "torch>TF 1.30x (1.29-1.31)",
        "JAX>torch 1.50x (1.49-1.51)",
        "JAX>TF 1.95x (1.94-1.96)",
    ]
    # Lower is better: TensorFlow's 10 us/op leads; JAX and PyTorch differ by 1%, within the noise, and a
    # ratio built on a wide-spread number carries its mark.
    eager = table["eager_overhead"].faster_text(short=True, narrow=True).splitlines()
    assert eager[0].startswith("TF>torch 2.00x") and eager[0].endswith("~")
    assert eager[1].startswith("JAX>torch 1.01x ≈") and eager[1].endswith("~")
    assert eager[2].startswith("TF>JAX 1.98x")
    assert "(" not in "".join(eager)  # narrow three-way lines leave the interval to the details
    words = table["eager_overhead"].faster_text()
    assert "JAX>torch 1.01x (" in words and "within the noise" in words


def test_two_frameworks_keep_the_leaders_name_alone() -> None:
    two = _rows([_record("torch", 130.0, 0.0010), _record("tensorflow", 100.0, 0.0013)])["matmul"]
    assert two.faster_text() == "torch 1.30x (1.29-1.31)"
    assert two.faster_text(narrow=True) == "torch 1.30x\n(1.29-1.31)"
    jax_and_torch = _rows([_record("torch", 130.0, 0.0010), _record("jax", 195.0, 0.00066667)])["matmul"]
    assert jax_and_torch.faster is None  # no TensorFlow: no answer to the advice's question
    assert jax_and_torch.faster_text() == "JAX 1.50x (1.49-1.51)"
    assert _rows([_record("jax", 195.0, 0.00066667)])["matmul"].faster_text() == "-"  # a JAX-only run


def test_a_failed_framework_leaves_the_other_pairs() -> None:
    table = _rows(
        [
            _record("torch", 130.0, 0.0010),
            _record("tensorflow", 100.0, 0.0013, correct=False, check="max rel. error 0.5"),
            _record("jax", 195.0, 0.00066667),
        ]
    )
    matmul = table["matmul"]
    assert [lead.pair for lead in matmul.pair_leads()] == [("torch", "jax")]
    assert matmul.faster is None and matmul.faster_text(short=True) == "JAX>torch 1.50x (1.49-1.51)"


def test_accuracy_compares_in_points_per_pair() -> None:
    def accuracy(framework: str, value: float) -> dict[str, Any]:
        return _record(framework, value, 1.0, benchmark="train_cnn", metric={"name": "test accuracy", "value": value})

    three = _rows([accuracy("torch", 0.912), accuracy("tensorflow", 0.9), accuracy("jax", 0.912)])["train_cnn"]
    assert three.pair_leads() == []
    assert three.faster_text().splitlines() == ["torch>TF +1.2 pts", "torch=JAX", "JAX>TF +1.2 pts"]
    two = _rows([accuracy("torch", 0.9), accuracy("tensorflow", 0.912)])["train_cnn"]
    assert two.faster_text() == "TF +1.2 pts"


def test_pair_lead_label() -> None:
    assert PairLead("jax", "tensorflow", 1.4, None, False).label() == "JAX>TF"
