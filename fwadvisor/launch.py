"""Where the `fwadvisor` console script and `python -m fwadvisor` start.

This module imports nothing at its top, so the first thing that runs is `main`, which loads the
command line inside a guard: a Ctrl+C while fwadvisor's modules still load (the first hundredth of a
second or so) exits 130 quietly, as a Ctrl+C a moment later does, never with Python's
KeyboardInterrupt traceback. cli.main catches the stop signals itself as its first step.
"""


def main() -> int:
    try:
        from fwadvisor.cli import main as cli_main
    except BaseException as exc:
        # ctrl_c.py imports nothing: by now cli.py has usually loaded it, and otherwise it loads at once.
        from fwadvisor.ctrl_c import EXIT_INTERRUPTED, caused_by_ctrl_c

        if caused_by_ctrl_c(exc):
            return EXIT_INTERRUPTED  # nothing was measured or written yet: nothing to save
        raise
    return cli_main()
