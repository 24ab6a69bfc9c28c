"""`python -m fwadvisor` behaves exactly as the `fwadvisor` console script."""

import sys

try:
    from fwadvisor.cli import main
except KeyboardInterrupt:  # Ctrl+C while Python is still starting: the exit code of a later Ctrl+C, no traceback
    sys.exit(130)

sys.exit(main())
