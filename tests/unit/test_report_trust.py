"""What the numbers are worth, in every report and in `fwadvisor profile` (issue #11, display side).

Hand-made runs (conftest.record_data plus the version 2 fields) go through the real CLI
(`recommend --profile FILE --format ...`) and the real `profile` renderer: each ratio shows its 95%
interval, a busy machine is said in words, a cancelled case says "cancelled", a throttled GPU and a
number below its card's usual range are flagged and explained, and the setup that explains a
difference is listed. Outside text (a busy reason, a throttle reason, a build string) stays escaped.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, record_data, run_cli
from fwadvisor.profiler.expected import BELOW_USUALLY_MEANS
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.report.profile_table import rows

ANSWERS = FIXTURES / "answers" / "good_research_lab.yaml"
FORMATS = ("text", "md", "html")
HOSTILE = "[bold]x[/] <script>alert(1)</script> *star*"
BUSY_REASON = "other processes used 180% CPU during the PyTorch run"
BUSY_SENTENCE = f"! {BUSY_REASON}: its numbers are not used as evidence."


def _samples(centre: float, spread: float, count: int = 12) -> list[float]:
    """Seconds per call spread evenly around `centre` by ±`spread` (a fraction)."""
    return [centre * (1 + spread * (2 * i / (count - 1) - 1)) for i in range(count)]


def _record(framework: str, value: float | None, samples: list[float] | None = None, **fields: Any) -> dict[str, Any]:
    data = record_data(framework, value, benchmark=fields.pop("benchmark", "matmul"))
    if samples is not None:
        data["samples_s"] = samples
    data.update(fields)
    return data


def _run(results: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    environment = {"hostname": "trust-test-machine", "cpu": {"model": "Test CPU", "logical_cores": 2}}
    return {
        "schema_version": 2,
        "kind": "fwadvisor-profile",
        "created": "2026-01-02T03:04:05",
        "suite": {"name": "trust", "device": "cpu", "threads": 1},
        "environment": environment,
        "workers": {
            "torch": {"status": "ok", "framework_version": "2.5.0"},
            "tensorflow": {"status": "ok", "framework_version": "2.18.0"},
        },
        "results": results,
        **fields,
    }


def _quiet_load() -> dict[str, Any]:
    return {
        fw: {"busy": False, "samples": 20, "other_cpu_percent": 3.0, "other_cpu_percent_max": 12.0}
        for fw in ("torch", "tensorflow")
    }


def _interval_run() -> dict[str, Any]:
    """PyTorch clearly ahead on matmul, TensorFlow clearly ahead on conv2d, a tie within the noise on
    bandwidth, and eager_overhead without samples (no interval)."""
    return _run(
        [
            _record("torch", 130.0, _samples(0.0010, 0.01)),
            _record("tensorflow", 100.0, _samples(0.0013, 0.01)),
            _record("torch", 100.0, _samples(0.0020, 0.01), benchmark="conv2d"),
            _record("tensorflow", 200.0, _samples(0.0010, 0.01), benchmark="conv2d"),
            _record("torch", 101.0, _samples(0.0010, 0.15), benchmark="bandwidth"),
            _record("tensorflow", 100.0, _samples(0.00101, 0.15), benchmark="bandwidth"),
            _record("torch", 130.0, benchmark="eager_overhead"),
            _record("tensorflow", 100.0, benchmark="eager_overhead"),
        ],
        load=_quiet_load(),
    )


def _busy_run(reason: str = BUSY_REASON) -> dict[str, Any]:
    busy = {"machine_busy": True, "busy_reason": "other processes used 175% CPU during this case"}
    return _run(
        [
            _record("torch", 33.5, _samples(0.0010, 0.01), **busy),
            _record("tensorflow", 100.0, _samples(0.0003, 0.01)),
            _record("torch", 20.0, _samples(0.0010, 0.01), benchmark="conv2d", **busy),
            _record("tensorflow", 40.0, _samples(0.0005, 0.01), benchmark="conv2d"),
        ],
        load={
            "torch": {"busy": True, "reason": reason, "samples": 30, "other_cpu_percent": 180.0, "busy_records": 2},
            "tensorflow": {"busy": False, "samples": 30, "other_cpu_percent": 4.0},
        },
    )


def _cancelled_run() -> dict[str, Any]:
    run = _run(
        [
            _record("torch", 130.0, _samples(0.0010, 0.01)),
            _record(
                "tensorflow",
                None,
                benchmark="matmul",
                error="cancelled by the user (during this benchmark)",
                cancelled=True,
                correct=None,
                median_s=None,
            ),
            _record("torch", 50.0, _samples(0.0010, 0.01), benchmark="conv2d"),
            _record(
                "tensorflow",
                None,
                benchmark="conv2d",
                error="not run: cancelled by the user",
                cancelled=True,
                correct=None,
                median_s=None,
            ),
        ],
        cancelled=True,
    )
    run["workers"]["tensorflow"] = {"status": "cancelled", "error": "cancelled by the user"}
    return run


H100 = "NVIDIA H100 80GB HBM3"


def _gpu_run(throttle_reason: str = "sw_thermal_slowdown") -> dict[str, Any]:
    telemetry = {
        "samples": 14,
        "sm_clock_mhz": [1410, 1980],
        "memory_clock_mhz": [2619, 2619],
        "temperature_c": [61, 84],
        "power_w": [320, 690],
        "utilization_percent": [97, 100],
        "throttle_reasons": [throttle_reason],
        "throttled": True,
    }
    steady = {"samples": 12, "sm_clock_mhz": [1980, 1980], "temperature_c": [50, 58], "power_w": [300, 612]}
    expected = {"low": 740.0, "high": 820.0, "unit": "TFLOP/s", "card": "H100 SXM", "source": "public runs"}
    gpu = {"device": f"cuda:0 {H100}", "dtype": "bf16", "params": {"m": 8192, "n": 8192, "k": 8192}}

    def matmul(framework: str, value: float, **fields: Any) -> dict[str, Any]:
        data = _record(framework, value, _samples(0.0016, 0.01), **gpu, **fields)
        data["metric"] = {"name": "TFLOP/s", "value": value}
        return data

    run = _run(
        [
            matmul("torch", 677.0, gpu_telemetry=telemetry, expected={"verdict": "below", **expected}),
            matmul("tensorflow", 780.0, gpu_telemetry=steady, expected={"verdict": "inside", **expected}),
        ],
        load=_quiet_load(),
    )
    run["suite"]["device"] = "cuda"
    run["environment"]["cpu"]["governor"] = "performance"
    run["environment"]["gpu"] = {
        "nvml": True,
        "driver": "550.54.15",
        "cuda_driver": "12.4",
        "gpus": [
            {
                "index": 0,
                "name": H100,
                "power_limit_w": 700.0,
                "pcie_generation": 4,
                "pcie_width": 16,
                "pcie_generation_max": 5,
                "pcie_width_max": 16,
            }
        ],
    }
    run["workers"]["torch"]["build"] = {"build": "cuda", "cuda": "12.8", "cudnn": "91002"}
    run["workers"]["tensorflow"]["build"] = {"build": "cuda", "cuda": "12.5.1", "cudnn": "9"}
    return run


def _report(tmp_path: Path, run: dict[str, Any], fmt: str) -> str:
    path = tmp_path / f"run-{fmt}.json"
    path.write_text(json.dumps(run), encoding="utf-8")
    result = run_cli(
        "recommend", "--answers", str(ANSWERS), "--profile", str(path), "--format", fmt, env={"NO_COLOR": "1"}
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def _evidence(output: str) -> str:
    """The report's "Evidence from ..." section onwards (the advice before it says nothing of the run)."""
    return output[output.index("Evidence from") :]


