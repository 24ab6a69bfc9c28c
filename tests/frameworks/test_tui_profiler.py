"""The profiler screen with real runs: results fill in, Cancel kills the worker, failures read plainly."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Select, Static
from tui_helpers import status_text, wait_for

from conftest import FIXTURES, REPO
from fwadvisor.frameworks import PROFILER_IDS, default_profiler_ids
from fwadvisor.profiler import runner
from fwadvisor.profiler.documents import FrameworkId, Metric, Record, WorkerSummary
from fwadvisor.profiler.protocol import Done, Fatal, Hello, Result, Start, WorkerMessage
from fwadvisor.profiler.run_file import load_run
from fwadvisor.report.chart_axis import side_of
from fwadvisor.report.profile_table import rows
from fwadvisor.tui.app import FwAdvisorApp, make_app
from fwadvisor.tui.messages import (
    CaseStarted,
    ProcessEnded,
    ProcessFailed,
    ProcessReady,
    ProcessStarted,
    ResultArrived,
    RunFinished,
    message_for_runner_event,
)
from fwadvisor.tui.screens.profiler import ProfilerScreen
from fwadvisor.tui.widgets.ratio_chart import RatioChart, draw_chart

SIZE = (120, 40)
# A user suite with one tiny benchmark: the shortest real run in both frameworks.
MATMUL_ONLY = """\
name: matmul_only
description: Test suite - one tiny CPU matmul.
budget_s: 0.05
benchmarks:
  - benchmark: matmul
    cpu: {params: {m: 64, n: 64, k: 64}}
