"""`python -m fwadvisor` behaves exactly as the `fwadvisor` console script."""

import sys

from fwadvisor.launch import main

sys.exit(main())