def _reports(tmp_path: Path, run: dict[str, Any]) -> dict[str, str]:
    return {fmt: _evidence(_report(tmp_path, run, fmt)) for fmt in FORMATS}


def _line_of(text: str, benchmark: str) -> str:
    """The benchmark's row of the speed table (text, Markdown or HTML)."""
    starts = (f"  {benchmark} ", f"| {benchmark} ", f"<tr><td>{benchmark} ")
    return next(line for line in text.splitlines() if line.startswith(starts))


# ---- Intervals ----------------------------------------------------------------------------------


def test_every_ratio_carries_its_interval_in_the_leaders_direction(tmp_path):
    table = {row.benchmark: row for row in rows(run_from_data(_interval_run()))}
    matmul, conv2d = table["matmul"], table["conv2d"]
    assert matmul.faster is not None and matmul.faster[0] == "torch" and matmul.interval is not None
    assert 1 < matmul.interval[0] < 1.3 < matmul.interval[1]
    assert conv2d.faster is not None and conv2d.faster[0] == "tensorflow" and conv2d.interval is not None
    assert 1 < conv2d.interval[0] < 2.0 < conv2d.interval[1]  # TF's lead, both bounds above 1
    assert table["bandwidth"].within_noise and not matmul.within_noise
    assert table["eager_overhead"].interval is None  # no samples: the point alone

    reports = _reports(tmp_path, _interval_run())
    for fmt, text in reports.items():
        assert re.search(r"torch 1\.30x \(1\.\d\d-1\.\d\d\)", _line_of(text, "matmul")), fmt
        assert re.search(r"TF 2\.00x \([12]\.\d\d-2\.\d\d\)", _line_of(text, "conv2d")), fmt
        assert "(" not in _line_of(text, "eager_overhead").split("1.30x")[1][:3], fmt
        assert "torch 1.30x" in _line_of(text, "eager_overhead"), fmt
    for fmt in ("md", "html"):
        assert re.search(r"1\.01x \(0\.\d\d-1\.\d\d\), within the noise", reports[fmt]), fmt
    assert re.search(r"1\.01x \(0\.\d\d-1\.\d\d\) ≈", _line_of(reports["text"], "bandwidth"))
    assert "within the noise (≈)" in reports["text"]  # the legend says what the sign means


