"""Real profiler runs: both frameworks on the CPU, and every way a worker can fail."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest

from conftest import FIXTURES, REPO, run_cli
from fwadvisor.frameworks import default_profiler_ids
from fwadvisor.profiler.plan import plan_run
from fwadvisor.profiler.protocol import Result, Start
from fwadvisor.profiler.runner import ProcessEvent, ProcessStarted, run_worker
from fwadvisor.profiler.session import run_profile
from fwadvisor.profiler.suites import load_suite, resolve_cases
from fwadvisor.profiler.telemetry import MachineSample

TINY = str(FIXTURES / "suites" / "tiny.yaml")
SLOW = str(FIXTURES / "suites" / "slow_matmul.yaml")


def _workers_of(pid_marker: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            if (
                "fwadvisor.bench.worker" in cmd
                and (proc.info["environ"] or {}).get("FWADVISOR_TEST_MARK") == pid_marker
            ):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


@pytest.fixture(scope="module")
def tiny_document():
    events: list[ProcessEvent] = []
    doc = run_profile(plan_run(load_suite(TINY), device="cpu", threads=1), on_event=events.append)
    return doc, events


def test_every_default_framework_runs_every_tiny_benchmark_and_checks_out(tiny_document):
    # Without --framework: PyTorch, TensorFlow, and JAX where installed (CI installs it: three columns).
    doc, _ = tiny_document
    frameworks = default_profiler_ids()
    for framework in frameworks:
        assert doc.workers[framework].status == "ok", doc.workers[framework]
    assert len(doc.results) == 6 * len(frameworks)
    for record in doc.results:
        assert record.error is None, record
        assert record.correct is True, record
        assert record.device == "cpu" and record.threads == 1
        assert record.metric.value > 0 and record.median_s > 0 and record.repeats > 0
        assert record.percent_of_peak is None  # no CPU peak is claimed
        # The raw per-call times travel with the record: repeats = samples x calls per sample.
        assert record.samples_s and record.calls_per_sample >= 1
        assert record.repeats == len(record.samples_s) * record.calls_per_sample


def test_protocol_events_arrive_in_order(tiny_document):
    _, events = tiny_document
    for framework in default_profiler_ids():
        # The machine's load samples come in between, as often as they are taken: the worker's own
        # messages keep their order.
        kinds = [
            type(e.message).__name__
            for e in events
            if e.framework == framework and not isinstance(e.message, MachineSample)
        ]
        assert kinds[0] == "ProcessStarted" and kinds[1] == "Hello"
        assert kinds[-2:] == ["Done", "ProcessEnded"]
        assert kinds.count("Start") == kinds.count("Result") == 6
    order = [e.framework for e in events if isinstance(e.message, ProcessStarted)]
    assert order == list(default_profiler_ids())  # one after the other, never together


def test_missing_framework_is_reported_and_the_other_keeps_its_results(tmp_path):
    fake = tmp_path / "fake" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('simulated: TensorFlow is not installed')\n")
    pythonpath = os.pathsep.join([str(tmp_path / "fake"), str(REPO)])
    doc = run_profile(
        plan_run(load_suite(TINY), device="cpu", threads=1, benchmarks=["matmul"]),
        worker_env={"PYTHONPATH": pythonpath},
    )
    tf = doc.workers["tensorflow"]
    assert tf.status == "missing_framework"
    assert tf.hint is not None and "pip install 'fwadvisor[tensorflow]'" in tf.hint
    tf_records = [r for r in doc.results if r.framework == "tensorflow"]
    assert tf_records and all(r.error is not None and "fwadvisor[tensorflow]" in r.error for r in tf_records)
    torch_records = [r for r in doc.results if r.framework == "torch"]
    assert torch_records and all(r.error is None for r in torch_records)


def test_an_unreadable_protocol_line_is_kept_as_stderr_not_a_crash(tmp_path):
    # A site hook that prints to stdout before the worker takes it over: real junk on the protocol stream.
    (tmp_path / "sitecustomize.py").write_text(
        r"""import sys
