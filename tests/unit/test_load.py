"""Machine load while the profiler measures (issue #11): the window maths on hand-made samples, the
busy rule in words, and real runs with and without a CPU hog (sampling that outlasts a noisy spell:
test_steadiness.py).
The tests with real workers are in tests/frameworks/test_load_real_runs.py.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from fwadvisor.profiler.documents import MinMax, RecordLoad
from fwadvisor.profiler.load import (
    BUSY_FLOOR_PERCENT,
    busy_threshold_percent,
    case_busy_reason,
    framework_load,
    gpu_telemetry,
    machine_sample,
    record_load,
)
from fwadvisor.profiler.records import make_record
from fwadvisor.profiler.telemetry import (
    GpuReading,
    LoadMonitor,
    LoadSample,
    clock_reason_names,
    tree_cpu_delta,
    window,
)

# Three back-to-back quarter-second samples: 0.75-1.0 s, 1.0-1.25 s, 1.25-1.5 s.
SAMPLES = [
    LoadSample(end=1.0, duration_s=0.25, other_cpu_percent=20.0, steal_percent=0.0),
    LoadSample(end=1.25, duration_s=0.25, other_cpu_percent=180.0, steal_percent=0.0),
    LoadSample(end=1.5, duration_s=0.25, other_cpu_percent=100.0, steal_percent=12.0),
]


def test_a_case_gets_the_samples_it_overlaps_weighted_by_the_overlap():
    covered = window(SAMPLES, 1.1, 1.4)
    assert [(s.end, round(w, 3)) for s, w in covered] == [(1.25, 0.15), (1.5, 0.15)]
    load = record_load(covered)
    assert load.samples == 2
    assert load.other_cpu_percent == 140.0 and load.other_cpu_percent_max == 180.0
    assert load.steal_percent == 6.0

    unequal = record_load(window(SAMPLES, 0.95, 1.25))  # 0.05 s at 20%, 0.25 s at 180%
    assert unequal.other_cpu_percent == pytest.approx((0.05 * 20 + 0.25 * 180) / 0.3, abs=0.1)


def test_a_case_shorter_than_a_sample_still_gets_the_samples_around_it():
    inside = window(SAMPLES, 1.05, 1.06)
    assert [s.end for s, _ in inside] == [1.25]
    assert record_load(inside).other_cpu_percent == 180.0
    after_the_last = window(SAMPLES, 1.6, 1.61)  # ended before the next sample was taken
    assert [s.end for s, _ in after_the_last] == [1.5]
    assert window([], 1.0, 2.0) == []


def test_the_busy_threshold_leaves_room_for_the_cpus_the_worker_does_not_use():
    assert busy_threshold_percent(2, 2) == BUSY_FLOOR_PERCENT == 25
    assert busy_threshold_percent(2, 1) == 50
    assert busy_threshold_percent(16, 8) == 400
    assert busy_threshold_percent(4, 16) == 25  # more threads than CPUs: the floor


def test_busy_reasons_are_words():
    assert case_busy_reason(RecordLoad(other_cpu_percent=180.4), 50) == (
        "other processes used 180% CPU while this case ran"
    )
    assert case_busy_reason(RecordLoad(other_cpu_percent=40.0), 50) is None
    assert case_busy_reason(RecordLoad(other_cpu_percent=0.0, steal_percent=15.0), 50) == (
        "the virtual machine's host took 15% of its CPU time while this case ran"
    )
    assert case_busy_reason(RecordLoad(gpu_other_processes=["4242 python"]), 50) == (
        "another process used the GPU while this case ran (4242 python)"
    )


def _timed_record(framework: str, busy_reason: str | None, other: float):
    record = make_record(
        benchmark="matmul",
        framework=framework,
        framework_version="1",
        device="cpu",
        dtype="fp32",
        params={},
        threads=1,
        precision={},
        timing=None,
        metric_name="GFLOP/s",
        metric_value=100.0,
        correct=True,
    )
    record.load = RecordLoad(samples=2, other_cpu_percent=other)
    record.machine_busy, record.busy_reason = busy_reason is not None, busy_reason
    return record


def test_a_framework_run_says_in_words_what_else_ran():
    busy_run = [LoadSample(end=t / 4, duration_s=0.25, other_cpu_percent=180.0) for t in range(1, 9)]
    records = [_timed_record("torch", "other processes used 180% CPU while this case ran", 180.0)]
    load = framework_load("torch", busy_run, records, 50.0, before_other_cpu_percent=175.04)
    assert load.busy and load.busy_records == 1 and load.samples == 8
    assert load.reason == "other processes used 180% CPU during the PyTorch run"
    assert load.before_other_cpu_percent == 175.0 and load.busy_threshold_percent == 50.0

    # The load came in one burst that hit one case of three: the run's mean is low, the words say so.
    burst = [LoadSample(end=t / 4, duration_s=0.25, other_cpu_percent=0.0) for t in range(1, 20)]
    burst.append(LoadSample(end=5.25, duration_s=0.25, other_cpu_percent=180.0))
    records = [
        _timed_record("tensorflow", None, 0.0),
        _timed_record("tensorflow", "other processes used 180% CPU while this case ran", 180.0),
        _timed_record("tensorflow", None, 0.0),
    ]
    load = framework_load("tensorflow", burst, records, 50.0)
    assert load.busy and load.busy_records == 1
    assert load.reason == "other processes used up to 180% CPU during 1 of the 3 TensorFlow cases"

    quiet = framework_load("torch", burst[:5], [_timed_record("torch", None, 0.0)], 50.0)
    assert not quiet.busy and quiet.reason is None and quiet.busy_records == 0


def test_gpu_telemetry_keeps_min_max_and_flags_real_slowdowns_only():
    assert clock_reason_names(0x1 | 0x2 | 0x4 | 0x40) == ["sw_power_cap", "hw_thermal"]  # idle, app clocks left out
    hot = [
        LoadSample(end=1.0, duration_s=0.25, other_cpu_percent=0.0, gpu=GpuReading(1980.0, 2619.0, 60.0, 650.0)),
        LoadSample(
            end=1.25,
            duration_s=0.25,
            other_cpu_percent=0.0,
            gpu=GpuReading(1755.0, 2619.0, 71.0, 700.0, 700.0, 100.0, ("sw_power_cap",), ("4242 python",)),
        ),
    ]
    covered = window(hot, 0.8, 1.2)
    telemetry = gpu_telemetry(covered)
    assert telemetry is not None and telemetry.samples == 2
    assert telemetry.sm_clock_mhz == MinMax(1755.0, 1980.0) and telemetry.temperature_c == MinMax(60.0, 71.0)
    assert telemetry.utilization_percent == MinMax(100.0, 100.0)
    # the power cap is listed but is how a busy data-centre card normally runs: no throttle flag
    assert telemetry.throttle_reasons == ["sw_power_cap"] and not telemetry.throttled
    assert record_load(covered).gpu_other_processes == ["4242 python"]
    synced = [
        LoadSample(end=1.0, duration_s=0.25, other_cpu_percent=0.0, gpu=GpuReading(clock_reasons=("sync_boost",)))
    ]
    assert not gpu_telemetry(window(synced, 0.9, 1.0)).throttled  # type: ignore[union-attr]
    assert gpu_telemetry(window(SAMPLES, 1.0, 1.2)) is None  # a CPU run has no telemetry
    live = machine_sample(hot[1])
    assert live.sm_clock_mhz == 1755.0 and live.gpu_other_processes == 1 and live.throttle_reasons == ["sw_power_cap"]


def test_a_child_that_ended_is_not_counted_twice():
    # The worker (pid 10) used 0.5 s, its child (11) 0.2 s more before it ended and was reaped,
    # which moved the child's whole 0.7 s into the worker's reaped-children time.
    assert tree_cpu_delta({10: 1.0, 11: 0.5}, {10: 2.2}, root_pid=10) == pytest.approx(0.7)
    assert tree_cpu_delta({10: 1.0}, {10: 1.5, 12: 0.3}, root_pid=10) == pytest.approx(0.8)  # a new child
    assert tree_cpu_delta({10: 1.0}, {}, root_pid=10) == 0.0  # the worker itself ended


def test_the_worker_and_its_children_are_not_other_processes():
    # A "worker" whose child burns a CPU: a monitor watching it must not count that child, while a
    # monitor watching no worker at the same time counts it with everything else. On a busy machine
    # the child gets less than a whole CPU: what it got is read from its own CPU time.
    import psutil

    worker = subprocess.Popen(
        [sys.executable, "-c", "import subprocess, sys; subprocess.run([sys.executable, '-c', 'while True: pass'])"]
    )
    try:
        deadline = time.monotonic() + 10
        while not psutil.Process(worker.pid).children() and time.monotonic() < deadline:
            time.sleep(0.05)
        (child,) = psutil.Process(worker.pid).children()
        time.sleep(0.3)
        with LoadMonitor(worker.pid) as watching, LoadMonitor(None) as everyone:
            start, child_start = time.monotonic(), sum(child.cpu_times()[:2])
            time.sleep(1.5)
            end, child_end = time.monotonic(), sum(child.cpu_times()[:2])
            mine = record_load(watching.between(start, end)).other_cpu_percent
            all_of_it = record_load(everyone.between(start, end)).other_cpu_percent
    finally:
        for process in psutil.Process(worker.pid).children(recursive=True):
            process.kill()
        worker.kill()
        worker.wait()
    child_percent = 100 * (child_end - child_start) / (end - start)
    if child_percent < 20:
        pytest.skip(f"the machine was too busy: the test's child got {child_percent:.0f}% of a CPU")
    assert mine is not None and all_of_it is not None
    # The child's CPU is the worker's: left out of "other" for the monitor that watches the worker.
    assert all_of_it - mine > child_percent / 2, (all_of_it, mine, child_percent)


def test_a_worker_that_ends_mid_sample_is_not_counted_as_another_process():
    # A busy worker that exits between two samples: its last CPU time can no longer be read, so the
    # interval it ended in cannot be split into its CPU and everyone else's (kept, it blamed the worker's
    # own last moments on other processes: a lone "101%" last case on a quiet machine). No kept sample
    # may span the exit; checked by time, so other load on the machine cannot change the verdict.
    worker = subprocess.Popen([sys.executable, "-c", "import time\nt = time.time()\nwhile time.time() - t < 1.1: pass"])
    try:
        with LoadMonitor(worker.pid) as watching:
            worker.wait()
            exited = time.monotonic()
            time.sleep(0.6)
            samples = watching.all_samples()
    finally:
        worker.kill()
        worker.wait()
    spanning = [s for s in samples if s.end - s.duration_s < exited - 0.01 and s.end > exited + 0.01]
    assert samples and not spanning, spanning