"""
NUMBER = re.compile(r"^\d[\d.e+-]*")


def install_user_suites() -> Path:
    """Suites in the user's profiles folder show up in the screen's list (a real feature)."""
    profiles = Path(os.environ["FWADVISOR_CONFIG_DIR"]) / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    for name in ("tiny.yaml", "slow_matmul.yaml"):
        shutil.copy(FIXTURES / "suites" / name, profiles / name)
    (profiles / "matmul_only.yaml").write_text(MATMUL_ONLY, encoding="utf-8")
    return profiles


async def open_profiler(app: FwAdvisorApp, pilot, suite: str, frameworks: tuple[str, ...]) -> None:
    await pilot.press("3")
    await pilot.pause()
    app.screen.query_one("#profiler-suite", Select).value = suite
    for fw in PROFILER_IDS:  # JAX's box too: ticked by default where JAX is installed
        checkbox = app.screen.query_one(f"#profiler-use-{fw}")
        if not checkbox.disabled and checkbox.value != (fw in frameworks):  # type: ignore[attr-defined]
            await pilot.click(f"#profiler-use-{fw}")
    await pilot.pause()


def cell_text(table: DataTable, row: int, column: str) -> str:
    return str(table.get_cell_at(Coordinate(row, table.get_column_index(column))))


def our_workers() -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "fwadvisor.bench.worker" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


async def test_run_fills_the_table_saves_the_run_and_makes_it_evidence():
    install_user_suites()
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_profiler(app, pilot, "tiny", ("torch", "tensorflow"))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        assert await wait_for(pilot, lambda: app.state.profile_document is not None, 30)

        table = app.screen.query_one("#profiler-results", DataTable)
        benchmarks = [cell_text(table, i, "benchmark").split()[0] for i in range(table.row_count)]
        assert benchmarks == ["matmul", "conv2d", "bandwidth", "eager_overhead", "train_cnn", "train_rnn"]
        for index in range(table.row_count):
            for column in ("torch", "tensorflow"):
                assert NUMBER.match(cell_text(table, index, column)), (benchmarks[index], column)
            assert re.match(r"^(torch|TF) \d", cell_text(table, index, "ahead"))

        runs = Path(os.environ["FWADVISOR_DATA_DIR"]) / "runs"
        saved = list(runs.glob("profile-*-tiny.json"))
        assert saved == [app.state.profile_path]
        document = load_run(saved[0])
        assert document == app.state.profile_document
        assert len(document.results) == 12 and not document.cancelled
        assert "Saved to" in status_text(app)
        chart = app.screen.query_one(RatioChart).chart(80).plain
        assert "◀ PyTorch ahead" in chart and re.search(r"(PyTorch|TensorFlow) \d+\.\d\dx", chart)
        assert all(len(line) <= 80 for line in chart.splitlines())
        # Frameworks live only in worker processes (the subprocess test checks the imports too).
        env = app.screen.query_one("#profiler-env", Static).content
        assert "PyTorch" in str(env) and "runs on the" in str(env)


async def start_slow_run_and_wait_for_a_result(app: FwAdvisorApp, pilot, messages: list[Message]) -> None:
    """Start the slow user suite in PyTorch and return once its first (quick) result arrived."""
    await open_profiler(app, pilot, "slow_matmul", ("torch",))
    await pilot.press("r")

    def first_result() -> bool:
        return any(isinstance(m, ResultArrived) for m in messages)

    assert await wait_for(pilot, first_result, 60), status_text(app)


def finished(messages: list[Message]) -> bool:
    return any(isinstance(m, RunFinished) for m in messages)


async def test_cancel_stops_the_worker_at_once_and_keeps_what_was_measured():
    install_user_suites()
    messages: list[Message] = []
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await start_slow_run_and_wait_for_a_result(app, pilot, messages)
        assert our_workers(), "the worker should be busy with the slow matmul now"
        pressed = time.monotonic()
        await pilot.press("c")

        assert await wait_for(pilot, lambda: finished(messages), 5), "cancel did not end the run within 5 s"
        assert time.monotonic() - pressed < 5
        await pilot.pause()
        assert "Cancelled" in status_text(app)
        assert not our_workers()
        document = app.state.profile_document
        assert document is not None and document.cancelled is True
        first, stopped, _never = document.results
        assert first.error is None and first.metric.value is not None and first.metric.value > 0
        assert stopped.error and "cancelled" in stopped.error
        assert app.state.profile_path is not None and app.state.profile_path.exists()


async def test_leaving_the_profiler_keeps_the_run_going_and_c_cancels_it():
    install_user_suites()
    messages: list[Message] = []
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await start_slow_run_and_wait_for_a_result(app, pilot, messages)
        await pilot.press("f1")  # the help on top of the profiler: the run goes on
        await pilot.pause(0.5)
        assert our_workers()
        await pilot.press("escape", "2")  # another screen: the run goes on there too
        await pilot.pause(1.0)
        assert our_workers() and not finished(messages), "leaving the profiler ended the run"
        await pilot.press("3", "c")  # back on the profiler, c cancels it

        assert await wait_for(pilot, lambda: finished(messages), 5), "c did not end the run within 5 s"
        await pilot.pause(0.3)
        assert not our_workers()
        assert app.state.profile_document is not None and app.state.profile_document.cancelled is True


async def test_missing_framework_shows_the_fix_and_keeps_the_other_results(tmp_path):
    install_user_suites()
    fake = tmp_path / "fake" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('simulated: TensorFlow is not installed')\n")
    app = make_app(
        save_path=None,
        load_last_profile=False,
        worker_env={"PYTHONPATH": os.pathsep.join([str(tmp_path / "fake"), str(REPO)])},
    )
    async with app.run_test(size=SIZE) as pilot:
        await open_profiler(app, pilot, "matmul_only", ("torch", "tensorflow"))
        await pilot.press("r")
        await app.workers.wait_for_complete()
        assert await wait_for(pilot, lambda: app.state.profile_document is not None, 30)

        status = status_text(app)
        assert "TensorFlow" in status and "pip install 'fwadvisor[tensorflow]'" in status
        assert "Traceback" not in status
        table = app.screen.query_one("#profiler-results", DataTable)
        assert NUMBER.match(cell_text(table, 0, "torch"))
        assert "failed" in cell_text(table, 0, "tensorflow")
        chart = app.screen.query_one(RatioChart).chart(80).plain
        assert "TensorFlow failed" in chart


async def test_quitting_mid_run_from_the_command_palette_leaves_no_worker_behind():
    messages: list[Message] = []
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"quick profile")
        await pilot.pause(0.5)
        await pilot.press("enter")

        def running() -> bool:
            return any(isinstance(m, CaseStarted) for m in messages)

        assert await wait_for(pilot, running, 60), status_text(app)
        assert app.current_mode == "profiler"
        assert str(app.screen.query_one("#profiler-suite", Select).value) == "quick"
        assert our_workers()
        await pilot.press("ctrl+q")
    deadline = time.monotonic() + 5
    while our_workers() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not our_workers(), "quitting the app must end the profiler's workers"


async def test_a_broken_user_suite_is_explained_without_a_traceback():
    profiles = install_user_suites()
    (profiles / "broken.yaml").write_text(
        "name: broken\ndescription: x\nbenchmarks:\n  - benchmark: matmull\n    cpu: {params: {m: 8, n: 8, k: 8}}\n",
        encoding="utf-8",
    )
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_profiler(app, pilot, "broken", ("torch", "tensorflow"))
        await pilot.press("r")
        assert await wait_for(pilot, lambda: "did not start" in status_text(app), 10)
        status = status_text(app)
        assert "unknown benchmark 'matmull'" in status and "broken.yaml" in status
        assert "Traceback" not in status
        assert not app.screen.query_one("#profiler-run").disabled  # ready for another try


PILOT_SCRIPT = """
import asyncio, json, sys
from textual.widgets import Select
from fwadvisor.tui.app import make_app

async def main():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        app.screen.query_one("#profiler-suite", Select).value = "matmul_only"
        await pilot.pause()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        for _ in range(100):
            if app.state.profile_document is not None:
                break
            await pilot.pause(0.1)
        doc = app.state.profile_document
    print(json.dumps({"frameworks": sorted(m for m in ("torch", "tensorflow", "jax") if m in sys.modules),
                      "measured": sorted(r.framework for r in doc.results if r.error is None)}))

