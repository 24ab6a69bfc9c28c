"""Profiler pieces that need no framework: timing statistics, suites, documents, compare, atomic writes."""

from __future__ import annotations

import copy
import json
import os
import re

import msgspec
import pytest

from conftest import FIXTURES, run_cli
from fwadvisor.atomic import write_atomic
from fwadvisor.errors import InputError
from fwadvisor.profiler.compare import compare_documents
from fwadvisor.profiler.documents import (
    GpuProperties,
    Metric,
    ResultStatus,
    RunDocument,
    classify,
    encode_run,
    usable_as_evidence,
)
from fwadvisor.profiler.protocol import Result, decode_message, encode_message
from fwadvisor.profiler.records import failed_record, make_record
from fwadvisor.profiler.run_environment import Environment, GpuDevice, GpuInfo
from fwadvisor.profiler.run_file import load_run, run_from_data
from fwadvisor.profiler.session import add_peaks, peak_gpu_properties
from fwadvisor.profiler.suites import load_suite, resolve_cases
from fwadvisor.profiler.timing import Timing, measure


def test_measure_times_the_cold_call_apart_and_blocks_small_calls():
    calls: list[int] = []

    class FakeClock:  # a deterministic clock: each run() costs 1 ms, the first one 50 ms
        now = 0.0

        def __call__(self):
            return self.now

    clock = FakeClock()

    def run():
        clock.now += 0.05 if not calls else 0.001
        calls.append(1)

    timing = measure(run, lambda: None, budget_s=0.2, clock=clock)
    assert timing.cold_s == pytest.approx(0.05)
    assert timing.median_s == pytest.approx(0.001)
    assert timing.calls_per_sample >= 10  # blocks last at least MIN_BLOCK_S
    assert timing.rel_spread == pytest.approx(0.0)
    assert timing.repeats == len(timing.samples) * timing.calls_per_sample


def test_timing_statistics():
    t = Timing(cold_s=1.0, samples=[1.0, 2.0, 3.0, 4.0, 100.0], calls_per_sample=2)
    assert t.median_s == 3.0
    assert t.p20_s == pytest.approx(1.8) and t.p80_s == pytest.approx(23.2)
    assert t.repeats == 10


def test_builtin_suites_load_and_quick_leaves_out_compiled_speedup():
    quick = load_suite("quick")
    cpu = {c.benchmark for c in resolve_cases(quick, "cpu")}
    assert cpu == {"matmul", "conv2d", "bandwidth", "eager_overhead", "train_cnn", "train_rnn", "train_transformer"}
    quick_gpu = {c.benchmark for c in resolve_cases(quick, "cuda")}
    assert {"host_to_device", "device_to_host"} <= quick_gpu and "compiled_speedup" not in quick_gpu
    assert "compiled_speedup" in {c.benchmark for c in resolve_cases(load_suite("standard"), "cpu")}
    gpu_dtypes = {c.dtype for c in resolve_cases(load_suite("standard"), "cuda") if c.benchmark == "matmul"}
    assert gpu_dtypes == {"fp32", "tf32", "fp16", "bf16"}
    load_suite("full")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "name: x\ndescription: y\nbenchmarks:\n  - benchmark: fft\n    cpu: {params: {n: 1}}\n",
            "unknown benchmark 'fft'",
        ),
        (
            "name: x\ndescription: y\nbenchmarks:\n  - benchmark: matmul\n    cpu: {params: {m: 1}}\n",
            "takes the parameters k, m, n",
        ),
        (
            "name: x\ndescription: y\nbenchmarks:\n  - benchmark: matmul\n"
            "    cpu: {params: {m: 1, n: 1, k: 1}, dtypes: [fp8]}\n",
            "dtype 'fp8' is not allowed",
        ),
        (
            "name: x\nbenchmarks: [{benchmark: matmul, cpu: {params: {m: 1, n: 1, k: 1}}}]\n",
            "Object missing required field `description`",
        ),
        (
            "name: x\ndescription: y\nbenchmarks:\n  - benchmark: host_to_device\n    cpu: {params: {megabytes: 1}}\n",
            "runs on a GPU only",
        ),
        ("name: [x\n", "invalid YAML"),
    ],
)
def test_malformed_suite_is_refused_with_its_file_and_reason(tmp_path, text, message):
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_suite(str(path))
    assert message in str(info.value) and str(path) in str(info.value)


def test_unknown_suite_name():
    with pytest.raises(InputError, match=r"unknown suite 'turbo'; known suites: .*quick"):
        load_suite("turbo")


def _doc(records, **env):
    return run_from_data(
        {
            "kind": "fwadvisor-profile",
            "schema_version": 1,
            "suite": {"name": "quick", "threads": 2},
            "environment": {"gpu": {"driver": env.get("driver"), "gpus": []}},
            "workers": {},
            "results": records,
        }
    )


