"""A run planned once, before any worker starts: the suite, the frameworks, the device, the cases.

`plan_run` resolves the device and the cases one time; the CLI's progress, the app and
session.run_profile all read the same `RunPlan`, so what is shown as planned is what runs. The CPU
thread count is decided when the run starts (it depends on the machine's load just before it).
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from fwadvisor.frameworks import default_profiler_ids
from fwadvisor.profiler.cluster_plan import NO_CLUSTER_FRAMEWORKS, expand_world_sizes, is_cluster
from fwadvisor.profiler.devices import DEVICES, NVIDIA_DRIVER_PATHS, resolve_device
from fwadvisor.profiler.environment import collect_environment
from fwadvisor.profiler.load import fewer_threads_reason, free_cpu_threads
from fwadvisor.profiler.protocol import Case
from fwadvisor.profiler.run_environment import Environment
from fwadvisor.profiler.suites import Suite, resolve_cases

# Kept for the callers that read them here (the device ids and finders live in devices.py).
__all__ = ["DEVICES", "GPU_DRIVER_PATHS", "RunPlan", "plan_run", "resolve_device", "run_threads"]
GPU_DRIVER_PATHS = NVIDIA_DRIVER_PATHS


@dataclass(frozen=True)
class RunPlan:
    """What a run will do: `device` is resolved (one of devices.DEVICE_IDS), `cases` are the suite's cases on it,
    in suite order, run by each framework in turn. `threads` is what the user asked for (None: the
    default, decided at the start of the run)."""

    suite: Suite
    frameworks: tuple[str, ...]
    device: str
    cases: tuple[Case, ...]
    environment: Environment
    threads: int | None = None

    @property
    def total_cases(self) -> int:
        """The cases of every framework together: what a progress bar counts to."""
        return len(self.cases) * len(self.frameworks)


def plan_run(
    suite: Suite,
    *,
    environment: Environment | None = None,
    frameworks: list[str] | None = None,
    device: str = "auto",
    threads: int | None = None,
    benchmarks: list[str] | None = None,
) -> RunPlan:
    """The plan of a run of `suite` on this machine (`environment`: looked at now when not given, without
    probing the frameworks). An unknown device, or one this machine lacks ("mps" off a Mac), is an InputError
    (exit 2) now, before any worker starts."""
    if environment is None:
        environment = collect_environment(probe_frameworks=False)
    resolved = resolve_device(device, environment)
    # Cluster benchmarks run over every device: their world sizes come from this machine.
    cases = tuple(expand_world_sizes(resolve_cases(suite, resolved, benchmarks), resolved, environment))
    chosen = tuple(dict.fromkeys(frameworks or default_frameworks(cases)))
    # The run's document lists the frameworks of this run only (a machine check may have probed more).
    ran = {fw: info for fw, info in environment.frameworks.items() if fw in chosen}
    environment = msgspec.structs.replace(environment, frameworks=ran)
    return RunPlan(
        suite=suite,
        frameworks=chosen,
        device=resolved,
        cases=cases,
        environment=environment,
        threads=threads,
    )


def default_frameworks(cases: tuple[Case, ...]) -> tuple[str, ...]:
    """The frameworks a run without --framework starts: frameworks.default_profiler_ids(), less a framework
    the cluster suite does not measure when every case is a cluster case (a column of "not supported" nobody
    asked for); asked for by name, it still gets its "not supported here" records."""
    if cases and all(is_cluster(case) for case in cases):
        return tuple(fw for fw in default_profiler_ids() if fw not in NO_CLUSTER_FRAMEWORKS)
    return default_profiler_ids()


def run_threads(
    asked: int | None, environment: Environment, other_cpu_percent: float | None
) -> tuple[int | None, int | None, str | None]:
    """The CPU threads both frameworks run with: what the user asked for, as asked; else the default
    (physical cores), cut to the CPUs other processes left free just before the run (load.free_cpu_threads).
    Returns (threads, the default when it was cut, why it was cut in words). The same count for both
    frameworks, decided once, so the comparison stays like for like."""
    default = environment.default_threads
    if asked or default is None or other_cpu_percent is None:
        return asked or default, None, None
    logical = environment.cpu.logical_cores or default
    threads = free_cpu_threads(default, logical, other_cpu_percent)
    if threads >= default:
        return default, None, None
    return threads, default, fewer_threads_reason(threads, default, other_cpu_percent)
