"""`python -m fwadvisor` behaves exactly as the `fwadvisor` console script."""

import sys

try:
    from fwadvisor.launch import main
except KeyboardInterrupt:  # Ctrl+C while launch.py loads: the exit code of a later Ctrl+C, no traceback
    sys.exit(130)

sys.exit(main())