def _rec(framework, value, name="GFLOP/s", version="1", precision=None, **kw):
    return {
        "benchmark": "matmul",
        "framework": framework,
        "framework_version": version,
        "dtype": "fp32",
        "params": {"m": 1},
        "device": "cpu",
        "metric": {"name": name, "value": value},
        "precision": precision or {"tf32_matmul": False},
        "error": None,
        "correct": True,
        **kw,
    }


def test_compare_ratios_and_warnings():
    a = _doc([_rec("torch", 10.0), _rec("tensorflow", 8.0)])
    b = _doc([_rec("torch", 15.0, version="2", precision={"tf32_matmul": True}), _rec("tensorflow", 4.0)], driver="580")
    result = compare_documents(a, b)
    ratios = {r.framework: r.ratio for r in result.rows}
    assert ratios == {"torch": 1.5, "tensorflow": 0.5}
    text = " ".join(result.warnings)
    assert "framework versions" in text and "precision flags differ" in text and "GPU drivers" in text


def test_compare_lower_is_better_and_failed_rows():
    a = _doc([_rec("torch", 4.0, name="us/op"), _rec("tensorflow", 1.0)])
    b = _doc([_rec("torch", 2.0, name="us/op"), _rec("tensorflow", None, error="crashed")])
    rows = {r.framework: r for r in compare_documents(a, b).rows}
    assert rows["torch"].ratio == 2.0
    assert rows["tensorflow"].ratio is None and rows["tensorflow"].note


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"kind": "fwadvisor-profile", "schema_version": 1, "results": [', "ends early (truncated?)"),
        ('{"answers": 1}', "not a profile document"),
        ('{"kind": "fwadvisor-profile", "schema_version": 99, "results": []}', "newer than this fwadvisor"),
        (
            '{"kind": "fwadvisor-profile", "schema_version": 1, "results": [{"x": 1}], "environment": {}, '
            '"suite": {}, "workers": {}}',
            "malformed `results`",
        ),
    ],
)
def test_bad_profile_documents(tmp_path, content, message):
    path = tmp_path / "run.json"
    path.write_text(content)
    with pytest.raises(InputError, match=re.escape(message)):
        load_run(path)


GOOD_RUN = _doc([_rec("torch", 10.0, median_s=0.5), _rec("tensorflow", 8.0, median_s=0.6)])
ANSWERS = str(FIXTURES / "answers" / "good_research_lab.yaml")


