"""`python -m fwadvisor.profiler.exec_with_parent COMMAND...`: run COMMAND so that it dies with fwadvisor.

torchrun is a launcher we do not own: killed outright, fwadvisor could leave it (and so its ranks)
running. This process asks the kernel for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG, kept
across exec), checks that parent is still the one that started it, then becomes COMMAND (os.execvp),
so the launcher runs with the same process id, session and death signal. It imports nothing heavy.
"""

from __future__ import annotations

import os
import signal
import sys

from fwadvisor.profiler.protocol import PARENT_PID_ENV

EXIT_PARENT_GONE = 3


def die_with_parent() -> None:
    """SIGKILL on the parent's death (Linux); exit at once when the parent is already not ours."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            pr_set_pdeathsig = 1
            libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
        except OSError:
            pass
    # Consumed here: the launcher's own children (the ranks) have another parent and must not compare.
    expected = os.environ.pop(PARENT_PID_ENV, None)
    if expected and expected != str(os.getppid()):
        os._exit(EXIT_PARENT_GONE)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m fwadvisor.profiler.exec_with_parent COMMAND [ARG...]", file=sys.stderr)
        return 2
    die_with_parent()
    os.execvp(argv[0], argv)  # never returns; an OSError (no such program) ends this process with a traceback


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
