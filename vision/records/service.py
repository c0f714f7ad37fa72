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

import dataclasses
from datetime import date, datetime
from pathlib import Path

from vision.errors import ProtocolError
from vision.programme import ProgrammeRules, load_programme
from vision.protocols import TEMPO_MARK, load_protocol
from vision.records.actor import (
    LOCAL_USER,
    Action,
    Actor,
    NotAllowed,
    Role,
    audit_name,
    limited,
    require,
    sees_private_notes,
)
from vision.records.course import Course, build_course
from vision.records.days import check_day
from vision.records.landmarks import unpack as unpack_landmarks
from vision.records.outcome import SaveOutcome
from vision.records.set_to_save import SetToSave
from vision.store import (
    AthleteInfo,
    AuditEntry,
    AuditInfo,
    PrescriptionInfo,
    SavedSet,
    Store,
    StoreError,
    TrainingSessionInfo,
    UserInfo,
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
        self.store = store.as_user(actor.user_id, audit_name(actor))
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

    # --- the actor's athletes --------------------------------------------------------------------------

    def _scope(self) -> frozenset[int] | None:
        """The athletes the actor may see (None: all). Read afresh each time: a removed user sees nothing."""
        return self.store.visible_athletes(self.actor.user_id) if limited(self.actor) else None

    def _athlete_allowed(self, athlete_id: int | None, action: Action) -> bool:
        require(self.actor, action)
        scope = self._scope()
        return athlete_id is not None and (scope is None or athlete_id in scope)

    def _check_athlete(self, athlete_id: int, action: Action) -> None:
        if not self._athlete_allowed(athlete_id, action):
            raise StoreError(f"there is no athlete with id {athlete_id}")  # as if it did not exist

    def _check_session(self, session_id: int, action: Action) -> int:
        athlete_id = self.store.session_athlete(session_id)
        if not self._athlete_allowed(athlete_id, action):
            raise StoreError(f"there is no session {session_id}")
        return athlete_id

    def _check_set(self, set_id: int, action: Action) -> int | None:
        athlete_id = self.store.set_athlete(set_id)
        if athlete_id is None and not limited(self.actor):
            require(self.actor, action)
            return None  # the local user asking for a set that is not there: None, as it always was
        if not self._athlete_allowed(athlete_id, action):
            raise StoreError(f"there is no set {set_id}")
        return athlete_id

    def _viewed(self, athlete_id: int | None, detail: str) -> None:
        """A logged-in user's view of a record goes to the audit log (the local user's own machine keeps none:
        its database may even be read-only)."""
        if limited(self.actor):
            self.store.record(AuditEntry("view", athlete_id, detail))

    def _seen(self, info: TrainingSessionInfo) -> TrainingSessionInfo:
        """The session as the actor may see it: an athlete gets only the notes shared with them."""
        if sees_private_notes(self.actor):
            return info
        return dataclasses.replace(info, notes=tuple(n for n in info.notes if n.shared))

    # --- athletes -----------------------------------------------------------------------------------

    def add_athlete(self, name: str) -> AthleteInfo:
        """A new athlete; a therapist who adds one looks after them from then on (their care team)."""
        require(self.actor, Action.ADD_ATHLETE)
        care_of = self.actor.user_id if self.actor.role is Role.THERAPIST else None
        return self.store.add_athlete(name, care_of=care_of, audit=lambda a: AuditEntry("add athlete", a.id))

    def athletes(self) -> list[AthleteInfo]:
        require(self.actor, Action.READ)
        scope = self._scope()
        return [a for a in self.store.athletes() if scope is None or a.id in scope]

    def athlete(self, name: str) -> AthleteInfo:
        """The athlete called ``name`` (any case, any Unicode spelling of the same letters)."""
        require(self.actor, Action.READ)
        found = self.store.find_athlete(name)
        scope = self._scope()
        if found is None or (scope is not None and found.id not in scope):
            # Other patients' names are never listed (messages end up in logs), nor told to exist.
            raise StoreError(f"no athlete called '{' '.join(name.split())}'")
        return found

    def athlete_or_new(self, name: str) -> AthleteInfo:
        """The athlete called ``name``, added first if there is none (the app's "New athlete…")."""
        require(self.actor, Action.READ)
        found = self.store.find_athlete(name)
        scope = self._scope()
        if found is not None and (scope is None or found.id in scope):
            return found
        return self.add_athlete(name)  # outside the actor's athletes: as if there were none

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
        self._check_athlete(athlete_id, Action.PRESCRIBE)
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
            audit=AuditEntry("prescribe", athlete_id, f"{Leg(leg).value} leg: {resolved.id} {band or load_kg or ''}"),
        )  # fmt: skip

    def prescription(self, athlete_id: int, leg: Leg) -> PrescriptionInfo | None:
        history = self.prescription_history(athlete_id, leg)
        return history[-1] if history else None

    def prescription_history(self, athlete_id: int, leg: Leg | None = None) -> list[PrescriptionInfo]:
        self._check_athlete(athlete_id, Action.READ)
        self._viewed(athlete_id, "prescriptions")
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
        self._check_athlete(athlete_id, Action.SAVE_SET)
        if not item.reliable:
            why = "; ".join(item.warnings) or "the working leg was not reliably in view"
            raise StoreError(f"not saved, because this clip cannot be judged: {why}")
        check_day(day or (performed_at.date() if performed_at else None), "a training day on", today)
        if item.band is None and item.load_kg is None:
            # Neither band nor load was said (0 kg is saying body weight): the prescription of the leg the clip
            # showed says them.
            history = self.store.prescription_history(athlete_id, item.leg)
            prescribed = history[-1] if history else None
            same_exercise = prescribed is not None and _base(prescribed.protocol) == _base(item.protocol)
            if same_exercise and prescribed.band is not None:
                item = item.with_band(prescribed.band)
            elif same_exercise and prescribed.load_kg is not None:
                item = item.with_load(prescribed.load_kg)
        item = item.with_load(check_load(item.load_kg, item.band))
        saved = self.store.save_set(
            athlete_id, item.new_set(source, video), day=day, performed_at=performed_at,
            audit=lambda s: AuditEntry("save", athlete_id, _saved_detail(s, source)),
        )  # fmt: skip
        course = self._course(athlete_id, today)
        return SaveOutcome(saved, course.athlete, item.leg, course.legs[item.leg].advice)

    def course(self, athlete_id: int, today: date | None = None) -> Course:
        """The athlete's course read through the programme's rules (``vision.records.course``)."""
        self._check_athlete(athlete_id, Action.READ)
        self._viewed(athlete_id, "course")
        return self._course(athlete_id, today)

    def _course(self, athlete_id: int, today: date | None) -> Course:
        athlete = self.store.athlete(athlete_id)
        legs = (Leg.LEFT, Leg.RIGHT)
        histories = {leg: self.store.prescription_history(athlete_id, leg) for leg in legs}
        prescriptions = {leg: (h[-1] if h else None) for leg, h in histories.items()}
        sessions = {leg: tuple(self._seen(x) for x in self.store.sessions(athlete_id, leg)) for leg in legs}
        return build_course(athlete, prescriptions, sessions, self.rules, today, self._planned_sets)

    def _planned_sets(self, info: TrainingSessionInfo) -> int:
        """The number of sets the session's protocol prescribes (1 when the protocol cannot be found)."""
        try:
            return self._protocol_of(info).sets
        except ProtocolError:
            return 1

    def sessions(self, athlete_id: int, leg: Leg | None = None) -> list[TrainingSessionInfo]:
        self._check_athlete(athlete_id, Action.READ)
        self._viewed(athlete_id, "sessions")
        return [self._seen(x) for x in self.store.sessions(athlete_id, leg)]

    def session(self, session_id: int) -> TrainingSessionInfo:
        athlete_id = self._check_session(session_id, Action.READ)
        self._viewed(athlete_id, f"session {session_id}")
        return self._seen(self.store.session(session_id))

    def landmarks(self, set_id: int) -> bytes | None:
        self._viewed(self._check_set(set_id, Action.READ), f"set {set_id} landmarks")
        return self.store.landmarks(set_id)

    def video(self, set_id: int) -> bytes | None:
        self._viewed(self._check_set(set_id, Action.READ), f"set {set_id} video")
        return self.store.video(set_id)

    def stored_set(self, session_id: int, set_number: int = 1) -> AnalysedSet:
        """The stored set re-scored from its landmarks under the protocol, leg and band it was saved with."""
        from vision.analysis import analyse_track

        athlete_id = self._check_session(session_id, Action.READ)
        info = self.store.session(session_id)
        chosen = [s for s in info.sets if s.number == set_number]
        if not chosen:
            raise StoreError(f"session {session_id} has no set {set_number}")
        self._viewed(athlete_id, f"session {session_id} set {set_number}")
        blob = self.store.landmarks(chosen[0].id)
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
        """Sessions not yet reviewed, of the actor's athletes only."""
        require(self.actor, Action.READ)
        require(self.actor, Action.REVIEW)
        scope = self._scope()
        return [s for s in self.store.review_queue() if scope is None or s.athlete_id in scope]

    def add_note(self, session_id: int, text: str, *, shared: bool = False) -> None:
        """A note on a session, signed by the actor; ``shared``: the athlete sees it too (otherwise only their
        therapists). The audit log says a note was written, never what it says."""
        athlete_id = self._check_session(session_id, Action.REVIEW)
        text = (text or "").strip()
        if not text:
            raise StoreError("a note needs some text")
        detail = f"session {session_id}" + (" (shared with the athlete)" if shared else "")
        self.store.add_note(
            session_id, text, author=self.actor.name, shared=shared, audit=AuditEntry("note", athlete_id, detail)
        )

    def mark_reviewed(self, session_id: int, reviewed: bool = True) -> None:
        athlete_id = self._check_session(session_id, Action.REVIEW)
        entry = AuditEntry("review" if reviewed else "unreview", athlete_id, f"session {session_id}")
        self.store.mark_reviewed(session_id, reviewed, audit=entry)

    # --- people (a clinic server) ------------------------------------------------------------------

    def invite(self, email: str, role: str, *, athlete: str | None = None, therapists: tuple[str, ...] = ()) -> None:
        """Invite ``email`` as ``role``. An athlete is linked to their athlete record (``athlete``, a name) and
        their therapists (emails). A therapist invites athletes only: their own (an existing one of their care
        team, or a new record, added now) and looks after them; an admin invites admins and therapists."""
        require(self.actor, Action.INVITE)
        if self.actor.role is Role.THERAPIST:
            if role != "athlete":
                raise NotAllowed(f"{self.actor.name} may invite athletes only")
            if not athlete:
                raise StoreError("an athlete's invitation names their athlete record")
            record = self.athlete_or_new(athlete)
            therapists = (self.actor.email,)
        elif self.actor.role is Role.ADMIN and role == "athlete":
            raise NotAllowed("athletes are invited by their therapist")
        else:
            record = self.athlete(athlete) if role == "athlete" and athlete else None
        athlete_id = None if record is None else record.id
        self.store.add_user(
            email, role, invited_by=audit_name(self.actor), athlete_id=athlete_id, therapist_emails=therapists,
            audit=AuditEntry("invite", athlete_id, f"{role}"),
        )  # fmt: skip

    def users(self) -> list[UserInfo]:
        require(self.actor, Action.MANAGE_USERS)
        return self.store.users()

    def remove_user(self, email: str) -> UserInfo:
        """Their access ends at once; their records stay."""
        require(self.actor, Action.MANAGE_USERS)
        return self.store.remove_user(email, audit=lambda u: AuditEntry("remove user", u.athlete_id, u.role))

    def audit_log(self, limit: int = 500) -> list[AuditInfo]:
        """Who did what to whose record: an admin (and the local user) every entry, a therapist their care
        team's."""
        require(self.actor, Action.READ_AUDIT)
        return self.store.audit_log(self._scope() if self.actor.role is Role.THERAPIST else None, limit)

    def grant_app_role(self, role: str) -> None:
        """PostgreSQL: grant the app's own database role what a clinic server's app needs (``store.app_role``)."""
        from vision.store.app_role import grant_app_role

        require(self.actor, Action.MANAGE_USERS)
        grant_app_role(self.store.url, role)

    @property
    def row_security_bypassed(self) -> bool:
        """True when the database would not hold this connection to the row-level security policies (it owns
        the tables, or is a superuser): a clinic server's app must not run so."""
        from vision.store.app_role import bypasses_row_security

        return bypasses_row_security(self.store.engine)

    def login(self, issuer: str, subject: str, email: str | None, name: str = "") -> Actor | None:
        """The actor a verified login is: the user keyed by issuer and subject, or the invitation sent to
        ``email`` (the caller passes it only when the identity provider verified it), claimed now. None: nobody
        invited them."""
        user = self.store.as_user(None, "login").login(issuer, subject, email, name)
        if user is None:
            return None
        actor = actor_of(user, issuer, subject)
        self.store.as_user(user.id, audit_name(actor)).record(AuditEntry("login", user.athlete_id))
        return actor

    def current_actor(self, user_id: int, issuer: str, subject: str) -> Actor | None:
        """The logged-in user as they are now (None: removed since they logged in)."""
        user = self.store.as_user(user_id, "").user(user_id)
        return None if user is None else actor_of(user, issuer, subject)


def actor_of(user: UserInfo, issuer: str, subject: str) -> Actor:
    return Actor(f"{issuer} {subject}", (user.name or user.email)[:40], Role(user.role), user.id, user.email)


def _saved_detail(saved: SavedSet, source: str) -> str:
    already = " (already saved)" if saved.duplicate else ""
    return f"session {saved.session_id} set {saved.number} from {source}{already}"


def _protocol_from_text(toml: str, protocol_id: str):
    import tempfile

    with tempfile.TemporaryDirectory(prefix="calfcheck-protocol-") as tmp:
        path = Path(tmp) / f"{protocol_id.partition(TEMPO_MARK)[0]}.toml"
        path.write_text(toml, encoding="utf-8")
        ref = str(path) + (TEMPO_MARK + protocol_id.partition(TEMPO_MARK)[2] if TEMPO_MARK in protocol_id else "")
        return load_protocol(ref)
