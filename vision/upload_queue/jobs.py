"""The job queue on the clinic's PostgreSQL (procrastinate): the server queues an upload, workers score it.

Contract:
- ``queue_url(db_url)``: the libpq address of the records' PostgreSQL (``CALFCHECK_DB``); any other database is
  one sentence (``QueueUnavailable``): the queue lives beside the records, nowhere else.
- ``install(db_url)`` creates procrastinate's tables once (as the tables' owner: ``calfcheck worker`` does it
  when they are missing, and ``calfcheck user grant-app-role`` does it before granting them to the app's role).
- ``Queue(db_url)``: the server's side. ``send(ref)`` queues ``score upload`` for an upload already whole in
  the inbox; one job per upload (``queueing_lock``), and one worker at a time on it (``lock``). The job's only
  argument is the upload's reference: no name, clip or score is ever in the queue's tables. ``send_waiting(inbox,
  owner)`` (on every visit to the page) queues again an upload that a server stopped just after writing it left
  unqueued.
- ``run_worker(db_url, inbox, ...)``: a worker process. It scores jobs one at a time (pose estimation is
  CPU-bound: run one worker per core, on any machine that reaches the database and the inbox folder), beats
  its heart every ``heartbeat_s``, and every ``heartbeat_s`` also puts back in the queue any job whose worker's
  heart stopped for ``stalled_s`` (a worker killed mid-clip, SIGKILL, a machine gone): its upload is scored
  again by whoever is free, and ``scoring.score_upload`` makes that safe (nothing saved twice).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time

from sqlalchemy.engine import make_url

from vision.errors import CalfcheckError
from vision.records import Records
from vision.upload_queue.inbox import Inbox, State
from vision.upload_queue.scoring import RetryLater, score_upload, warm_up

TASK = "calfcheck.score_upload"
ATTEMPTS = 5  # a database away for a while: tried again 5 times, 10 s, 20 s, 40 s... apart
log = logging.getLogger("calfcheck.worker")


class QueueUnavailable(CalfcheckError):
    """No job queue can be used here (not PostgreSQL, or the server cannot be reached)."""


def queue_url(db_url: str | None) -> str:
    url = make_url(db_url) if db_url else None
    if url is None or url.get_backend_name() != "postgresql":
        raise QueueUnavailable("uploads are scored in the background only on a PostgreSQL database (CALFCHECK_DB)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _reachable(db_url: str | None) -> None:
    """One quick try (10 s at most) before a connection pool would retry for 30 s, logging every attempt."""
    import psycopg

    try:
        psycopg.connect(queue_url(db_url), connect_timeout=10).close()
    except psycopg.Error as exc:
        raise QueueUnavailable(f"the upload queue's database cannot be reached ({type(exc).__name__})") from exc


def _app(db_url: str | None):
    import procrastinate

    connector = procrastinate.PsycopgConnector(conninfo=queue_url(db_url))
    return procrastinate.App(connector=connector)


def installed(app) -> bool:
    row = app.connector.get_sync_connector().execute_query_one(
        query="SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present"
    )
    return bool(row["present"])


def install(db_url: str | None) -> bool:
    """Create the queue's tables if they are missing; True when this call created them."""
    _reachable(db_url)
    app = _app(db_url)
    try:
        with app.open():
            if installed(app):
                return False
            app.schema_manager.apply_schema()
            return True
    except Exception as exc:  # psycopg's and procrastinate's own errors: one sentence, never the password
        if isinstance(exc, CalfcheckError):
            raise
        raise QueueUnavailable(f"the upload queue could not be set up: {type(exc).__name__}") from exc


class Queue:
    """The server's handle on the queue: opened once per server, used by every athlete's page."""

    def __init__(self, db_url: str | None) -> None:
        _reachable(db_url)
        self._app = _app(db_url)
        try:
            self._app.open()
            present = installed(self._app)
        except Exception as exc:
            raise QueueUnavailable(f"the upload queue cannot be reached: {type(exc).__name__}") from exc
        if not present:
            self._app.close()
            raise QueueUnavailable("the upload queue is not set up yet: start a worker (calfcheck worker) once")

    def send(self, ref: str) -> int:
        from procrastinate import exceptions

        try:
            return self._app.configure_task(TASK, lock=ref, queueing_lock=ref).defer(ref=ref)
        except exceptions.AlreadyEnqueued:
            return 0  # already waiting for a worker: one job per upload
        except Exception as exc:
            raise QueueUnavailable(f"the upload could not be queued: {type(exc).__name__}") from exc

    def send_waiting(self, inbox: Inbox, owner: str, older_than_s: float = 60.0) -> int:
        """Queue again the owner's uploads still waiting after ``older_than_s``: a server that stopped between
        writing an upload and queueing it leaves one no worker would ever take. One already queued is left as it
        is (``queueing_lock``); one being scored gets a second job that waits for the first (``lock``) and then
        finds it finished. Returns how many were queued now."""
        now = time.time()
        waiting = [
            u for u in inbox.listing(owner) if u.status.state is State.QUEUED and now - u.request.sent_at > older_than_s
        ]
        return sum(1 for u in waiting if self.send(u.ref))

    def close(self) -> None:
        self._app.close()


def run_worker(
    db_url: str | None,
    inbox: Inbox,
    *,
    heartbeat_s: float = 10.0,
    stalled_s: float = 30.0,
    poll_s: float = 5.0,
    name: str = "calfcheck-worker",
) -> None:
    """Run until SIGINT/SIGTERM (a job being scored is finished first)."""
    import procrastinate

    install(db_url)
    warm_up()
    app = _app(db_url)
    records = Records.open(db_url, create=False)  # one connection pool for the worker's life
    retry = procrastinate.RetryStrategy(max_attempts=ATTEMPTS - 1, exponential_wait=2, retry_exceptions={RetryLater})

    @app.task(name=TASK, pass_context=True, retry=retry)
    def score(context, ref: str) -> str:
        final = context.job.attempts >= ATTEMPTS - 1
        started = time.monotonic()
        status = score_upload(inbox, ref, records, final_attempt=final)
        log.info("upload %s: %s in %.1f s", ref, status.state.value, time.monotonic() - started)
        return status.state.value

    async def main() -> None:
        async with app.open_async():
            worker = asyncio.create_task(
                app.run_worker_async(
                    name=name,
                    concurrency=1,
                    update_heartbeat_interval=heartbeat_s,
                    stalled_worker_timeout=stalled_s,
                    fetch_job_polling_interval=poll_s,
                    install_signal_handlers=False,
                    delete_jobs="successful",
                )  # fmt: skip
            )
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, worker.cancel)  # cancelled: the job in hand finishes, then it stops
            watcher = asyncio.create_task(_requeue_stalled(app, heartbeat_s, stalled_s))
            try:
                await worker
            except asyncio.CancelledError:
                pass
            finally:
                watcher.cancel()

    try:
        asyncio.run(main())
    finally:
        records.close()


async def _requeue_stalled(app, every_s: float, stalled_s: float) -> None:
    """Jobs whose worker stopped beating (killed mid-clip) go back in the queue. Every worker does this: the
    first to see a stalled job retries it, the others then find it no longer running."""
    while True:
        await asyncio.sleep(every_s)
        try:
            for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_s, task_name=TASK):
                log.warning("job %s (upload %s): its worker stopped; queued again", job.id, job.task_kwargs.get("ref"))
                await app.job_manager.retry_job(job)
        except Exception as exc:  # noqa: BLE001 - the database away for a moment: look again next time
            log.warning("could not look for stalled jobs: %s", type(exc).__name__)
