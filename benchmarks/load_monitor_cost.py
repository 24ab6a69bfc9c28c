"""What watching the machine costs: the parent's CPU use with the load monitor running, against the same
parent idle for the same time, in one run (issue 11).

The monitor samples psutil (and NVML on a GPU) about four times a second while a worker runs; what it
uses is CPU the benchmarks cannot use on a small machine. This runs a stand-in worker (`sleep`), then
measures this process's CPU time over `--seconds` without a monitor and with one, and prints both as
percent of one CPU and their difference.

    python benchmarks/load_monitor_cost.py [--seconds 10] [--gpu]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fwadvisor.profiler.telemetry import LoadMonitor


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percent_while(seconds: float, monitor: LoadMonitor | None) -> tuple[float, int]:
    if monitor is not None:
        monitor.start()
    cpu, wall = _cpu_seconds(), time.perf_counter()
    time.sleep(seconds)
    used = 100 * (_cpu_seconds() - cpu) / (time.perf_counter() - wall)
    kept = 0
    if monitor is not None:
        monitor.stop()
        kept = len(monitor.all_samples())
    return used, kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--gpu", action="store_true", help="also read NVML (needs an NVIDIA GPU)")
    args = parser.parse_args()
    worker = subprocess.Popen(["sleep", str(3 * args.seconds)])
    try:
        idle, _ = _percent_while(args.seconds, None)
        watched, samples = _percent_while(args.seconds, LoadMonitor(worker.pid, gpu=args.gpu))
    finally:
        worker.kill()
        worker.wait()
    print(f"parent CPU, no monitor:   {idle:6.2f}% of one CPU")
    print(f"parent CPU, with monitor: {watched:6.2f}% of one CPU ({samples} samples in {args.seconds:g} s)")
    print(f"monitor cost:             {watched - idle:6.2f}% of one CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