asyncio.run(main())
"""


def test_the_tui_process_never_imports_a_framework():
    # Other tests in this pytest process import torch and TensorFlow, so the app runs in its own.
    install_user_suites()
    done = subprocess.run([sys.executable, "-c", PILOT_SCRIPT], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # The app's default: every framework installed here is ticked (JAX too, in CI).
    assert report == {"frameworks": [], "measured": sorted(default_profiler_ids())}


def test_chart_fits_80_columns_and_says_why_a_row_has_no_bar():
    def record(
        benchmark: str, framework: FrameworkId, value: float | None, unit: str, error: str | None = None
    ) -> Record:
        return Record(
            benchmark=benchmark,
            framework=framework,
            dtype="fp32",
            params={"m": 8, "n": 8, "k": 8},
            metric=Metric(unit, value),
            error=error,
            correct=True,
        )

    records = [
        record("matmul", "torch", 1234.0, "GFLOP/s"),
        record("matmul", "tensorflow", 1.0, "GFLOP/s"),
        record("conv2d", "torch", 1.0, "GFLOP/s"),
        record("conv2d", "tensorflow", 1.52, "GFLOP/s"),
        record("bandwidth", "torch", 5.0, "GB/s"),
        record("bandwidth", "tensorflow", None, "", "it crashed"),
        record("compiled_speedup", "torch", 2.0, "x"),
        record("compiled_speedup", "tensorflow", 3.0, "x"),
        record("eager_overhead", "torch", 2.0, "us/op"),
    ]
    lines = draw_chart(rows(records), 78).plain.splitlines()
    assert all(len(line) <= 78 for line in lines), lines
    text = "\n".join(lines)
    assert "PyTorch 1234x" in text and "TensorFlow 1.52x" in text
    assert "✗ TensorFlow failed" in text and "speed-up factor" in text and "only PyTorch measured" in text


def speed_record(benchmark: str, framework: FrameworkId, value: float) -> Record:
    return Record(
        benchmark=benchmark,
        framework=framework,
        dtype="fp32",
        params={"m": 8, "n": 8, "k": 8},
        metric=Metric("GFLOP/s", value),
        correct=True,
    )


def test_each_framework_leads_on_its_side_of_the_chart_as_in_every_report():
    # chart_axis is the one direction policy: the HTML chart and the app's draw each lead on the same side.
    torch_ahead = rows([speed_record("matmul", "torch", 3.0), speed_record("matmul", "tensorflow", 1.0)])
    tf_ahead = rows([speed_record("conv2d", "torch", 1.0), speed_record("conv2d", "tensorflow", 3.0)])
    lines = draw_chart(torch_ahead + tf_ahead, 80).plain.splitlines()
    header, torch_line, tf_line = lines[0], lines[1], lines[2]
    centre = header.index("│")
    assert header.index("PyTorch ahead") < centre < header.index("TensorFlow ahead")
    assert torch_line.index("│") == tf_line.index("│") == centre
    assert side_of("torch") == "left" and "█" in torch_line[:centre] and "█" not in torch_line[centre:]
    assert side_of("tensorflow") == "right" and "█" in tf_line[centre:] and "█" not in tf_line[:centre]


def test_the_runners_events_become_the_screens_messages():
    record = speed_record("matmul", "torch", 2.0)
    summary = WorkerSummary(status="ok", wall_s=1.5)
    events: list[WorkerMessage | runner.ProcessStarted | runner.ProcessEnded] = [
        runner.ProcessStarted(cases=3, pid=123),
        Hello(framework="torch", framework_version="2.5.1", device="cpu"),
        Start(index=1, benchmark="matmul", dtype="fp32"),
        Result(index=1, record=record),
        Fatal(kind="missing_framework", error="not installed", hint="pip install torch"),
        runner.ProcessEnded(summary=summary),
    ]
    started, ready, case, result, failed, finished = (
        message_for_runner_event(runner.ProcessEvent("torch", event)) for event in events
    )
    assert isinstance(started, ProcessStarted) and started.framework == "torch"
    assert isinstance(ready, ProcessReady) and (ready.framework_version, ready.device) == ("2.5.1", "cpu")
    assert isinstance(case, CaseStarted) and (case.index, case.benchmark, case.dtype) == (1, "matmul", "fp32")
    assert isinstance(result, ResultArrived) and result.record is record
    assert isinstance(failed, ProcessFailed) and (failed.error, failed.hint) == ("not installed", "pip install torch")
    assert isinstance(finished, ProcessEnded) and finished.summary is summary
    assert message_for_runner_event(runner.ProcessEvent("torch", Done())) is None


async def test_no_framework_ticked_is_a_warning_toast_and_no_run():
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_profiler(app, pilot, "quick", ())
        await pilot.press("r")
        await pilot.pause(0.3)
        toasts = app.screen.query("Toast")  # Textual's notification widget, found by its type name
        assert [str(toast.render()) for toast in toasts] == ["Tick at least one framework first."]
        assert toasts.first().has_class("-warning")
        assert isinstance(app.screen, ProfilerScreen) and not app.screen.profiling
        assert not app.screen.query_one("#profiler-run").disabled
