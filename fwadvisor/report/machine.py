"""Whose machine a profile run was made on: this one, another one (named), or one the run does not say.

A saved run can be copied to another machine, or made on a colleague's, so its numbers are only
"from this machine" when what the run recorded about its machine matches the machine reading it.
The profiler records no machine id; what it does record (the host name where present, the CPU model,
its logical cores, the memory and the OS) tells machines apart well enough, and a kernel update does
not make a machine another one (only the OS name is compared, not its release).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from fwadvisor.profiler.run_environment import Environment, GpuDevice
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


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def recorded_machine(environment: Environment) -> Machine:
    """The machine as a run's `environment` describes it (any value may be missing)."""
    cores = environment.cpu.logical_cores
    return Machine(
        hostname=_text(environment.hostname),
        cpu_model=_text(environment.cpu.model),
        logical_cores=cores or None,
        memory_gb=float(environment.memory_gb) if environment.memory_gb is not None else None,
        os=_text(environment.os),
    )


@cache
def this_machine() -> Machine:
    """This machine, described the way the profiler describes the machine of a run."""
    from fwadvisor.profiler.environment import host_info

    return recorded_machine(host_info())


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


def run_is_from_this_machine(environment: Environment) -> bool | None:
    """True, False, or None when the run does not say enough about its machine to tell."""
    return same_machine(recorded_machine(environment), this_machine())


# ---- What explains a difference between two runs --------------------------------------------------

SETUP_VALUE_CHARS = 40


def _shown(value: object) -> str | None:
    """A recorded setting as short text, or None when it is missing or not a plain value."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = excerpt(value, SETUP_VALUE_CHARS).strip()
    return text or None


def _pcie_text(card: GpuDevice) -> str | None:
    generation, width = _shown(card.pcie_generation), _shown(card.pcie_width)
    if generation is None and width is None:
        return None
    text = f"PCIe gen {generation or '?'} x{width or '?'}"
    most = _shown(card.pcie_generation_max), _shown(card.pcie_width_max)
    if any(most) and most != (generation, width):
        # A card running below its link's best (a x8 slot, gen 3) moves data more slowly.
        text += f" (card supports gen {most[0] or '?'} x{most[1] or '?'})"
    return text


def setup_facts(environment: Environment, builds: dict[str, dict[str, str]]) -> list[str]:
    """The settings that explain why two runs differ, as short phrases: the GPU driver and the CUDA version it
    supports, the card's power limit and PCIe link, each framework's build (CUDA, cuDNN) and the CPU governor.

    `builds`: per framework name, its build as its worker reported it. Anything missing is left out.
    """
    facts = []
    card = environment.gpu_used()
    if card is not None:
        driver, cuda = _shown(environment.gpu.driver), _shown(environment.gpu.cuda_driver)
        facts += [f"GPU driver {driver}"] if driver else []
        facts += [f"CUDA driver {cuda}"] if cuda else []
        if card.power_limit_w is not None:
            facts.append(f"power limit {card.power_limit_w:g} W")
        facts += [pcie] if (pcie := _pcie_text(card)) else []
    for name, build in builds.items():
        parts = {key: shown for key, value in build.items() if (shown := _shown(value)) is not None}
        kind = parts.pop("build", None)
        details = ", ".join(f"{excerpt(key, SETUP_VALUE_CHARS)} {value}" for key, value in parts.items())
        if kind or details:
            facts.append(f"{name} {kind + ' ' if kind else ''}build" + (f" ({details})" if details else ""))
    governor = _shown(environment.cpu.governor)
    facts += [f"CPU governor {governor}"] if governor else []
    return facts