def _bad_run_text(problem: str) -> str:
    data = msgspec.to_builtins(GOOD_RUN)
    if problem == "string metric value":
        data["results"][0]["metric"]["value"] = "fast"
    elif problem == "negative median_s":
        data["results"][1]["median_s"] = -0.5
    elif problem == "missing schema_version":
        del data["schema_version"]
    elif problem == "schema_version 99":
        data["schema_version"] = 99
    text = json.dumps(data)
    if problem == "NaN":
        return text.replace('"value": 10.0', '"value": NaN')
    if problem == "Infinity":
        return text.replace('"median_s": 0.6', '"median_s": Infinity')
    if problem == "deeply nested JSON":
        return text.replace('"environment": {', '"environment": {"x": ' + "[" * 100_000 + "]" * 100_000 + ", ")
    if problem == "truncated file":
        return text[: len(text) // 2]
    return text


BAD_RUNS = {
    "string metric value": "malformed `results` (record 1: matmul in torch): Expected `float | null`, got `str`",
    "NaN": "NaN and Infinity are not numbers JSON allows",
    "Infinity": "NaN and Infinity are not numbers JSON allows",
    "negative median_s": "Expected `float` >= 0.0 - at `$.results[1].median_s`",
    "missing schema_version": "profile document has no schema_version",
    "schema_version 99": "profile schema version 99 is newer than this fwadvisor reads (2)",
    "deeply nested JSON": "nested too deeply",
    "truncated file": "it ends early (truncated?)",
}


@pytest.mark.parametrize("command", ["recommend", "compare"])
@pytest.mark.parametrize("problem", list(BAD_RUNS))
def test_a_bad_run_file_is_one_clear_error_and_exit_2(tmp_path, problem, command):
    bad, good = tmp_path / "bad.json", tmp_path / "good.json"
    bad.write_text(_bad_run_text(problem))
    good.write_bytes(encode_run(GOOD_RUN))
    if command == "recommend":
        result = run_cli("recommend", "--answers", ANSWERS, "--profile", str(bad), "--format", "json")
    else:
        result = run_cli("profile", "compare", str(good), str(bad))
    assert result.returncode == 2, result.stderr
    assert BAD_RUNS[problem] in result.stderr and str(bad) in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_a_good_run_round_trips_through_its_file(tmp_path):
    path = tmp_path / "run.json"
    path.write_bytes(encode_run(GOOD_RUN))
    assert load_run(path) == GOOD_RUN
    assert run_cli("profile", "compare", str(path), str(path)).returncode == 0


def test_classify_is_the_one_rule_for_a_usable_number():
    good = GOOD_RUN.results[0]
    variants = {
        ResultStatus.OK: good,
        ResultStatus.WIDE_SPREAD: msgspec.structs.replace(good, wide_spread=True),
        ResultStatus.WRONG: msgspec.structs.replace(good, correct=False),
        ResultStatus.FAILED: failed_record("matmul", "torch", "crashed"),
        ResultStatus.SKIPPED: msgspec.structs.replace(good, skipped="not on this device", metric=Metric("GFLOP/s")),
        ResultStatus.CANCELLED: failed_record("matmul", "torch", "not run: cancelled", cancelled=True),
    }
    for status, record in variants.items():
        assert classify(record) is status
        assert usable_as_evidence(record) is (status is ResultStatus.OK)


def test_a_result_message_round_trips_and_a_nan_becomes_no_number():
    record = make_record(
        benchmark="matmul",
        framework="torch",
        framework_version="2",
        device="cpu",
        dtype="fp32",
        params={"m": 1},
        threads=1,
        precision={},
        timing=None,
        metric_name="GFLOP/s",
        metric_value=float("nan"),
        correct=True,
    )
    decoded = decode_message(encode_message(Result(index=3, record=record)))
    assert isinstance(decoded, Result) and decoded.index == 3
    assert decoded.record.metric == Metric("GFLOP/s", None)
    assert classify(decoded.record) is ResultStatus.FAILED  # a NaN is never evidence
    with pytest.raises(msgspec.DecodeError):
        decode_message(b'{"type": "result", "index": -1, "record": {}}')


def _gpu_record(dtype: str, value: float, device: str = "cuda:0 NVIDIA Future GPU 9000"):
    return make_record(
        benchmark="matmul",
        framework="torch",
        framework_version="2",
        device=device,
        dtype=dtype,
        params={"m": 8192, "n": 8192, "k": 8192},
        threads=1,
        precision={},
        timing=None,
        metric_name="TFLOP/s",
        metric_value=value,
        correct=True,
    )


def test_an_unknown_gpu_gets_an_estimated_peak_from_the_workers_and_nvml():
    """The unknown-card path of a real run: Hello's properties + NVML's max SM clock -> an FP32 estimate."""
    name = "NVIDIA Future GPU 9000"
    from_torch = GpuProperties(name=name, total_memory_bytes=80 * 2**30, sm_count=100, compute_capability="9.0")
    from_tensorflow = GpuProperties(name=name, compute_capability="9.0")
    environment = Environment(gpu=GpuInfo(gpus=[GpuDevice(index=0, name=name, sm_clock_max_mhz=1500)]))
    properties = peak_gpu_properties([from_tensorflow, None, from_torch], environment)
    assert properties == GpuProperties(
        name=name, total_memory_bytes=80 * 2**30, sm_count=100, compute_capability="9.0", max_clock_mhz=1500.0
    )
    records = [_gpu_record("fp32", 19.2), _gpu_record("bf16", 100.0), _gpu_record("fp32", 1.0, device="cpu")]
    add_peaks(records, properties)
    fp32, bf16, cpu = records
    assert fp32.peak is not None and fp32.peak.estimated and fp32.peak.unit == "TFLOP/s"
    assert fp32.peak.value == pytest.approx(100 * 128 * 2 * 1500e6 / 1e12)  # SMs x FP32 lanes x 2 x clock
    assert "100 SMs" in fp32.peak.label and fp32.percent_of_peak == pytest.approx(50.0)
    assert bf16.peak is None and cpu.peak is None  # no estimate for tensor-core dtypes, none for a CPU
    # Without NVML's clock there is nothing to estimate from.
    records = [_gpu_record("fp32", 19.2)]
    add_peaks(records, peak_gpu_properties([from_torch], Environment()))
    assert records[0].peak is None and records[0].percent_of_peak is None
    # What the run saves carries the estimate back intact.
    document = copy.deepcopy(GOOD_RUN)
    document.results = [fp32]
    assert msgspec.json.decode(encode_run(document), type=RunDocument).results[0].peak == fp32.peak


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "run.json"
    write_atomic(target, "old")

    class NotBytes:  # the write itself fails, as it would half way through on a full disk
        pass

    with pytest.raises(TypeError):
        write_atomic(target, NotBytes())  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["run.json"]
    write_atomic(target, json.dumps({"new": True}))
    assert json.loads(target.read_text()) == {"new": True}


def test_atomic_write_gives_the_usual_permissions(tmp_path):
    target = tmp_path / "report.html"
    write_atomic(target, "<html></html>")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
