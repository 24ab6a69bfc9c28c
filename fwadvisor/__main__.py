"""`python -m fwadvisor` behaves exactly as the `fwadvisor` console script."""

import sys

from fwadvisor.cli import main

sys.exit(main())
