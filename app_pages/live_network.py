"""The live page's network side: its ICE configuration and its seat among the athletes coached at once.

Contract:
- ``live_settings()`` reads ``[calfcheck.live]`` from Streamlit's secrets (``vision.live_ice`` for the ICE keys;
  ``max_athletes`` for admission). A local app with no secrets may still set ``CALFCHECK_ICE_SERVERS`` to a
  JSON list of ICE servers (as before). A setting that is wrong stops the page with one sentence.
- ``rtc_configs(session_user)`` returns (browser config, server config); TURN credentials are minted per browser
  session and renewed when half their lifetime is gone (not on every rerun: the component would see new
  arguments twice a second).
- ``live_seats()`` is the server's one ``LiveSeats`` (capacity ``max_athletes``, default ``DEFAULT_MAX_ATHLETES``,
  measured by benchmarks/bench_live_capacity.py on a 2-core machine).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass

import streamlit as st

from app_pages.plain import plain
from vision.errors import CalfcheckError
from vision.live_ice import IceSettings
from vision.live_seats import LiveSeats

# benchmarks/bench_live_capacity.py on this 2-core machine: one athlete is the most ever measured at >= 15 frames/s
# analysed (30 on an idle machine, 2026-12-01); on 2026-12-04, with the machine shared (load 13-19), one athlete got
# 12 frames/s and two 4 and 3. A clinic re-runs it on its own server and raises [calfcheck.live] max_athletes.
DEFAULT_MAX_ATHLETES = 1
BUSY = "The server is busy: record the set and upload it."
_MINTED = "calfcheck-live-ice"


@dataclass(frozen=True)
class LiveSettings:
    ice: IceSettings
    max_athletes: int
    raw_ice_servers: list | None = None  # CALFCHECK_ICE_SERVERS of a local app: used as given


def _section() -> dict:
    if not st.secrets.load_if_toml_exists():
        return {}
    return dict(dict(st.secrets.get("calfcheck", {})).get("live", {}))


def _read() -> LiveSettings:
    section = _section()
    ice = IceSettings.from_settings(section)
    most = section.get("max_athletes", DEFAULT_MAX_ATHLETES)
    if isinstance(most, bool) or not isinstance(most, int) or not 1 <= most <= 100:
        raise CalfcheckError("[calfcheck.live] max_athletes must be a whole number from 1 to 100")
    raw = None
    if not section and os.environ.get("CALFCHECK_ICE_SERVERS", "").strip():
        try:
            raw = json.loads(os.environ["CALFCHECK_ICE_SERVERS"])
        except ValueError:
            raw = None
        if not isinstance(raw, list):
            raise CalfcheckError("CALFCHECK_ICE_SERVERS must be a JSON list of ICE servers")
    return LiveSettings(ice, most, raw)


def live_settings() -> LiveSettings:
    try:
        return _read()
    except CalfcheckError as exc:
        st.error(plain(f"The server's live coaching settings are wrong: {exc}."))
        st.stop()


@st.cache_resource(show_spinner=False)
def _seats(capacity: int) -> LiveSeats:
    return LiveSeats(capacity)


def live_seats() -> LiveSeats:
    return _seats(live_settings().max_athletes)


def rtc_configs(settings: LiveSettings) -> tuple[dict, dict]:
    """(for the browser, for aiortc on the server): always an explicit ``iceServers`` list, never the libraries'
    defaults (which are Google's public STUN server)."""
    if settings.raw_ice_servers is not None:
        return {"iceServers": settings.raw_ice_servers}, {"iceServers": settings.raw_ice_servers}
    now = time.time()
    minted = st.session_state.get(_MINTED)
    if minted is None or now - minted[0] > settings.ice.turn_ttl_s / 2 or minted[1] != settings.ice:
        user = secrets.token_hex(8)  # an opaque id per browser session: coturn logs it, so never a name
        minted = (now, settings.ice, settings.ice.browser_config(user, now), settings.ice.server_config(now))
        st.session_state[_MINTED] = minted
    return minted[2], minted[3]
