"""Whose machine a profile run was made on: this one, another one (named), or one the run does not say.

A saved run can be copied to another machine, or made on a colleague's, so its numbers are only
"from this machine" when what the run recorded about its machine matches the machine reading it.
The profiler records no machine id; what it does record (the host name where present, the CPU model,
its logical cores, the memory and the OS) tells machines apart well enough, and a kernel update does
not make a machine another one (only the OS name is compared, not its release).
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from functools import cache
from typing import Any

from fwadvisor.safe_text import excerpt

# Memory is recorded rounded to 0.1 GB; a little more leeway keeps one machine one machine.
MEMORY_TOLERANCE_GB = 0.25
LABEL_PART_CHARS = 60


@dataclass(frozen=True)
class Machine:
    hostname: str | None
    cpu_model: str | None
    logical_cores: int | None
    memory_gb: float | None
    os: str | None  # as recorded ("Linux 6.8.0"); only its first word is compared

    @property
    def identified(self) -> bool:
        """Whether enough is recorded to tell this machine from another."""
        return bool(self.hostname or self.cpu_model)

    @property
    def label(self) -> str | None:
        """A short name for people: host name, CPU model, cores and OS, as far as they are known."""
        parts = [self.hostname, self.cpu_model]
        parts.append(f"{self.logical_cores} logical cores" if self.logical_cores else None)
        parts.append(self.os)
        shown = [excerpt(part, LABEL_PART_CHARS) for part in parts if part]
        return ", ".join(shown) or None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def recorded_machine(environment: dict[str, Any]) -> Machine:
    """The machine as a run's `environment` describes it (any value may be missing or of a wrong type)."""
    cpu = environment.get("cpu")
    cpu = cpu if isinstance(cpu, dict) else {}
    cores = _number(cpu.get("logical_cores"))
    return Machine(
        hostname=_text(environment.get("hostname")),
        cpu_model=_text(cpu.get("model")),
        logical_cores=int(cores) if cores is not None and cores.is_integer() else None,
        memory_gb=_number(environment.get("memory_gb")),
        os=_text(environment.get("os")),
    )


@cache
def this_machine() -> Machine:
    """This machine, described the way the profiler describes the machine of a run."""
    from fwadvisor.profiler.environment import host_info

    return recorded_machine({**host_info(), "hostname": platform.node()})


def same_machine(run: Machine, here: Machine) -> bool | None:
    """Whether `run` is `here`: every fact the run recorded must match; None when it recorded too little."""
    if not run.identified:
        return None
    if run.hostname and run.hostname != here.hostname:
        return False
    if run.cpu_model and run.cpu_model != here.cpu_model:
        return False
    if run.logical_cores and here.logical_cores and run.logical_cores != here.logical_cores:
        return False
    if run.memory_gb and here.memory_gb and abs(run.memory_gb - here.memory_gb) > MEMORY_TOLERANCE_GB:
        return False
    return not (run.os and here.os and run.os.split()[0] != here.os.split()[0])


def run_is_from_this_machine(environment: dict[str, Any]) -> bool | None:
    """True, False, or None when the run does not say enough about its machine to tell."""
    return same_machine(recorded_machine(environment), this_machine())
