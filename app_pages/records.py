"""The app's link to athletes' records: one records service per server, the Save panel, and live-set drafts.

Contract: ``open_records()`` returns the records service on behalf of whoever uses the page (``CALFCHECK_DB``
or the default SQLite; one database connection pool per server, ``shared_records``; the local user as actor,
or on a clinic server the logged-in user the gate admitted, ``clinic.current_actor``) or shows one sentence
and stops the page when the database cannot be used. On a clinic server the athlete picker preselects no one
the user did not choose in this session, and an athlete saving or reading is always themselves (no picker).
``save_panel(SetToSave, clip=..., ...)`` is the explicit Save: pick or add an athlete, the day, then save;
it shows what the records service says (where the set went, or where it already is, and the programme's
advice for the next session) as plain text. ``DraftStore`` keeps a finished live set (``SetToSave``:
landmarks and report, no video) in the user's private folder until it is saved or discarded, so refreshing
the browser after a set loses nothing.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import streamlit as st

from app_pages.clinic import current_actor, user_folder
from app_pages.plain import plain
from app_pages.uploads import DEFAULT_ROOT
from vision.errors import CalfcheckError
from vision.outputs import write_atomic
from vision.programme import programme_in_force
from vision.records import LOCAL_USER, Records, Role, SetToSave
from vision.records.days import day_window
from vision.records.service import MAX_LOAD_KG
from vision.records.unsaved import keep_unsaved
from vision.types import AnalysedSet

NEW_ATHLETE = "➕ New athlete…"


@st.cache_resource(show_spinner=False)
def _records(url: str | None) -> Records:
    return Records.open(url)


def shared_records() -> Records:
    """The server's one records service as the local user (its database pool is shared by every user)."""
    try:
        return _records(os.environ.get("CALFCHECK_DB") or None)
    except CalfcheckError as exc:
        st.error(plain(f"The athletes' records cannot be opened: {exc}."))
        st.stop()


def open_records() -> Records:
    shared = shared_records()
    actor = current_actor()
    return shared if actor is LOCAL_USER else Records(shared.store, actor)


def athlete_picker(records: Records, key: str, allow_new: bool = True) -> str | None:
    """An existing athlete's name, a new one typed in (added on save), or None. An athlete on a clinic server
    is always themselves."""
    if records.actor.role is Role.ATHLETE:
        mine = records.athletes()
        return mine[0].name if mine else None
    names = [a.name for a in records.athletes()]
    options = names + ([NEW_ATHLETE] if allow_new else [])
    if not options:
        st.info("No athletes yet.")
        return None
    remembered = st.session_state.get("athlete")
    if remembered in options:
        index = options.index(remembered)
    else:  # the local app keeps its old default; a clinic's therapist chooses, so no set goes to the wrong person
        index = 0 if records.actor is LOCAL_USER else None
    choice = st.selectbox("Athlete", options, index=index, key=f"{key}-athlete", placeholder="Choose an athlete")
    if choice == NEW_ATHLETE:
        typed = st.text_input("New athlete's name", key=f"{key}-new-athlete", max_chars=120)
        return typed.strip() or None
    return choice


