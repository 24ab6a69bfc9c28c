"""The profiler screen under load (issue #11): the live machine line, busy results said in words,
cancelled cases called cancelled, and a partial run that never replaces a complete one unasked.

Runs that must really start use a PyTorch whose import hangs (a module on the worker's PYTHONPATH):
the worker process is real and stays busy until Cancel kills it, with no framework to load.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
import pytest
from rich.text import Text
from textual.message import Message
from textual.widgets import Button, DataTable, Static
from tui_helpers import status_text, wait_for

from conftest import REPO, record_data
from fwadvisor.paths import runs_dir
from fwadvisor.profiler import runner
from fwadvisor.profiler.documents import (
    FrameworkLoad,
    Metric,
    Record,
    RunDocument,
    SuiteInfo,
    WorkerSummary,
    encode_run,
)
from fwadvisor.profiler.load import fewer_threads_reason
from fwadvisor.profiler.run_file import run_from_data
from fwadvisor.profiler.telemetry import MachineSample
from fwadvisor.report.profile_model import busy_sentences
from fwadvisor.tui.app import FwAdvisorApp, make_app
from fwadvisor.tui.messages import MachineSampled, ProcessStarted, RunFinished, message_for_runner_event
from fwadvisor.tui.screens.dialogs import EvidenceChoiceDialog
from fwadvisor.tui.state import AdvisorState
from fwadvisor.tui.widgets.curves import CurvesPanel
from fwadvisor.tui.widgets.machine_line import BUSY_COLOUR, MachineLine, machine_line
from fwadvisor.tui.widgets.ratio_chart import RatioChart

GPU_SAMPLE = MachineSample(
    other_cpu_percent=12.0,
    sm_clock_mhz=1980.0,
    memory_clock_mhz=2619.0,
    temperature_c=61.0,
    power_w=412.0,
    power_limit_w=700.0,
    utilization_percent=98.0,
)
OLDER_COMPLETE = "profile-20200101T000000Z-quick.json"
NEWER_CANCELLED = "profile-20200102T000000Z-quick.json"
# A suite of three tiny CPU cases; the hanging PyTorch never reaches them.
THREE_CASES = """\
name: three_cases
description: Test suite - three tiny CPU cases.
budget_s: 0.05
benchmarks:
  - benchmark: matmul
    cpu: {params: {m: 64, n: 64, k: 64}}
  - benchmark: bandwidth
    cpu: {params: {megabytes: 1}}
  - benchmark: eager_overhead
    cpu: {params: {ops: 10, size: 8}}
