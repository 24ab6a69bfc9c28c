"""The app's workers and who tells their unexpected errors: the one place for a worker's error.

Textual tells a worker's end only to the node that runs it (Worker.StateChanged does not bubble), so
the screens' workers run on the App through `GuardedWorkers.run`, and the App's one handler
(FwAdvisorApp.on_worker_state_changed) passes each end here. Nothing catches Exception: an error
nobody expected goes to the `on_error` its worker was started with, else to a notification.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.worker import Worker, WorkerState, WorkType

from fwadvisor.safe_text import one_line

ENDED = (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED)


class GuardedWorkers:
    """Runs workers on the App and tells their unexpected errors, in plain words, never a traceback."""

    def __init__(self, app: App[None]) -> None:
        self._app = app
        # Who tells the error of each running worker started with an `on_error`.
        self._listeners: dict[Worker[None], Callable[[BaseException], None]] = {}

    def run(
        self,
        work: WorkType[None],
        *,
        group: str,
        description: str,
        thread: bool = False,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> Worker[None]:
        """Run `work` in a worker of the App (one at a time per group); its error goes to `on_error`."""
        worker = self._app.run_worker(
            work, group=group, description=description, thread=thread, exclusive=True, exit_on_error=False
        )
        if on_error is not None:
            self._listeners[worker] = on_error
        return worker

    def state_changed(self, event: Worker.StateChanged) -> None:
        """A worker of the App changed state: once it ended, its error (if any) is told."""
        if event.state not in ENDED:
            return
        worker = event.worker
        tell = self._listeners.pop(worker, None)
        error = worker.error
        if event.state is not WorkerState.ERROR or error is None:
            return
        if tell is not None:
            tell(error)
            return
        self._app.notify(
            f"{worker.description or worker.name} stopped: {one_line(error)}",
            title="Something went wrong",
            severity="error",
            markup=False,
        )
