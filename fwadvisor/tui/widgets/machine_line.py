"""The live machine line under the progress bars while a run goes on, like nvitop's one-line view.

The runner samples the machine about every 0.5 s while a framework's worker runs
(telemetry.MachineSample). On a GPU the line gives its clock, temperature, power and utilisation
and any throttle reasons; on a CPU how much the other processes use. Whether that counts as busy
is the profiler's call, not the app's: the line says "busy" when the record that last arrived was
marked machine_busy (the one threshold lives in the profiler).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

from fwadvisor.frameworks import display_name
from fwadvisor.profiler.documents import STATUS_MARKS, ResultStatus
from fwadvisor.profiler.telemetry import MachineSample
from fwadvisor.safe_text import one_line

# The warning colour of a result measured on a busy machine, wherever the app shows one.
BUSY_COLOUR = "dark_orange"
SEPARATOR = " · "


def is_gpu_sample(sample: MachineSample) -> bool:
    return any(
        value is not None
        for value in (sample.sm_clock_mhz, sample.temperature_c, sample.power_w, sample.utilization_percent)
    )


def _cpu_part(sample: MachineSample) -> str | None:
    if sample.other_cpu_percent is None:
        return None
    part = f"other processes: {sample.other_cpu_percent:.0f}% CPU"
    if sample.steal_percent:  # a virtual machine's host taking CPU: only worth a word when it does
        part += f", steal {sample.steal_percent:.0f}%"
    return part


def _gpu_parts(sample: MachineSample) -> list[str]:
    parts = []
    if sample.sm_clock_mhz is not None:
        parts.append(f"GPU {sample.sm_clock_mhz:.0f} MHz")
    else:
        parts.append("GPU")
    if sample.temperature_c is not None:
        parts.append(f"{sample.temperature_c:.0f} °C")
    if sample.power_w is not None:
        limit = f"/{sample.power_limit_w:.0f}" if sample.power_limit_w else ""
        parts.append(f"{sample.power_w:.0f}{limit} W")
    if sample.utilization_percent is not None:
        parts.append(f"{sample.utilization_percent:.0f}% util")
    return parts


def machine_line(framework: str, sample: MachineSample, busy: bool, width: int = 80) -> Text:
    """The line for one sample, `width` columns at most: the most telling parts first, the rest
    left out (then cut with an ellipsis) when the terminal is narrow."""
    gpu = is_gpu_sample(sample)
    main = _gpu_parts(sample) if gpu else []
    extra: list[str] = []
    # Throttle reasons come from NVML by name: outside text, cleaned.
    throttle = [one_line(reason) for reason in sample.throttle_reasons]
    cpu = _cpu_part(sample)
    if gpu:
        if sample.gpu_other_processes:
            count = sample.gpu_other_processes
            extra.append(f"{count} other GPU process{'es' if count > 1 else ''}")
        if cpu is not None:
            extra.append(cpu)
    elif cpu is not None:
        main.append(cpu)
    if not main:
        main.append("measuring the machine ...")
    lead = f"{display_name(framework)}: "
    busy_words = f"{STATUS_MARKS[ResultStatus.BUSY]} busy"
    # From the most to the least detailed; the first that fits is shown. Why the clocks are held back
    # matters most, then whose run it is (the progress bars say it too), then the rest.
    throttle_forms = [[f"throttled: {', '.join(throttle)}"], ["throttled"]] if throttle else [[]]
    for throttle_form in throttle_forms:
        for prefix in (lead, ""):
            for kept in range(len(extra), -1, -1):
                text = _assemble(prefix, [*main, *throttle_form, *extra[:kept]], busy, busy_words)
                if text.cell_len <= width:
                    return text
    text = _assemble("", main, busy, busy_words)
    text.truncate(width, overflow="ellipsis")
    return text


def _assemble(prefix: str, parts: list[str], busy: bool, busy_words: str) -> Text:
    text = Text()
    if busy:
        text.append(busy_words, style=f"bold {BUSY_COLOUR}")
        text.append(SEPARATOR)
    text.append(prefix, style="bold")
    for index, part in enumerate(parts):
        if index:
            text.append(SEPARATOR)
        text.append(part, style=f"bold {BUSY_COLOUR}" if part.startswith("throttled") else "")
    return text


class MachineLine(Static):
    """One line on the machine while a run goes on; hidden when no run is going."""

    DEFAULT_CSS = """
    MachineLine { height: 1; padding: 0 1; display: none; }
    MachineLine.-live { display: block; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sample: MachineSample | None = None
        self.framework = ""
        self.busy = False

    def show(self, framework: str, sample: MachineSample) -> None:
        if framework != self.framework:
            self.busy = False  # another framework's run: the last one's verdict is not about it
        self.framework, self.sample = framework, sample
        self.add_class("-live")
        self.redraw()

    def mark_busy(self, framework: str, busy: bool) -> None:
        """The record that just arrived was (or was not) measured on a busy machine."""
        if framework == self.framework or self.sample is None:
            self.framework, self.busy = framework, busy
            self.redraw()

    def hide(self) -> None:
        self.sample, self.framework, self.busy = None, "", False
        self.remove_class("-live")
        self.update("")

    def redraw(self) -> None:
        if self.sample is not None:
            self.update(machine_line(self.framework, self.sample, self.busy, self.size.width or 80))

    def on_resize(self) -> None:
        self.redraw()
