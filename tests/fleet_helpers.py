"""Helpers for the fleet launcher tests: a fake `ssh` on PATH, hosts files, and leftover processes.

The fake ssh is a real program on PATH, found by the launcher as the system's ssh would be. It logs
its argv (one JSON list a line), parses ssh's options as ssh does, and then, by the host's name:
- `refused*`: says what OpenSSH says for a closed port and exits 255;
- `hang*`: starts a command that never ends (two `sleep`s, one in the background, carrying the
  test's marker so the test can look for leftovers);
- any other: runs the remote command line locally with `sh -c`, so the remote shell's quoting is
  honoured as a real remote shell would, with FWADVISOR_DATA_DIR pointing at a folder of the host's
  own (each "host" saves its runs apart, as separate machines would).
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
import yaml

FAKE_SSH = """#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_SSH_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(args) + "\\n")
index = 0
while args[index].startswith("-") and args[index] != "--":
    index += 2 if args[index] in ("-o", "-p", "-i", "-F", "-l") else 1
destination, rest = args[index], args[index + 1 :]
if rest[:1] == ["--"]:
    rest = rest[1:]
host = destination.rpartition("@")[2]
if host.startswith("refused"):
    sys.stderr.write("ssh: connect to host %s port 22: Connection refused\\n" % host)
    sys.exit(255)
marker = os.environ["FAKE_SSH_MARKER"]
if host.startswith("hang"):
    os.execvp("sh", ["sh", "-c", "sleep %s & sleep %s" % (marker, marker)])
os.environ["FWADVISOR_DATA_DIR"] = os.path.join(os.environ["FAKE_SSH_ROOT"], host)
os.execvp("sh", ["sh", "-c", " ".join(rest)])
"""


class FakeSsh:
    """A fake ssh in `folder/bin`, with the environment that puts it first on PATH."""

    def __init__(self, folder: Path):
        self.bin = folder / "bin"
        self.bin.mkdir(parents=True, exist_ok=True)
        program = self.bin / "ssh"
        program.write_text(FAKE_SSH.format(python=sys.executable), encoding="utf-8")
        program.chmod(0o755)
        self.log = folder / "ssh.log"
        self.root = folder / "hosts"
        # A number `sleep` accepts and no other process holds: the hanging host's processes carry it.
        self.marker = f"600.{uuid.uuid4().int % 10**9:09d}"

    def env(self) -> dict[str, str]:
        return {
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "FAKE_SSH_LOG": str(self.log),
            "FAKE_SSH_ROOT": str(self.root),
            "FAKE_SSH_MARKER": self.marker,
        }

    def calls(self) -> list[list[str]]:
        import json

        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def leftovers(self) -> list[str]:
        return processes_holding(self.marker)


def processes_holding(marker: str) -> list[str]:
    """Command lines of the live processes whose arguments hold `marker` (zombies are gone)."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        try:
            if process.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if any(marker in part for part in process.info["cmdline"] or []):
                found.append(" ".join(process.info["cmdline"]))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def wait_for(condition: Any, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


def local_node(host: str, **extra: Any) -> dict[str, Any]:
    """A hosts-file entry whose node runs this checkout's fwadvisor with this interpreter."""
    return {"host": host, "python": sys.executable, "fwadvisor": f"{sys.executable} -m fwadvisor", **extra}


def write_hosts(path: Path, entries: list[Any]) -> Path:
    path.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    return path
