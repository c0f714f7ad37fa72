"""The live page's network rules without a browser: TURN credentials, ICE settings, seats, secure origins.

The browser and the real coturn/Caddy are in tests/test_https_live.py; these pin the rules exactly.
"""

from __future__ import annotations

import pytest

from vision.errors import CalfcheckError
from vision.live_ice import SERVER_USER, IceSettings, turn_credential
from vision.live_seats import LiveSeats
from vision.secure_origin import camera_allowed

SECRET = "north-clinic-turn-secret-2026"


def test_turn_credential_is_coturns_rest_api_scheme():
    # Expected value from OpenSSL, not from this code:
    #   echo -n "1796371200:s-1f2e" | openssl dgst -sha1 -hmac "north-clinic-turn-secret-2026" -binary | base64
    username, password = turn_credential(SECRET, "s-1f2e", now=1796367600, ttl_s=3600)
    assert username == "1796371200:s-1f2e"
    assert password == "Exn4Jxh04iE1HOR+Se7nYE7CWF8="


def test_no_settings_means_no_ice_server_at_all():
    settings = IceSettings.from_settings({})
    # An explicit empty list: streamlit-webrtc and aiortc would otherwise use Google's public STUN server.
    assert settings.browser_config("s", 0) == {"iceServers": []}
    assert settings.server_config(0) == {"iceServers": []}


def test_browser_and_server_get_their_own_time_limited_credentials():
    settings = IceSettings.from_settings(
        {
            "turn_urls": ["turn:turn.clinic.test:3478?transport=udp"],
            "server_turn_urls": ["turn:127.0.0.1:3478"],
            "turn_secret": SECRET,
            "turn_ttl_minutes": 10,
            "relay_only": True,
        }
    )
    browser = settings.browser_config("s-1", now=1000)
    assert browser["iceTransportPolicy"] == "relay"
    [turn] = browser["iceServers"]
    assert turn["urls"] == ["turn:turn.clinic.test:3478?transport=udp"]
    assert turn["username"] == "1600:s-1"
    server = settings.server_config(now=1000)
    assert "iceTransportPolicy" not in server
    [turn] = server["iceServers"]
    assert turn["urls"] == ["turn:127.0.0.1:3478"] and turn["username"] == f"1600:{SERVER_USER}"


@pytest.mark.parametrize(
    "settings, words",
    [
        ({"turn_urls": ["http://turn.example"], "turn_secret": SECRET}, "turn_urls"),
        ({"turn_urls": ["turn:t:3478"]}, "turn_secret"),
        ({"turn_urls": ["turn:t:3478"], "turn_secret": "short"}, "turn_secret"),
        ({"relay_only": True}, "relay_only"),
        ({"turn_ttl_minutes": 0}, "turn_ttl_minutes"),
        ({"stun_urls": "turn:x"}, "stun_urls"),
        ({"turn_url": ["turn:t"]}, "no setting 'turn_url'"),
    ],
)
def test_wrong_settings_are_refused_in_one_sentence(settings, words):
    with pytest.raises(CalfcheckError, match=words):
        IceSettings.from_settings(settings)


def test_seats_admit_up_to_capacity_and_free_a_silent_stream():
    seats = LiveSeats(capacity=1, stale_s=15)
    a, b = object(), object()
    assert seats.claim(a, now=0) and seats.claim(a, now=1)  # claiming again while holding
    assert seats.busy(b, now=2) and not seats.claim(b, now=2)
    assert not seats.busy(a, now=2)
    seats.beat(a, now=10)
    assert not seats.claim(b, now=24)  # a's last beat was 14 s ago: still held
    assert seats.claim(b, now=26)  # 16 s of silence: a browser closed mid-set frees its seat
    assert seats.busy(a, now=26)
    seats.release(b)
    assert seats.in_use(now=27) == 0 and seats.claim(a, now=27)


@pytest.mark.parametrize(
    "url, allowed",
    [
        ("https://calfcheck.clinic.test/live", True),
        ("http://localhost:8501/live", True),
        ("http://app.localhost:8501/", True),
        ("http://127.0.0.1:8501/", True),
        ("http://127.8.9.1/", True),
        ("http://[::1]:8501/", True),
        ("http://192.168.1.20:8501/live", False),
        ("http://calfcheck.clinic.test/live", False),
        ("http://localhost.evil.test/", False),
        (None, True),  # a client that did not say: explained by the browser, not blocked here
    ],
)
def test_camera_allowed_follows_the_secure_context_rule(url, allowed):
    assert camera_allowed(url) is allowed
