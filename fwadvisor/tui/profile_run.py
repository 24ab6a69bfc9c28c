"""The profiler screen's run, as its thread worker does it: wait for the machine check, run, save.

It blocks (the workers take minutes), so it runs in a thread and only posts tui.messages to the
screen; the screen's handlers show them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from textual.message import Message

from fwadvisor.errors import InputError
from fwadvisor.profiler.documents import RunDocument
from fwadvisor.profiler.runner import ProcessEvent
from fwadvisor.report.profile_table import device_label
from fwadvisor.safe_text import one_line
from fwadvisor.tui.messages import RunFailed, RunFinished, RunStarted, message_for_runner_event
from fwadvisor.tui.state import run_label
from fwadvisor.tui.widgets.environment import EnvironmentPanel


def run_and_save(
    post: Callable[[Message], object],
    suite_name: str,
    frameworks: list[str],
    benchmarks: list[str] | None,
    machine: EnvironmentPanel,
    cancel: threading.Event,
    worker_env: dict[str, str],
) -> None:
    """Run the suite and save the run, posting what happens; never raises (a failure is a RunFailed)."""
    from fwadvisor.profiler import session
    from fwadvisor.profiler.plan import plan_run
    from fwadvisor.profiler.suites import load_suite

    def post_event(event: ProcessEvent) -> None:
        message = message_for_runner_event(event)
        if message is not None:
            post(message)

    try:
        suite = load_suite(suite_name)
        # Wait for the probe (a few seconds): its framework processes would disturb the numbers,
        # and its findings (framework versions, GPUs) belong in the saved document.
        while not machine.known.wait(0.1):
            if cancel.is_set():
                post(RunFailed("cancelled before the run started", cancelled=True))
                return
        # machine.environment is None when the check failed: the plan looks at the machine itself then.
        plan = plan_run(suite, environment=machine.environment, frameworks=frameworks, benchmarks=benchmarks)
        post(RunStarted(plan))
        document = session.run_profile(plan, on_event=post_event, cancel=cancel, worker_env=worker_env)
    except InputError as exc:
        post(RunFailed(str(exc)))
        return
    except Exception as exc:  # shown as a plain message, never a traceback
        post(RunFailed(f"the profiler stopped unexpectedly: {type(exc).__name__}: {exc}"))
        return
    try:
        path: Path | None = session.save_document(document)[0]
        error = None
    except OSError as exc:
        path, error = None, str(exc)
    post(RunFinished(document, path, error))


def saved_run_label(document: RunDocument) -> str:
    """A saved run's date and machine in a few words: "suite quick, 2026-11-27 13:19, cpu (AMD EPYC)"."""
    machine = device_label(document)
    model = document.environment.cpu.model
    if machine == "cpu" and model:
        machine = f"cpu ({model})"
    return one_line(f"{run_label(document)}, {machine}")


def finish_notice(path: Path | None, adopted: bool, asked_later: bool) -> tuple[str, str] | None:
    """The notification when a run ends, (title, text), on whichever screen shows; None when there is
    none (not saved: the screen says why; a partial run asked about now: the dialog says it all, and a
    toast would cover its buttons at 80 columns)."""
    if path is None:
        return None
    if adopted:
        return "Profile finished and saved", f"Saved to {one_line(path)} - the report now includes these numbers"
    if asked_later:
        return (
            "Profile ended: partial run saved",
            f"Saved to {one_line(path)} - a partial run: the report keeps the complete run unless you choose this one",
        )
    return None
