"""On a clinic server, live drafts and uploads belong to the logged-in user: each person's own folder (0700),
inside the server's private one; the local app keeps its old folders. (The pages' folders, without a browser:
the gate's admitted actor is set by hand.)"""

from __future__ import annotations

import os
import stat

from app_pages import clinic
from app_pages.records import DraftStore
from tests.synthetic import band_session
from vision.records import LOCAL_USER, Actor, Role

A1 = Actor("https://idp a1", "a1@clinic.test", Role.ATHLETE, 4, "a1@clinic.test")
T1 = Actor("https://idp t1", "t1@clinic.test", Role.THERAPIST, 2, "t1@clinic.test")


def test_each_user_has_their_own_drafts_and_the_local_app_its_old_folder(monkeypatch, tmp_path):
    base = tmp_path / "calfcheck-drafts-0"
    monkeypatch.setattr(DraftStore, "__init__", lambda self, folder=None: setattr(self, "folder", folder or base))
    monkeypatch.setattr(clinic, "current_actor", lambda: LOCAL_USER)
    assert DraftStore.for_user().folder == base
    stores = {}
    for actor in (A1, T1):
        monkeypatch.setattr(clinic, "current_actor", lambda actor=actor: actor)
        stores[actor.email] = DraftStore.for_user()
    a1, t1 = stores["a1@clinic.test"], stores["t1@clinic.test"]
    assert a1.folder != t1.folder and a1.folder.parent == t1.folder.parent == base
    stem = a1.put(band_session(6))
    assert [d.name for d in a1.list()] == [stem]
    assert t1.list() == []  # another person's browser never lists A1's unsaved set
    for folder in (base, a1.folder):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
