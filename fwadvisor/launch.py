"""Where the `fwadvisor` console script and `python -m fwadvisor` start.

This module imports nothing at its top, so the first thing that runs is `main`, which loads the
command line inside a guard: a Ctrl+C while fwadvisor's modules still load (the first hundredth of a
second or so) exits 130 quietly, as a Ctrl+C a moment later does, never with Python's
KeyboardInterrupt traceback. cli.main catches the stop signals itself as its first step.
"""


def main() -> int:
    try:
        from fwadvisor.cli import main as cli_main
    except KeyboardInterrupt:
        return 130  # nothing was measured or written yet: nothing to save
    return cli_main()
