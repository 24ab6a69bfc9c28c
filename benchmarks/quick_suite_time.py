"""Wall time of `fwadvisor profile --suite quick` (both frameworks, imports included) on this machine.

Goal (issue 3): under 60 s on a 2-core CPU; `--suite standard` under 5 minutes.
Usage: python benchmarks/quick_suite_time.py [--suite quick] [--runs 1]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--suite", default="quick")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "fwadvisor", "profile", "--suite", args.suite, "--output", f"{tmp}/run.json"],
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - start
        print(result.stdout)
        print(f"suite {args.suite}: {wall:.1f} s wall, exit code {result.returncode}")


if __name__ == "__main__":
    main()
