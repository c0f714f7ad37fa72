"""Athletes' records as people use them: one service for every face (CLI, batch, the app's pages).

Contract: ``Records`` (``service``) saves a set, reads a course, reviews, notes and prescribes, on behalf
of an ``Actor`` (``actor``: who is asking, and the one place that decides what they may do). A set is saved
from ``SetToSave`` (``set_to_save``: built from the analysis result), whose duplicate key is computed once
(``set_key``); what the user is told after a save is worded once (``outcome``). Storage (``vision.store``)
knows tables and transactions only and is reached from nowhere else.
"""

from vision.records.actor import LOCAL_USER, Action, Actor, NotAllowed, Role
from vision.records.outcome import SaveOutcome, advice_line
from vision.records.service import Records
from vision.records.set_to_save import SetToSave
from vision.store import StoreError  # the one error the faces catch from the records

__all__ = [
    "LOCAL_USER",
    "Action",
    "Actor",
    "NotAllowed",
    "Records",
    "Role",
    "SaveOutcome",
    "SetToSave",
    "StoreError",
    "advice_line",
]
