"""Admission for live coaching: at most ``capacity`` athletes analysed at once on this server.

Contract (plain Python, no streamlit; one ``LiveSeats`` per server process, shared by every browser session):
- ``claim(holder, now)`` takes a seat for ``holder`` (any hashable id of one live stream) and returns True, or
  returns False when every seat is held by someone else. Claiming again while holding is True.
- ``beat(holder, now)`` is called as frames are analysed; ``release(holder)`` when the stream stops.
- A seat whose holder has sent no beat for ``stale_s`` seconds is free again: a browser closed mid-set (no STOP,
  no rerun of its page) must not keep the seat for ever. A fresh claim gets the same grace to connect.
- ``busy(holder, now)``: True when this holder has no seat and none is free (the page then says "the server is
  busy" instead of offering a camera that would freeze).

Why a count and not a queue: a live set is minutes long and the athlete can always record and upload instead;
waiting in a queue for a camera would be the frozen page the limit exists to avoid.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable

DEFAULT_STALE_S = 15.0


class LiveSeats:
    def __init__(self, capacity: int, stale_s: float = DEFAULT_STALE_S) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity, self.stale_s = capacity, stale_s
        self._lock = threading.Lock()
        self._last: dict[Hashable, float] = {}

    def _drop_stale(self, now: float) -> None:
        for holder in [h for h, t in self._last.items() if now - t > self.stale_s]:
            del self._last[holder]

    def claim(self, holder: Hashable, now: float) -> bool:
        with self._lock:
            self._drop_stale(now)
            if holder not in self._last and len(self._last) >= self.capacity:
                return False
            self._last[holder] = now
            return True

    def beat(self, holder: Hashable, now: float) -> None:
        with self._lock:
            if holder in self._last:
                self._last[holder] = now

    def release(self, holder: Hashable) -> None:
        with self._lock:
            self._last.pop(holder, None)

    def holds(self, holder: Hashable, now: float) -> bool:
        with self._lock:
            self._drop_stale(now)
            return holder in self._last

    def busy(self, holder: Hashable, now: float) -> bool:
        with self._lock:
            self._drop_stale(now)
            return holder not in self._last and len(self._last) >= self.capacity

    def in_use(self, now: float) -> int:
        with self._lock:
            self._drop_stale(now)
            return len(self._last)
