"""The days a record may hold: training days and prescription starts from 1 January 2000 to tomorrow.

Contract: ``day_window(today=None)`` is (2000-01-01, tomorrow); ``check_day(day, what, today=None)`` raises
``StoreError`` with one sentence for a day outside it (None passes: "today" is meant). A typo such as
9999-12-31 or 1900 would otherwise skew adherence for good; tomorrow allows for time zones.
"""

from __future__ import annotations

from datetime import date, timedelta

from vision.store import StoreError

EARLIEST_DAY = date(2000, 1, 1)  # before any athlete filmed a set with calfcheck


def day_window(today: date | None = None) -> tuple[date, date]:
    """The days a training session or a prescription may have: 2000-01-01 to tomorrow (time zones)."""
    return EARLIEST_DAY, (today or date.today()) + timedelta(days=1)


def check_day(day: date | None, what: str, today: date | None = None) -> None:
    first, last = day_window(today)
    if day is not None and not first <= day <= last:
        raise StoreError(f"{what} {day.isoformat()} is not between {first.isoformat()} and {last.isoformat()}")
