"""What the app's screens share: the app as they see it, typed (its state and its profile run).

The screens never import tui.app (which imports them): `AdvisorHost` says what they may ask of it,
and `host_of` checks that the running app has it, so no screen reaches the app's state untyped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from textual.app import App
from textual.screen import Screen

if TYPE_CHECKING:  # the interview paints first: it does not load the profiler's modules for a type
    from fwadvisor.tui.machine_check import MachineCheck
    from fwadvisor.tui.profile_run import ProfileRun
    from fwadvisor.tui.state import AdvisorState
    from fwadvisor.tui.worker_errors import GuardedWorkers

ResultT = TypeVar("ResultT")


@runtime_checkable
class AdvisorHost(Protocol):
    """The app as its screens see it (tui.app.FwAdvisorApp)."""

    state: AdvisorState
    profile_run: ProfileRun
    machine_check: MachineCheck

    guarded: GuardedWorkers

    def show_run_progress(self, text: str | None) -> None: ...


def host_of(app: App[Any]) -> AdvisorHost:
    """`app` as the advisor's app; a screen shown in any other app is a programming error."""
    if not isinstance(app, AdvisorHost):
        raise TypeError(f"{type(app).__name__} is not fwadvisor's app: it has no state or profile run")
    return app


class AdvisorScreen(Screen[ResultT]):
    """A screen of the app: `host` is the app, `state` what the screens share."""

    @property
    def host(self) -> AdvisorHost:
        return host_of(self.app)

    @property
    def state(self) -> AdvisorState:
        return self.host.state

    def show_answers_source(self) -> None:
        """Where the answers come from changed (an answers file kept as the interview): a screen that
        says so redraws it."""

    def show_saved_runs(self) -> None:
        """The App has read the saved runs (in a thread, see FwAdvisorApp.load_saved_runs): a screen
        that shows the run in use redraws it."""
        self.show_answers_source()
