"""Layouts and mixed precision (issue 12, items 1 and 2).

PyTorch runs convolutions channels_last on GPUs (NCHW too in standard/full, to show what its default
costs) and GPU training runs in bf16 mixed precision. No GPU here: the suites' GPU cases are checked as
data, and both code paths run on the CPU, where torch supports channels_last and both frameworks run
bf16 mixed precision (torch.autocast("cpu", torch.bfloat16), Keras' mixed_bfloat16 policy).
Frameworks run in subprocesses (the real CLI, or a short script): the test process imports neither.
The tests with real workers are in tests/frameworks/test_layouts_precision_real_runs.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from layouts_precision_helpers import CNN_CPU, CONV_CPU, write_suite

from conftest import run_cli
from fwadvisor.bench import dtype_rules
from fwadvisor.bench import reference as ref
from fwadvisor.errors import InputError
from fwadvisor.profiler.catalog import CATALOG, DTYPES, TORCH_LAYOUT_PARAM, TORCH_LAYOUTS
from fwadvisor.profiler.suites import load_suite, resolve_cases


def layout_cases(suite_name: str, device: str) -> list[tuple[str, str, int | str | None]]:
    return [
        (case.benchmark, case.dtype, case.params.get("torch_layout"))
        for case in resolve_cases(load_suite(suite_name), device)
        if case.benchmark in ("conv2d", "train_cnn", "train_rnn")
    ]


def test_the_gpu_quick_suite_runs_channels_last_and_bf16_training() -> None:
    assert layout_cases("quick", "cuda") == [
        ("conv2d", "fp32", "channels_last"),
        ("conv2d", "bf16", "channels_last"),
        ("train_cnn", "bf16", "channels_last"),
        ("train_rnn", "bf16", None),
    ]


@pytest.mark.parametrize("suite_name", ["standard", "full"])
def test_standard_and_full_also_measure_nchw_and_fp32_on_a_gpu(suite_name: str) -> None:
    cases = layout_cases(suite_name, "cuda")
    conv = [(dtype, layout) for benchmark, dtype, layout in cases if benchmark == "conv2d"]
    assert conv == [(dtype, layout) for dtype in DTYPES for layout in ("channels_last", "nchw")]
    cnn = [(dtype, layout) for benchmark, dtype, layout in cases if benchmark == "train_cnn"]
    # bf16 first: the evidence takes a benchmark's first case both frameworks measured.
    assert cnn == [("bf16", "channels_last"), ("bf16", "nchw"), ("fp32", "channels_last"), ("fp32", "nchw")]
    assert [dtype for benchmark, dtype, _ in cases if benchmark == "train_rnn"] == ["bf16", "fp32"]


@pytest.mark.parametrize("suite_name", ["quick", "standard", "full"])
def test_cpu_cases_keep_nchw_fp32_and_their_params(suite_name: str) -> None:
    for benchmark, dtype, layout in layout_cases(suite_name, "cpu"):
        assert (dtype, layout) == ("fp32", None), benchmark
    for case in resolve_cases(load_suite(suite_name), "cpu"):
        assert set(case.params) == set(CATALOG[case.benchmark].params)


def test_a_gpu_case_without_torch_layouts_runs_channels_last_and_says_so(tmp_path: Path) -> None:
    path = write_suite(
        tmp_path,
        f"""\
        - benchmark: conv2d
          cpu: {{params: {CONV_CPU}}}
          gpu: {{params: {CONV_CPU}}}
        - benchmark: matmul
          gpu: {{params: {{m: 8, n: 8, k: 8}}}}
        - benchmark: train_cnn
          cpu: {{params: {CNN_CPU}, torch_layouts: [channels_last, nchw]}}
        """,
    )
    suite = load_suite(str(path))
    gpu = [(c.benchmark, c.params.get("torch_layout")) for c in resolve_cases(suite, "cuda")]
    assert gpu == [("conv2d", "channels_last"), ("matmul", None)]
    cpu = [(c.benchmark, c.params.get("torch_layout")) for c in resolve_cases(suite, "cpu")]
    assert cpu == [("conv2d", None), ("train_cnn", "channels_last"), ("train_cnn", "nchw")]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "- benchmark: matmul\n  cpu: {params: {m: 8, n: 8, k: 8}, torch_layouts: [channels_last]}\n",
            "no image layout",
        ),
        (f"- benchmark: conv2d\n  cpu: {{params: {CONV_CPU}, torch_layouts: [nhwc]}}\n", "torch layout 'nhwc'"),
        (f"- benchmark: conv2d\n  cpu: {{params: {CONV_CPU}, torch_layouts: [nchw, nchw]}}\n", "each layout once"),
        (f"- benchmark: conv2d\n  cpu: {{params: {CONV_CPU}, torch_layouts: []}}\n", "each layout once"),
    ],
    ids=["not-an-image-benchmark", "unknown-layout", "twice", "empty"],
)
def test_a_bad_torch_layouts_entry_is_refused_with_its_file_and_line(tmp_path: Path, entry: str, message: str) -> None:
    path = write_suite(tmp_path, entry)
    with pytest.raises(InputError, match=message):
        load_suite(str(path))
    result = run_cli("profile", "--suite", str(path), "--device", "cpu")
    assert result.returncode == 2
    assert message in result.stderr and path.name in result.stderr


def test_the_worker_accepts_every_layout_a_suite_may_name_and_refuses_others() -> None:
    # One list (catalog.TORCH_LAYOUTS) serves both sides now; what is left to check is that the
    # worker's reading of a case's param agrees with it.
    for layout in TORCH_LAYOUTS:
        assert dtype_rules.torch_layout({TORCH_LAYOUT_PARAM: layout}) == layout
    assert dtype_rules.torch_layout({}) is None
    with pytest.raises(ValueError, match="channels_last or nchw"):
        dtype_rules.torch_layout({TORCH_LAYOUT_PARAM: "nhwc"})


def test_training_runs_mixed_precision_on_a_gpu_only() -> None:
    for dtype in ("fp32", "tf32", "bf16", "fp16"):
        dtype_rules.check_training_dtype(True, "train_cnn", dtype)
    dtype_rules.check_training_dtype(False, "train_cnn", "fp32")
    for dtype in ("bf16", "fp16", "tf32"):
        with pytest.raises(ValueError, match="on a GPU only: on a CPU use fp32"):
            dtype_rules.check_training_dtype(False, "train_rnn", dtype)
    with pytest.raises(ValueError, match="not int8"):
        dtype_rules.check_training_dtype(True, "train_cnn", "int8")
    assert [dtype_rules.mixed_precision(d) for d in ("fp32", "tf32", "bf16", "fp16")] == [None, None, "bf16", "fp16"]


def test_the_loss_check_takes_the_tolerance_of_the_precision() -> None:
    reference_loss = 2.3
    off_by_half_a_percent = reference_loss * 1.005
    assert ref.training_check(off_by_half_a_percent, 0.5, reference_loss, "bf16").ok
    assert ref.training_check(off_by_half_a_percent, 0.5, reference_loss, "fp16").ok
    assert not ref.training_check(off_by_half_a_percent, 0.5, reference_loss, "fp32").ok
    assert not ref.training_check(reference_loss * 1.05, 0.5, reference_loss, "bf16").ok  # still a check
    assert not ref.training_check(reference_loss, float("nan"), reference_loss, "bf16").ok


def test_a_torch_layout_param_is_checked() -> None:
    assert dtype_rules.torch_layout({"batch": 2}) is None
    assert dtype_rules.torch_layout({"torch_layout": "channels_last"}) == "channels_last"
    with pytest.raises(ValueError, match="channels_last or nchw"):
        dtype_rules.torch_layout({"torch_layout": "NHWC"})


def test_training_recipes_take_the_training_dtype_rule() -> None:
    """bf16/fp16 training cases must reach the recipe on a GPU (the float32 rule would refuse them)."""
    assert CATALOG["train_cnn"].dtype_rule == "training"
    assert CATALOG["train_rnn"].dtype_rule == "training"