sys.stdout.write("hello from a site hook\n")
sys.stdout.write('{"type": "result", "index": "first", "record": {}}\n')
sys.stdout.flush()
"""
    )
    events: list[ProcessEvent] = []
    cases = resolve_cases(load_suite(TINY), "cpu", ["matmul"])
    outcome = run_worker(
        "torch",
        cases,
        "cpu",
        1,
        timeout_s=60,
        on_event=events.append,
        env={"PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])},
    )
    assert outcome.status == "ok", outcome
    assert all(r.error is None for r in outcome.records)
    unreadable = [line for line in outcome.stderr_tail if line.startswith("unreadable protocol line")]
    assert len(unreadable) == 2, outcome.stderr_tail
    assert "hello from a site hook" in unreadable[0] and '"index": "first"' in unreadable[1]
    assert sum(isinstance(e.message, Result) for e in events) == len(cases)


def test_no_gpu_build_is_reported_for_cuda():
    cases = resolve_cases(load_suite("quick"), "cuda", ["matmul"])
    outcome = run_worker("torch", cases, "cuda", 1, timeout_s=60)
    assert outcome.status == "no_gpu"
    assert all(r.error and "GPU" in r.error for r in outcome.records)


def test_killed_worker_keeps_earlier_results_and_says_what_happened():
    cases = resolve_cases(load_suite(SLOW), "cpu")
    state: dict = {}

    def on_event(event):
        if isinstance(event.message, ProcessStarted):
            state["pid"] = event.message.pid
        if isinstance(event.message, Start) and event.message.index == 1:
            os.kill(state["pid"], signal.SIGKILL)

    outcome = run_worker("torch", cases, "cpu", 1, timeout_s=60, on_event=on_event)
    assert outcome.status == "crashed"
    first, killed, never = outcome.records
    assert first.error is None and first.metric.value is not None and first.metric.value > 0
    assert killed.error is not None and "SIGKILL" in killed.error and "during this benchmark" in killed.error
    assert never.error is not None and never.error.startswith("not run:")


def test_hung_worker_is_stopped_after_its_timeout():
    cases = resolve_cases(load_suite(SLOW), "cpu")
    started = time.monotonic()
    # 10 s of silence: longer than importing torch and the small first case take on a loaded 2-core
    # machine (3 s was not), shorter than the 4000-cube matmul's 20 s budget, which sends nothing.
    outcome = run_worker("torch", cases, "cpu", 1, timeout_s=10.0)
    assert time.monotonic() - started < 40
    assert outcome.status == "timed_out"
    assert outcome.records[0].error is None
    assert "timed out" in str(outcome.records[1].error)


def test_cancel_stops_the_worker_at_once():
    cases = resolve_cases(load_suite(SLOW), "cpu")
    cancel = threading.Event()

    def on_event(event):
        if isinstance(event.message, Start) and event.message.index == 1:
            cancel.set()

    started = time.monotonic()
    outcome = run_worker("torch", cases, "cpu", 1, timeout_s=60, on_event=on_event, cancel=cancel)
    assert outcome.status == "cancelled"
    assert time.monotonic() - started < 20
    assert outcome.records[0].error is None and "cancelled" in str(outcome.records[1].error)
    assert outcome.records[1].cancelled and outcome.summary().status == "cancelled"
    assert outcome.returncode is not None  # the worker was reaped, not left running


def test_ctrl_c_writes_the_partial_document_and_leaves_no_worker(tmp_path):
    mark = f"ctrl-c-{os.getpid()}"
    out = tmp_path / "run.json"
    env = {**os.environ, "FWADVISOR_TEST_MARK": mark, "COLUMNS": "120"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fwadvisor",
            "profile",
            "--suite",
            SLOW,
            "--device",
            "cpu",
            "--framework",
            "torch",
            "--threads",
            "1",
            "--output",
            str(out),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A child inherits an ignored SIGINT (pytest started in the background, or by a CI runner),
        # and Python then installs no KeyboardInterrupt handler: give the child the default back.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _workers_of(mark):
        time.sleep(0.2)
    time.sleep(5)  # torch imported and into the slow matmul
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert time.monotonic() - sent < 10
    assert proc.returncode == 130
    doc = json.loads(out.read_text())
    assert doc["cancelled"] is True
    assert any("cancelled" in (r["error"] or "") or "interrupted" in (r["error"] or "") for r in doc["results"])
    time.sleep(0.5)
    assert _workers_of(mark) == []


def test_cli_profile_tiny_text_and_json(tmp_path, isolated_user_dirs):
    out = tmp_path / "run.json"
    result = run_cli(
        "profile",
        "--suite",
        TINY,
        "--device",
        "cpu",
        "--threads",
        "1",
        "--benchmark",
        "matmul",
        "--benchmark",
        "train_cnn",
        "--output",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "PyTorch" in result.stdout and "TensorFlow" in result.stdout and "matmul" in result.stdout
    assert "GFLOP/s" in result.stdout and "steps/s" in result.stdout
    assert f"Saved to {out}" in result.stderr
    doc = json.loads(out.read_text())
    assert {r["benchmark"] for r in doc["results"]} == {"matmul", "train_cnn"}
    saved = list((isolated_user_dirs / "data" / "runs").glob("profile-*-tiny.json"))
    assert len(saved) == 1 and json.loads(saved[0].read_text())["results"] == doc["results"]
    compare = run_cli("profile", "compare", str(out), str(out))
    assert compare.returncode == 0 and "1.00x" in compare.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--suite", "turbo"], "unknown suite 'turbo'"),
        (["--benchmark", "fft"], "unknown benchmark 'fft'"),
        (["--device", "tpu"], "invalid choice: 'tpu'"),
    ],
)
def test_cli_profile_bad_arguments_exit_2(args, message):
    result = run_cli("profile", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_env_json_without_gpu_still_works():
    result = run_cli("env", "--format", "json")
    assert result.returncode == 0, result.stderr
    env = json.loads(result.stdout)
    assert env["cpu"]["logical_cores"] >= 1 and env["memory_gb"] > 0
    assert env["frameworks"]["torch"]["version"].startswith("2.")
    if not env["gpu"]["gpus"]:
        assert env["gpu"]["error"]
