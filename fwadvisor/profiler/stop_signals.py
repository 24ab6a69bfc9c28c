"""Ctrl+C, SIGTERM and SIGHUP stop a profile run and save what was measured, whenever they come.

Standard library only, so that `fwadvisor profile` can catch the signals first thing, before it
imports anything heavy (the runner alone takes half a second to import): a signal during start-up,
while a worker starts or while the run is saved gets the same answer as one in the middle of a
benchmark. The app (tui) uses the same table for its own exit codes.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

# Signals that stop a run the way Ctrl+C does, with the exit code a shell gives a process they end
# (128 + the signal's number) and the reason the stopped benchmarks' records give.
STOP_SIGNALS = {
    signal.SIGINT: (130, "interrupted (Ctrl+C)"),
    signal.SIGTERM: (143, "interrupted (SIGTERM)"),
    signal.SIGHUP: (129, "interrupted (SIGHUP: the terminal went away)"),
}
# The third stop signal ends the process at once: the person insists (say a save stuck on a FIFO
# nobody reads).
SIGNALS_TO_FORCE = 3


class CancelRequest(threading.Event):
    """A cancel flag that also says why (Ctrl+C, SIGTERM, the app's Cancel button): the reason goes
    into the records of the benchmarks that were stopped. A plain threading.Event works too."""

    reason = "cancelled by the user"

    def request(self, reason: str) -> None:
        self.reason = reason
        self.set()


def cancel_reason(cancel: threading.Event) -> str:
    return getattr(cancel, "reason", CancelRequest.reason)


def stop_signals_not_ignored() -> list[signal.Signals]:
    """The stop signals this process may catch: one it was started ignoring (nohup, `&`) stays ignored."""
    return [signum for signum in STOP_SIGNALS if signal.getsignal(signum) is not signal.SIG_IGN]


class StopOnSignals:
    """While a run is prepared, measured, saved and shown, Ctrl+C, SIGTERM and SIGHUP set `cancel`
    instead of ending this process: the workers are stopped and the partial run is saved. Only the
    first signal counts (it decides the exit code); a second one changes nothing, so it cannot cost
    the run; the third ends fwadvisor at once. A signal this process was started ignoring stays
    ignored."""

    def __init__(self, cancel: CancelRequest | None = None):
        self.cancel = cancel if cancel is not None else CancelRequest()
        self.received: signal.Signals | None = None
        self._count = 0
        self._previous: dict[signal.Signals, Any] = {}

    def __enter__(self) -> StopOnSignals:
        for signum in stop_signals_not_ignored():
            self._previous[signum] = signal.signal(signum, self._on_signal)
        return self

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._count += 1
        if self.received is None:
            self.received = signal.Signals(signum)
            self.cancel.request(STOP_SIGNALS[self.received][1])
        elif self._count >= SIGNALS_TO_FORCE:
            self.__exit__()
            signal.raise_signal(signum)  # now handled as if fwadvisor had never caught it

    def __exit__(self, *_exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()

    def exit_code(self) -> int | None:
        """128 + the first signal's number; None when no stop signal came."""
        return None if self.received is None else STOP_SIGNALS[self.received][0]
