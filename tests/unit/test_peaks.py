"""The GPU peak table and percent of peak: real device names, the estimate, CPU, units, provenance."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from fwadvisor.errors import InputError
from fwadvisor.paths import builtin_profiles_dir, user_profiles_dir
from fwadvisor.profiler.catalog import DTYPES
from fwadvisor.profiler.gpu_table import load_table, lookup_gpu
from fwadvisor.profiler.peaks import EstimateProperties, Peak, peak_for, percent_of_peak
from fwadvisor.yamlio import load_yaml


@pytest.mark.parametrize(
    ("device_name", "expected"),
    [
        ("NVIDIA H100 80GB HBM3", "H100 SXM"),
        ("NVIDIA H100 PCIe", "H100 PCIe"),
        ("NVIDIA H100 NVL", "H100 NVL"),
        ("NVIDIA H200", "H200 SXM"),
        ("NVIDIA A100-SXM4-80GB", "A100 80GB SXM"),
        ("NVIDIA A100-SXM4-40GB", "A100 40GB"),
        ("NVIDIA A100-PCIE-40GB", "A100 40GB"),
        ("NVIDIA A100 80GB PCIe", "A100 PCIe 80GB"),
        ("Tesla T4", "T4"),
        ("Tesla V100-SXM2-16GB", "V100 SXM2"),
        ("NVIDIA A10", "A10"),
        ("NVIDIA GeForce RTX 3090", "RTX 3090"),
        ("NVIDIA GeForce RTX 4090", "RTX 4090"),
        ("NVIDIA L4", "L4"),
        ("NVIDIA L40S", "L40S"),
        ("cuda:0 NVIDIA H100 80GB HBM3", "H100 SXM"),  # the form result records carry
        ("  nvidia   h100   pcie ", "H100 PCIe"),
        # Beyond NVIDIA, as the frameworks name them (issue 23)
        ("AMD Instinct MI300X", "AMD Instinct MI300X"),  # torch.cuda.get_device_name on ROCm
        ("rocm:0 AMD Instinct MI300X OAM", "AMD Instinct MI300X"),
        ("cuda:1 AMD Instinct MI250X", "AMD Instinct MI250X (one GCD)"),
        ("xpu:0 Intel(R) Data Center GPU Max 1550", "Intel Data Center GPU Max 1550 (one stack)"),
        ("mps Apple M2", "Apple M2"),  # mps has no name API: the chip (sysctl machdep.cpu.brand_string)
        ("Apple M2 Pro", "Apple M2 Pro"),
        ("Apple M2 Max", "Apple M2 Max"),
        ("Apple M1 Ultra", "Apple M1 Ultra"),
        ("Apple M4", "Apple M4"),
        ("Apple M4 Pro", "Apple M4 Pro"),
    ],
)
def test_real_device_names_find_their_entry(device_name, expected):
    gpu = lookup_gpu(device_name)
    assert gpu is not None, device_name
    assert gpu.name == expected


@pytest.mark.parametrize(
    "device_name",
    [
        "NVIDIA H100",  # which variant? better no datasheet peak than the wrong one
        "NVIDIA H200 NVL",  # different clocks and power from the SXM part
        "NVIDIA GH200 480GB",
        "NVIDIA A100",
        "NVIDIA A10G",  # AWS's variant, not the A10
        "NVIDIA L40",  # not the L40S
        "NVIDIA L4 Foo",
        "NVIDIA GeForce RTX 3090 Ti",
        "NVIDIA GeForce RTX 4090 D",
        "NVIDIA GeForce RTX 4090 Laptop GPU",
        "Tesla V100-PCIE-16GB",
        "NVIDIA T400",
        "AMD Instinct MI250X/MI250",  # some ROCm releases: which of the two parts?
        "AMD Instinct MI325X",
        "Intel(R) Data Center GPU Max 1100",
        "Apple M1",  # Apple published no M1 bandwidth
        "Apple M3 Max",  # binned: 300 or 400 GB/s, the chip name does not say which
        "Apple M4 Max",  # binned: 410 or 546 GB/s
        "Some Future GPU",
        "",
    ],
)
def test_unknown_or_ambiguous_names_find_nothing(device_name):
    assert lookup_gpu(device_name) is None


def test_variants_are_listed_before_the_part_that_shares_their_prefix():
    names = [gpu.name for gpu in load_table().gpus]
    assert names.index("H100 NVL") < names.index("H100 SXM")
    assert names.index("H100 PCIe") < names.index("H100 SXM")


def test_no_pattern_is_a_bare_family_name():
    for gpu in load_table().gpus:
        for pattern in gpu.match:
            for bare in ("nvidia h100", "nvidia a100", "nvidia h200 nvl"):
                assert not pattern.search(bare), (gpu.name, pattern.pattern, bare)


def test_dense_datasheet_peak_with_label_and_source():
    peak = peak_for("NVIDIA H100 80GB HBM3", "flops", "bf16")
    assert peak is not None
    assert peak.value == pytest.approx(989.5)  # 1,979 "with sparsity" halved
    assert peak.unit == "TFLOP/s"
    assert peak.estimated is False
    assert peak.label == "H100 SXM datasheet, dense BF16"
    assert peak.source.startswith("https://www.nvidia.com/")


@pytest.mark.parametrize(
    ("device_name", "dtype", "expected"),
    [
        ("NVIDIA H100 PCIe", "fp32", 51.0),
        ("NVIDIA H200", "tf32", 494.5),
        ("NVIDIA A100-SXM4-40GB", "tf32", 156.0),
        ("NVIDIA L4", "fp16", 121.0),
        ("NVIDIA GeForce RTX 4090", "bf16", 165.2),  # FP32 accumulate, not the FP16-accumulate 330
        ("Tesla T4", "float16", 65.0),  # framework spelling of the dtype
    ],
)
def test_datasheet_flops_per_dtype(device_name, dtype, expected):
    peak = peak_for(device_name, "flops", dtype)
    assert peak is not None
    assert peak.value == pytest.approx(expected)


@pytest.mark.parametrize(
    ("device_name", "expected"),
    [
        ("NVIDIA H100 80GB HBM3", 3350),
        ("NVIDIA H200", 4800),
        ("NVIDIA A100-SXM4-80GB", 2039),
        ("NVIDIA A100 80GB PCIe", 1935),
        ("NVIDIA GeForce RTX 3090", 936),
    ],
)
def test_bandwidth_peak_ignores_dtype(device_name, expected):
    peak = peak_for(device_name, "bandwidth", "bf16")
    assert peak is not None
    assert (peak.value, peak.unit, peak.estimated) == (expected, "GB/s", False)
    assert "memory bandwidth" in peak.label


@pytest.mark.parametrize(
    ("device_name", "dtype"),
    [
        ("Tesla T4", "bf16"),
        ("Tesla T4", "tf32"),
        ("Tesla V100-SXM2-32GB", "bf16"),
        ("NVIDIA H100 80GB HBM3", "int8"),
    ],
)
def test_a_mode_the_card_lacks_has_no_peak(device_name, dtype):
    assert peak_for(device_name, "flops", dtype) is None


HOPPER_LIKE: EstimateProperties = {"sm_count": 132, "max_clock_mhz": 1980, "compute_capability": "9.0"}


def test_unknown_nvidia_gpu_gets_an_estimated_fp32_peak():
    peak = peak_for("NVIDIA Future GPU", "flops", "fp32", HOPPER_LIKE)
    assert peak is not None
    assert peak.estimated is True
    assert peak.verified is False
    assert peak.value == pytest.approx(132 * 128 * 2 * 1980e6 / 1e12, abs=0.01)  # 66.9
    assert "estimated" in peak.label and "132 SMs" in peak.label
    assert peak.unit == "TFLOP/s"
    assert peak.source


@pytest.mark.parametrize(
    ("capability", "lanes"), [("7.0", 64), ("8.0", 64), ("8.6", 128), (9.0, 128), ((8, 9), 128), ([7, 5], 64)]
)
def test_estimate_uses_the_lanes_of_the_architecture(capability, lanes):
    props: EstimateProperties = {"sm_count": 100, "max_clock_mhz": 1000, "compute_capability": capability}
    peak = peak_for("NVIDIA Mystery", "flops", "fp32", props)
    assert peak is not None
    assert peak.value == pytest.approx(100 * lanes * 2 * 1000e6 / 1e12)


def test_estimate_reproduces_the_datasheet_fp32_figures():
    # The estimate and the table agree where both exist, which checks the lanes table too.
    cases = [
        (108, 1410, "8.0", 19.5),
        (82, 1695, "8.6", 35.6),
        (128, 2520, "8.9", 82.6),
        (80, 1530, "7.0", 15.7),
        (132, 1980, "9.0", 67.0),
    ]
    for sm_count, clock, capability, datasheet in cases:
        props: EstimateProperties = {"sm_count": sm_count, "max_clock_mhz": clock, "compute_capability": capability}
        peak = peak_for("NVIDIA Unlisted", "flops", "fp32", props)
        assert peak is not None
        assert peak.value == pytest.approx(datasheet, rel=0.01), capability


@pytest.mark.parametrize(("metric_kind", "dtype"), [("flops", "bf16"), ("flops", "tf32"), ("bandwidth", "fp32")])
def test_no_estimate_beyond_fp32_flops(metric_kind, dtype):
    assert peak_for("NVIDIA Future GPU", metric_kind, dtype, HOPPER_LIKE) is None


@pytest.mark.parametrize(
    "props",
    [
        None,
        {},
        {"sm_count": 132, "max_clock_mhz": 1980},  # no capability
        {"sm_count": 132, "max_clock_mhz": 1980, "compute_capability": "3.5"},  # not in the lanes table
        {"sm_count": 0, "max_clock_mhz": 1980, "compute_capability": "9.0"},
        {"sm_count": 132, "max_clock_mhz": None, "compute_capability": "9.0"},
    ],
)
def test_no_estimate_without_usable_properties(props):
    assert peak_for("NVIDIA Future GPU", "flops", "fp32", props) is None


def test_no_estimate_for_a_non_nvidia_gpu_reporting_a_capability():
    # ROCm reports gfx90a as capability 9.0; Hopper's lanes would be meaningless there.
    props: EstimateProperties = {"sm_count": 104, "max_clock_mhz": 1700, "compute_capability": "9.0"}
    assert peak_for("AMD Instinct MI210", "flops", "fp32", props) is None  # an AMD part not in the table
    assert peak_for("Some Accelerator", "flops", "fp32", {**props, "vendor": "amd"}) is None
    assert peak_for("Some Accelerator", "flops", "fp32", {**props, "vendor": "NVIDIA"}) is not None


def test_a_listed_gpu_keeps_its_datasheet_figure_even_with_properties():
    peak = peak_for(
        "NVIDIA A100-SXM4-80GB", "flops", "fp32", {"sm_count": 1, "max_clock_mhz": 1, "compute_capability": "8.0"}
    )
    assert peak is not None
    assert (peak.value, peak.estimated) == (19.5, False)


@pytest.mark.parametrize("device_name", ["cpu", "CPU", "", "cpu:0"])
@pytest.mark.parametrize("metric_kind", ["flops", "bandwidth"])
def test_cpu_has_no_peak(device_name, metric_kind):
    assert peak_for(device_name, metric_kind, "fp32", HOPPER_LIKE) is None
    assert peak_for(device_name, metric_kind, "fp32") is None


def test_bad_metric_kind_is_an_error():
    with pytest.raises(ValueError, match="metric_kind"):
        peak_for("NVIDIA H200", "latency", "fp32")


def _tflops(value: float) -> Peak:
    return Peak(value=value, unit="TFLOP/s", source="test", estimated=False, label="test")


def test_percent_converts_gflops_to_tflops():
    peak = _tflops(19.5)
    assert percent_of_peak(9750.0, "GFLOP/s", peak) == pytest.approx(50.0)
    assert percent_of_peak(9.75, "TFLOP/s", peak) == pytest.approx(50.0)


def test_percent_of_bandwidth_and_its_units():
    peak = peak_for("NVIDIA H100 80GB HBM3", "bandwidth", None)
    assert peak is not None
    assert percent_of_peak(3015.0, "GB/s", peak) == pytest.approx(90.0)
    assert percent_of_peak(3.015, "TB/s", peak) == pytest.approx(90.0)


def test_percent_of_the_measured_reference_points():
    # benchmarking.md: about 798 TFLOP/s bf16 matmul on an H100 80GB, 788 on an H200.
    h100 = peak_for("NVIDIA H100 80GB HBM3", "flops", "bf16")
    h200 = peak_for("NVIDIA H200", "flops", "bf16")
    assert percent_of_peak(798.0, "TFLOP/s", h100) == pytest.approx(80.6, abs=0.1)
    assert percent_of_peak(788.0, "TFLOP/s", h200) == pytest.approx(79.6, abs=0.1)


def test_percent_is_none_when_nothing_to_compare():
    assert percent_of_peak(1.0, "TFLOP/s", None) is None
    assert percent_of_peak(None, "TFLOP/s", _tflops(10)) is None
    assert percent_of_peak(float("nan"), "TFLOP/s", _tflops(10)) is None


def test_percent_refuses_to_mix_flops_and_bandwidth():
    with pytest.raises(ValueError, match="cannot compare"):
        percent_of_peak(100.0, "GB/s", _tflops(10))
    with pytest.raises(ValueError, match="unknown unit"):
        percent_of_peak(100.0, "steps/s", _tflops(10))


def test_every_entry_has_a_source_and_checked_date():
    document = load_yaml(builtin_profiles_dir() / "gpus.yaml")
    assert document["gpus"]
    for entry in document["gpus"]:
        assert re.match(r"https://", entry["source"]), entry["name"]
        checked = entry["checked"]
        assert isinstance(checked, str), entry["name"]  # quoted, so it reads the same everywhere
        dt.date.fromisoformat(checked)
        assert isinstance(entry["verified"], bool)
        if not entry["verified"]:
            assert entry.get("note"), entry["name"]
    lanes = document["fp32_lanes_per_sm"]
    assert lanes["source"].startswith("https://") and lanes["checked"]


def test_every_entry_is_dense_and_complete():
    for gpu in load_table().gpus:
        assert set(gpu.peaks_tflops) == set(DTYPES)
        assert gpu.memory_bandwidth_gbs is not None, gpu.name
        if gpu.name.startswith("Apple "):
            # Apple prints no FP32 figure the chip name can pick (see the file's header): bandwidth only.
            assert all(value is None for value in gpu.peaks_tflops.values()), gpu.name
            continue
        assert gpu.peaks_tflops["fp32"] is not None, gpu.name
        # A tensor-core peak is never below FP32 and sparsity figures were halved: no dense figure
        # above 1,000 TFLOP/s exists for these cards but the MI300X's FP16 / BF16 (1,307.4 dense).
        for dtype in ("tf32", "fp16", "bf16"):
            value = gpu.peaks_tflops[dtype]
            assert value is None or gpu.peaks_tflops["fp32"] <= value < 1310, (gpu.name, dtype)


@pytest.mark.parametrize(
    ("device_name", "metric_kind", "dtype", "expected"),
    [
        ("AMD Instinct MI300X", "flops", "fp32", 163.4),  # the matrix FP32 rate, not the vector 81.7
        ("AMD Instinct MI300X", "flops", "bf16", 1307.4),
        ("AMD Instinct MI300X", "bandwidth", None, 5300),
        ("AMD Instinct MI250X", "flops", "fp32", 47.85),  # one GCD: half the package's 95.7
        ("AMD Instinct MI250X", "bandwidth", None, 1638.4),
        ("Intel(R) Data Center GPU Max 1550", "flops", "bf16", 419.4),  # one stack of two
        ("Apple M2 Max", "bandwidth", None, 400),
    ],
)
def test_peaks_beyond_nvidia(device_name, metric_kind, dtype, expected):
    peak = peak_for(device_name, metric_kind, dtype)
    assert peak is not None and peak.value == expected and not peak.estimated


@pytest.mark.parametrize(
    ("device_name", "dtype"),
    [("AMD Instinct MI250X", "tf32"), ("Apple M2 Max", "fp32"), ("Apple M4", "bf16")],
)
def test_no_flops_peak_where_the_part_has_no_mode_or_no_published_figure(device_name, dtype):
    assert peak_for(device_name, "flops", dtype) is None


def test_user_entries_come_first(isolated_user_dirs):
    user_file = user_profiles_dir() / "gpus.yaml"
    user_file.parent.mkdir(parents=True)
    user_file.write_text(
        "gpus:\n"
        "  - name: My tuned H100\n"
        "    match: ['h100 80gb hbm3']\n"
        "    peaks_tflops: {fp32: 60, bf16: 900}\n"
        "    memory_bandwidth_gbs: 3000\n"
        "    checked: 2026-01-02\n",
        encoding="utf-8",
    )
    peak = peak_for("NVIDIA H100 80GB HBM3", "flops", "bf16")
    assert peak is not None
    assert (peak.value, peak.label) == (900.0, "My tuned H100 datasheet, dense BF16")
    assert peak.source == str(user_file)
    h200 = lookup_gpu("NVIDIA H200")
    assert h200 is not None and h200.name == "H200 SXM"  # the built-in entries still follow


def test_a_broken_user_file_names_itself(isolated_user_dirs):
    user_file = user_profiles_dir() / "gpus.yaml"
    user_file.parent.mkdir(parents=True)
    user_file.write_text("gpus:\n  - name: Bad\n    match: ['(']\n", encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        lookup_gpu("NVIDIA H200")
    assert str(user_file) in str(excinfo.value)
    user_file.write_text("gpus:\n  - name: Bad\n    match: ['x']\n    peaks_tflops: {fp8: 5}\n", encoding="utf-8")
    with pytest.raises(InputError, match="peaks_tflops"):
        lookup_gpu("NVIDIA H200")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        # A misspelled key used to be ignored silently: the card then had no bandwidth peak at all.
        (
            "gpus:\n  - name: Mine\n    match: ['mine']\n    memory_bandwith_gbs: 900\n",
            4,
            "Object contains unknown field `memory_bandwith_gbs` at gpus[0].memory_bandwith_gbs",
        ),
        ("gpus:\n  - name: Mine\n    match: ['mine']\n    peaks_tflops: {fp32: 5, fp8: 9}\n", 4, "`fp8`"),
        ("gpu:\n  - name: Mine\n", 1, "unknown field `gpu`"),
        (
            "fp32_lanes_per_sm:\n  by_compute_capability:\n    '9.0': {lanes: 128, verifed: true}\n",
            3,
            "unknown field `verifed`",
        ),
        ("gpus:\n  - name: Mine\n    match: ['mine']\n    memory_bandwidth_gbs: -1\n", 4, "Expected `float` > 0"),
        ("gpus:\n  - name: Mine\n    match: ['mine']\n    checked: last week\n", 4, "Expected a date (YYYY-MM-DD)"),
        ("gpus:\n  - name: Mine\n    match: ['(']\n", 3, "bad 'match' pattern"),
    ],
)
def test_a_wrong_key_or_value_in_a_gpus_file_is_refused_with_its_line(isolated_user_dirs, text, line, message):
    user_file = user_profiles_dir() / "gpus.yaml"
    user_file.parent.mkdir(parents=True)
    user_file.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        lookup_gpu("NVIDIA H200")
    assert (excinfo.value.file, excinfo.value.line) == (str(user_file), line)
    assert message in excinfo.value.message


def test_the_builtin_table_has_no_unknown_key():
    # Every key of profiles/gpus.yaml is part of the model (validated when the table loads).
    assert len(load_table().gpus) >= 10
    assert load_table().fp32_lanes_per_sm["9.0"] == 128