"""


def hanging_torch(tmp_path: Path) -> dict[str, str]:
    """A worker environment whose `import torch` waits a minute: the run is live until it is cancelled."""
    fake = tmp_path / "hang" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("import time\ntime.sleep(60)\n")
    profiles = Path(os.environ["FWADVISOR_CONFIG_DIR"]) / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    (profiles / "three_cases.yaml").write_text(THREE_CASES, encoding="utf-8")
    return {"PYTHONPATH": os.pathsep.join([str(tmp_path / "hang"), str(REPO)])}


def run_document(*, cancelled: bool = False, created: str = "2020-01-01T00:00:00+00:00", **extra: object) -> dict:
    """A hand-made run of both frameworks: matmul and conv2d, every worker ok unless told."""
    results = [
        record_data("torch", 5.0),
        record_data("tensorflow", 4.0),
        record_data("torch", 3.0, benchmark="conv2d"),
        record_data("tensorflow", 2.0, benchmark="conv2d"),
    ]
    return {
        "kind": "fwadvisor-profile",
        "schema_version": 2,
        "created": created,
        "suite": {"name": "quick", "device": "cpu", "threads": 1},
        "workers": {"torch": {"status": "ok"}, "tensorflow": {"status": "ok"}},
        "cancelled": cancelled,
        "results": results,
        **extra,
    }


def save_run_file(name: str, data: dict) -> Path:
    folder = runs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(encode_run(run_from_data(data)))
    return path


def cancelled_run_data() -> dict:
    data = run_document(cancelled=True, created="2020-01-02T00:00:00+00:00")
    data["workers"]["tensorflow"] = {"status": "cancelled", "error": "cancelled by the user"}
    for record in data["results"]:
        if record["framework"] == "tensorflow":
            record.update(cancelled=True, error="cancelled by the user", metric={"name": "", "value": None})
    return data


def line_text(app: FwAdvisorApp) -> Text:
    content = app.screen.query_one(MachineLine).content
    assert isinstance(content, Text)
    return content


def evidence(app: FwAdvisorApp) -> RunDocument:
    document = app.state.profile_document
    assert document is not None
    return document


def table_texts(app: FwAdvisorApp) -> list[list[str]]:
    table = app.screen.query_one("#profiler-results", DataTable)
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


async def start_hanging_run(app: FwAdvisorApp, pilot, messages: list[Message]) -> None:
    """Open the profiler, run three_cases in PyTorch only and return once its worker is started."""
    from textual.widgets import Select

    await pilot.press("3")
    await pilot.pause()
    app.screen.query_one("#profiler-suite", Select).value = "three_cases"
    if app.screen.query_one("#profiler-use-tensorflow").value:  # type: ignore[attr-defined]
        await pilot.click("#profiler-use-tensorflow")
    await pilot.pause()
    app.screen.run_profile()  # type: ignore[attr-defined]
    started = await wait_for(pilot, lambda: any(isinstance(m, ProcessStarted) for m in messages), 60)
    assert started, status_text(app)


async def cancel_and_wait(app: FwAdvisorApp, pilot, messages: list[Message]) -> None:
    await pilot.press("c")
    assert await wait_for(pilot, lambda: any(isinstance(m, RunFinished) for m in messages), 10)
    await pilot.pause()


def test_a_machine_sample_from_the_runner_becomes_the_screens_message():
    message = message_for_runner_event(runner.ProcessEvent("torch", GPU_SAMPLE))
    assert isinstance(message, MachineSampled)
    assert message.framework == "torch" and message.sample is GPU_SAMPLE


def test_the_machine_line_reads_like_nvitop_and_fits_80_columns():
    gpu = machine_line("torch", GPU_SAMPLE, busy=False).plain
    assert "GPU 1980 MHz · 61 °C · 412/700 W · 98% util" in gpu
    cpu = machine_line("tensorflow", MachineSample(other_cpu_percent=12.0), busy=False).plain
    assert "other processes: 12% CPU" in cpu and "steal" not in cpu
    stolen = machine_line("tensorflow", MachineSample(other_cpu_percent=180.0, steal_percent=7.0), busy=True)
    assert "180% CPU, steal 7%" in stolen.plain and "! busy" in stolen.plain
    busy_part = stolen.plain.index("busy")
    assert any(BUSY_COLOUR in str(span.style) for span in stolen.spans if span.start <= busy_part < span.end)
    throttled = msgspec.structs.replace(
        GPU_SAMPLE,
        gpu_other_processes=3,
        throttle_reasons=["sw_power_cap", "hw_slowdown", "sw_thermal_slowdown", "hw_power_brake_slowdown"],
    )
    for width in (80, 60, 40):
        for sample in (GPU_SAMPLE, throttled):
            for busy in (False, True):
                text = machine_line("tensorflow", sample, busy, width)
                assert text.cell_len <= width and "\n" not in text.plain, (width, text.plain)
    assert "throttled" in machine_line("torch", throttled, busy=True, width=80).plain
    # Throttle reasons come from NVML: text, never markup.
    odd = MachineSample(sm_clock_mhz=900.0, throttle_reasons=["[bold]x[/bold]"])
    assert "[bold]x[/bold]" in machine_line("torch", odd, busy=False).plain


async def test_the_live_line_shows_during_a_run_from_machine_samples_and_hides_after(tmp_path):
    messages: list[Message] = []
    app = make_app(save_path=None, load_last_profile=False, worker_env=hanging_torch(tmp_path))
    async with app.run_test(size=(80, 24), message_hook=messages.append) as pilot:
        await pilot.press("3")
        await pilot.pause()
        line = app.screen.query_one(MachineLine)
        assert not line.display  # no run, no line
        await start_hanging_run(app, pilot, messages)
        screen = app.screen
        # The runner sends its own samples too (about every 0.5 s): post until ours is the one shown.
        for _ in range(40):
            screen.post_message(MachineSampled("torch", GPU_SAMPLE))
            await pilot.pause()
            if "GPU 1980 MHz" in line_text(app).plain:
                break
        shown = line_text(app)
        assert line.display and line.region.height == 1
        assert "GPU 1980 MHz · 61 °C · 412/700 W · 98% util" in shown.plain
        assert shown.cell_len <= 80 and line.region.width <= 80

        # A record measured on a busy machine arrives: the line says busy, in the warning colour.
        from fwadvisor.tui.messages import ResultArrived

        busy_record = Record(
            benchmark="matmul",
            framework="torch",
            dtype="fp32",
            params={"m": 64, "n": 64, "k": 64},
            metric=Metric("GFLOP/s", 30.0),
            correct=True,
            machine_busy=True,
            busy_reason="other processes used 180% CPU during this case",
        )
        screen.post_message(ResultArrived("torch", 0, busy_record))
        for _ in range(40):
            screen.post_message(MachineSampled("torch", MachineSample(other_cpu_percent=180.0)))
            await pilot.pause()
            if "180% CPU" in line_text(app).plain:
                break
        busy_line = line_text(app).plain
        assert "! busy" in busy_line and "other processes: 180% CPU" in busy_line
        assert len(busy_line) <= 80

        await cancel_and_wait(app, pilot, messages)
        assert not line.display


async def test_a_busy_run_shows_its_mark_colour_and_says_which_framework_was_busy():
    reason = "other processes used 180% CPU during the PyTorch run"
    data = run_document(
        load={
            "torch": {"busy": True, "reason": reason, "samples": 20, "busy_records": 2},
            "tensorflow": {"busy": False, "samples": 20},
        }
    )
    for record in data["results"]:
        if record["framework"] == "torch":
            record.update(machine_busy=True, busy_reason="other processes used 180% CPU during this case")
    path = save_run_file("profile-20200101T000000Z-quick.json", data)
    document = run_from_data(data)
    assert document.load["torch"] == FrameworkLoad(busy=True, reason=reason, samples=20, busy_records=2)
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        app.screen.post_message(RunFinished(document, path))
        assert await wait_for(pilot, lambda: reason in status_text(app), 5), status_text(app)

        status = status_text(app)
        assert f"! {reason}: its numbers are not used as evidence." in status
        assert "TensorFlow run" not in status  # the quiet framework gets no sentence
        rows = table_texts(app)
        assert [row[2].split()[-1] for row in rows] == ["!", "!"]  # PyTorch's cells carry the busy mark
        assert all("!" not in row[3] for row in rows)
        table = app.screen.query_one("#profiler-results", DataTable)
        torch_cell = table.get_row_at(0)[2]
        assert isinstance(torch_cell, Text) and BUSY_COLOUR in str(torch_cell.style)
        chart = app.screen.query_one(RatioChart).chart(80)
        assert "measured while other processes were busy" in chart.plain
        assert all(len(line) <= 80 for line in chart.plain.splitlines())
        assert any(BUSY_COLOUR in str(span.style) for span in chart.spans)


async def test_the_app_says_of_a_busy_run_what_the_cli_and_the_reports_say():
    # Only one of PyTorch's two numbers was busy, and the run had fewer threads because of it: the app's
    # status gives the very sentences of profile_model.busy_sentences (the CLI's stderr, every report).
    data = run_document(load={"torch": {"busy": False, "samples": 20}, "tensorflow": {"busy": False, "samples": 20}})
    data["suite"].update(threads=1, threads_default=2, threads_reason=fewer_threads_reason(1, 2, 104.0))
    data["results"][0].update(machine_busy=True, busy_reason="other processes used 180% CPU during this case")
    path = save_run_file("profile-20200101T000000Z-quick.json", data)
    document = run_from_data(data)
    expected = busy_sentences(document)
    assert expected[0].startswith("Other processes used 104% CPU just before the run")
    assert "the 1 of its 2 numbers measured then are not used as evidence" in expected[1]
    assert expected[-1].startswith("Why: ")
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        app.screen.post_message(RunFinished(document, path))
        assert await wait_for(pilot, lambda: "Why: " in status_text(app), 5), status_text(app)
        assert status_text(app).splitlines()[-len(expected) :] == expected


async def test_cancelled_cases_say_cancelled_in_every_cell_and_chart_entry(tmp_path):
    messages: list[Message] = []
    # The two frameworks of the three cases counted below (JAX, where installed, would add its own).
    app = make_app(
        save_path=None, load_last_profile=False, worker_env=hanging_torch(tmp_path), installed=lambda fw: fw != "jax"
    )
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await start_hanging_run(app, pilot, messages)
        await cancel_and_wait(app, pilot, messages)

        document = app.state.profile_document
        assert document is not None and document.cancelled
        assert [record.cancelled for record in document.results] == [True, True, True]
        rows = table_texts(app)
        assert [row[2] for row in rows] == ["cancelled"] * 3
        chart = app.screen.query_one(RatioChart).chart(80).plain
        assert chart.count("cancelled") == 3
        screen_text = " ".join([status_text(app), chart, *(" ".join(row) for row in rows)])
        assert "failed" not in screen_text

    # A cancelled practice run: the notes under the curves say cancelled too, never failed.
    practice = [
        Record(
            benchmark=model,
            framework=fw,
            params={"epochs": 3},
            error="cancelled by the user",
            cancelled=True,
        )
        for model in ("practice_cnn", "practice_rnn")
        for fw in ("torch", "tensorflow")
    ]
    app = make_app(save_path=None, load_last_profile=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        curves = app.screen.query_one(CurvesPanel)
        curves.show(practice)
        await pilot.pause()
        notes = curves.plain_notes()
        assert notes.count("cancelled") == 4 and "failed" not in notes


async def test_a_cancelled_run_keeps_the_earlier_complete_run_as_evidence_unless_chosen(tmp_path):
    complete = save_run_file(OLDER_COMPLETE, run_document())
    messages: list[Message] = []
    app = make_app(save_path=None, worker_env=hanging_torch(tmp_path))
    async with app.run_test(size=(120, 40), message_hook=messages.append) as pilot:
        await start_hanging_run(app, pilot, messages)
        assert app.state.profile_path == complete
        await cancel_and_wait(app, pilot, messages)

        assert await wait_for(pilot, lambda: isinstance(app.screen, EvidenceChoiceDialog), 5)
        dialog = app.screen
        question = " ".join(str(widget.content) for widget in dialog.query(Static))
        assert "partial (cancelled)" in question and OLDER_COMPLETE in question
        keep = dialog.query_one("#no", Button)
        assert keep.has_focus and str(keep.label) == "Keep the complete run"  # the question names the file
        await pilot.press("enter")  # the default: keep the complete run
        await pilot.pause()
        assert not isinstance(app.screen, EvidenceChoiceDialog)
        assert app.state.profile_path == complete and not evidence(app).cancelled
        assert f"The advice uses the run {OLDER_COMPLETE}" in status_text(app)
        first_partial = sorted(runs_dir().glob("profile-*-three_cases.json"))
        assert len(first_partial) == 1  # the partial run is saved all the same

        # Again, and this time the person takes the partial run.
        messages.clear()
        app.screen.run_profile()  # type: ignore[attr-defined]
        assert await wait_for(pilot, lambda: any(isinstance(m, ProcessStarted) for m in messages), 30)
        await cancel_and_wait(app, pilot, messages)
        assert await wait_for(pilot, lambda: isinstance(app.screen, EvidenceChoiceDialog), 5)
        await pilot.click("#yes")
        await pilot.pause()
        assert evidence(app).cancelled
        assert str(app.state.profile_path).endswith("-three_cases.json")
        assert "a partial run: cancelled" in status_text(app)


def test_at_start_a_newer_cancelled_run_does_not_displace_an_older_complete_one():
    complete = save_run_file(OLDER_COMPLETE, run_document())
    save_run_file(NEWER_CANCELLED, cancelled_run_data())
    state = AdvisorState.create({}, None, runs_folder=runs_dir())
    document = state.profile_document  # looked up when first asked for
    assert document is not None and not document.cancelled and state.profile_path == complete
    line = state.evidence_line() or ""
    assert OLDER_COMPLETE in line and NEWER_CANCELLED in line and "partial (cancelled)" in line

    # With no complete run at all, the newest readable one is used, and said to be partial.
    complete.unlink()
    state = AdvisorState.create({}, None, runs_folder=runs_dir())
    assert state.profile_document is not None and state.profile_path == runs_dir() / NEWER_CANCELLED
    assert "a partial run: cancelled" in (state.evidence_line() or "")


async def test_the_profiler_says_which_saved_run_it_uses_at_start():
    save_run_file(OLDER_COMPLETE, run_document())
    newer = cancelled_run_data()
    newer["cancelled"] = False  # partial another way: a framework's worker crashed
    newer["workers"]["tensorflow"] = {"status": "crashed", "error": "worker crashed (SIGSEGV)"}
    save_run_file(NEWER_CANCELLED, newer)
    app = make_app(save_path=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        assert await wait_for(pilot, lambda: "The advice uses" in status_text(app), 5)
        status = status_text(app)
        assert f"The advice uses the run {OLDER_COMPLETE} (suite quick, 2020-01-01 00:00)" in status
        assert f"{NEWER_CANCELLED} is newer but partial (TensorFlow crashed)" in status
        assert app.state.profile_path == runs_dir() / OLDER_COMPLETE


@pytest.mark.parametrize("status", ["ok", "failed"])
def test_a_run_whose_every_case_ran_is_complete(status):
    from fwadvisor.tui.saved_runs import partial_reason

    document = RunDocument(
        schema_version=2,
        suite=SuiteInfo(name="quick"),
        workers={"torch": WorkerSummary(status=status)},
    )
    assert partial_reason(document) is None
