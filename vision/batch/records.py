"""Saving a batch's scored clips into athletes' records (the database), from the driver process.

Contract: ``AthleteRecords.open(jobs, db)`` returns None when no job names an athlete; otherwise it opens
the database and checks every named athlete exists, raising ``StoreError`` (one sentence) before any clip
is scored. ``save(job, result, landmarks, notes)`` files an ``ok`` result with its landmarks; a save that
fails leaves the clip's JSON in place and adds a sentence to ``notes`` (no patient data in it beyond the
clip's file name). The same clip with the same settings is stored once, so ``--resume`` never saves twice.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from vision.batch.jobs import ClipJob
from vision.outputs import shown
from vision.store.database import StoreError
from vision.store.repository import Store


class AthleteRecords:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.saved = 0

    @classmethod
    def open(cls, jobs: list[ClipJob], db: str | None) -> AthleteRecords | None:
        names = sorted({j.athlete for j in jobs if j.athlete})
        if not names:
            return None
        store = Store(db)
        try:
            for name in names:
                store.athlete(name)
        except StoreError:
            store.close()
            raise
        return cls(store)

    def save(self, job: ClipJob, result: dict, landmarks: bytes | None, notes: list[str]) -> None:
        if result.get("status") != "ok" or not job.athlete:
            return
        try:
            self.store.save_set(
                job.athlete,
                {k: v for k, v in result.items() if k in _REPORT_KEYS},
                clip_name=Path(job.path).name,
                content_hash=result.get("input_sha256") or "",
                settings=job.settings_key(),
                source="batch",
                landmarks=landmarks,
                day=date.fromisoformat(job.day) if job.day else None,
            )
            self.saved += 1
        except StoreError as exc:
            notes.append(f"{shown(Path(job.path).name)} was scored but not saved to the athlete's record: {exc}")

    def close(self) -> None:
        self.store.close()


_REPORT_KEYS = {
    "schema", "source", "protocol", "signal", "leg", "band", "duration_s", "fps", "prescription", "reps",
    "summary", "quality",
}  # fmt: skip