def save_panel(item: SetToSave, *, source: str, key: str, clip: Path | None = None, on_saved=None) -> None:
    """Save the scored set to an athlete's record (explicitly, with a button). When the database fails (gone,
    locked, full), the page says so and the scored set is kept in a file, never thrown away."""
    records = open_records()
    with st.container(border=True):
        st.markdown("**Save to an athlete's record**")
        rules = programme_in_force()
        loaded = item.band is None and rules.moves_by_load(item.protocol)  # heel raises move up by load
        cols = st.columns([2, 1, 1, 1] if loaded else [2, 1, 1])
        first, last = day_window()
        day = cols[1].date_input("Day of training", value=date.today(), key=f"{key}-day", min_value=first,
                                 max_value=min(last, date.today()))  # fmt: skip
        with cols[0]:
            try:
                name = athlete_picker(records, key, allow_new=records.actor.role is not Role.ATHLETE)
                if records.actor.role is Role.ATHLETE:
                    st.text_input("Athlete", value=name or "", disabled=True, key=f"{key}-me")
            except CalfcheckError as exc:  # the records cannot even be read: nothing can be saved now
                st.error(plain(f"The athletes' records cannot be read: {exc}."))
                typed = st.session_state.get(f"{key}-new-athlete") or st.session_state.get("athlete") or ""
                _keep(item, typed.strip(), day, source)
                return
        keep = cols[-1].checkbox("Keep the video too", value=False, key=f"{key}-keep", disabled=clip is None,
                                 help="By default only the landmarks are stored, never the video.")  # fmt: skip
        if loaded:
            load = cols[2].number_input(
                "Load (kg)", min_value=0.0, max_value=MAX_LOAD_KG, value=None, step=rules.load_step_kg,
                key=f"{key}-load", placeholder="as prescribed",
                help="Kilograms held or worn (dumbbells, a loaded backpack). 0: body weight. Empty: as prescribed.",
            )  # fmt: skip
            item = item.with_load(load)
        if not st.button("Save set", key=f"{key}-save", type="primary", disabled=not name):
            return
        try:
            athlete = records.athlete_or_new(name)
            video = clip.read_bytes() if keep and clip is not None else None
            outcome = records.save_set(athlete.id, item, source=source, day=day, video=video)
        except (CalfcheckError, OSError) as exc:
            st.error(plain(f"Not saved: {exc}."))
            if item.reliable:  # the database failed, not the clip: keep the scored set
                _keep(item, name, day, source)
            return
        st.session_state["athlete"] = outcome.athlete.name
        (st.info if outcome.saved.duplicate else st.success)(plain(outcome.message))
        if outcome.next_session:
            st.text(outcome.next_session)  # as text: a name is typed by a person, never Markdown
        if on_saved is not None:
            on_saved()


def _keep(item: SetToSave, name: str, day: date, source: str) -> None:
    """Keep a set the database could not take, and say where and how to file it later."""
    try:
        kept = keep_unsaved(item, name, day, source)
    except OSError as exc:
        st.error(plain(f"The scored set could not be kept either: {exc.strerror or exc}."))
        return
    hint = "" if name else " --athlete NAME"
    st.text(f"The scored set is kept in {kept}; once the database is back, 'calfcheck save {kept}{hint}' files it.")


@dataclass(frozen=True)
class Draft:
    name: str  # file stem
    finished_at: float
    reps: int
    protocol: str


class DraftStore:
    """Finished live sets not yet saved: ``<drafts>/<stem>.json`` (the ``SetToSave`` and when it finished).

    Kept for a day at most; health data stays in the user's private folder (on a clinic server, the logged-in
    user's own folder inside it: another person's browser never lists them).
    """

    MAX_AGE_S = 24 * 3600

    def __init__(self, folder: Path | None = None) -> None:
        # Beside the uploads folder, not in it: the uploads' two-hour sweep must not take a draft.
        self.folder = folder or DEFAULT_ROOT.with_name(DEFAULT_ROOT.name.replace("uploads", "drafts"))

    @classmethod
    def for_user(cls) -> DraftStore:
        """The drafts of whoever uses the page."""
        base = cls().folder
        folder = user_folder(base)
        if folder != base:  # a clinic server: the shared folder is the server's alone too
            base.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(base, 0o700)
        return cls(folder)

    def put(self, session: AnalysedSet) -> str:
        item = SetToSave.from_analysis(session)
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)  # health data: only this user
        stem = item.content_hash[:16]
        draft = {"finished_at": time.time(), "set": item.to_draft()}
        write_atomic(self.folder / f"{stem}.json", json.dumps(draft))  # whole or not at all
        return stem

    def _read(self, stem: str) -> tuple[float, SetToSave]:
        draft = json.loads((self.folder / f"{stem}.json").read_text())
        return float(draft["finished_at"]), SetToSave.from_draft(draft["set"])

    def list(self) -> list[Draft]:
        drafts = []
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                finished_at, item = self._read(path.stem)
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a draft from an older calfcheck or half a disk: not offered
            if time.time() - finished_at > self.MAX_AGE_S:
                self.discard(path.stem)
                continue
            drafts.append(Draft(path.stem, finished_at, item.rep_count, item.protocol))
        return sorted(drafts, key=lambda d: d.finished_at, reverse=True)

    def item(self, stem: str) -> SetToSave:
        """The draft exactly as the athlete saw it live (not re-scored)."""
        return self._read(stem)[1]

    def discard(self, stem: str) -> None:
        (self.folder / f"{stem}.json").unlink(missing_ok=True)
