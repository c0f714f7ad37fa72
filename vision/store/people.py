"""The people of a clinic server: users (invitations until they log in), care teams, and the audit log.

Contract: ``PeopleTables`` (part of ``Store``) adds a user by email with a role (an athlete linked to their
athlete record and their therapists), lists and removes users (their records stay; their care-team links go,
so their access ends at once), links a therapist to an athlete, and claims a login: ``login(issuer,
subject, email)`` returns the user already keyed by that issuer and subject, or claims the invitation sent to
that (verified) email and keys it so, or None. ``visible_athletes(user_id)`` is the set of athletes whose
records a user may see (an athlete their own, a therapist their care team; the same rule as the PostgreSQL
policies' ``calfcheck_athletes()``). ``audit_log(athlete_ids)`` reads the trail, newest first. Writes are
plain INSERTs without RETURNING: under row-level security a therapist may add a user they may not yet read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from vision.store.database import StoreError
from vision.store.rows import AuditEntry, AuditInfo, UserInfo
from vision.store.schema import AuditRow, CareTeamRow, UserRow
from vision.store.transactions import Transactions, aware

ROLES = ("admin", "therapist", "athlete")
MAX_EMAIL = 254


def email_key(email: str) -> str:
    """An email as invitations are matched: trimmed, lower case; one sentence when it is not an address."""
    found = (email or "").strip().lower()
    local, at, domain = found.partition("@")
    if not (local and at and "." in domain) or len(found) > MAX_EMAIL or any(c.isspace() for c in found):
        raise StoreError("an email address looks like name@example.org")
    return found


class PeopleTables(Transactions):
    def add_user(
        self,
        email: str,
        role: str,
        *,
        invited_by: str,
        athlete_id: int | None = None,
        therapist_emails: Iterable[str] = (),
        audit: AuditEntry | None = None,
    ) -> None:
        """Invite ``email`` as ``role``; an athlete is linked to their record and to their therapists."""
        key = email_key(email)
        if role not in ROLES:
            raise StoreError(f"unknown role '{role}'; use one of {', '.join(ROLES)}")
        if (role == "athlete") != (athlete_id is not None):
            raise StoreError("an athlete's login is linked to their athlete record (and only an athlete's)")

        def add(s: OrmSession) -> None:
            therapists = []
            for therapist in therapist_emails:
                found = s.scalars(select(UserRow).where(UserRow.email == email_key(therapist))).first()
                if found is None or found.role != "therapist":
                    raise StoreError(f"there is no therapist {email_key(therapist)} (add them first)")
                therapists.append(found.id)
            s.execute(
                insert(UserRow).values(email=key, role=role, athlete_id=athlete_id, name="",
                                       invited_at=datetime.now(UTC), invited_by=invited_by[:120])
            )  # fmt: skip
            for therapist_id in therapists:
                self._link(s, therapist_id, athlete_id)

        try:
            self._write(add, None if audit is None else lambda _: audit)
        except IntegrityError:
            raise StoreError(f"{key} is already invited or a user") from None

    @staticmethod
    def _link(s: OrmSession, therapist_id: int, athlete_id: int) -> None:
        pair = (CareTeamRow.therapist_id == therapist_id, CareTeamRow.athlete_id == athlete_id)
        linked = select(CareTeamRow).where(*pair)
        if s.scalars(linked).first() is None:
            s.execute(insert(CareTeamRow).values(therapist_id=therapist_id, athlete_id=athlete_id))

    def link(self, therapist_id: int, athlete_id: int, audit: AuditEntry | None = None) -> None:
        """The therapist looks after the athlete (nothing changes if they already do)."""
        self._write(lambda s: self._link(s, therapist_id, athlete_id), None if audit is None else lambda _: audit)

    def users(self) -> list[UserInfo]:
        def read(s: OrmSession) -> list[UserInfo]:
            rows = s.scalars(select(UserRow).order_by(UserRow.role, UserRow.email)).all()
            teams = s.execute(
                select(CareTeamRow.athlete_id, UserRow.email).join(UserRow, UserRow.id == CareTeamRow.therapist_id)
            ).all()
            return [_user_info(r, tuple(sorted(e for a, e in teams if a == r.athlete_id))) for r in rows]

        return self._read(read)

    def user(self, user_id: int) -> UserInfo | None:
        found = self._read(lambda s: s.get(UserRow, user_id))
        return None if found is None else _user_info(found)

    def remove_user(self, email: str, audit: Callable[[UserInfo], AuditEntry] | None = None) -> UserInfo:
        """The user's access ends (their care-team links go with them); every record stays."""
        key = email_key(email)

        def remove(s: OrmSession) -> UserInfo:
            found = s.scalars(select(UserRow).where(UserRow.email == key)).first()
            if found is None:
                raise StoreError(f"there is no user {key}")
            info = _user_info(found)
            s.execute(delete(CareTeamRow).where(CareTeamRow.therapist_id == found.id))
            s.execute(delete(UserRow).where(UserRow.id == found.id))
            return info

        return self._write(remove, audit)

    def login(self, issuer: str, subject: str, email: str | None, name: str = "") -> UserInfo | None:
        """The user this login is: keyed by issuer and subject, or the invitation to ``email`` (verified by the
        caller), claimed now; None for someone nobody invited."""
        try:
            matched = email_key(email) if email else ""
        except StoreError:  # a provider's odd address matches no invitation
            matched = ""
        context = {"issuer": issuer, "subject": subject, "email": matched}

        def claim(s: OrmSession) -> UserInfo | None:
            now = datetime.now(UTC)
            found = s.scalars(select(UserRow).where(UserRow.issuer == issuer, UserRow.subject == subject)).first()
            if found is None and matched:
                invited = select(UserRow).where(UserRow.issuer.is_(None), UserRow.email == context["email"])
                found = s.scalars(invited).first()
            if found is None:
                return None
            s.execute(
                update(UserRow).where(UserRow.id == found.id)
                .values(issuer=issuer, subject=subject, last_login_at=now, name=(name or found.name)[:120])
            )  # fmt: skip
            return UserInfo(found.id, found.email, found.role, found.athlete_id, name or found.name, True)

        try:
            with self._tx(write=True, login=context) as s:
                return claim(s)
        except IntegrityError:  # this identity already holds another invitation
            return None

    def visible_athletes(self, user_id: int | None) -> frozenset[int]:
        def read(s: OrmSession) -> frozenset[int]:
            me = s.get(UserRow, user_id) if user_id is not None else None
            if me is None:
                return frozenset()
            if me.role == "athlete":
                return frozenset({me.athlete_id} if me.athlete_id is not None else ())
            if me.role == "therapist":
                team = select(CareTeamRow.athlete_id).where(CareTeamRow.therapist_id == me.id)
                return frozenset(s.scalars(team).all())
            return frozenset()

        return self._read(read)

    def audit_log(self, athlete_ids: frozenset[int] | None = None, limit: int = 500) -> list[AuditInfo]:
        """Newest first; ``athlete_ids``: only entries about these athletes (None: every entry)."""

        def read(s: OrmSession) -> list[AuditInfo]:
            query = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
            if athlete_ids is not None:
                query = query.where(AuditRow.athlete_id.in_(sorted(athlete_ids)))
            return [AuditInfo(aware(a.at), a.actor, a.action, a.athlete_id, a.detail) for a in s.scalars(query)]

        return self._read(read)


def _user_info(row: UserRow, therapists: tuple[str, ...] = ()) -> UserInfo:
    return UserInfo(row.id, row.email, row.role, row.athlete_id, row.name, row.issuer is not None, therapists)
