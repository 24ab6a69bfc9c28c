"""Copies between host and GPU: the PCIe link's theoretical rate, the share of it each copy record
reached, and the copy benchmarks' CPU side (refused with a clear reason; the adapters' pageable paths).

No GPU here: the pinned PyTorch paths (pin_memory, non_blocking copies) and the recipes' timed copies
across a real link run only on a GPU machine (benchmarks/gpu_check.py).
The tests with real workers are in tests/frameworks/test_copies_real_worker.py.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import msgspec
import pytest

from conftest import REPO
from fwadvisor.bench.dtype_rules import check_case
from fwadvisor.bench.recipes.copies import pinned_choice
from fwadvisor.profiler.catalog import CATALOG, HOST_LINK_BENCHMARKS
from fwadvisor.profiler.documents import Metric, Record
from fwadvisor.profiler.pcie import RATE_SOURCE, PcieLink, add_link_share, lane_rate_gb_s, link_rate_gb_s, pcie_link
from fwadvisor.profiler.run_environment import Environment, GpuInfo

H100 = "NVIDIA H100 80GB HBM3"


@pytest.mark.parametrize(
    ("generation", "width", "rate"),
    [
        (1, 16, 4.0),  # 2.5 GT/s, 8b/10b: 0.25 GB/s per lane
        (2, 16, 8.0),  # 5 GT/s, 8b/10b: 0.5 GB/s per lane
        (2, 1, 0.5),
        (3, 16, 15.754),  # 8 GT/s, 128b/130b
        (4, 16, 31.508),
        (4, 8, 15.754),
        (5, 16, 63.015),
        (5, 4, 15.754),
        (6, 16, 121.0),  # 64 GT/s, 242B/256B FLIT
    ],
)
def test_link_rate_per_direction_after_encoding(generation: int, width: int, rate: float) -> None:
    assert link_rate_gb_s(generation, width) == pytest.approx(rate, abs=5e-4)


def test_encodings_are_the_specifications() -> None:
    assert lane_rate_gb_s(1) == pytest.approx(2.5 * 8 / 10 / 8)
    assert lane_rate_gb_s(3) == pytest.approx(8 * 128 / 130 / 8)
    assert lane_rate_gb_s(6) == pytest.approx(64 * 242 / 256 / 8)
    assert "128b/130b" in RATE_SOURCE and "8b/10b" in RATE_SOURCE and "FLIT" in RATE_SOURCE


@pytest.mark.parametrize(
    ("generation", "width"), [(0, 16), (7, 16), (4, 0), (4, 64), (None, 16), (4, None), (True, 16)]
)
def test_unknown_links_have_no_rate(generation: Any, width: Any) -> None:
    assert pcie_link(generation, width) is None


def test_link_text() -> None:
    link = pcie_link(4, 16)
    assert isinstance(link, PcieLink) and (link.generation, link.width) == (4, 16)
    assert link.rate_gb_s == pytest.approx(31.508, abs=1e-3)
    assert link.text == "gen4 x16, 31.51 GB/s"
    assert pcie_link(1, 16).text == "gen1 x16, 4 GB/s"  # type: ignore[union-attr]


def copy_record(value: float | None, *, benchmark: str = "host_to_device", device: str = f"cuda:0 {H100}") -> Record:
    return Record(
        benchmark=benchmark,
        framework="torch",
        device=device,
        params={"megabytes": 256, "pinned": 1},
        metric=Metric("GB/s", value),
        extra={"host_memory": "pinned"},
    )


def environment(*gpus: dict[str, Any]) -> Environment:
    return msgspec.convert({"gpu": {"nvml": True, "gpus": list(gpus)}}, Environment)


def gpu(name: str = H100, generation: Any = 5, width: Any = 16, **readings: Any) -> dict[str, Any]:
    return {"name": name, "pcie_generation": generation, "pcie_width": width, **readings}


def test_share_of_the_maximum_link_with_the_idle_reading_kept() -> None:
    # Idle GPUs drop their link to gen1 to save power; the environment is read before the run.
    record = copy_record(51.5)
    add_link_share([record], environment(gpu(generation=1, pcie_generation_max=5, pcie_width_max=16)))
    assert record.extra["pcie_link"] == "gen5 x16, 63.02 GB/s"
    assert record.extra["pcie_link_current"] == "gen1 x16, 4 GB/s"
    assert record.extra["share_of_link"] == pytest.approx(51.5 / 63.015, abs=1e-3)
    assert record.extra["pcie_rate_source"] == RATE_SOURCE
    assert record.extra["host_memory"] == "pinned"  # what the worker wrote stays
    assert "share_of_link_note" not in record.extra


def test_share_of_the_current_link_when_no_maximum_is_known() -> None:
    record = copy_record(25.2, benchmark="device_to_host")
    add_link_share([record], environment(gpu(generation=4, width=16)))
    assert record.extra["pcie_link"] == "gen4 x16, 31.51 GB/s"
    assert record.extra["share_of_link"] == pytest.approx(0.8, abs=1e-3)


def test_the_record_s_own_card_is_used() -> None:
    record = copy_record(20.0, device="cuda:0 NVIDIA A100-SXM4-40GB")
    gpus = [gpu(generation=5, pcie_generation_max=5), gpu("NVIDIA A100-SXM4-40GB", 4, 16, pcie_generation_max=4)]
    add_link_share([record], environment(*gpus))
    assert str(record.extra["pcie_link"]).startswith("gen4 x16")


def test_a_copy_faster_than_the_link_is_called_out() -> None:
    record = copy_record(300.0)  # e.g. Grace Hopper's NVLink-C2C host link, which NVML's PCIe readings miss
    add_link_share([record], environment(gpu(generation=5, width=16)))
    share, note = record.extra["share_of_link"], record.extra["share_of_link_note"]
    assert isinstance(share, float) and share > 1
    assert "did not cross this link" in str(note)


def test_unknown_links_say_so() -> None:
    no_reading, no_gpu = copy_record(10.0), copy_record(10.0)
    add_link_share([no_reading], environment(gpu(generation=None, width=None)))
    add_link_share([no_gpu], Environment(gpu=GpuInfo(nvml=False)))
    assert str(no_reading.extra["pcie_link"]).startswith("unknown") and "share_of_link" not in no_reading.extra
    assert str(no_gpu.extra["pcie_link"]).startswith("unknown") and "share_of_link" not in no_gpu.extra


@pytest.mark.parametrize(
    "device", ["rocm:0 AMD Instinct MI300X", "cuda:0 AMD Instinct MI300X", "xpu:0 Intel(R) Data Center GPU Max 1550"]
)
def test_a_gpu_nvml_does_not_describe_is_never_given_the_nvidia_card_s_link(device: str) -> None:
    # ROCm runs the cuda API: an AMD card's record may read "cuda:0 AMD ..." beside an NVIDIA card in NVML's list.
    record = copy_record(50.0, device=device)
    add_link_share([record], environment(gpu(generation=5, width=16)))
    assert str(record.extra["pcie_link"]).startswith("unknown (NVML reads NVIDIA cards' links only")
    assert "share_of_link" not in record.extra


def test_other_records_are_left_alone() -> None:
    others = [
        copy_record(None),  # a failed copy
        copy_record(10.0, device="cpu"),
        copy_record(10.0, device="mps Apple M2 Max"),  # unified memory: no host link to describe
        Record(benchmark="bandwidth", framework="torch", device=f"cuda:0 {H100}", metric=Metric("GB/s", 3000.0)),
    ]
    before = [msgspec.json.encode(r) for r in others]
    add_link_share(others, environment(gpu()))
    assert [msgspec.json.encode(r) for r in others] == before


def test_the_link_module_stays_headless() -> None:
    """session.py calls add_link_share in the parent, which never imports a framework or NumPy."""
    code = (
        "import sys, fwadvisor.profiler.pcie; "
        "print(','.join(m for m in ('numpy', 'torch', 'tensorflow') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == ""


def test_pinned_parameter() -> None:
    assert pinned_choice({"megabytes": 1, "pinned": 1}) is True
    assert pinned_choice({"megabytes": 1, "pinned": 0}) is False
    assert pinned_choice({"megabytes": 1}) is False  # before `pinned`, the copy was pageable
    for wrong in (2, -1, True, "1"):
        with pytest.raises(ValueError, match="pinned must be 1"):
            pinned_choice({"megabytes": 1, "pinned": wrong})


def test_both_copies_need_a_gpu() -> None:
    assert set(HOST_LINK_BENCHMARKS) == {"host_to_device", "device_to_host"}
    for name in HOST_LINK_BENCHMARKS:
        with pytest.raises(ValueError, match=f"^{name} needs a GPU"):
            check_case(CATALOG[name], False, "fp32")
        assert CATALOG[name].dtype_rule == "float32"
