"""The product's memory: athletes, prescriptions, training sessions, sets, reps and notes, read and written
safely. Tables and transactions only: no report parsing, no programme, no policy, no command names.

Contract: ``Store(url)`` opens (and migrates) the database. Every method is one transaction: it commits
whole or leaves nothing (a crash or Ctrl-C mid-save included). Athletes are addressed by id; a name is what
people see, found through ``find_athlete`` by its folded key (``names.name_key``). Methods take and return
the plain frozen dataclasses of ``rows``, never ORM objects, and raise ``StoreError`` with one sentence for
anything a user can cause (unknown or duplicate athlete, a locked, read-only or unreachable database).

The jobs live in their own modules over one transaction helper (``transactions``): athletes and
prescriptions (``athletes``), training sessions and sets, with the duplicate and locking rules of a save
(``sets``), the review workflow (``review``), and a clinic server's users, care teams and audit log
(``people``).
"""

from __future__ import annotations

from vision.store.athletes import AthleteTables
from vision.store.people import PeopleTables
from vision.store.review import ReviewTables
from vision.store.sets import SOURCES, SetTables

__all__ = ["SOURCES", "Store"]


class Store(AthleteTables, SetTables, ReviewTables, PeopleTables):
    """The whole store: athletes and prescriptions, sets, the review workflow, and people, each in its own
    module."""
