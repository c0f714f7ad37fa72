"""One queued upload scored and saved: the body of the worker's job, with no queue in it (tested directly).

Contract: ``score_upload(inbox, ref, records, final_attempt)`` scores the clip ``ref`` names (``Inbox``) as its
request says, and saves the set through the records service *as the athlete who sent it* (their own record,
source "upload"; the actor rules apply as on their page). It is safe to run again for the same upload, which
is what a retried job does after a worker was killed: a finished upload is left as it is (its clip deleted if
a kill came between the state and the delete), and the save is keyed by the clip's SHA-256 and the scoring
settings (the records' duplicate rule), so a set saved just before a kill is found, not saved twice.

Outcomes, each a state the athlete's page shows: ``done`` (the save's message and the programme's advice),
``refused`` (the quality gate's sentence: the clip cannot be judged), ``failed`` (unreadable clip, no reps, or
the sender's access has ended, or anything else going wrong while scoring it: never an upload left "scoring"
for ever). A database that cannot be reached raises ``RetryLater``: the queue tries
again, and on the last attempt the upload fails with that sentence. Logs name upload references only, never
a clip's name, an athlete or a score.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import date

from vision.errors import CalfcheckError
from vision.outputs import file_sha256
from vision.records import LOCAL_USER, Records, Role, SetToSave, StoreError
from vision.upload_queue.inbox import Inbox, State, UploadRequest, UploadStatus

log = logging.getLogger("calfcheck.worker")
WORKER = f"{socket.gethostname()}:{os.getpid()}"  # who is scoring an upload: for the operator, not shown to athletes


def warm_up() -> None:
    """Load the pose model once before taking jobs (a first clip would otherwise wait seconds for it)."""
    from vision.pose import MediaPipePose

    MediaPipePose().close()


class RetryLater(Exception):
    """The records could not take the set now (the database is away): the job is retried."""


def score_upload(inbox: Inbox, ref: str, records: Records, *, final_attempt: bool = True) -> UploadStatus:
    current = inbox.status(ref)
    if current.state.finished:
        inbox.drop_clip(ref)
        return current
    clip = inbox.clip(ref)
    if clip is None:  # nothing to score and no result: only a hand-deleted clip gets here
        status = UploadStatus(State.FAILED, "The clip was not found on the server: please upload it again.")
        inbox.finish(ref, status)
        return status
    request = inbox.request(ref)
    inbox.set_status(ref, UploadStatus(State.SCORING, worker=WORKER))
    try:
        athlete = _sender(records, request)
        if athlete is None:
            status = UploadStatus(State.FAILED, "This upload's sender no longer has access: it was not saved.")
        else:
            status = _score_and_save(clip, request, athlete)
    except (StoreError, OSError) as exc:  # the database away, or a disk: not the clip's fault
        if not final_attempt:
            inbox.set_status(ref, UploadStatus(State.QUEUED, "Waiting for the records to be reachable."))
            raise RetryLater(str(exc)) from exc
        status = UploadStatus(State.FAILED, f"Not saved: {exc}.")
    except Exception as exc:  # noqa: BLE001 - a decoder's or a model's own failure: said, and the clip let go
        log.warning("upload %s: %s while scoring", ref, type(exc).__name__)
        why = f"Something went wrong while scoring this clip ({type(exc).__name__}). Try another export of it."
        status = UploadStatus(State.FAILED, why)
    inbox.finish(ref, status)
    return status


def _sender(records: Records, request: UploadRequest) -> Records | None:
    """The records service acting as the athlete who sent the upload (None: they have been removed since)."""
    issuer, _, subject = request.user_key.partition(" ")
    actor = records.current_actor(request.user_id, issuer, subject)
    if actor is None or actor.role is not Role.ATHLETE:
        return None
    return Records(records.store, actor) if records.actor is LOCAL_USER else records


def _score_and_save(clip, request: UploadRequest, athlete: Records) -> UploadStatus:
    from vision.pipeline import FormChecker
    from vision.protocols import load_protocol
    from vision.types import Leg

    mine = athlete.athletes()
    if not mine:
        return UploadStatus(State.FAILED, "Your login is not linked to an athlete's record: ask your therapist.")
    try:
        protocol = load_protocol(request.protocol)
        checker = FormChecker(protocol, Leg(request.leg) if request.leg else None, request.band)
        session = checker.run_video(clip)
    except CalfcheckError as exc:
        return UploadStatus(State.FAILED, f"We could not read this clip. {exc}")
    if not session.quality.reliable:
        why = "; ".join(session.quality.warnings) or "the working leg was not reliably in view"
        return UploadStatus(State.REFUSED, why, reps=0)
    if not session.finished_scores:
        return UploadStatus(State.FAILED, "No reps were found in this clip: nothing was saved.", reps=0)
    item = SetToSave.from_analysis(session, clip_name=request.clip_name, content_hash=file_sha256(clip))
    outcome = athlete.save_set(mine[0].id, item, source="upload", day=date.fromisoformat(request.day))
    return UploadStatus(State.DONE, outcome.message, outcome.next_session or "", reps=item.rep_count)
