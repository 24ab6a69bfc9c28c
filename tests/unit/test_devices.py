"""Devices beyond NVIDIA (issue #23, part 2): the device a run picks from what the machine shows, a
device this machine lacks refused in one line with exit 2, and "not supported here" as a result.

The finders read fake /dev and /sys trees and platform values passed through their own parameters;
the CLI checks run on this machine as it is (skipped for a device it really has).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conftest import run_cli
from fwadvisor.bench.backends.device_support import tensorflow_refusal
from fwadvisor.errors import InputError
from fwadvisor.profiler.catalog import NO_TF32_SKIP, UNIFIED_MEMORY_SKIP
from fwadvisor.profiler.cluster_plan import NO_CLUSTER_WHY, split_cases
from fwadvisor.profiler.devices import (
    HostDevices,
    amd_gpu_count,
    auto_device,
    detect_devices,
    intel_render_nodes,
    missing_device,
    resolve_device,
)
from fwadvisor.profiler.documents import (
    STATUS_MARKS,
    STATUS_WORDS,
    ResultStatus,
    RunDocument,
    SuiteInfo,
    WorkerSummary,
    classify,
    ran_and_checked,
    usable_as_evidence,
)
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.records import unsupported_record
from fwadvisor.profiler.run_environment import CpuInfo, Environment, GpuDevice, GpuInfo
from fwadvisor.profiler.session import run_failed
from fwadvisor.profiler.suites import load_suite, resolve_cases

NO_GPU = Environment(cpu=CpuInfo(logical_cores=2, physical_cores=2))


def fake_kfd(root: Path, simd_counts: list[int]) -> tuple[str, str]:
    """A /dev/kfd and a KFD topology with one node per count (0: a CPU node, above 0: a GPU)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "kfd").touch()
    for number, simds in enumerate(simd_counts):
        node = root / "nodes" / str(number)
        node.mkdir(parents=True)
        (node / "properties").write_text(f"cpu_cores_count 0\nsimd_count {simds}\nmax_waves_per_simd 8\n")
    return str(root / "kfd"), str(root / "nodes")


def fake_drm(root: Path, vendors: dict[str, str]) -> str:
    for name, vendor in vendors.items():
        (root / name / "device").mkdir(parents=True)
        (root / name / "device" / "vendor").write_text(vendor + "\n")
    return str(root)


def found_here(tmp_path: Path, **overrides: object) -> HostDevices:
    """What detect_devices finds on a machine with nothing but what `overrides` fake."""
    empty = str(tmp_path / "absent")
    options: dict[str, object] = {
        "nvidia_paths": (empty,),
        "kfd": empty,
        "topology": empty,
        "drm": empty,
        "system": "Linux",
        "machine": "x86_64",
    }
    options.update(overrides)
    return detect_devices(NO_GPU, **options)  # type: ignore[arg-type]


def test_amd_gpus_are_the_kfd_nodes_with_simd_units_and_need_dev_kfd(tmp_path: Path) -> None:
    kfd, topology = fake_kfd(tmp_path, [0, 304, 304])  # a CPU node and two MI300X-like GPUs
    assert amd_gpu_count(kfd, topology) == 2
    assert amd_gpu_count(str(tmp_path / "no-kfd"), topology) == 0
    cpu_only_kfd, cpu_only = fake_kfd(tmp_path / "apu", [0])
    assert amd_gpu_count(cpu_only_kfd, cpu_only) == 0


def test_intel_render_nodes_are_found_by_vendor_and_never_chosen_by_auto(tmp_path: Path) -> None:
    drm = fake_drm(tmp_path, {"renderD128": "0x8086", "renderD129": "0x1002", "card0": "0x8086"})
    assert intel_render_nodes(drm) == ("renderD128",)  # card0 is no render node, 0x1002 is AMD
    found = found_here(tmp_path, drm=drm)
    assert found.intel_render_nodes == ("renderD128",)
    assert auto_device(found) == "cpu"  # an iGPU is common: xpu only when asked for
    assert resolve_device("xpu", NO_GPU, found) == "xpu"


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({}, "cpu"),
        ({"system": "Darwin", "machine": "arm64"}, "mps"),
        ({"system": "Darwin", "machine": "x86_64"}, "cpu"),  # an Intel Mac has no MPS to speak of here
        ({"amd": [0, 228]}, "rocm"),
        ({"amd": [0, 228], "nvml": True}, "cuda"),
    ],
)
def test_auto_picks_nvidia_then_amd_then_apple_else_the_cpu(
    tmp_path: Path, setup: dict[str, object], expected: str
) -> None:
    overrides = {key: value for key, value in setup.items() if key in ("system", "machine")}
    if "amd" in setup:
        kfd, topology = fake_kfd(tmp_path, setup["amd"])  # type: ignore[arg-type]
        overrides |= {"kfd": kfd, "topology": topology}
    environment = NO_GPU
    if setup.get("nvml"):
        environment = Environment(gpu=GpuInfo(nvml=True, gpus=[GpuDevice(index=0, name="NVIDIA H100")]))
    empty = str(tmp_path / "absent")
    options: dict[str, object] = {"nvidia_paths": (empty,), "kfd": empty, "topology": empty, "drm": empty}
    options |= {"system": "Linux", "machine": "x86_64"} | overrides
    found = detect_devices(environment, **options)  # type: ignore[arg-type]
    assert resolve_device("auto", environment, found) == expected


