"""Small helpers the app's Pilot tests share (waiting for a condition, reading the profiler's status)."""

from __future__ import annotations

import time
from typing import Any

from textual.widgets import Static


async def wait_for(pilot: Any, condition: Any, timeout: float) -> bool:
    """Let the app run until `condition()` holds or `timeout` seconds pass; the condition's last word."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


def status_text(app: Any) -> str:
    return str(app.screen.query_one("#profiler-status", Static).content)
