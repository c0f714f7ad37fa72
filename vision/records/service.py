"""The records service: the one way every face (CLI, batch, the app's pages) reads and writes athletes'
records.

Contract: ``Records(store, actor)`` (or ``Records.open(url, actor)``) wraps a ``Store``. Every method
first asks ``actor.require`` whether the actor may do it (the one place access rules live), then works in
typed values: a set is saved from a ``SetToSave`` (built from the analysis result), athletes are addressed by
id after ``athlete(name)`` found them, notes and prescription changes are signed by the actor. It owns the
policy the store must not: a clip that cannot be judged is not saved (saved, it would read as a failed
session and could move the athlete down a band); a prescription's protocol reference is resolved and a
therapist's own TOML kept verbatim; the programme's advice after a save is computed here once
(``SaveOutcome``) for every face to show. Training days and prescription starts lie in ``days.day_window``:
from 1 January 2000 to tomorrow (a typo such as 9999-12-31 or 1900 would skew adherence for good).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from vision.errors import ProtocolError
from vision.programme import ProgrammeRules, load_programme
from vision.protocols import TEMPO_MARK, load_protocol
from vision.records.actor import LOCAL_USER, Action, Actor, require
from vision.records.course import Course, build_course
from vision.records.days import check_day
from vision.records.landmarks import unpack as unpack_landmarks
from vision.records.outcome import SaveOutcome
from vision.records.set_to_save import SetToSave
from vision.store import (
    AthleteInfo,
    PrescriptionInfo,
    Store,
    StoreError,
    TrainingSessionInfo,
)
from vision.types import AnalysedSet, Leg

MAX_SESSIONS_PER_WEEK = 14
MAX_LOAD_KG = 250.0  # a heel raise's load: more than this is a typo (an extra zero), not a training load


def _base(protocol: str) -> str:
    return protocol.split(TEMPO_MARK, 1)[0]


def check_load(load_kg: float | None, band: str | None) -> float | None:
    """A heel raise's load as stored: None for body weight (0 included); one sentence for a load that cannot be
    right (negative, not a number, over ``MAX_LOAD_KG``, or given with a band)."""
    if load_kg is None or load_kg == 0:
        return None
    if not 0 < load_kg <= MAX_LOAD_KG:  # NaN fails both comparisons
        raise StoreError(f"a load must be from 0 to {MAX_LOAD_KG:g} kg (0: body weight)")
    if band is not None:
        raise StoreError("a set is done with a band or with a load in kg, not both")
    return round(float(load_kg), 2)


class Records:
    def __init__(self, store: Store, actor: Actor = LOCAL_USER, rules: ProgrammeRules | None = None) -> None:
        self.store = store
        self.actor = actor
        self._rules = rules

    @classmethod
    def open(cls, url: str | None = None, actor: Actor = LOCAL_USER, *, create: bool = True) -> Records:
        """``create=False``: a missing SQLite file is said, not started empty (commands that only read)."""
        return cls(Store(url, create=create), actor)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Records:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def where(self) -> str:
        """The database, as a user may see it (no password)."""
        return self.store.where

    @property
    def rules(self) -> ProgrammeRules:
        if self._rules is None:
            self._rules = load_programme()
        return self._rules

    # --- athletes -----------------------------------------------------------------------------------

    def add_athlete(self, name: str) -> AthleteInfo:
        require(self.actor, Action.ADD_ATHLETE)
        return self.store.add_athlete(name)

    def athletes(self) -> list[AthleteInfo]:
        require(self.actor, Action.READ)
        return self.store.athletes()

    def athlete(self, name: str) -> AthleteInfo:
        """The athlete called ``name`` (any case, any Unicode spelling of the same letters)."""
        require(self.actor, Action.READ)
        found = self.store.find_athlete(name)
        if found is None:  # other patients' names are never listed: messages end up in logs
            raise StoreError(f"no athlete called '{' '.join(name.split())}'")
        return found

    def athlete_or_new(self, name: str) -> AthleteInfo:
        """The athlete called ``name``, added first if there is none (the app's "New athlete…")."""
        found = self.store.find_athlete(name)
        return found if found is not None else self.add_athlete(name)

    # --- prescriptions ------------------------------------------------------------------------------

    def prescribe(
        self,
        athlete_id: int,
        leg: Leg,
        protocol: str,
        band: str | None,
        *,
        sessions_per_week: int = 2,
        start: date | None = None,
        reason: str = "",
        at: datetime | None = None,
        load_kg: float | None = None,
    ) -> PrescriptionInfo:
        """A new prescription for one leg; ``protocol`` is an id, a tempo variant or a TOML file's path
        (its text is kept, so the record never depends on the file staying where it was); heel raises may
        carry ``load_kg`` instead of a band."""
        require(self.actor, Action.PRESCRIBE)
        check_day(start, "a prescription starting on")
        if not 1 <= sessions_per_week <= MAX_SESSIONS_PER_WEEK:
            raise StoreError(f"sessions per week must be from 1 to {MAX_SESSIONS_PER_WEEK}")
        if band is not None and band not in self.rules.rungs:
            raise StoreError(f"unknown band colour '{band}'; use one of {', '.join(self.rules.rungs)}")
        load_kg = check_load(load_kg, band)
        resolved = load_protocol(protocol)  # a bad reference: one sentence, nothing written
        file = protocol.rpartition(TEMPO_MARK)[0] if TEMPO_MARK in protocol else protocol
        toml = Path(file).read_text(encoding="utf-8") if file.endswith(".toml") else None
        return self.store.prescribe(
            athlete_id, leg, resolved.id, band, sessions_per_week=sessions_per_week, start=start,
            changed_by=self.actor.name, reason=reason, protocol_toml=toml, at=at, load_kg=load_kg,
        )  # fmt: skip

    def prescription(self, athlete_id: int, leg: Leg) -> PrescriptionInfo | None:
        history = self.prescription_history(athlete_id, leg)
        return history[-1] if history else None

    def prescription_history(self, athlete_id: int, leg: Leg | None = None) -> list[PrescriptionInfo]:
        require(self.actor, Action.READ)
        return self.store.prescription_history(athlete_id, leg)

    # --- sets ---------------------------------------------------------------------------------------

    def save_set(
        self,
        athlete_id: int,
        item: SetToSave,
        *,
        source: str,
        day: date | None = None,
        performed_at: datetime | None = None,
        video: bytes | None = None,
        today: date | None = None,
    ) -> SaveOutcome:
        """File the set and return where it went with the programme's advice for that leg's next session."""
        require(self.actor, Action.SAVE_SET)
        if not item.reliable:
            why = "; ".join(item.warnings) or "the working leg was not reliably in view"
            raise StoreError(f"not saved, because this clip cannot be judged: {why}")
        check_day(day or (performed_at.date() if performed_at else None), "a training day on", today)
        if item.band is None and item.load_kg is None:
            # Neither band nor load was said (0 kg is saying body weight): the prescription of the leg the clip
            # showed says them.
            prescribed = self.prescription(athlete_id, item.leg)
            same_exercise = prescribed is not None and _base(prescribed.protocol) == _base(item.protocol)
            if same_exercise and prescribed.band is not None:
                item = item.with_band(prescribed.band)
            elif same_exercise and prescribed.load_kg is not None:
                item = item.with_load(prescribed.load_kg)
        item = item.with_load(check_load(item.load_kg, item.band))
        saved = self.store.save_set(athlete_id, item.new_set(source, video), day=day, performed_at=performed_at)
        course = self.course(athlete_id, today=today)
        return SaveOutcome(saved, course.athlete, item.leg, course.legs[item.leg].advice)

    def course(self, athlete_id: int, today: date | None = None) -> Course:
        """The athlete's course read through the programme's rules (``vision.records.course``)."""
        require(self.actor, Action.READ)
        athlete = self.store.athlete(athlete_id)
        legs = (Leg.LEFT, Leg.RIGHT)
        prescriptions = {leg: self.prescription(athlete_id, leg) for leg in legs}
        sessions = {leg: tuple(self.store.sessions(athlete_id, leg)) for leg in legs}
        return build_course(athlete, prescriptions, sessions, self.rules, today, self._planned_sets)

    def _planned_sets(self, info: TrainingSessionInfo) -> int:
        """The number of sets the session's protocol prescribes (1 when the protocol cannot be found)."""
        try:
            return self._protocol_of(info).sets
        except ProtocolError:
            return 1

    def sessions(self, athlete_id: int, leg: Leg | None = None) -> list[TrainingSessionInfo]:
        require(self.actor, Action.READ)
        return self.store.sessions(athlete_id, leg)

    def session(self, session_id: int) -> TrainingSessionInfo:
        require(self.actor, Action.READ)
        return self.store.session(session_id)

    def landmarks(self, set_id: int) -> bytes | None:
        require(self.actor, Action.READ)
        return self.store.landmarks(set_id)

    def video(self, set_id: int) -> bytes | None:
        require(self.actor, Action.READ)
        return self.store.video(set_id)

    def stored_set(self, session_id: int, set_number: int = 1) -> AnalysedSet:
        """The stored set re-scored from its landmarks under the protocol, leg and band it was saved with."""
        from vision.analysis import analyse_track

        info = self.session(session_id)
        chosen = [s for s in info.sets if s.number == set_number]
        if not chosen:
            raise StoreError(f"session {session_id} has no set {set_number}")
        blob = self.landmarks(chosen[0].id)
        if blob is None:
            raise StoreError("this set was saved without landmarks, so it cannot be redrawn")
        protocol = self._protocol_of(info)
        return analyse_track(unpack_landmarks(blob), protocol, leg=info.leg, band=info.band, source=chosen[0].clip_name)

    def _protocol_of(self, info: TrainingSessionInfo):
        """The protocol a session was scored with: a therapist's own file from the prescription's kept text
        when the id is not a built-in one."""
        try:
            return load_protocol(info.protocol)
        except ProtocolError:
            for p in reversed(self.store.prescription_history(info.athlete_id, info.leg)):
                if p.protocol == info.protocol and p.protocol_toml:
                    return _protocol_from_text(p.protocol_toml, info.protocol)
            raise

    # --- review -------------------------------------------------------------------------------------

    def review_queue(self) -> list[TrainingSessionInfo]:
        require(self.actor, Action.READ)
        return self.store.review_queue()

    def add_note(self, session_id: int, text: str) -> None:
        require(self.actor, Action.REVIEW)
        text = (text or "").strip()
        if not text:
            raise StoreError("a note needs some text")
        self.store.add_note(session_id, text, author=self.actor.name)

    def mark_reviewed(self, session_id: int, reviewed: bool = True) -> None:
        require(self.actor, Action.REVIEW)
        self.store.mark_reviewed(session_id, reviewed)


def _protocol_from_text(toml: str, protocol_id: str):
    import tempfile

    with tempfile.TemporaryDirectory(prefix="calfcheck-protocol-") as tmp:
        path = Path(tmp) / f"{protocol_id.partition(TEMPO_MARK)[0]}.toml"
        path.write_text(toml, encoding="utf-8")
        ref = str(path) + (TEMPO_MARK + protocol_id.partition(TEMPO_MARK)[2] if TEMPO_MARK in protocol_id else "")
        return load_protocol(ref)
