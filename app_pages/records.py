"""The app's link to athletes' records: one ``Store`` per server, the Save panel, and live-set drafts.

Contract: ``open_store()`` returns the shared ``Store`` (``CALFCHECK_DB`` or the default SQLite) or shows
one sentence and stops the page when the database cannot be used. ``save_panel(SetToSave, ...)`` is the
explicit Save: pick or add an athlete, the day, then save; it reports the session and set saved (or that
the clip was already saved) and the programme's advice for the next session. ``DraftStore`` keeps a
finished live set (landmarks and report, no video) in the user's private folder until it is saved or
discarded, so refreshing the browser after a set loses nothing.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import streamlit as st

from app_pages.uploads import DEFAULT_ROOT
from vision.course import athlete_course
from vision.outputs import write_atomic
from vision.report import settings_key
from vision.store import Store, StoreError
from vision.store import landmarks as codec
from vision.types import Leg, Session

NEW_ATHLETE = "➕ New athlete…"


@st.cache_resource(show_spinner=False)
def _store(url: str | None) -> Store:
    return Store(url)


def open_store() -> Store:
    try:
        return _store(os.environ.get("CALFCHECK_DB") or None)
    except StoreError as exc:
        st.error(f"The athletes' records cannot be opened: {exc}.")
        st.stop()


def athlete_picker(store: Store, key: str, allow_new: bool = True) -> str | None:
    """An existing athlete's name, a new one typed in (added on save), or None."""
    names = [a.name for a in store.athletes()]
    options = names + ([NEW_ATHLETE] if allow_new else [])
    if not options:
        st.info("No athletes yet.")
        return None
    remembered = st.session_state.get("athlete")
    index = options.index(remembered) if remembered in options else 0
    choice = st.selectbox("Athlete", options, index=index, key=f"{key}-athlete")
    if choice == NEW_ATHLETE:
        typed = st.text_input("New athlete's name", key=f"{key}-new-athlete", max_chars=120)
        return typed.strip() or None
    return choice


@dataclass(frozen=True)
class SetToSave:
    """A scored set as it will be stored: its report, its landmarks, and where it came from."""

    report: dict
    landmarks: bytes
    clip_name: str
    content_hash: str  # the clip's SHA-256, or the landmarks' for a live set
    clip: Path | None = None  # the uploaded file, when the user may keep the video

    @classmethod
    def from_session(cls, session: Session, clip: Path | None = None, content_hash: str | None = None) -> SetToSave:
        from vision.report import session_to_dict

        blob = codec.pack(session.track)
        return cls(session_to_dict(session), blob, session.source, content_hash or codec.digest(blob), clip)


def save_panel(item: SetToSave, *, source: str, key: str, on_saved=None) -> None:
    """Save the scored set to an athlete's record (explicitly, with a button)."""
    store = open_store()
    with st.container(border=True):
        st.markdown("**Save to an athlete's record**")
        cols = st.columns([2, 1, 1])
        with cols[0]:
            name = athlete_picker(store, key)
        day = cols[1].date_input("Day of training", value=date.today(), key=f"{key}-day", max_value=date.today())
        keep = cols[2].checkbox("Keep the video too", value=False, key=f"{key}-keep", disabled=item.clip is None,
                                help="By default only the landmarks are stored, never the video.")  # fmt: skip
        if not st.button("Save set", key=f"{key}-save", type="primary", disabled=not name):
            return
        report = item.report
        try:
            if name.lower() not in [a.name.lower() for a in store.athletes()]:
                store.add_athlete(name)
            saved = store.save_set(
                name, report, clip_name=item.clip_name, content_hash=item.content_hash, source=source,
                settings=settings_key(report["protocol"], report["leg"], report["band"]), landmarks=item.landmarks,
                video=item.clip.read_bytes() if keep and item.clip is not None else None, day=day,
            )  # fmt: skip
            name = store.athlete(name).name
            st.session_state["athlete"] = name
            advice = athlete_course(store, name).legs[Leg(report["leg"])].advice
        except StoreError as exc:
            st.error(f"Not saved: {exc}.")
            return
        if saved.duplicate:
            st.info(f"This set was already saved for {name} (session {saved.session_id}, set {saved.number}).")
        else:
            st.success(f"Saved for {name}: session {saved.session_id}, set {saved.number}.")
        if advice is not None:
            st.markdown(f"**Next session:** {advice_text(advice)}")
        if on_saved is not None:
            on_saved()


def advice_text(advice) -> str:
    return f"**{advice.headline}** — {advice.reason}."


@dataclass(frozen=True)
class Draft:
    name: str  # file stem
    finished_at: float
    reps: int
    protocol: str


class DraftStore:
    """Finished live sets not yet saved: ``<uploads>/drafts/<stem>.npz`` (landmarks) + ``.json`` (report).

    Kept for a day at most; health data stays in the user's private folder.
    """

    MAX_AGE_S = 24 * 3600

    def __init__(self, folder: Path | None = None) -> None:
        # Beside the uploads folder, not in it: the uploads' two-hour sweep must not take a draft.
        self.folder = folder or DEFAULT_ROOT.with_name(DEFAULT_ROOT.name.replace("uploads", "drafts"))

    def put(self, session: Session) -> str:
        item = SetToSave.from_session(session)
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)  # health data: only this user
        blob = item.landmarks
        stem = item.content_hash[:16]
        meta = {
            "report": item.report,
            "finished_at": time.time(),
            "band": session.band,
            "protocol": session.protocol.id,
            "leg": session.leg.value,
        }
        write_atomic(self.folder / f"{stem}.npz", blob)
        write_atomic(self.folder / f"{stem}.json", json.dumps(meta))  # written last: marks the draft complete
        return stem

    def list(self) -> list[Draft]:
        drafts = []
        for meta_path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                meta = json.loads(meta_path.read_text())
            except (OSError, ValueError):
                continue
            if time.time() - meta["finished_at"] > self.MAX_AGE_S:
                self.discard(meta_path.stem)
                continue
            reps = meta["report"]["summary"]["rep_count"]
            drafts.append(Draft(meta_path.stem, meta["finished_at"], reps, meta["protocol"]))
        return sorted(drafts, key=lambda d: d.finished_at, reverse=True)

    def item(self, stem: str) -> SetToSave:
        """The draft exactly as the athlete saw it live (not re-scored)."""
        meta = json.loads((self.folder / f"{stem}.json").read_text())
        blob = (self.folder / f"{stem}.npz").read_bytes()
        return SetToSave(meta["report"], blob, "webcam", codec.digest(blob))

    def discard(self, stem: str) -> None:
        for suffix in (".json", ".npz"):
            (self.folder / f"{stem}{suffix}").unlink(missing_ok=True)