def test_the_json_report_carries_each_comparison_with_its_interval(tmp_path):
    profile = json.loads(_report(tmp_path, _interval_run(), "json"))["profile"]
    by_case = {c["benchmark"]: c for c in profile["comparisons"]}
    assert by_case["matmul"]["low"] < by_case["matmul"]["speed"] < by_case["matmul"]["high"]
    assert by_case["conv2d"]["high"] < 1  # speed is always PyTorch against TensorFlow
    assert "low" not in by_case["eager_overhead"] or by_case["eager_overhead"]["low"] is None


# ---- A busy machine -------------------------------------------------------------------------------


def test_a_busy_run_says_so_under_the_table_in_every_report(tmp_path):
    reports = _reports(tmp_path, _busy_run())
    for fmt, text in reports.items():
        assert BUSY_SENTENCE in text, fmt
        row = _line_of(text, "matmul")
        assert "33.5 ±0% !" in row and "busy" in row, fmt  # the mark and the word in the cell
        assert "The machine was quiet" not in text, fmt
    assert "! measured while other processes were busy" in " ".join(reports["text"].split())
    assert "(busy machine)" in _line_of(reports["md"], "matmul")
    profile = json.loads(_report(tmp_path, _busy_run(), "json"))["profile"]
    entry = next(m for m in profile["measurements"] if m["framework"] == "torch" and m["benchmark"] == "matmul")
    assert entry["status"] == "busy" and entry["machine_busy"] is True and entry["usable"] is False
    assert profile["load"]["torch"]["busy"] is True and profile["busy"][0] == BUSY_SENTENCE
    assert profile["busy"][1].startswith("Why: ") and "Close other programs" in profile["busy"][1]  # and what to do


def test_a_quiet_run_says_nothing_of_a_busy_machine(tmp_path):
    for fmt, text in _reports(tmp_path, _interval_run()).items():
        assert "! other processes" not in text and "busy machine" not in text, fmt
        assert "The machine was quiet while it ran (other processes used at most 12% of one CPU)." in text, fmt


def test_a_busy_reason_from_the_file_stays_text_in_every_format(tmp_path):
    reason = f"other processes used 180% CPU {HOSTILE}"
    reports = _reports(tmp_path, _busy_run(reason))
    assert f"! {reason}: its numbers" in reports["text"]
    assert "\\[bold\\]x\\[/\\] \\<script\\>alert(1)\\</script\\> \\*star\\*" in reports["md"]
    assert "[bold]x[/] &lt;script&gt;alert(1)&lt;/script&gt; *star*" in reports["html"]
    assert "<script>" not in reports["html"]


# ---- Cancelled -------------------------------------------------------------------------------------


def test_cancelled_cases_say_cancelled_never_failed(tmp_path):
    reports = _reports(tmp_path, _cancelled_run())
    for fmt, text in reports.items():
        for benchmark in ("matmul", "conv2d"):
            row = _line_of(text, benchmark)
            assert "cancelled" in row and "failed" not in row and "✗" not in row, (fmt, row)
    profile = json.loads(_report(tmp_path, _cancelled_run(), "json"))["profile"]
    statuses = {m["status"] for m in profile["measurements"] if m["framework"] == "tensorflow"}
    assert statuses == {"cancelled"}


# ---- GPU telemetry and expected ranges --------------------------------------------------------------


