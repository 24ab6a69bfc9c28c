"""Check the release records of the facts against the package indexes.

`fwadvisor facts --online` asks, for every recorded package, the index this machine's pip is configured
to use (`python -m pip index versions NAME --pre`: pip's own configuration decides where it looks, so
no host name is written here) and, where npm is installed, `npm view NAME time --json`. All queries
run in parallel under one time limit; a missing tool, no network or an answer that cannot be read
is a problem on that package's answer, never an exception. facts.py keeps the result for reports.

Headless: subprocesses only, no network code of our own.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from fwadvisor.advisor.facts import Ecosystem, IndexAnswer
from fwadvisor.advisor.versions import newest, parse_version

TOTAL_SECONDS = 15.0  # the whole online check, every query included
PARALLEL_QUERIES = 6
# Tests and unusual set-ups point these at another program (a command line, split like a shell's).
PIP_COMMAND_ENV = "FWADVISOR_PIP"
NPM_COMMAND_ENV = "FWADVISOR_NPM"


def read_pip_answer(package: str, output: str) -> IndexAnswer:
    """`pip index versions NAME --pre` output: "NAME (2.22.0rc0)" then "Available versions: a, b, ..."."""
    for line in output.splitlines():
        if line.startswith("Available versions:"):
            listed = [v.strip() for v in line.partition(":")[2].split(",") if v.strip()]
            stable, pre = newest(listed, "pypi")
            if stable or pre:
                return IndexAnswer(package, "pypi", stable, pre)
    return IndexAnswer(package, "pypi", problem="pip gave no list of versions", problem_kind="malformed")


def read_npm_answer(package: str, output: str) -> IndexAnswer:
    """`npm view NAME time --json` output: {"created": ..., "modified": ..., "1.0.0": "2020-...", ...}."""
    try:
        data = json.loads(output)
    except ValueError:
        return IndexAnswer(package, "npm", problem="npm's answer is not JSON", problem_kind="malformed")
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        return IndexAnswer(package, "npm", problem="npm's answer is not a map of versions", problem_kind="malformed")
    times = {k: v for k, v in data.items() if k not in ("created", "modified") and parse_version(k, "npm")}
    stable, pre = newest(times, "npm")
    if not (stable or pre):
        return IndexAnswer(package, "npm", problem="npm listed no versions", problem_kind="malformed")
    dates = {v: times[v][:10] for v in (stable, pre) if v}
    return IndexAnswer(package, "npm", stable, pre, dates)


# --- asking ---------------------------------------------------------------------------------------


def _command(ecosystem: Ecosystem, package: str) -> list[str] | None:
    """The command that asks the index, or None when its tool is not installed."""
    if ecosystem == "pypi":
        override = os.environ.get(PIP_COMMAND_ENV)
        base = shlex.split(override) if override else [sys.executable, "-m", "pip"]
        return [*base, "index", "versions", package, "--pre"]
    override = os.environ.get(NPM_COMMAND_ENV)
    if override:
        base = shlex.split(override)
    else:
        npm = shutil.which("npm")
        if npm is None:
            return None
        base = [npm]
    return [*base, "view", package, "time", "--json"]


def _ask(package: str, ecosystem: Ecosystem, deadline: float) -> IndexAnswer:
    command = _command(ecosystem, package)
    tool = "pip" if ecosystem == "pypi" else "npm"
    if command is None:
        return IndexAnswer(package, ecosystem, problem=f"{tool} is not installed", problem_kind="missing_tool")
    left = deadline - time.monotonic()
    if left <= 0:
        return IndexAnswer(package, ecosystem, problem="not asked: the time limit ran out", problem_kind="timeout")
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1", "NO_COLOR": "1"}
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=left,
            stdin=subprocess.DEVNULL,
            env=env,
            check=False,
        )
    except FileNotFoundError:
        return IndexAnswer(package, ecosystem, problem=f"{tool} is not installed", problem_kind="missing_tool")
    except subprocess.TimeoutExpired:  # run() kills the child before raising
        return IndexAnswer(package, ecosystem, problem=f"no answer within {TOTAL_SECONDS:g} s", problem_kind="timeout")
    except OSError as exc:
        return IndexAnswer(package, ecosystem, problem=f"{tool} could not start: {exc}", problem_kind="missing_tool")
    if done.returncode != 0:
        return IndexAnswer(package, ecosystem, problem=_failure(tool, done.stderr), problem_kind=_kind(done.stderr))
    reader = read_pip_answer if ecosystem == "pypi" else read_npm_answer
    return reader(package, done.stdout)


def _kind(stderr: str) -> str:
    lowered = stderr.lower()
    if any(sign in lowered for sign in ("connection", "retrying", "network", "enotfound", "timed out", "eai_again")):
        return "unreachable"  # pip then also says "no matching distribution": the network is the cause
    if "no matching distribution" in lowered or "e404" in lowered or "404" in lowered:
        return "not_found"
    if "no module named pip" in lowered:
        return "missing_tool"
    return "unreachable"


def _failure(tool: str, stderr: str) -> str:
    """The last meaningful line of a failed tool's stderr, short."""
    lines = [
        line.strip()
        for line in stderr.splitlines()
        if line.strip() and not line.lower().startswith(("warning", "npm warn", "npm notice"))
    ]
    last = lines[-1] if lines else "no message"
    last = re.sub(r"^(?:npm )?error:?\s*", "", last, flags=re.IGNORECASE)  # "ERROR: No matching ..." -> "No ..."
    return f"{tool}: {last[:160]}"


def ask_indexes(packages: Sequence[tuple[str, Ecosystem]], total_seconds: float = TOTAL_SECONDS) -> list[IndexAnswer]:
    """Every package's answer, asked in parallel; all of it within `total_seconds`."""
    deadline = time.monotonic() + total_seconds
    if not packages:
        return []
    with ThreadPoolExecutor(max_workers=min(PARALLEL_QUERIES, len(packages))) as pool:
        futures = [pool.submit(_ask, name, ecosystem, deadline) for name, ecosystem in packages]
        return [f.result() for f in futures]
