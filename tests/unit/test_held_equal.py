"""What was held equal between the frameworks, in every report with a profile (issue #12 item 6).

A real quick run and hand-made runs go through the real CLI (`recommend --profile FILE --format ...`):
each benchmark present gets its block (what both shared, what differed by design), a channels_last
record says so and an NCHW one says it is PyTorch's default, TF32 is read from the records' precision
flags, and every pitfall line says how the run met it. Outside text from the file stays escaped.
The tests with real workers are in tests/frameworks/test_held_equal_real_run.py.
"""

from __future__ import annotations

import json
from typing import Any

from held_equal_helpers import _held_part, _pitfall, _readable, _reports

from conftest import record_data
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.report.held_equal import held_equal

HOSTILE = "[bold]x[/] <script>alert(1)</script> *star* \x1b[2J"


H100 = "cuda:0 NVIDIA H100 80GB HBM3"


CONV = {"batch": 64, "height": 56, "width": 56, "channels_in": 128, "channels_out": 128, "kernel": 3}


OFF = {"tf32_matmul": False, "tf32_conv": False}


def _record(framework: str, benchmark: str = "matmul", **fields: Any) -> dict[str, Any]:
    data = record_data(framework, 100.0, benchmark=benchmark)
    data["samples_s"] = [0.001 * (1 + 0.002 * i) for i in range(10)]
    data.update(fields)
    return data


def _run(results: list[dict[str, Any]], device: str = "cpu") -> dict[str, Any]:
    return {
        "schema_version": 2,
        "kind": "fwadvisor-profile",
        "created": "2026-01-02T03:04:05",
        "suite": {"name": "held", "device": device, "threads": 1},
        "environment": {"hostname": "held-test-machine", "cpu": {"model": "Test CPU", "logical_cores": 2}},
        "workers": {
            "torch": {"status": "ok", "framework_version": "2.11.0"},
            "tensorflow": {"status": "ok", "framework_version": "2.21.0"},
        },
        "results": results,
    }


def _conv_run(torch_layout: str, dtype: str = "bf16") -> dict[str, Any]:
    """conv2d on a GPU: PyTorch in `torch_layout`, TensorFlow NHWC, cuDNN autotuning on in both."""
    gpu = {"device": H100, "dtype": dtype, "params": CONV, "precision": {**OFF, "dtype": dtype}}
    return _run(
        [
            _record("torch", "conv2d", **gpu, extra={"layout": torch_layout, "cudnn_benchmark": True}),
            _record(
                "tensorflow",
                "conv2d",
                **gpu,
                extra={"layout": "NHWC (TensorFlow's native layout)", "mode": "eager", "cudnn_autotune": True},
            ),
        ],
        device="cuda",
    )


def _data(run: dict[str, Any]) -> dict[str, Any]:
    held = held_equal(run_from_data(run))
    assert held is not None
    return dict(held.as_data())  # read as plain JSON, key by key


def test_a_channels_last_record_says_so_and_the_layout_pitfall_is_avoided(tmp_path):
    run = _conv_run("channels_last (NHWC in memory)")
    data = _data(run)
    layout = next(d for d in data["benchmarks"][0]["by_design"] if d["topic"] == "layout")
    assert layout["torch"] == "channels_last (NHWC in memory)"
    assert layout["tensorflow"] == "NHWC (TensorFlow's native layout)"
    assert {"topic": "cuDNN autotuning", "value": "on in both, in the untimed first call"} in data["benchmarks"][0][
        "shared"
    ]
    assert _pitfall(data, "NCHW")["avoided"] is True
    assert _pitfall(data, "first-call autotuning")["avoided"] is True
    reports = _reports(tmp_path, run)
    for fmt in ("text", "md", "html"):
        part = _readable(fmt, reports[fmt])
        assert "layout: PyTorch channels_last (NHWC in memory), TensorFlow NHWC" in part, fmt
        assert "PyTorch's default" not in part, fmt
    held = json.loads(reports["json"])["profile"]["held_equal"]
    assert held == data


def test_an_nchw_record_says_it_is_pytorchs_default_and_the_pitfall_was_not_avoided(tmp_path):
    run = _conv_run("NCHW (torch's native layout)")
    data = _data(run)
    layout = next(d for d in data["benchmarks"][0]["by_design"] if d["topic"] == "layout")
    assert layout["torch"] == "NCHW (PyTorch's default)"
    assert _pitfall(data, "NCHW")["avoided"] is False
    assert "not avoided" in _pitfall(data, "NCHW")["how"]
    reports = _reports(tmp_path, run)
    for fmt in ("text", "md", "html"):
        part = _readable(fmt, reports[fmt])
        assert "PyTorch NCHW (PyTorch's default)" in part, fmt
        assert "not avoided: PyTorch ran NCHW" in part, fmt


def test_both_layouts_of_pytorch_in_one_run(tmp_path):
    run = _conv_run("channels_last (NHWC in memory)")
    nchw = json.loads(json.dumps(run["results"][0]))
    nchw["extra"]["layout"] = "NCHW"
    run["results"].append(nchw)
    data = _data(run)
    layout = next(d for d in data["benchmarks"][0]["by_design"] if d["topic"] == "layout")
    assert layout["torch"] == "NCHW (PyTorch's default), channels_last (NHWC in memory)"
    assert "its NCHW default was measured too" in _pitfall(data, "NCHW")["how"]


