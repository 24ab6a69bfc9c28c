"""Time to first paint of the fwadvisor app against a bare Textual app with a header and a footer.

Goal (issue 4): at most about 1.5 times the bare app. Each run is a fresh process started here and
timed until the app reports that its first frame was drawn (Textual's auto-pilot runs once the app
is ready); both apps run headless, alternately, in this same run.
Usage: python benchmarks/tui_first_paint.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE = """
from textual.app import App
from textual.widgets import Footer, Header

class Bare(App):
    def compose(self):
        yield Header()
        yield Footer()

async def ready(pilot):
    print("READY", flush=True)
    pilot.app.exit()

Bare().run(headless=True, auto_pilot=ready)
"""

FWADVISOR = """
from fwadvisor.tui.app import make_app

async def ready(pilot):
    print("READY", flush=True)
    pilot.app.exit()

make_app().run(headless=True, auto_pilot=ready)
"""


def time_to_ready(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    for line in proc.stdout:  # type: ignore[union-attr]
        if line.startswith("READY"):
            elapsed = time.perf_counter() - start
            break
    else:
        raise SystemExit("the app never became ready")
    proc.wait(timeout=30)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    package = Path(__file__).resolve().parent.parent / "fwadvisor"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    with tempfile.TemporaryDirectory() as home:
        # A user with saved answers and no profile runs yet; nothing of the developer's leaks in.
        env = {
            **os.environ,
            "FWADVISOR_DATA_DIR": f"{home}/data",
            "FWADVISOR_CONFIG_DIR": f"{home}/config",
            "FWADVISOR_CACHE_DIR": f"{home}/cache",
        }
        time_to_ready(BARE, env)
        time_to_ready(FWADVISOR, env)  # warms the parsed-rules cache, as any second start finds it
        bare, ours = [], []
        for _ in range(args.runs):
            bare.append(time_to_ready(BARE, env))
            ours.append(time_to_ready(FWADVISOR, env))
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"bare Textual app (Header + Footer): median {b * 1000:.0f} ms")
    print(f"fwadvisor app (interview screen):    median {o * 1000:.0f} ms")
    print(f"ratio {o / b:.2f} (goal <= 1.5), {args.runs} runs each")


if __name__ == "__main__":
    main()
