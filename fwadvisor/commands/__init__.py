"""The work behind each CLI command, imported only when that command runs (start-up stays light)."""
