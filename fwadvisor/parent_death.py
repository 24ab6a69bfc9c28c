"""Dying with the parent: no worker, rank or launcher outlives the fwadvisor process that started it.

Both sides use it: the worker side (bench/worker.py, the cluster ranks and tf_launch) and the parent
side's wrapper around torchrun (profiler/exec_with_parent.py). Standard library only.
"""

from __future__ import annotations

import os
import signal
import sys


def die_with_parent(expected_parent_pid: str | None, exit_code: int) -> None:
    """Ask the kernel for SIGKILL when this process's parent dies (Linux), then exit with `exit_code`
    at once if the parent is not `expected_parent_pid` (it died before the signal was armed, and
    nobody reads us). None skips that check (a rank's parent is its launcher, not fwadvisor).

    SIGKILL, not SIGTERM: a Python handler runs only between bytecodes, so a process deep inside
    native code (or stopped) would outlive its parent; SIGKILL needs no cooperation. The setting is
    kept across exec, which is how exec_with_parent hands it to torchrun.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        except OSError:
            pass
    if expected_parent_pid and expected_parent_pid != str(os.getppid()):
        os._exit(exit_code)
