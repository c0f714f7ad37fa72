"""Saving a batch's scored clips into athletes' records, from the driver process, through the records
service.

Contract: ``AthleteRecords.open(jobs, db)`` returns None when no job names an athlete; otherwise it opens
the records and checks every named athlete exists, raising ``StoreError`` (one sentence) before any clip
is scored. ``save(job, item, notes)`` files the set a worker built (``SetToSave``); a save that fails leaves
the clip's JSON in place and adds a sentence to ``notes`` (no patient data in it beyond the clip's file
name). The same clip with the same settings is stored once, so ``--resume`` never saves twice.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from vision.batch.jobs import ClipJob
from vision.cli_course import find_athlete
from vision.outputs import shown
from vision.records import Records, SetToSave, StoreError


class AthleteRecords:
    def __init__(self, records: Records, athlete_ids: dict[str, int]) -> None:
        self.records = records
        self.athlete_ids = athlete_ids
        self.saved = 0

    @classmethod
    def open(cls, jobs: list[ClipJob], db: str | None) -> AthleteRecords | None:
        names = sorted({j.athlete for j in jobs if j.athlete})
        if not names:
            return None
        records = Records.open(db, create=False)  # the manifest's athletes must exist: so must the database
        try:
            ids = {name: find_athlete(records, name).id for name in names}
        except StoreError:
            records.close()
            raise
        return cls(records, ids)

    def save(self, job: ClipJob, item: SetToSave, notes: list[str]) -> None:
        if not job.athlete:
            return
        try:
            day = date.fromisoformat(job.day) if job.day else None
            item = item.with_load(job.load_kg) if job.load_kg is not None else item
            self.records.save_set(self.athlete_ids[job.athlete], item, source="batch", day=day)
            self.saved += 1
        except StoreError as exc:
            notes.append(f"{shown(Path(job.path).name)} was scored but not saved to the athlete's record: {exc}")

    def close(self) -> None:
        self.records.close()
