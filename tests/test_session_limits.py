"""A clinic server's login limits (app_pages/session_limits.py): idle timeout and absolute limit, shared by every
tab of one login. Times are made up here; the expectations follow from the limits the test sets."""

from __future__ import annotations

import pytest

from app_pages.session_limits import ActivityBook, SessionLimits
from vision.errors import CalfcheckError

LIMITS = SessionLimits(idle_s=60, absolute_s=600)
LOGIN = ("https://idp", "sub-1", 1000.0)


def test_the_defaults_are_30_minutes_idle_and_12_hours_in_all_and_settings_are_checked():
    assert SessionLimits() == SessionLimits.from_settings({}) == SessionLimits(30 * 60, 12 * 3600)
    settings = {"idle_timeout_minutes": 0.5, "session_limit_hours": 1}
    assert SessionLimits.from_settings(settings) == SessionLimits(30, 3600)
    for bad in ({"idle_timeout_minutes": 0}, {"idle_timeout_minutes": "30"}, {"session_limit_hours": True},
                {"session_limit_hours": 10_000}):  # fmt: skip
        with pytest.raises(CalfcheckError, match=r"\[calfcheck\]"):
            SessionLimits.from_settings(bad)


def test_activity_keeps_a_login_alive_and_idleness_ends_it_for_every_tab():
    book = ActivityBook()
    assert book.check(LOGIN, 1000, 1000, LIMITS, active=True) is None
    assert book.check(LOGIN, 1000, 1050, LIMITS, active=True) is None  # active: the idle clock restarts
    assert book.check(LOGIN, 1000, 1100, LIMITS, active=False) is None  # 50 s idle: fine, and not activity
    assert book.check(LOGIN, 1000, 1111, LIMITS, active=False) == "idle"  # 61 s since the last activity
    assert book.check(LOGIN, 1000, 1112, LIMITS, active=True) == "idle"  # another tab: ended all the same
    fresh = ("https://idp", "sub-1", 1200.0)  # a new login has a new issued-at
    assert book.check(fresh, 1200, 1200, LIMITS, active=True) is None


def test_the_absolute_limit_ends_even_a_busy_login():
    book = ActivityBook()
    for now in range(1000, 1600, 30):
        assert book.check(LOGIN, 1000, now, LIMITS, active=True) is None
    assert book.check(LOGIN, 1000, 1601, LIMITS, active=True) == "limit"
