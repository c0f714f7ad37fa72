"""How the live page's WebRTC finds its way across networks: ICE servers and time-limited TURN credentials.

Contract (plain Python, no streamlit):
- ``IceSettings.from_settings(mapping)`` reads the ``[calfcheck.live]`` section of Streamlit's secrets (keys
  below), refusing nonsense in one sentence (``CalfcheckError``). With no keys it is "no ICE server at all":
  nothing outside the two machines is ever contacted unless a clinic configures it. (streamlit-webrtc and aiortc
  both fall back to Google's public STUN server when given *no* list, so the page always passes one, even empty.)
- ``turn_credential(secret, user, now, ttl_s)`` is coturn's ``use-auth-secret`` scheme (the TURN REST API):
  username ``"<expiry unix time>:<user>"``, password ``base64(HMAC-SHA1(secret, username))``. coturn checks the
  HMAC with its ``static-auth-secret`` and refuses the username once the expiry has passed, so a leaked
  credential is worth ``ttl_s`` seconds and no long-lived password ever reaches a browser.
- ``IceSettings.browser_config(user, now)`` is the RTCConfiguration the page's ``webrtc_streamer`` gets (with
  ``iceTransportPolicy: "relay"`` when ``relay_only``); ``server_config(now)`` the one aiortc gets on the
  server (streamlit-webrtc passes only ``iceServers`` to aiortc; the server never needs to be relay-only).

Keys: ``turn_urls`` (list of ``turn:``/``turns:`` URLs), ``turn_secret`` (coturn's static-auth-secret),
``turn_ttl_minutes`` (default 60), ``stun_urls`` (list), ``relay_only`` (bool), ``server_turn_urls`` (what the
app server itself dials, e.g. ``turn:127.0.0.1:3478`` when coturn runs beside it; default ``turn_urls``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from vision.errors import CalfcheckError

DEFAULT_TTL_MINUTES = 60.0
SERVER_USER = "calfcheck-server"
_KEYS = {"turn_urls", "turn_secret", "turn_ttl_minutes", "stun_urls", "relay_only", "server_turn_urls", "max_athletes"}


def turn_credential(secret: str, user: str, now: float, ttl_s: float) -> tuple[str, str]:
    """(username, password) for coturn's use-auth-secret, valid until ``now + ttl_s``."""
    username = f"{int(now + ttl_s)}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def _urls(settings: Mapping[str, object], key: str, schemes: tuple[str, ...]) -> tuple[str, ...]:
    value = settings.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(u, str) and u.startswith(schemes) for u in value):
        raise CalfcheckError(f"[calfcheck.live] {key} must be a list of URLs starting with {' or '.join(schemes)}")
    return tuple(value)


@dataclass(frozen=True)
class IceSettings:
    turn_urls: tuple[str, ...] = ()
    turn_secret: str = ""
    turn_ttl_s: float = DEFAULT_TTL_MINUTES * 60
    stun_urls: tuple[str, ...] = ()
    relay_only: bool = False
    server_turn_urls: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> IceSettings:
        unknown = sorted(set(settings) - _KEYS)
        if unknown:
            raise CalfcheckError(f"[calfcheck.live] has no setting {unknown[0]!r}")
        turn = _urls(settings, "turn_urls", ("turn:", "turns:"))
        server_turn = _urls(settings, "server_turn_urls", ("turn:", "turns:")) or turn
        stun = _urls(settings, "stun_urls", ("stun:", "stuns:"))
        secret = settings.get("turn_secret", "")
        if not isinstance(secret, str) or (turn and len(secret) < 16):
            raise CalfcheckError("[calfcheck.live] turn_secret must be coturn's static-auth-secret (16+ characters)")
        ttl = settings.get("turn_ttl_minutes", DEFAULT_TTL_MINUTES)
        if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not 1 <= ttl <= 24 * 60:
            raise CalfcheckError("[calfcheck.live] turn_ttl_minutes must be a number from 1 to 1440")
        relay_only = settings.get("relay_only", False)
        if not isinstance(relay_only, bool) or (relay_only and not turn):
            raise CalfcheckError("[calfcheck.live] relay_only must be true or false, and true needs turn_urls")
        return cls(turn, secret, float(ttl) * 60, stun, relay_only, server_turn)

    def _servers(self, turn_urls: tuple[str, ...], user: str, now: float) -> list[dict]:
        servers: list[dict] = [{"urls": list(self.stun_urls)}] if self.stun_urls else []
        if turn_urls:
            username, credential = turn_credential(self.turn_secret, user, now, self.turn_ttl_s)
            servers.append({"urls": list(turn_urls), "username": username, "credential": credential})
        return servers

    def browser_config(self, user: str, now: float) -> dict:
        """For the page's RTCPeerConnection; ``user`` is an opaque per-session id (never a name or email:
        coturn logs usernames)."""
        config: dict = {"iceServers": self._servers(self.turn_urls, user, now)}
        if self.relay_only:
            config["iceTransportPolicy"] = "relay"
        return config

    def server_config(self, now: float) -> dict:
        return {"iceServers": self._servers(self.server_turn_urls, SERVER_USER, now)}
