"""Who is doing something with the records, and what they may do: the one place access rules live.

Contract: every call into ``vision.records.Records`` carries an ``Actor``. ``require(actor, action)``
raises ``NotAllowed`` (one sentence) when the actor's role may not do ``action``; ``ALLOWED`` is the whole
table. ``limited(actor)`` says whether the actor sees only some athletes (then the records service asks the
store which: an athlete their own record, a therapist their care team, read afresh at every call so a removed
user's access ends at once; an athlete or session outside them is answered exactly as one that does not
exist). ``sees_private_notes(actor)``: therapist-only notes are never shown to an athlete.

Roles: the local user of a calfcheck on their own machine (no login; also the CLI, which on a clinic server
acts as its administrator: shell access to the server is full access) may do everything. On a clinic server:
an *admin* manages users and reads the audit log, not the athletes' records; a *therapist* reads, reviews,
prescribes and invites for their care team; an *athlete* reads their own record and saves their own sets.
Notes and prescription changes are signed with ``actor.name``, never with text typed on a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vision.errors import CalfcheckError


class Role(StrEnum):
    LOCAL = "local"  # the one user of a calfcheck on their own machine (no login), and the server's CLI
    ADMIN = "admin"
    THERAPIST = "therapist"
    ATHLETE = "athlete"


class Action(StrEnum):
    READ = "read"  # an athlete's course, sessions, sets, notes
    ADD_ATHLETE = "add an athlete"
    SAVE_SET = "save a set"
    PRESCRIBE = "change a prescription"
    REVIEW = "review a session"  # the queue, notes and the reviewed flag
    INVITE = "invite someone"  # a therapist invites an athlete; an admin anyone
    MANAGE_USERS = "manage users"  # list and remove users, name therapists
    READ_AUDIT = "read the audit log"


@dataclass(frozen=True)
class Actor:
    key: str  # stable identity (for a login: issuer and subject)
    name: str  # how notes and prescription changes are signed
    role: Role
    user_id: int | None = None  # a clinic server's user (the users table); None for the local user
    email: str = ""  # a clinic server's user: how the audit log names them


LOCAL_USER = Actor("local", "local user", Role.LOCAL)

ALLOWED: dict[Role, frozenset[Action]] = {
    Role.LOCAL: frozenset(Action),
    Role.ADMIN: frozenset({Action.INVITE, Action.MANAGE_USERS, Action.READ_AUDIT}),
    Role.THERAPIST: frozenset(
        {
            Action.READ,
            Action.ADD_ATHLETE,
            Action.SAVE_SET,
            Action.PRESCRIBE,
            Action.REVIEW,
            Action.INVITE,
            Action.READ_AUDIT,
        }
    ),  # fmt: skip
    Role.ATHLETE: frozenset({Action.READ, Action.SAVE_SET}),
}


class NotAllowed(CalfcheckError):
    """The actor's role may not do this."""


def require(actor: Actor, action: Action) -> None:
    if action not in ALLOWED.get(actor.role, frozenset()):
        raise NotAllowed(f"{actor.name} may not {action.value}")


def limited(actor: Actor) -> bool:
    """True when the actor sees only some athletes' records (the store says which); False: every athlete."""
    return actor.role is not Role.LOCAL


def sees_private_notes(actor: Actor) -> bool:
    return actor.role is not Role.ATHLETE


def audit_name(actor: Actor) -> str:
    return actor.email or actor.name