def test_a_bare_nvidia_node_allows_cuda_but_auto_waits_for_nvml(tmp_path: Path) -> None:
    node = tmp_path / "nvidia0"
    node.touch()
    found = found_here(tmp_path, nvidia_paths=(str(node),))
    assert resolve_device("cuda", NO_GPU, found) == "cuda"
    assert resolve_device("auto", NO_GPU, found) == "cpu"


@pytest.mark.parametrize(
    ("device", "words"),
    [
        ("mps", "this machine is not an Apple silicon Mac (Linux x86_64)"),
        ("rocm", "this machine has no AMD GPU: no"),
        ("xpu", "this machine has no Intel GPU: no render node of vendor 0x8086"),
        ("cuda", "this machine has no usable GPU"),
    ],
)
def test_a_device_the_machine_lacks_is_one_error_before_any_worker(tmp_path: Path, device: str, words: str) -> None:
    with pytest.raises(InputError) as raised:
        resolve_device(device, NO_GPU, found_here(tmp_path))
    message = str(raised.value)
    assert f"--device {device} asked for, but {words}" in message
    assert message.endswith("run with --device cpu or auto") and "\n" not in message


def test_an_amd_machine_asked_for_cuda_is_pointed_at_rocm(tmp_path: Path) -> None:
    kfd, topology = fake_kfd(tmp_path, [0, 110])
    with pytest.raises(InputError, match="its GPU is AMD's: use --device rocm"):
        resolve_device("cuda", NO_GPU, found_here(tmp_path, kfd=kfd, topology=topology))


@pytest.mark.parametrize("device", ["mps", "xpu", "rocm"])
def test_the_cli_refuses_a_device_this_machine_lacks_in_one_line_with_exit_2(
    isolated_user_dirs: Path, tmp_path: Path, device: str
) -> None:
    if missing_device(device, detect_devices(NO_GPU), NO_GPU) is None:
        pytest.skip(f"this machine has a {device} device")
    output = tmp_path / "run.json"
    started = time.monotonic()
    result = run_cli("profile", "--suite", "quick", "--device", device, "--output", str(output), timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"--device {device} asked for" in lines[0], result.stderr
    assert time.monotonic() - started < 10  # no worker started: each would import a framework
    assert not output.exists()


def test_copies_on_unified_memory_are_skipped_with_the_reason_and_jax_has_no_cluster_cases() -> None:
    suite = load_suite("quick")
    cases = resolve_cases(suite, "mps")
    assert {"host_to_device", "device_to_host"} <= {c.benchmark for c in cases}  # planned, then answered
    split = split_cases("torch", cases, "mps", NO_GPU)
    skipped = {(cases[i].benchmark, cases[i].dtype): r for i, r in split.answered.items()}
    copies = {key: r for key, r in skipped.items() if key[0] in ("host_to_device", "device_to_host")}
    assert {benchmark for benchmark, _ in copies} == {"host_to_device", "device_to_host"}
    assert all(r.skipped == UNIFIED_MEMORY_SKIP and classify(r) is ResultStatus.SKIPPED for r in copies.values())
    # Apple's GPU has no TF32: its tf32 cases are skipped with the reason, the fp32 ones run.
    assert skipped[("matmul", "tf32")].skipped == NO_TF32_SKIP
    assert ("matmul", "fp32") not in skipped
    assert "no separate device memory to copy to" in UNIFIED_MEMORY_SKIP
    # On an NVIDIA GPU the same cases run.
    assert not split_cases("torch", resolve_cases(suite, "cuda"), "cuda", NO_GPU).answered

    cluster = [Case("all_reduce", {"megabytes": 1, "world_size": 2}, "fp32", 0.1)]
    answered = split_cases("jax", cluster, "cpu", NO_GPU).answered
    assert classify(answered[0]) is ResultStatus.UNSUPPORTED and answered[0].unsupported == NO_CLUSTER_WHY


def test_not_supported_is_a_result_neither_evidence_nor_failure() -> None:
    reason = tensorflow_refusal("mps")
    assert reason is not None and "tensorflow-metal stopped at 1.2.0" in reason and "2025" in reason
    intel = tensorflow_refusal("xpu")
    assert intel is not None and "end of life" in intel
    assert tensorflow_refusal("cpu") is None and tensorflow_refusal("cuda") is None
    assert tensorflow_refusal("rocm") is None  # with a ROCm build it runs: setup() checks the build
    record = unsupported_record("matmul", "tensorflow", reason, device="mps", dtype="fp32")
    status = classify(record)
    assert status is ResultStatus.UNSUPPORTED
    assert (STATUS_MARKS[status], STATUS_WORDS[status]) == ("⊘", "not supported here")
    assert not usable_as_evidence(record) and not ran_and_checked(record)
    document = RunDocument(
        schema_version=2,
        suite=SuiteInfo(name="quick", device="mps"),
        workers={
            "torch": WorkerSummary(status="ok"),
            "tensorflow": WorkerSummary(status="not_supported", error=reason),
        },
        results=[record],
    )
    assert not run_failed(document)  # exit 0 when nothing failed
    failed = RunDocument(schema_version=2, suite=document.suite, workers={"torch": WorkerSummary(status="no_gpu")})
    assert run_failed(failed)
