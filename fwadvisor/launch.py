"""Where the `fwadvisor` console script and `python -m fwadvisor` start.

This module imports nothing at its top, so the first thing that runs is `main`, which loads the
command line inside a guard: a Ctrl+C while fwadvisor's modules still load (the first hundredth of a
second or so) exits 130 quietly, as a Ctrl+C a moment later does, never with Python's
KeyboardInterrupt traceback. cli.main catches the stop signals itself as its first step.
"""

EXIT_INTERRUPTED = 130


def caused_by_ctrl_c(exc: BaseException) -> bool:
    """Whether `exc` is a Ctrl+C, or an error Python raised because of one: a KeyboardInterrupt inside
    a class's `__set_name__` while a module loads comes out as RuntimeError("Error calling
    __set_name__ ...") with the KeyboardInterrupt as its cause (seen while `ipaddress` loaded)."""
    if isinstance(exc, SystemExit):
        return False  # an exit chosen with its own code (a Ctrl+C handler's among them) keeps that code
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def main() -> int:
    try:
        from fwadvisor.cli import main as cli_main
    except BaseException as exc:
        if caused_by_ctrl_c(exc):
            return EXIT_INTERRUPTED  # nothing was measured or written yet: nothing to save
        raise
    return cli_main()
