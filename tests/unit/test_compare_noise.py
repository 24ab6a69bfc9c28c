"""Issue #11: `profile compare` says whether each change is beyond the noise, and why two runs are not
like for like (driver, builds, power limit, PCIe link, governor, GPUs, threads, a busy machine)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import record_data, run_cli
from fwadvisor.profiler.compare import ComparisonRow, compare_documents
from fwadvisor.profiler.documents import RunDocument, encode_run
from fwadvisor.profiler.run_file import run_from_data

# Seconds per matmul call. 10 ms steady, 8 ms steady (25% faster: beyond the noise), and 9.6 ms
# samples that wander +-40% (4% faster at the median: within the noise).
STEADY_10MS = [0.0100, 0.01002, 0.00998, 0.01001, 0.00999, 0.0100, 0.01003, 0.00997]
STEADY_8MS = [t * 0.8 for t in STEADY_10MS]
WANDERING_9_6MS = [0.0060, 0.0134, 0.0096, 0.0070, 0.0125, 0.0096, 0.0080, 0.0110]
BUSY_REASON = "other processes used 180% CPU while this case ran"
FLOPS = 2 * 64**3

ENVIRONMENT: dict[str, Any] = {
    "cpu": {"model": "Test CPU", "governor": "performance"},
    "gpu": {
        "driver": "570.86",
        "cuda_driver": "12.8",
        "gpus": [{"name": "NVIDIA H100 80GB HBM3", "power_limit_w": 700.0, "pcie_generation": 5, "pcie_width": 16}],
    },
}


def matmul(framework: str, samples: list[float], **extra) -> dict:
    data = record_data(framework, 0.0)
    median = sorted(samples)[len(samples) // 2]
    data.update(samples_s=samples, median_s=median, metric={"name": "GFLOP/s", "value": FLOPS / median / 1e9})
    return {**data, **extra}


def run(*records: dict, environment: dict | None = None, builds: dict | None = None, **extra) -> RunDocument:
    builds = builds or {"torch": {"cuda": "12.8", "cudnn": "91002"}, "tensorflow": {"cuda": "12.5", "cudnn": "9"}}
    return run_from_data(
        {
            "kind": "fwadvisor-profile",
            "schema_version": 2,
            "suite": {"name": "quick", "device": "cpu", "threads": 4},
            "environment": environment if environment is not None else copy.deepcopy(ENVIRONMENT),
            "workers": {fw: {"status": "ok", "build": build} for fw, build in builds.items()},
            "results": list(records),
            **extra,
        }
    )


def save(tmp_path: Path, name: str, document: RunDocument) -> str:
    path = tmp_path / name
    path.write_bytes(encode_run(document))
    return str(path)


def rows_by_framework(first: RunDocument, second: RunDocument) -> dict[str, ComparisonRow]:
    return {row.framework: row for row in compare_documents(first, second).rows}


def test_a_clear_change_is_beyond_the_noise_and_a_wandering_one_within_it():
    first = run(matmul("torch", STEADY_10MS), matmul("tensorflow", STEADY_10MS))
    second = run(matmul("torch", STEADY_8MS), matmul("tensorflow", WANDERING_9_6MS))
    rows = rows_by_framework(first, second)
    faster, wandering = rows["torch"], rows["tensorflow"]
    assert faster.low is not None and faster.high is not None
    assert wandering.low is not None and wandering.high is not None
    assert faster.ratio == pytest.approx(1.25) and 1 < faster.low < 1.25 < faster.high
    assert faster.verdict == "beyond the noise" and not faster.busy
    assert wandering.ratio == pytest.approx(10 / 9.6) and wandering.low < 1 < wandering.high
    assert wandering.verdict == "within the noise"
    assert compare_documents(first, second).warnings == []  # the same set-up: nothing to warn of


def test_the_same_run_twice_is_within_the_noise():
    document = run(matmul("torch", STEADY_10MS), matmul("tensorflow", WANDERING_9_6MS))
    for row in compare_documents(document, document).rows:
        assert row.low is not None and row.high is not None
        assert row.ratio == 1 and row.low <= 1 <= row.high and row.verdict == "within the noise"


def test_records_without_samples_keep_their_ratio_but_get_no_verdict():
    first = run(matmul("torch", [0.01]), matmul("tensorflow", STEADY_10MS))
    second = run(matmul("torch", [0.008]), matmul("tensorflow", STEADY_8MS))
    rows = rows_by_framework(first, second)
    assert rows["torch"].ratio == pytest.approx(1.25) and rows["torch"].verdict is None
    assert rows["torch"].low is None and "no interval" in rows["torch"].note
    assert rows["tensorflow"].verdict == "beyond the noise"


def test_a_busy_record_is_named_in_its_row_and_a_busy_run_in_the_warnings():
    first = run(matmul("torch", STEADY_10MS), matmul("tensorflow", STEADY_10MS))
    second = run(
        matmul("torch", STEADY_8MS, machine_busy=True, busy_reason=BUSY_REASON),
        matmul("tensorflow", STEADY_10MS),
        load={"torch": {"busy": True, "reason": "other processes used 180% CPU during the PyTorch run"}},
    )
    result = compare_documents(first, second)
    rows = {row.framework: row for row in result.rows}
    busy = rows["torch"]
    assert busy.busy and busy.verdict is None and busy.ratio == pytest.approx(1.25)
    assert busy.note == f"measured while other processes were busy in the second run ({BUSY_REASON})"
    assert not rows["tensorflow"].busy and rows["tensorflow"].verdict == "within the noise"
    assert result.warnings == [
        "the second run was measured while other processes were busy "
        "(other processes used 180% CPU during the PyTorch run)"
    ]


def test_each_difference_in_the_set_up_is_one_sentence():
    first = run(matmul("torch", STEADY_10MS))
    environment = copy.deepcopy(ENVIRONMENT)
    environment["cpu"]["governor"] = "powersave"
    environment["gpu"].update(driver="580.65", cuda_driver="13.0")
    environment["gpu"]["gpus"] = [
        {"name": "NVIDIA H200", "power_limit_w": 300.0, "pcie_generation": 4, "pcie_width": 8}
    ]
    builds = {"torch": {"cuda": "13.0", "cudnn": "91002"}, "tensorflow": {"cuda": "12.5", "cudnn": "9"}}
    second_doc = run(matmul("torch", STEADY_8MS), environment=environment, builds=builds)
    second_doc.suite.threads = 2
    warnings = compare_documents(first, second_doc).warnings
    expected = [
        "the runs used different GPUs: the second run's was NVIDIA H200, the first's NVIDIA H100 80GB HBM3",
        "the runs used different GPU drivers: the second run's was 580.65, the first's 570.86",
        "the runs used different CUDA driver versions: the second run's was 13.0, the first's 12.8",
        "the runs used different GPU power limits: the second run's was 300 W, the first's 700 W",
        "the runs used different PCIe links: the second run's was gen 4 x8, the first's gen 5 x16",
        "the runs used different CPU frequency governors: the second run's was powersave, the first's performance",
        "the runs used different PyTorch builds: cuda 13.0 in the second run, 12.8 in the first",
        "the runs used different CPU thread counts: the second run's was 2, the first's 4",
    ]
    assert warnings == expected


def test_a_fact_only_one_run_recorded_is_no_difference():
    """A run from before the environment had these keys says nothing about them."""
    older = run(
        matmul("torch", STEADY_10MS),
        environment={"gpu": {"driver": "570.86", "gpus": [{"name": "NVIDIA H100 80GB HBM3"}]}, "cpu": {}},
        builds={"torch": {}},
    )
    newer = run(matmul("torch", STEADY_10MS))
    assert compare_documents(older, newer).warnings == []


def test_cli_text_shows_the_interval_the_verdict_and_the_reasons(tmp_path):
    first = save(tmp_path, "first.json", run(matmul("torch", STEADY_10MS), matmul("tensorflow", STEADY_10MS)))
    environment = copy.deepcopy(ENVIRONMENT)
    environment["gpu"]["gpus"][0]["power_limit_w"] = 300.0
    second_doc = run(matmul("torch", STEADY_8MS), matmul("tensorflow", WANDERING_9_6MS), environment=environment)
    second = save(tmp_path, "second.json", second_doc)
    result = run_cli("profile", "compare", first, second, env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    row = compare_documents(run_from_data(json.loads(Path(first).read_text())), second_doc).rows[0]
    assert f"1.25x ({row.low:.2f}-{row.high:.2f})" in out
    assert "beyond the noise" in out and "within the noise" in out
    assert "! the runs used different GPU power limits: the second run's was 300 W, the first's 700 W" in out

    data = json.loads(run_cli("profile", "compare", first, second, "--format", "json").stdout)
    # The cases only one run measured (issue 20): none here, both runs measured the same cases.
    assert set(data) == {"warnings", "rows", "only_first", "only_second"}
    assert data["only_first"] == data["only_second"] == []
    torch_row = next(r for r in data["rows"] if r["framework"] == "torch")
    old_keys = {"benchmark", "framework", "dtype", "params", "metric", "first", "second", "ratio", "note"}
    assert old_keys | {"low", "high", "verdict", "busy"} <= set(torch_row)
    assert torch_row["verdict"] == "beyond the noise"
