"""The per-clip task of a batch: score one clip into a result dict. Runs in a worker process.

Contract: ``score_clip(job) -> dict`` never raises for a bad clip: the error becomes the result
(``status: error`` and a one-line message). The dict is the ``calfcheck.score/1`` report plus ``status``,
``path``, ``input_path`` (absolute: the clip this result belongs to), ``athlete``, ``settings``,
``input_sha256``, ``frames`` and ``seconds``; for a job with an athlete (``keep_landmarks``), also the set
as the athlete's record keeps it (``vision.records.SetToSave``) under ``RECORD_KEY`` (never written to the
JSON). It writes nothing: the driver writes every
file and saves to the database.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from vision.batch.jobs import ClipJob
from vision.errors import CalfcheckError
from vision.outputs import file_sha256, shown
from vision.programme import band_ladder
from vision.report import SCHEMA
from vision.types import leg_from_option

RECORD_KEY = "_record"


def score_clip(job: ClipJob) -> dict:
    from vision.pipeline import FormChecker  # imported in the worker: the driver never loads the model
    from vision.protocols import load_protocol
    from vision.report import session_to_dict
    from vision.sampling import FAST_POSE_INTERVAL_S

    started = time.perf_counter()
    base = {
        "schema": SCHEMA,
        "source": Path(job.path).name,
        "path": job.path,
        "input_path": os.path.abspath(job.path),
        "athlete": job.athlete,
        "protocol": job.protocol,
        "settings": job.options_key(),
    }
    try:
        with contextlib.suppress(OSError):  # unreadable: scoring below says why, in the user's words
            base["input_sha256"] = file_sha256(job.path)
        if job.band is not None and job.band not in band_ladder():
            raise CalfcheckError(f"unknown band colour '{job.band}'; use one of {', '.join(band_ladder())}")
        try:
            leg = leg_from_option(job.leg)
        except ValueError as exc:
            raise CalfcheckError(str(exc)) from None
        interval = 0.0 if job.every_frame else FAST_POSE_INTERVAL_S
        checker = FormChecker(load_protocol(job.protocol), leg, job.band, job.model, pose_interval_s=interval)
        session = checker.run_video(job.path)
        result = {**base, **session_to_dict(session), "status": "ok", "frames": len(session.track)}
        if job.keep_landmarks:  # for the athlete's record; the driver takes it out before writing the JSON
            from vision.records import SetToSave

            result[RECORD_KEY] = SetToSave.from_analysis(
                session, clip_name=Path(job.path).name, content_hash=base.get("input_sha256"), model=job.model
            )
    except CalfcheckError as exc:
        result = {**base, "status": "error", "error": str(exc), "frames": 0}
    except OSError as exc:
        reason = exc.strerror or str(exc)
        result = {**base, "status": "error", "error": f"{shown(Path(job.path).name)}: {reason}", "frames": 0}
    except Exception as exc:  # fault isolation: one clip's bug must not stop a batch of hundreds
        result = {
            **base,
            "status": "error",
            "error": f"internal error on this clip ({type(exc).__name__}: {exc})",
            "frames": 0,
        }
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result
