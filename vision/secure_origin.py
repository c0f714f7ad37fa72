"""Can the browser that opened this page use its camera? Only in a secure context.

Contract: ``camera_allowed(url)`` applies the W3C Secure Contexts rule for a top-level page ("potentially
trustworthy origin") to the URL the browser reports for the page (``st.context.url``): ``https:``, or a
loopback host (``localhost``, ``*.localhost``, ``127.0.0.0/8``, ``[::1]``) over any scheme. Anything else is
plain HTTP from another machine, where ``navigator.mediaDevices`` does not exist and a video box would stay dead.
An unknown URL (``None``: a client that did not say) is allowed: the check is there to explain, never to block.

Why the URL and not a script reading ``window.isSecureContext``: the URL is in the first run of the page, so
the page never flashes a dead camera box before a component answers; the browser test compares this rule
with ``window.isSecureContext`` in Chromium on both sides of it.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def camera_allowed(url: str | None) -> bool:
    if not url:
        return True
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
