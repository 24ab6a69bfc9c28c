"""The app's profile run: one at a time, owned by the App, so every screen and the quit dialog see it.

The run blocks (the workers take minutes), so it goes in a thread worker of the App that only posts
tui.messages to the screen that started it (the profiler's); the screen's handlers show them. It
goes on while another screen shows, and the App cancels it when it quits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.worker import Worker, get_current_worker

from fwadvisor.errors import InputError
from fwadvisor.frameworks import display_name
from fwadvisor.safe_text import one_line

if TYPE_CHECKING:  # the App makes its ProfileRun before the first paint: the profiler loads with its screen
    import threading

    from textual.message_pump import MessagePump

    from fwadvisor.profiler.documents import RunDocument
    from fwadvisor.profiler.runner import ProcessEvent
    from fwadvisor.tui.machine_check import MachineCheck
    from fwadvisor.tui.worker_errors import GuardedWorkers

# The run's thread worker's group on the App: one run at a time.
PROFILE_GROUP = "profile"


@dataclass(frozen=True)
class RunRequest:
    """What the person chose to run: a suite, the frameworks, maybe some of its benchmarks, and the
    machine check the run waits for (its findings go into the saved run)."""

    suite: str
    frameworks: list[str]
    benchmarks: list[str] | None
    machine: MachineCheck


class ProfileRun:
    """The profile run of this app: whether one is going, and starting, cancelling and ending it."""

    def __init__(self, workers: GuardedWorkers, worker_env: dict[str, str]) -> None:
        self._workers = workers
        self.worker_env = worker_env
        self._worker: Worker[None] | None = None
        self._listener: MessagePump | None = None
        # From start() until the listener heard how the run ended (ended()): a run is going.
        self.running = False

    def start(self, listener: MessagePump, request: RunRequest) -> None:
        """Run the suite in a thread of the App; `listener` hears what happens (tui.messages)."""
        self.running, self._listener = True, listener

        def run() -> None:
            # Textual sets this event when the worker is cancelled: by Cancel or by quitting the app.
            # The runner polls it and kills the framework's worker at once.
            self._run_and_save(listener, request, get_current_worker().cancelled_event)

        self._worker = self._workers.run(
            run, group=PROFILE_GROUP, description="Profile run", thread=True, on_error=self._failed
        )

    def cancel(self) -> None:
        """Stop the run: the runner kills its framework's process at once, and what was measured is saved."""
        if self._worker is not None:
            self._worker.cancel()

    def ended(self) -> None:
        """The listener heard how the run ended (RunFinished or RunFailed)."""
        self.running = False

    def _failed(self, error: BaseException) -> None:
        """The run's thread stopped on an error nobody expected (GuardedWorkers calls this): the
        listener says so, as it says a run that did not start."""
        if self._listener is None:
            return
        from fwadvisor.tui.messages import RunFailed

        self._listener.post_message(RunFailed(f"the profiler stopped unexpectedly: {type(error).__name__}: {error}"))

    def _run_and_save(self, listener: MessagePump, request: RunRequest, cancel: threading.Event) -> None:
        """Run the suite and save the run, posting what happens. A bad suite is a RunFailed; an error
        nobody expected reaches the App's Worker.StateChanged handler (see _failed)."""
        from fwadvisor.profiler import session
        from fwadvisor.profiler.plan import plan_run
        from fwadvisor.profiler.suites import load_suite
        from fwadvisor.tui.messages import RunFailed, RunFinished, RunStarted, message_for_runner_event

        def post_event(event: ProcessEvent) -> None:
            message = message_for_runner_event(event)
            if message is not None:
                listener.post_message(message)

        try:
            suite = load_suite(request.suite)
            # Wait for the probe (a few seconds): its framework processes would disturb the numbers,
            # and its findings (framework versions, GPUs) belong in the saved document.
            machine = request.machine
            while not machine.known.wait(0.1):
                if cancel.is_set():
                    listener.post_message(RunFailed("cancelled before the run started", cancelled=True))
                    return
            # machine.environment is None when the check failed: the plan looks at the machine itself then.
            plan = plan_run(
                suite, environment=machine.environment, frameworks=request.frameworks, benchmarks=request.benchmarks
            )
            listener.post_message(RunStarted(plan))
            document = session.run_profile(plan, on_event=post_event, cancel=cancel, worker_env=self.worker_env)
        except InputError as exc:
            listener.post_message(RunFailed(str(exc)))
            return
        try:
            path: Path | None = session.save_document(document)[0]
            error = None
        except OSError as exc:
            path, error = None, str(exc)
        listener.post_message(RunFinished(document, path, error))


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


def unsupported_sentences(document: RunDocument) -> list[str]:
    """ "TensorFlow: <why it has no path to this device>" per framework the run found unsupported."""
    return [
        f"{display_name(fw)}: {worker.error or 'not supported here'}"
        for fw, worker in document.workers.items()
        if worker.status == "not_supported"
    ]
