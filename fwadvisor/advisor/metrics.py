"""Names of the measured metrics rules may test (filled from a profile run; see evidence.py)."""

from __future__ import annotations

# Each name is documented where it is computed; a rule naming another metric is refused.
KNOWN_METRICS: dict[str, str] = {}
