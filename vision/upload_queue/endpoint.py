"""The streaming upload endpoint: a clip goes from the athlete's browser to the inbox without ever being whole in
the server's memory (Streamlit's own uploader holds it whole: README, "Uploads from phones").

Contract: ``create_app(db_url, inbox)`` is a Starlette (ASGI) app serving ``PUT /_calfcheck/upload``, run by
``calfcheck upload-server`` (uvicorn, on loopback) behind the same Caddy as Streamlit, so the browser sees one
origin. The request:
- header ``X-Calfcheck-Ticket``: an upload ticket minted by the athlete's page (``tickets``). Owner, request and
  size limit come from it alone; a missing, forged or expired ticket is 403 and nothing is written.
- header ``X-Calfcheck-Name``: the clip's file name, percent-encoded UTF-8 (text, at most 200 characters, shown
  back to the athlete as text; its suffix must be one of the clip types the page accepts, else 415).
- body: the clip's raw bytes (``Content-Length`` or chunked). They are written to ``Inbox.begin``'s invisible
  staging folder in pieces of at most ``PIECE`` bytes, off the event loop, as they arrive (uvicorn stops reading
  the socket while a piece waits, so a fast client cannot fill memory either). Past the ticket's limit (said by
  Content-Length up front, or counted while streaming) → 413; a client gone midway → nothing; either way the
  staging folder is deleted. Once whole, the upload is committed (visible whole, or not at all) and its job
  queued (``Queue.send``, as the page did); a queue that cannot be reached → the upload is forgotten, 503.
Every answer is JSON: ``{"ref": ..., "name": ...}`` (200), or ``{"error": "<one sentence>"}``; never a
traceback. Nothing about the athlete or the clip is logged (uvicorn's access log has the path and status only).
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

from anyio import to_thread
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vision.upload_queue import tickets
from vision.upload_queue.inbox import CLIP_SUFFIXES, Inbox
from vision.upload_queue.jobs import Queue, QueueUnavailable

PATH = "/_calfcheck/upload"
TICKET_HEADER = "X-Calfcheck-Ticket"
NAME_HEADER = "X-Calfcheck-Name"
PIECE = 1 << 20  # bytes gathered before one write to disk: the most of a clip this server holds per upload
MAX_NAME = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
log = logging.getLogger("calfcheck.uploads")


class _TooLarge(Exception):
    pass


def _error(status: int, sentence: str) -> JSONResponse:
    return JSONResponse({"error": sentence}, status_code=status)


def clip_name(header: str | None) -> str | None:
    """The clip's name from its header: decoded, control characters dropped, at most ``MAX_NAME`` characters;
    None when it is not a clip the page accepts."""
    name = _CONTROL.sub("", unquote(header or "", errors="replace")).strip()
    name = name.replace("/", "_").replace("\\", "_")
    suffix = Path(name).suffix
    if suffix.lower() not in CLIP_SUFFIXES:
        return None
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - len(suffix)] + suffix  # the type kept


class _QueueHandle:
    """One queue connection for the server, opened on first use (a failure is not kept: the next upload tries
    again). Sends are serialised: procrastinate's synchronous connector is used from worker threads."""

    def __init__(self, db_url: str | None) -> None:
        self.db_url, self._queue, self._lock = db_url, None, threading.Lock()

    def send(self, ref: str) -> int:
        with self._lock:
            if self._queue is None:
                self._queue = Queue(self.db_url)
            return self._queue.send(ref)

    def close(self) -> None:
        with self._lock:
            if self._queue is not None:
                self._queue.close()
                self._queue = None


def create_app(db_url: str | None, inbox: Inbox, *, key: bytes | None = None) -> Starlette:
    queue = _QueueHandle(db_url)
    signing_key = key if key is not None else tickets.secret(inbox.root.parent)

    async def upload(request: Request) -> Response:
        try:
            ticket = tickets.check(signing_key, request.headers.get(TICKET_HEADER))
        except tickets.TicketRefused as exc:
            return _error(403, str(exc))
        name = clip_name(request.headers.get(NAME_HEADER))
        if name is None:
            return _error(415, "Only MP4, MOV, M4V, AVI or WebM clips can be uploaded.")
        too_large = _error(413, f"This clip is larger than the {ticket.max_bytes / (1 << 20):g} MB the clinic accepts.")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > ticket.max_bytes:
            return too_large  # said before a byte is read
        try:
            incoming = await to_thread.run_sync(inbox.begin, ticket.owner, name)
        except (OSError, ValueError):
            return _error(507, "The server could not store the clip now: try again in a while.")
        try:
            pieces, held = [], 0
            async for chunk in request.stream():
                held += len(chunk)
                if incoming.size + held > ticket.max_bytes:
                    raise _TooLarge
                pieces.append(chunk)
                if held >= PIECE:
                    await to_thread.run_sync(incoming.write, b"".join(pieces))
                    pieces, held = [], 0
            if pieces:
                await to_thread.run_sync(incoming.write, b"".join(pieces))
            if incoming.size == 0:
                incoming.abort()
                return _error(400, "The clip is empty: choose it again.")
            sent = replace(ticket.request, clip_name=name, sent_at=time.time())
            ref = await to_thread.run_sync(incoming.commit, sent)
        except _TooLarge:
            incoming.abort()
            return too_large
        except ClientDisconnect:
            incoming.abort()  # the browser went away: nobody reads this answer
            return Response(status_code=400)
        except OSError:
            incoming.abort()
            return _error(507, "The server could not store the clip now: try again in a while.")
        except BaseException:  # cancelled (the server stopping), or anything else: nothing is left behind
            incoming.abort()
            raise
        try:
            await to_thread.run_sync(queue.send, ref)
        except QueueUnavailable as exc:
            inbox.forget(ref)  # never a clip on disk that no job will score
            return _error(503, f"Your clip was not queued: {exc}. Try again in a while.")
        log.info("upload %s stored and queued", ref)
        return JSONResponse({"ref": ref, "name": name})

    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(exc.status_code, "Only PUT /_calfcheck/upload is served here.")

    async def server_error(request: Request, exc: Exception) -> Response:
        log.warning("upload failed: %s", type(exc).__name__)
        return _error(500, "The upload failed on the server: try again in a while.")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await to_thread.run_sync(queue.close)

    return Starlette(
        routes=[Route(PATH, upload, methods=["PUT"])],
        exception_handlers={HTTPException: http_error, Exception: server_error},
        lifespan=lifespan,
    )


def serve(db_url: str | None, inbox: Inbox, host: str = "127.0.0.1", port: int = 8502) -> None:
    """Run the endpoint with uvicorn until SIGINT/SIGTERM (an upload under way is dropped, and leaves nothing)."""
    import uvicorn

    # Stopping waits 10 s at most for uploads under way: one still running then is cancelled and leaves nothing.
    uvicorn.run(create_app(db_url, inbox), host=host, port=port, log_level="info", proxy_headers=False,
                timeout_graceful_shutdown=10)  # fmt: skip
