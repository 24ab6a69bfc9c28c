"""How light is `fwadvisor recommend`? End-to-end wall time against `python -c "import yaml, rich"`.

The goal (issue 2) is a ratio of at most about 2.5. Both commands run alternately in this same run,
so machine load affects both alike. Usage: python benchmarks/recommend_startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ANSWERS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "answers" / "good_research_lab.yaml"


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    baseline_cmd = [sys.executable, "-c", "import yaml, rich"]
    commands = {
        "recommend (text)": [sys.executable, "-m", "fwadvisor", "recommend", "--answers", str(ANSWERS)],
        "recommend (json)": [
            sys.executable,
            "-m",
            "fwadvisor",
            "recommend",
            "--answers",
            str(ANSWERS),
            "--format",
            "json",
        ],
    }
    # A pip install writes bytecode for the package; an editable one (or PYTHONDONTWRITEBYTECODE)
    # does not, and compiling every module from source on each run is not what users pay.
    package = Path(__file__).resolve().parent.parent / "fwadvisor"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    for cmd in [baseline_cmd, *commands.values()]:
        wall(cmd)  # warm the OS file cache
    base: list[float] = []
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        base.append(wall(baseline_cmd))
        for name, cmd in commands.items():
            timings[name].append(wall(cmd))
    b = statistics.median(base)
    print(
        f"baseline `python -c 'import yaml, rich'`: median {b * 1000:.1f} ms "
        f"(p20-p80 {sorted(base)[len(base) // 5] * 1000:.1f}-{sorted(base)[4 * len(base) // 5] * 1000:.1f})"
    )
    for name, xs in timings.items():
        m = statistics.median(xs)
        print(f"{name}: median {m * 1000:.1f} ms, ratio {m / b:.2f} (goal <= 2.5), runs {len(xs)}")


if __name__ == "__main__":
    main()
