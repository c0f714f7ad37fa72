"""How long a clinic server's login lasts: an idle timeout and an absolute limit, enforced by the app (Streamlit
keeps its identity cookie for 30 days and does not check the ID token's expiry).

Contract (plain Python, no streamlit, so it is tested directly):
- ``SessionLimits(idle_s, absolute_s)``: defaults 30 minutes without activity and 12 hours after login;
  ``SessionLimits.from_settings(mapping)`` reads ``idle_timeout_minutes`` and ``session_limit_hours`` (the
  ``[calfcheck]`` section of Streamlit's secrets), refusing nonsense in one sentence.
- ``ActivityBook.check(login, issued_at, now, limits, active)`` returns why the login has ended ("idle" or
  "limit") or None, and, when it has not ended and the run is the user's own doing (``active``), records the
  activity. One book serves every tab of the server: a login is (issuer, subject, issued-at), so a second tab
  opened after an hour of idleness is not a fresh start; a login ended once stays ended (a new login has a new
  issued-at). The book lives in the server's memory: a restarted server starts every login's idle clock afresh
  (the absolute limit, from the token's issued-at, still holds).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass

from vision.errors import CalfcheckError

DEFAULT_IDLE_MINUTES = 30.0
DEFAULT_LIMIT_HOURS = 12.0

Login = tuple[str, str, float]  # issuer, subject, issued-at


@dataclass(frozen=True)
class SessionLimits:
    idle_s: float = DEFAULT_IDLE_MINUTES * 60
    absolute_s: float = DEFAULT_LIMIT_HOURS * 3600

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> SessionLimits:
        def number(key: str, default: float, most: float) -> float:
            value = settings.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= most:
                raise CalfcheckError(f"[calfcheck] {key} must be a number above 0 and at most {most:g}")
            return float(value)

        idle = number("idle_timeout_minutes", DEFAULT_IDLE_MINUTES, 24 * 60)
        limit = number("session_limit_hours", DEFAULT_LIMIT_HOURS, 30 * 24)
        return cls(idle * 60, limit * 3600)


class ActivityBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[Login, float] = {}
        self._ended: set[Login] = set()

    def check(self, login: Login, issued_at: float, now: float, limits: SessionLimits, active: bool) -> str | None:
        with self._lock:
            if login in self._ended:
                return "idle"
            last = self._last.setdefault(login, now)
            if now - issued_at > limits.absolute_s:
                reason = "limit"
            elif now - last > limits.idle_s:
                reason = "idle"
            else:
                if active:
                    self._last[login] = now
                return None
            self._ended.add(login)
            self._last.pop(login, None)
            return reason