def test_tf32_flags_are_read_from_the_records(tmp_path):
    # Off in both: shared, and the pitfall says it was set in both.
    data = _data(_conv_run("channels_last", dtype="fp32"))
    assert {"topic": "TF32", "value": "off in both"} in data["benchmarks"][0]["shared"]
    assert _pitfall(data, "TF32")["avoided"] is True and "off in both" in _pitfall(data, "TF32")["how"]
    # On in both for a tf32 case.
    on = _conv_run("channels_last", dtype="tf32")
    for record in on["results"]:
        record["precision"] = {"tf32_matmul": True, "tf32_conv": True, "dtype": "tf32"}
    assert {"topic": "TF32", "value": "on in both"} in _data(on)["benchmarks"][0]["shared"]
    # On in TensorFlow only: not held equal, said in every format, and the pitfall was not avoided.
    mixed = _conv_run("channels_last", dtype="fp32")
    mixed["results"][1]["precision"] = {"tf32_matmul": True, "tf32_conv": True, "dtype": "fp32"}
    data = _data(mixed)
    wrong = data["benchmarks"][0]["not_equal"]
    assert {"topic": "TF32", "torch": "off", "tensorflow": "on"} in wrong
    assert _pitfall(data, "TF32")["avoided"] is False
    reports = _reports(tmp_path, mixed)
    assert "TF32: PyTorch off, TensorFlow on" in _held_part(reports["md"])
    assert "NOT held equal: TF32: PyTorch off, TensorFlow on" in _held_part(reports["text"])
    assert "Not held equal:</strong> TF32: PyTorch off, TensorFlow on" in _held_part(reports["html"])
    # A run made before precision flags were recorded says so instead of claiming anything.
    old = _run([_record("torch"), _record("tensorflow")])
    data = _data(old)
    assert not any(f["topic"] == "TF32" for f in data["benchmarks"][0]["shared"])
    assert _pitfall(data, "TF32")["avoided"] is None


def test_a_benchmark_one_framework_did_not_run_compares_nothing():
    run = _run([_record("torch"), _record("tensorflow", error="boom", correct=None, median_s=None)])
    run["results"][1]["metric"] = {"name": "GFLOP/s", "value": None}
    block = _data(run)["benchmarks"][0]
    assert block["note"] == "only PyTorch ran it: nothing to compare"
    assert block["shared"] == [] and block["by_design"] == []


def test_outside_text_in_the_records_stays_escaped(tmp_path):
    train: dict[str, Any] = {"benchmark": "train_cnn", "params": {"batch": 4, "image": 8, "channels": 3, "classes": 4}}
    run = _run(
        [
            _record("torch", **train, extra={"init": HOSTILE, "mode": "eager", "layout": "NCHW"}),
            _record("tensorflow", **train, extra={"init": HOSTILE, "mode": HOSTILE, "layout": "NHWC"}),
        ]
    )
    reports = _reports(tmp_path, run)
    md, html, text = (_held_part(reports[fmt]) for fmt in ("md", "html", "text"))
    assert "<script>" not in md and "\\<script\\>" in md and "\\[bold\\]" in md and "\\*star\\*" in md
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "\x1b" not in reports["text"] and "[bold]x[/] <script>alert(1)</script> *star*" in text
    held = json.loads(reports["json"])["profile"]["held_equal"]
    assert {"topic": "initial weights", "value": HOSTILE} in held["benchmarks"][0]["shared"]  # JSON keeps data as is


def test_mixed_precision_training_in_two_pytorch_layouts_reads_its_flags_from_the_records():
    """A GPU train_cnn in bf16, PyTorch in channels_last and NCHW: both cases in one block, the precision
    flags each framework recorded shown side by side, and what they share said once."""
    results = []
    for torch_layout, layout in (("channels_last", "channels_last (NHWC in memory)"), ("nchw", "NCHW")):
        case: dict[str, Any] = {
            "benchmark": "train_cnn",
            "device": H100,
            "dtype": "bf16",
            "params": {"batch": 64, "image": 32, "channels": 3, "classes": 10, "torch_layout": torch_layout},
        }
        common = {"tf32_matmul": False, "tf32_conv": False, "dtype": "bf16", "weights": "float32"}
        optimiser = {"optimizer": "SGD lr 0.05 momentum 0.9"}
        results += [
            _record(
                "torch",
                **case,
                precision={**common, "mixed_precision": "torch.autocast('cuda', dtype=torch.bfloat16)"},
                extra={"mode": "eager", "layout": layout, **optimiser},
            ),
            _record(
                "tensorflow",
                **case,
                precision={**common, "mixed_precision": "Keras policy mixed_bfloat16"},
                extra={"mode": "tf.function", "layout": "NHWC", **optimiser},
            ),
        ]
    block = _data(_run(results, device="cuda"))["benchmarks"][0]
    assert block["cases"] == 2
    assert {"topic": "dtype", "value": "bf16 (mixed precision in both)"} in block["shared"]
    assert {"topic": "weights kept in", "value": "float32 in both"} in block["shared"]
    assert {
        "topic": "mixed precision",
        "torch": "torch.autocast('cuda', dtype=torch.bfloat16)",
        "tensorflow": "Keras policy mixed_bfloat16",
    } in block["by_design"]
    layout = next(d for d in block["by_design"] if d["topic"] == "layout")
    assert (layout["torch"], layout["tensorflow"]) == (
        "NCHW (PyTorch's default), channels_last (NHWC in memory)",
        "NHWC",
    )
    assert block["not_equal"] == []
