"""The clinic server's gate: who is using the app, and for how long.

Contract: ``clinic_mode()`` is True when Streamlit's secrets have an ``[auth]`` section (an OpenID Connect
identity provider; ``.streamlit/secrets.toml`` or ``--secrets.files``); without one calfcheck is the local
app exactly as before, and ``gate()`` returns the local user. In clinic mode ``gate()`` runs before every
page: not logged in → a login page; the login past its idle timeout or absolute limit (``session_limits``)
→ logged out; logged in but never invited (or removed since) → one sentence and nothing else. Otherwise it
returns the user's ``Actor`` (users are keyed by issuer and subject; the email, only when the provider says
it is verified, is used once, to claim the invitation) and keeps it for ``current_actor()``, which every
page's ``open_records()`` uses. ``user_folder(base)`` is the logged-in user's own folder for drafts and
uploads (the local app keeps its old folders). On PostgreSQL the app refuses to serve as a role that the
row-level security policies would not hold (the tables' owner, a superuser).
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import streamlit as st

from app_pages.plain import plain
from app_pages.session_limits import ActivityBook, SessionLimits
from vision.errors import CalfcheckError
from vision.records import LOCAL_USER, Actor, Records

UNINVITED = "You have no invitation to this calfcheck yet: ask your therapist for an invitation."
_ACTOR = "calfcheck-actor"
_LOGIN = "calfcheck-login"  # (issuer, subject, user id) once this browser session is matched to a user


def clinic_mode() -> bool:
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def current_actor() -> Actor:
    """The actor the gate admitted on this run (the local user when there is no identity provider)."""
    if not clinic_mode():
        return LOCAL_USER
    actor = st.session_state.get(_ACTOR)
    if actor is None:  # never the local user on a clinic server
        st.stop()
    return actor


def user_folder(base: Path) -> Path:
    """The logged-in user's own folder under ``base`` (``base`` itself for the local app)."""
    actor = current_actor()
    if actor is LOCAL_USER:
        return base
    return base / hashlib.sha256(actor.key.encode()).hexdigest()[:16]


@st.cache_resource(show_spinner=False)
def _activity() -> ActivityBook:
    return ActivityBook()  # one for the server: every tab of a login shares its idle clock


def _limits() -> SessionLimits:
    try:
        return SessionLimits.from_settings(dict(st.secrets.get("calfcheck", {})))
    except CalfcheckError as exc:
        st.error(plain(f"The server's settings are wrong: {exc}."))
        st.stop()


@st.cache_resource(show_spinner=False)
def _row_security_bypassed(_records: Records, where: str) -> bool:
    return _records.row_security_bypassed  # asked of the database once per server, not on every run


def _records() -> Records:
    from app_pages.records import shared_records

    records = shared_records()
    if _row_security_bypassed(records, records.where):
        st.error(
            "This clinic server connects to PostgreSQL as the tables' owner, so row-level security would not hold."
            " Connect as the app's own role (calfcheck user grant-app-role)."
        )
        st.stop()
    return records


def _login_page() -> None:
    st.title("calfcheck")
    st.write("Log in with your clinic's account to continue.")
    if st.button("Log in", type="primary"):
        st.login()
    st.stop()


def _log_out_control(actor: Actor) -> None:
    with st.sidebar:
        st.text(f"Logged in as {actor.email} ({actor.role.value})")  # text: an address is never made a link
        if st.button("Log out", key="calfcheck-logout"):
            st.session_state.pop(_ACTOR, None)
            st.session_state.pop(_LOGIN, None)
            st.logout()


def gate() -> Actor:
    if not clinic_mode():
        return LOCAL_USER
    st.session_state.pop(_ACTOR, None)  # admitted afresh on every run
    if not st.user.is_logged_in:
        _login_page()
    claims = st.user.to_dict()
    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    if not issuer or not subject:
        st.write(UNINVITED)
        st.stop()
    limits = _limits()
    now = time.time()
    issued_at = float(claims.get("iat") or now)
    login = (issuer, subject, issued_at)
    if _activity().check(login, issued_at, now, limits, active=True) is not None:
        st.session_state.pop(_LOGIN, None)
        st.logout()
        st.stop()
    records = _records()
    try:
        actor = _admitted(records, issuer, subject, claims)
    except CalfcheckError as exc:
        st.error(plain(f"The athletes' records cannot be opened: {exc}."))
        st.stop()
    if actor is None:
        st.write(UNINVITED)  # one sentence, nothing else: no menu, no names
        st.stop()
    st.session_state[_ACTOR] = actor
    _watch_idle(login, issued_at, limits)
    _log_out_control(actor)
    return actor


def _admitted(records: Records, issuer: str, subject: str, claims: dict) -> Actor | None:
    """The user this login is, checked again on every run: a user removed a moment ago is let in no more."""
    known = st.session_state.get(_LOGIN)
    if known is not None and known[:2] == (issuer, subject):
        return records.current_actor(known[2], issuer, subject)
    verified = claims.get("email_verified") is True
    email = str(claims.get("email") or "") if verified else None
    actor = records.login(issuer, subject, email or None, str(claims.get("name") or ""))
    if actor is not None:
        st.session_state[_LOGIN] = (issuer, subject, actor.user_id)
    return actor


def _watch_idle(login: tuple[str, str, float], issued_at: float, limits: SessionLimits) -> None:
    """An idle page does not stay on screen: every so often (not counted as activity) the login is checked,
    and a login that has ended is logged out where it stands."""

    @st.fragment(run_every=max(2.0, min(60.0, limits.idle_s / 4)))
    def watch() -> None:
        if _activity().check(login, issued_at, time.time(), limits, active=False) is not None:
            st.session_state.pop(_ACTOR, None)
            st.session_state.pop(_LOGIN, None)
            st.logout()

    watch()
