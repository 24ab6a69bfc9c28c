"""`python -m fwadvisor.profiler.exec_with_parent COMMAND...`: run COMMAND so that it dies with fwadvisor.

torchrun is a launcher we do not own: killed outright, fwadvisor could leave it (and so its ranks)
running. This process asks the kernel for SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG, kept
across exec), checks that parent is still the one that started it, then becomes COMMAND (os.execvp),
so the launcher runs with the same process id, session and death signal. It imports nothing heavy.
"""

from __future__ import annotations

import os
import sys

from fwadvisor.parent_death import die_with_parent
from fwadvisor.profiler.protocol import PARENT_PID_ENV

EXIT_PARENT_GONE = 3


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m fwadvisor.profiler.exec_with_parent COMMAND [ARG...]", file=sys.stderr)
        return 2
    # Consumed here: the launcher's own children (the ranks) have another parent and must not compare.
    die_with_parent(os.environ.pop(PARENT_PID_ENV, None), EXIT_PARENT_GONE)
    os.execvp(argv[0], argv)  # never returns; an OSError (no such program) ends this process with a traceback


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
