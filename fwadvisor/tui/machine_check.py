"""This machine's check (CPU, GPUs, each framework's version), owned by the App.

The check starts a short process per framework (a few seconds), so it runs in a thread worker of the
App while the profiler screen is already usable. A profile run's thread waits for it here, on the
App's object, never on a widget: the check's findings (framework versions, GPUs) go into the run's
plan and its saved document, and its framework processes must not overlap the run's numbers.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from fwadvisor.tui.messages import EnvironmentChecked

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

    from fwadvisor.profiler.run_environment import Environment
    from fwadvisor.tui.worker_errors import GuardedWorkers


class MachineCheck:
    """The latest check of this machine: `known` is set once it ended, `environment` is what it found
    (None when it failed: a run then goes on and the plan looks at the machine itself)."""

    def __init__(self, workers: GuardedWorkers) -> None:
        self._workers = workers
        self._listener: MessagePump | None = None
        # Written by the check's thread before it sets `known`; None if the check failed.
        self.environment: Environment | None = None
        self.known = threading.Event()

    def start(self, listener: MessagePump) -> None:
        """Check the machine again; `listener` hears how it went (EnvironmentChecked)."""
        self._listener = listener
        self.environment = None
        self.known.clear()
        self._workers.run(
            self._check, group="env", description="Check the environment", thread=True, on_error=self.failed
        )

    def _check(self) -> None:
        from fwadvisor.frameworks import default_profiler_ids
        from fwadvisor.profiler.environment import collect_environment

        try:
            # Every framework the Profiler screen offers and finds installed (JAX where it is).
            environment = collect_environment(probe_frameworks=True, frameworks=default_profiler_ids())
            self.environment = environment  # before `known`: the run's thread reads it once that is set
        finally:  # a failed probe must not stop profiling: a run waits for this, then goes on without
            self.known.set()
        if self._listener is not None:
            self._listener.post_message(EnvironmentChecked(environment))

    def failed(self, error: BaseException) -> None:
        """The check stopped on an error (the App's worker handler calls this): say why."""
        if self._listener is not None:
            self._listener.post_message(EnvironmentChecked(None, f"{type(error).__name__}: {error}"))