def test_a_throttled_gpu_and_a_number_below_its_range_are_flagged_and_explained(tmp_path):
    reports = _reports(tmp_path, _gpu_run())
    for fmt, text in reports.items():
        flat = " ".join(text.split()).replace("\\_", "_")  # Markdown escapes the underscores
        assert "GPU state while measuring" in flat, fmt
        assert "SM 1410-1980 MHz, up to 84 °C, up to 690 W, throttled (sw_thermal_slowdown)" in flat, fmt
        assert "677 TFLOP/s is below the usual 740-820 TFLOP/s for H100 SXM" in flat, fmt
        assert "780 TFLOP/s is inside the usual 740-820 TFLOP/s for H100 SXM" in flat, fmt
        assert "throttled" in _line_of(text, "matmul"), fmt  # the flag in the table itself
        assert BELOW_USUALLY_MEANS.split(",")[0] in flat, fmt
    # Nothing below its range, nothing throttled: no explanation of "below".
    calm = _gpu_run()
    for record in calm["results"]:
        record["expected"]["verdict"] = "inside"
        record["gpu_telemetry"]["throttled"] = False
    for fmt, text in _reports(tmp_path, calm).items():
        assert BELOW_USUALLY_MEANS.split(",")[0] not in " ".join(text.split()), fmt
        assert "throttled" not in _line_of(text, "matmul") and "throttled (" not in text, fmt


def test_the_environment_lists_what_explains_a_difference(tmp_path):
    for fmt, text in _reports(tmp_path, _gpu_run()).items():
        flat = " ".join(text.split())
        for fact in (
            "GPU driver 550.54.15",
            "CUDA driver 12.4",
            "power limit 700 W",
            "PCIe gen 4 x16 (card supports gen 5 x16)",
            "PyTorch cuda build (cuda 12.8, cudnn 91002)",
            "TensorFlow cuda build (cuda 12.5.1, cudnn 9)",
            "CPU governor performance",
        ):
            assert fact in flat, (fmt, fact)


def test_a_throttle_reason_and_a_build_from_the_file_stay_text(tmp_path):
    run = _gpu_run(throttle_reason=HOSTILE)
    run["workers"]["torch"]["build"] = {"build": HOSTILE}
    reports = _reports(tmp_path, run)
    assert "<script>" not in reports["html"] and "&lt;script&gt;" in reports["html"]
    assert "<script>" not in reports["md"] and "\\<script\\>" in reports["md"]
    assert HOSTILE in " ".join(reports["text"].split())


# ---- `fwadvisor profile` ----------------------------------------------------------------------------


def _profile_output(run: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch) -> str:
    """What `fwadvisor profile` shows after a run: the table on stdout, then the busy notice, which goes
    to stderr in every format (issue 19)."""
    from rich.console import Console

    from fwadvisor.commands.profile import _render_run, _tell_busy

    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    document = run_from_data(copy.deepcopy(run))
    _render_run(document, "text")
    _tell_busy(Console(stderr=True, highlight=False), document)
    captured = capsys.readouterr()
    return captured.out + captured.err


def test_profile_output_says_which_run_was_busy_and_which_gpu_numbers_are_doubtful(capsys, monkeypatch):
    busy = " ".join(_profile_output(_busy_run(), capsys, monkeypatch).split())
    assert BUSY_SENTENCE in busy and "33.5 ±0% !" in busy
    assert "measured while other processes were busy" in busy  # the caption
    quiet = " ".join(_profile_output(_interval_run(), capsys, monkeypatch).split())
    assert "busy" not in quiet.split("! measured while other processes were busy")[0]
    assert re.search(r"torch 1\.30x \(1\.\d\d-1\.\d\d\)", quiet)
    gpu = " ".join(_profile_output(_gpu_run(), capsys, monkeypatch).split())
    assert "GPU: matmul bf16" in gpu and "throttled (sw_thermal_slowdown)" in gpu
    assert "677 TFLOP/s is below the usual 740-820 TFLOP/s for H100 SXM" in gpu
    assert "780 TFLOP/s is inside" not in gpu  # the terminal lists only the doubtful ones
    assert BELOW_USUALLY_MEANS.split(",")[0] in gpu
    cancelled = _profile_output(_cancelled_run(), capsys, monkeypatch)
    for benchmark in ("matmul", "conv2d"):
        row = next(line for line in cancelled.splitlines() if f" {benchmark} " in line)
        assert "… cancelled" in row and "failed" not in row and "✗" not in row, row


def test_profile_output_keeps_a_busy_reason_as_text(capsys, monkeypatch):
    output = " ".join(
        _profile_output(_busy_run(f"other processes used 180% CPU {HOSTILE}"), capsys, monkeypatch).split()
    )
    assert HOSTILE in output  # brackets printed as written, not read as Rich markup
