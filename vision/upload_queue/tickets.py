"""Upload tickets: who may stream a clip to the upload endpoint, for whom, as what, and how big.

Contract:
- ``Ticket``: the owner's inbox folder name, the ``UploadRequest`` the page would have queued (its ``clip_name``
  and ``sent_at`` are filled in by the endpoint from the upload itself), the largest clip allowed in bytes, and
  the expiry (Unix seconds). The athlete's page mints one for the logged-in user (``mint``); the endpoint takes
  owner, request and size limit from a ticket it has checked (``check``) and from nothing else the client sends.
- The ticket's text is ``<base64url of a compact JSON>.<base64url of its HMAC-SHA256>``; ``check`` compares the
  signature in constant time, then refuses an expired ticket, each with one sentence (``TicketRefused``).
  An expired ticket is refused when an upload *starts*: a long upload begun in time is not cut off. Until then a
  ticket serves for more than one upload (an athlete may send several sets from one page), each its own job.
- The key (``secret(folder)``): ``CALFCHECK_UPLOAD_SECRET`` when set, else the file ``upload-ticket.key`` in the
  server's data folder (beside the inbox), 32 random bytes made 0600 by whichever process needs it first. It is
  written to a private temporary file and linked into place, so two processes starting at once agree on one key
  and neither ever reads half a file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from vision.errors import CalfcheckError
from vision.upload_queue.inbox import UploadRequest

TTL_S = 15 * 60  # a page left open this long must be reloaded before it can upload (a session's idle limit is 30)
KEY_FILE = "upload-ticket.key"
ENV_SECRET = "CALFCHECK_UPLOAD_SECRET"
MAX_TICKET = 4096  # characters: a ticket is a few hundred; anything longer is not one
_REQUEST_FIELDS = {f.name for f in fields(UploadRequest)}


class TicketRefused(CalfcheckError):
    """The upload's ticket is missing, forged, malformed or expired."""


@dataclass(frozen=True)
class Ticket:
    owner: str  # the athlete's inbox folder name (app_pages.clinic.user_folder)
    request: UploadRequest
    max_bytes: int
    expires: float


def secret(folder: Path) -> bytes:
    """The signing key: ``CALFCHECK_UPLOAD_SECRET``, else ``folder``/upload-ticket.key (made on first use)."""
    named = os.environ.get(ENV_SECRET)
    if named:
        return named.encode()
    path = folder / KEY_FILE
    with contextlib.suppress(FileNotFoundError):
        return _read_key(path)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-ticket-")  # 0600 from the start
    try:
        os.write(fd, secrets.token_bytes(32))
        os.fsync(fd)
        os.close(fd)
        with contextlib.suppress(FileExistsError):  # another process linked its key first: that one is the key
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) < 16:
        raise TicketRefused(f"The upload key {path.name} in the server's data folder is damaged: delete it.")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())


def mint(key: bytes, owner: str, request: UploadRequest, max_bytes: int, *, ttl_s: float = TTL_S) -> str:
    data = {"o": owner, "r": asdict(request), "m": int(max_bytes), "x": round(time.time() + ttl_s, 3)}
    body = _b64(json.dumps(data, separators=(",", ":"), ensure_ascii=True).encode())
    return f"{body}.{_sign(key, body)}"


def check(key: bytes, text: str | None, *, now: float | None = None) -> Ticket:
    """The ticket ``text`` carries, if it is genuine and not expired; else ``TicketRefused`` with one sentence."""
    if not text:
        raise TicketRefused("This upload has no ticket: open Upload a set again.")
    body, dot, signature = text.strip().partition(".")
    if not dot or len(text) > MAX_TICKET or not hmac.compare_digest(_sign(key, body), signature):
        raise TicketRefused("This upload's ticket is not valid: open Upload a set again.")
    try:
        data = json.loads(_unb64(body))
        request = data["r"]
        if set(request) != _REQUEST_FIELDS:
            raise KeyError("request")
        ticket = Ticket(str(data["o"]), UploadRequest(**request), int(data["m"]), float(data["x"]))
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:  # signed by us, yet unreadable: another version
        raise TicketRefused("This upload's ticket is not valid: open Upload a set again.") from exc
    if (time.time() if now is None else now) > ticket.expires:
        raise TicketRefused("This page has been open too long to upload: reload it and choose the clip again.")
    return ticket
