"""Who is doing something with the records, and what they may do: the one place access rules live.

Contract: every call into ``vision.records.Records`` carries an ``Actor``. ``require(actor, action)``
raises ``NotAllowed`` (one sentence) when the actor's role may not do ``action``. Today there is one role,
the local user of a calfcheck on their own machine, who may do everything; the clinic server adds roles
(admin, therapist, athlete) and per-athlete rules here, not in the methods that read and write.
Notes and prescription changes are signed with ``actor.name``, never with text typed on a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vision.errors import CalfcheckError


class Role(StrEnum):
    LOCAL = "local"  # the one user of a calfcheck on their own machine (no login)


class Action(StrEnum):
    READ = "read"  # an athlete's course, sessions, sets, notes
    ADD_ATHLETE = "add an athlete"
    SAVE_SET = "save a set"
    PRESCRIBE = "change a prescription"
    REVIEW = "review a session"  # notes and the reviewed flag


@dataclass(frozen=True)
class Actor:
    key: str  # stable identity (for a login: issuer and subject)
    name: str  # how notes and prescription changes are signed
    role: Role


LOCAL_USER = Actor("local", "local user", Role.LOCAL)

ALLOWED: dict[Role, frozenset[Action]] = {Role.LOCAL: frozenset(Action)}


class NotAllowed(CalfcheckError):
    """The actor's role may not do this."""


def require(actor: Actor, action: Action) -> None:
    if action not in ALLOWED.get(actor.role, frozenset()):
        raise NotAllowed(f"{actor.name} may not {action.value}")
