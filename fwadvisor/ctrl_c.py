"""What a Ctrl+C is and the exit code it gets, for launch.py's start-up guard and for cli.py.

Imports nothing, so launch.py can read it from its guard without loading anything else.
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
