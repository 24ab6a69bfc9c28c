"""What every launcher asks a node to do: the ordinary `fwadvisor profile`, with the options given here.

`NodeProfile` holds the options (suite, device, frameworks ...) once; each launcher turns it into its
own command line. A suite given as a local FILE travels as its text (the node may not see this
machine's files), checked here first so that a bad suite is one message before any node starts.
"""

from __future__ import annotations

import base64
import json
import shlex
from collections.abc import Sequence
from pathlib import Path

import msgspec

from fwadvisor.errors import InputError
from fwadvisor.profiler.suites import SUITE_FILE_SUFFIXES, load_suite

# A suite file sent to a node rides on its command line: keep it well under any shell's limit.
MAX_SUITE_BYTES = 64_000


class NodeProfile(msgspec.Struct, frozen=True, kw_only=True):
    suite: str  # a suite name the node knows (quick, standard ...) when suite_text is None
    suite_text: str | None = None  # a local suite file's text, written to a file on the node
    device: str = "auto"
    frameworks: list[str] = []
    benchmarks: list[str] = []
    threads: int | None = None

    def arguments(self, suite_path: str | None = None) -> list[str]:
        """`profile`'s options for this run, less --format and --output (each launcher adds its own).
        `suite_path`: where the node has the suite file when it was sent as text."""
        args = ["--suite", suite_path if self.suite_text is not None and suite_path else self.suite]
        args += ["--device", self.device]
        for framework in self.frameworks:
            args += ["--framework", framework]
        for benchmark in self.benchmarks:
            args += ["--benchmark", benchmark]
        if self.threads is not None:
            args += ["--threads", str(self.threads)]
        return args


def node_profile(
    suite: str, device: str, frameworks: Sequence[str] | None, benchmarks: Sequence[str] | None, threads: int | None
) -> NodeProfile:
    """The run each node makes. The suite is read and checked here: a suite this machine refuses would
    be refused by every node."""
    from fwadvisor.profiler.catalog import BENCHMARKS

    for name in benchmarks or []:  # as `profile` itself checks it: once here, not once a node
        if name not in BENCHMARKS:
            raise InputError(f"unknown benchmark '{name}'; known benchmarks: {', '.join(BENCHMARKS)}")
    loaded = load_suite(suite)
    path = Path(suite)
    text = None
    if path.suffix in SUITE_FILE_SUFFIXES and path.exists():
        raw = path.read_bytes()
        if len(raw) > MAX_SUITE_BYTES:
            raise InputError(
                f"suite file is {len(raw):,} bytes; a suite sent to other machines may have at most "
                f"{MAX_SUITE_BYTES:,} (install it in each node's profiles folder and give its name instead)",
                file=path,
            )
        text = raw.decode("utf-8")
    return NodeProfile(
        suite=loaded.name if text is not None else suite,
        suite_text=text,
        device=device,
        frameworks=list(frameworks or []),
        benchmarks=list(benchmarks or []),
        threads=threads,
    )


# Runs on the node under its own Python (3.8 or newer), sent as base64 so that no remote shell (sh,
# bash, zsh, fish, csh) reads anything in it. It gives the run a private temporary folder, runs the
# ordinary `fwadvisor profile` there, sends the saved run back on stdout and removes the folder.
# When the connection closes (ssh stopped for a timeout or Ctrl+C), its stdin ends: it stops the run
# then, so no profile outlives the ssh that started it.
_NODE_WRAPPER = r"""
import base64, json, os, shutil, signal, subprocess, sys, tempfile, threading
spec = json.loads(base64.b64decode(sys.argv[1]).decode("utf-8"))
folder = tempfile.mkdtemp(prefix="fwadvisor-fleet-")
code = 1
try:
    args = list(spec["args"])
    if spec["suite_text"] is not None:
        suite = os.path.join(folder, "suite.yaml")
        with open(suite, "w", encoding="utf-8") as file:
            file.write(spec["suite_text"])
        args[args.index("--suite") + 1] = suite
    output = os.path.join(folder, "run.json")
    command = list(spec["command"])
    command[0] = os.path.expanduser(command[0])
    try:
        child = subprocess.Popen(command + ["profile"] + args + ["--format", "json", "--output", output],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    except OSError as exc:
        sys.stderr.write("fwadvisor fleet: cannot run %s on this node: %s\n" % (command[0], exc.strerror or exc))
        sys.exit(127)
    def stop(*_ignored):
        if child.poll() is None:
            child.terminate()
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(number, stop)
    def watch_connection():
        # os.read, not sys.stdin: a daemon thread inside a buffered read aborts the interpreter at exit.
        try:
            while os.read(0, 65536):
                pass
        except OSError:
            pass
        stop()
    threading.Thread(target=watch_connection, daemon=True).start()
    code = child.wait()
    code = 128 - code if code < 0 else code  # killed by a signal: the shell's 128 + N
    try:
        with open(output, "rb") as file:
            sys.stdout.buffer.write(file.read())
        sys.stdout.flush()
    except OSError:
        pass
finally:
    shutil.rmtree(folder, ignore_errors=True)
sys.exit(code)
"""

# The wrapper's exit code when the node's fwadvisor command could not be started.
COMMAND_NOT_FOUND = 127


def node_command(python: Sequence[str], fwadvisor: Sequence[str], run: NodeProfile) -> list[str]:
    """The words that run `run` on a node through the wrapper above."""
    spec = {"command": list(fwadvisor), "args": run.arguments(), "suite_text": run.suite_text}
    loader = f'import base64;exec(base64.b64decode("{_b64(_NODE_WRAPPER)}").decode("utf-8"))'
    return [*python, "-c", loader, _b64(json.dumps(spec))]


def remote_command_line(words: Sequence[str]) -> str:
    """One command line for the remote shell, each word quoted (ssh joins its arguments with spaces)."""
    return " ".join(shlex.quote(word) for word in words)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")
