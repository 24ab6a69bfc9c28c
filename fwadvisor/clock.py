"""The date fwadvisor treats as today, for fact ages and for refusing check dates in the future.

SOURCE_DATE_EPOCH (the reproducible-builds convention: seconds since 1970, UTC) fixes it, so a report
made twice says the same "N days ago"; without it, the local date.
"""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            pass  # an epoch no calendar holds: the local date, as without it
    return dt.date.today()


def age_words(date: dt.date, now: dt.date | None = None) -> str:
    """How long ago `date` was, in words: "today", "1 day ago", "40 days ago"."""
    days = ((now or today()) - date).days
    if days <= 0:
        return "today" if days == 0 else "in the future"
    return "1 day ago" if days == 1 else f"{days} days ago"


def checked_words(date: dt.date, now: dt.date | None = None) -> str:
    """ "checked 2026-12-07, 40 days ago"."""
    return f"checked {date.isoformat()}, {age_words(date, now)}"
