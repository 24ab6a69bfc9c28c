"""Profiler pieces that need no framework: timing statistics, suites, documents, compare, atomic writes."""

from __future__ import annotations

import json
import os
import re

import pytest

from fwadvisor.errors import InputError
from fwadvisor.profiler.compare import compare_documents
from fwadvisor.profiler.documents import load_profile
from fwadvisor.profiler.suites import load_suite, resolve_cases
from fwadvisor.profiler.timing import Timing, measure
from fwadvisor.yamlio import write_atomic


def test_measure_times_the_cold_call_apart_and_blocks_small_calls():
    calls = []

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
    assert cpu == {"matmul", "conv2d", "bandwidth", "eager_overhead", "train_cnn", "train_rnn"}
    assert "host_to_device" in {c.benchmark for c in resolve_cases(quick, "cuda")}
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
    return {
        "kind": "fwadvisor-profile",
        "schema_version": 1,
        "suite": {"name": "quick", "threads": 2},
        "environment": {"gpu": {"driver": env.get("driver"), "gpus": []}},
        "workers": {},
        "results": records,
    }


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
    ratios = {r["framework"]: r["ratio"] for r in result["rows"]}
    assert ratios == {"torch": 1.5, "tensorflow": 0.5}
    text = " ".join(result["warnings"])
    assert "framework versions" in text and "precision flags differ" in text and "GPU drivers" in text


def test_compare_lower_is_better_and_failed_rows():
    a = _doc([_rec("torch", 4.0, name="us/op"), _rec("tensorflow", 1.0)])
    b = _doc([_rec("torch", 2.0, name="us/op"), _rec("tensorflow", None, error="crashed")])
    rows = {r["framework"]: r for r in compare_documents(a, b)["rows"]}
    assert rows["torch"]["ratio"] == 2.0
    assert rows["tensorflow"]["ratio"] is None and rows["tensorflow"]["note"]


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
        load_profile(path)


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
