"""The profiler's top lines: this machine's CPU and GPU, and each framework with the fix for a missing one.

The check starts a short process per framework (a few seconds), so it runs in a thread worker while
the screen is already usable; the App owns it (tui/machine_check.py) and a run waits for it there.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from fwadvisor.frameworks import display_name
from fwadvisor.profiler.run_environment import Environment
from fwadvisor.safe_text import one_line
from fwadvisor.tui.messages import EnvironmentChecked
from fwadvisor.tui.screens.base import host_of

CHECKING = "Checking this machine: CPU, GPU and the frameworks ..."


def counted(number: object, noun: str) -> str:
    """ "1 core", "2 cores", "? cores" (a count the machine did not report)."""
    if number is None:
        return f"? {noun}s"
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def environment_lines(env: Environment) -> Text:
    """A few lines on the CPU, the GPU and each framework, with the fix for a missing one.

    Everything in `env` was reported by the machine or a framework's process: each piece is cleaned
    of control characters, and Text never reads it as markup.
    """
    text = Text()
    cpu = env.cpu
    text.append("CPU  ", style="bold")
    memory = "?" if env.memory_gb is None else env.memory_gb
    text.append(
        one_line(
            f"{cpu.model or '?'}: {counted(cpu.physical_cores, 'core')}, "
            f"{counted(cpu.logical_cores, 'thread')}; {memory} GB memory"
        )
        + "\n"
    )
    gpus = env.gpu.gpus
    text.append("GPU  ", style="bold")
    if gpus:
        text.append(
            one_line(
                ", ".join(f"{g.name} ({g.memory_total_gb} GB)" for g in gpus)
                + f"; driver {env.gpu.driver}: runs on the GPU"
            )
            + "\n"
        )
    else:
        text.append("no NVIDIA GPU: runs on the CPU\n")
    # The frameworks on one line: the screen's top must stay short on an 80x24 terminal. Where every
    # installed one runs on the CPU only, that is said once at the end (three frameworks fit 80 columns).
    frameworks = env.frameworks.items()
    cpu_only = all(info.installed and not info.error and not info.gpu_available for _, info in frameworks)
    if cpu_only and len(env.frameworks) > 2:
        text.append(" · ".join(f"{display_name(fw)} {one_line(info.version)}" for fw, info in frameworks))
        text.append(": all CPU only")
        return text
    for index, (fw, info) in enumerate(frameworks):
        text.append(" · " if index else "")
        text.append(f"{display_name(fw)} ", style="bold")
        if not info.installed:
            text.append("not installed", style="red")
            text.append(f" - fix: {one_line(info.hint)}")
        elif info.error:
            text.append(f"{one_line(info.version)}: ")
            text.append(one_line(info.error), style="red")
            text.append(f" - fix: {one_line(info.hint)}" if info.hint else "")
        elif info.gpu_available:
            text.append(one_line(f"{info.version}, sees a GPU: {', '.join(info.gpu_devices)}"))
        else:
            text.append(one_line(f"{info.version}, CPU only"))
    text.rstrip()
    return text


class EnvironmentPanel(Static):
    """What the profiler found on this machine; says it is checking until the probe reports."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Text(CHECKING, style="italic"), **kwargs)

    def on_mount(self) -> None:
        # The App owns the check (a run waits on it there); this panel only shows what it found.
        host_of(self.app).machine_check.start(self)

    def on_environment_checked(self, message: EnvironmentChecked) -> None:
        # Not stopped: the screen hears it too (a framework that is not installed cannot be ticked).
        if message.environment is None:
            self.update(
                Text(
                    f"Could not check this machine ({one_line(message.error)}); the profiler still runs "
                    "and records what it finds.",
                    style="yellow",
                )
            )
        else:
            self.update(environment_lines(message.environment))
