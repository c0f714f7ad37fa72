"""A clinic server's isolation, in the records service's actor rules (SQLite and PostgreSQL) and in
PostgreSQL's row-level security (a raw SELECT as the app's own database role).

The clinic: therapist T1 looks after athlete Ana (A1), therapist T2 after Bo (A2); each athlete has a saved
set, a prescription, a therapist-only note and a note shared with them. Every expectation is what the test
itself set up (whose rows, which notes), never read back from the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import create_engine, text

from tests.synthetic import band_session
from vision.records import LOCAL_USER, Actor, NotAllowed, Records, SetToSave
from vision.store import StoreError

ISSUER = "http://127.0.0.1:9/idp"
DAY = date(2026, 11, 2)
PRIVATE, SHARED = "therapist-only: watch the left knee", "shared: well done, keep the 3 s return"


@dataclass
class Clinic:
    url: str
    ana: int
    bo: int
    ana_session: int
    bo_session: int
    bo_set: int

    def login(self, who: str) -> Actor:
        with Records.open(self.url) as records:
            actor = records.login(ISSUER, f"sub-{who}", f"{who}@clinic.test", who.upper())
        assert actor is not None, who
        return actor

    def records(self, who: str) -> Records:
        return Records.open(self.url, self.login(who))


def make_clinic(url: str) -> Clinic:
    with Records.open(url) as records:  # the CLI on the server: the local user, full access
        ana, bo = records.add_athlete("Ana").id, records.add_athlete("Bo").id
        records.invite("admin@clinic.test", "admin")
        records.invite("t1@clinic.test", "therapist")
        records.invite("t2@clinic.test", "therapist")
        records.invite("a1@clinic.test", "athlete", athlete="Ana", therapists=("t1@clinic.test",))
        records.invite("a2@clinic.test", "athlete", athlete="Bo", therapists=("t2@clinic.test",))
        sessions = {}
        for athlete_id, reps in ((ana, 7), (bo, 9)):
            records.prescribe(athlete_id, "left", "band-tempo", "red", start=DAY)
            item = SetToSave.from_analysis(band_session(reps), content_hash=f"clip-{athlete_id}")
            saved = records.save_set(athlete_id, item, source="cli", day=DAY).saved
            records.add_note(saved.session_id, PRIVATE)
            records.add_note(saved.session_id, SHARED, shared=True)
            sessions[athlete_id] = saved
    return Clinic(url, ana, bo, sessions[ana].session_id, sessions[bo].session_id, sessions[bo].set_id)


@pytest.fixture
def clinic(db_url) -> Clinic:
    return make_clinic(db_url)


def test_an_athlete_sees_and_saves_only_their_own_record(clinic):
    with clinic.records("a1") as a1:
        assert [a.name for a in a1.athletes()] == ["Ana"]
        assert a1.course(clinic.ana).athlete.name == "Ana"
        # Bo's record by any id is answered as one that does not exist (the same sentence as a made-up id).
        for ask, missing in (
            (lambda: a1.course(clinic.bo), lambda: a1.course(99999)),
            (lambda: a1.session(clinic.bo_session), lambda: a1.session(99999)),
            (lambda: a1.sessions(clinic.bo), lambda: a1.sessions(99999)),
            (lambda: a1.stored_set(clinic.bo_session), lambda: a1.stored_set(99999)),
            (lambda: a1.landmarks(clinic.bo_set), lambda: a1.landmarks(99999)),
            (lambda: a1.video(clinic.bo_set), lambda: a1.video(99999)),
            (lambda: a1.prescription_history(clinic.bo), lambda: a1.prescription_history(99999)),
        ):
            with pytest.raises(StoreError) as bo:
                ask()
            with pytest.raises(StoreError) as nobody:
                missing()
            assert str(bo.value).replace(str(clinic.bo_session), "N").replace(str(clinic.bo_set), "N").replace(
                str(clinic.bo), "N"
            ) == str(nobody.value).replace("99999", "N")
            assert "Bo" not in str(bo.value)
        with pytest.raises(StoreError, match="no athlete called 'Bo'"):
            a1.athlete("Bo")  # as if there were no Bo
        item = SetToSave.from_analysis(band_session(8), content_hash="a1-at-home")
        assert a1.save_set(clinic.ana, item, source="upload", day=DAY).saved.duplicate is False
        with pytest.raises(StoreError, match="there is no athlete with id"):
            a1.save_set(clinic.bo, SetToSave.from_analysis(band_session(8), content_hash="x"), source="upload")
        for forbidden, words in (
            (lambda: a1.add_note(clinic.ana_session, "self-review"), "may not review a session"),
            (lambda: a1.mark_reviewed(clinic.ana_session), "may not review a session"),
            (lambda: a1.prescribe(clinic.ana, "left", "band-tempo", "green"), "may not change a prescription"),
            (lambda: a1.add_athlete("Cy"), "may not add an athlete"),
            (lambda: a1.review_queue(), "may not review a session"),
            (lambda: a1.audit_log(), "may not read the audit log"),
            (lambda: a1.users(), "may not manage users"),
        ):
            with pytest.raises(NotAllowed, match=words):
                forbidden()


def test_therapist_only_notes_stay_with_the_therapists(clinic):
    with clinic.records("a1") as a1:
        assert [n.text for n in a1.session(clinic.ana_session).notes] == [SHARED]
        course_notes = [n.text for leg in a1.course(clinic.ana).legs.values() for s in leg.sessions for n in s.notes]
        assert course_notes == [SHARED]
    with clinic.records("t1") as t1:
        assert [n.text for n in t1.session(clinic.ana_session).notes] == [PRIVATE, SHARED]


def test_a_therapist_sees_their_care_team_only_and_invites_their_athletes(clinic):
    with clinic.records("t1") as t1:
        assert [a.name for a in t1.athletes()] == ["Ana"]
        assert {s.athlete for s in t1.review_queue()} == {"Ana"}
        with pytest.raises(StoreError, match=f"there is no session {clinic.bo_session}"):
            t1.add_note(clinic.bo_session, "not my athlete")
        with pytest.raises(StoreError, match="there is no athlete with id"):
            t1.prescribe(clinic.bo, "left", "band-tempo", "green")
        t1.add_note(clinic.ana_session, "T1's note")
        t1.prescribe(clinic.ana, "left", "band-tempo", "green", reason="above the limit twice")
        t1.invite("cy@clinic.test", "athlete", athlete="Cy")  # a new record, in T1's care team
        with pytest.raises(NotAllowed, match="may invite athletes only"):
            t1.invite("t3@clinic.test", "therapist")
        assert [a.name for a in t1.athletes()] == ["Ana", "Cy"]
    with clinic.records("t2") as t2:
        assert [a.name for a in t2.athletes()] == ["Bo"]
    with clinic.records("cy") as cy:
        assert [a.name for a in cy.athletes()] == ["Cy"]
    with clinic.records("admin") as admin:
        users = {u.email: u for u in admin.users()}
        assert users["cy@clinic.test"].therapists == ("t1@clinic.test",)
        with pytest.raises(NotAllowed, match="may not read"):
            admin.athletes()  # an admin runs the server, not the athletes' records


def test_a_login_claims_its_invitation_once_and_nobody_else_gets_in(clinic):
    with Records.open(clinic.url) as records:
        assert records.login(ISSUER, "sub-stranger", "stranger@clinic.test") is None  # uninvited
        assert records.login(ISSUER, "sub-nomail", None) is None  # no verified email: no invitation matched
        assert records.login(ISSUER, "sub-odd", "not an address") is None
        first = records.login(ISSUER, "sub-a1", "A1@Clinic.test")  # the same address, any case
        assert first is not None and first.role == "athlete"
        # Keyed by issuer and subject from now on: a changed email is still the same person...
        again = records.login(ISSUER, "sub-a1", "new-address@clinic.test")
        assert again is not None and again.user_id == first.user_id
        # ...and another identity presenting the same email does not get in.
        assert records.login(ISSUER, "sub-impostor", "a1@clinic.test") is None
        assert records.login("http://other-issuer", "sub-a1", "a1@clinic.test") is None


def test_a_removed_user_loses_access_at_once_and_the_records_stay(clinic):
    t1 = clinic.records("t1")
    assert [a.name for a in t1.athletes()] == ["Ana"]
    with Records.open(clinic.url) as server:
        server.remove_user("t1@clinic.test")
    assert t1.athletes() == []  # the same Records object, with no new login
    with pytest.raises(StoreError, match="there is no session"):
        t1.session(clinic.ana_session)
    with Records.open(clinic.url) as records:
        assert records.current_actor(t1.actor.user_id, ISSUER, "sub-t1") is None
        assert records.login(ISSUER, "sub-t1", "t1@clinic.test") is None
        assert [a.name for a in records.athletes()] == ["Ana", "Bo"]
        assert len(records.sessions(clinic.ana)) == 1
    t1.close()


def test_the_audit_log_says_who_did_what_never_what_a_note_says(clinic):
    with clinic.records("t1") as t1:
        t1.course(clinic.ana)
        t1.session(clinic.ana_session)
        t1.add_note(clinic.ana_session, "a secret clinical observation")
        t1.mark_reviewed(clinic.ana_session)
        own = t1.audit_log()
    with clinic.records("a1") as a1:
        a1.course(clinic.ana)
    with clinic.records("admin") as admin:
        entries = admin.audit_log()
    with clinic.records("t2") as t2:
        assert {e.athlete_id for e in t2.audit_log()} <= {clinic.bo}
    mine = [(e.actor, e.action, e.athlete_id) for e in reversed(entries) if e.actor == "t1@clinic.test"]
    assert mine == [
        ("t1@clinic.test", "login", None),
        ("t1@clinic.test", "view", clinic.ana),  # the course
        ("t1@clinic.test", "view", clinic.ana),  # the session
        ("t1@clinic.test", "note", clinic.ana),
        ("t1@clinic.test", "review", clinic.ana),
    ]
    assert ("a1@clinic.test", "view", clinic.ana) in [(e.actor, e.action, e.athlete_id) for e in entries]
    assert any(e.actor == "local user" and e.action == "save" for e in entries)  # the CLI's saves too
    assert all("secret" not in e.detail and PRIVATE not in e.detail for e in entries)
    assert {e.athlete_id for e in own} <= {clinic.ana, None} and clinic.ana in {e.athlete_id for e in own}


# --- PostgreSQL: row-level security -------------------------------------------------------------------


@pytest.fixture
def pg_clinic(postgres_server) -> tuple[Clinic, str]:
    """A clinic on PostgreSQL and the URL of the app's own role (no table is its own), granted by the CLI."""
    from tests.test_cli import calfcheck

    url = postgres_server.new_database()
    clinic = make_clinic(url)
    owner = create_engine(url)
    with owner.begin() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = 'calfcheck_app'")) is None:
            conn.execute(text("CREATE ROLE calfcheck_app LOGIN"))
    owner.dispose()
    granted = calfcheck("user", "grant-app-role", "calfcheck_app", "--db", url)
    assert granted.returncode == 0, granted.stderr
    return clinic, url.replace("//calfcheck@", "//calfcheck_app@")


def _user_id(url: str, email: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.scalar(text("SELECT id FROM users WHERE email = :e"), {"e": email})
    engine.dispose()
    return found


def test_as_the_app_role_with_a1_set_every_table_holds_only_a1s_rows(pg_clinic):
    clinic, app_url = pg_clinic
    clinic.login("a1")  # claims the invitation (through the policies: the app role logs people in)
    a1 = _user_id(clinic.url, "a1@clinic.test")
    app = create_engine(app_url)
    with app.begin() as conn:
        conn.execute(text("SELECT set_config('calfcheck.user', :u, true)"), {"u": str(a1)})
        seen = {
            "athletes": conn.execute(text("SELECT id FROM athletes")).scalars().all(),
            "prescriptions": conn.execute(text("SELECT athlete_id FROM prescriptions")).scalars().all(),
            "sessions": conn.execute(text("SELECT athlete_id FROM sessions")).scalars().all(),
            "sets": conn.execute(text("SELECT athlete_id FROM sets")).scalars().all(),
            "reps": conn.execute(text("SELECT s.athlete_id FROM reps r JOIN sets s ON s.id = r.set_id")).all(),
            "all reps": conn.execute(text("SELECT count(*) FROM reps")).scalar(),
            "notes": conn.execute(text("SELECT text FROM notes")).scalars().all(),
            "users": conn.execute(text("SELECT email FROM users")).scalars().all(),
            "care_team": conn.execute(text("SELECT athlete_id FROM care_team")).scalars().all(),
            "audit_log": conn.execute(text("SELECT count(*) FROM audit_log")).scalar(),
        }
    assert seen["athletes"] == [clinic.ana]
    assert set(seen["prescriptions"]) == set(seen["sessions"]) == set(seen["sets"]) == {clinic.ana}
    assert {r[0] for r in seen["reps"]} == {clinic.ana} and seen["all reps"] == 7  # Ana's 7 reps, not Bo's 9
    assert seen["notes"] == [SHARED]  # Ana's shared note only: not her therapist-only note, nothing of Bo's
    assert seen["users"] == ["a1@clinic.test"]
    assert seen["care_team"] == [clinic.ana]
    assert seen["audit_log"] == 0  # athletes do not read the audit log
    # Writes to Bo's rows fail or touch nothing.
    with app.begin() as conn:
        conn.execute(text("SELECT set_config('calfcheck.user', :u, true)"), {"u": str(a1)})
        changed = conn.execute(text("UPDATE sessions SET reviewed = true WHERE athlete_id = :b"), {"b": clinic.bo})
        assert changed.rowcount == 0
        assert conn.execute(text("DELETE FROM sets WHERE athlete_id = :b"), {"b": clinic.bo}).rowcount == 0
    for statement in (
        "INSERT INTO sessions (athlete_id, day, performed_at, source, protocol, kind, leg, band, reviewed) "
        "VALUES (:b, '2026-11-03', now(), 'upload', 'band-tempo', 'tempo', 'left', 'red', false)",
        "INSERT INTO notes (session_id, written_at, author, text, shared) VALUES (:s, now(), 'x', 'x', true)",
        "INSERT INTO prescriptions (athlete_id, leg, protocol, sessions_per_week, start_date, changed_at, changed_by,"
        " reason) VALUES (:b, 'left', 'band-tempo', 2, '2026-11-03', now(), 'x', '')",
        "INSERT INTO care_team (therapist_id, athlete_id) VALUES (:u, :b)",
        "UPDATE users SET role = 'admin' WHERE id = :u AND 0 = (SELECT count(*) FROM users WHERE id <> :u)",
    ):
        with app.begin() as conn:
            conn.execute(text("SELECT set_config('calfcheck.user', :u, true)"), {"u": str(a1)})
            try:
                result = conn.execute(text(statement), {"b": clinic.bo, "s": clinic.bo_session, "u": a1})
            except Exception as exc:  # noqa: BLE001 - the policy refused the row
                assert "row-level security" in str(exc), statement
            else:
                assert result.rowcount == 0, statement
    with app.connect() as conn:  # nobody set: nothing at all
        assert conn.execute(text("SELECT count(*) FROM athletes")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
    app.dispose()
    owner = create_engine(clinic.url)
    with owner.connect() as conn:  # and Bo's rows are all still there
        assert conn.execute(text("SELECT count(*) FROM sessions WHERE athlete_id = :b"), {"b": clinic.bo}).scalar() == 1
        assert (
            conn.execute(text("SELECT reviewed FROM sessions WHERE athlete_id = :b"), {"b": clinic.bo}).scalar()
            is False
        )
    owner.dispose()


def test_the_records_service_works_through_the_policies_as_the_app_role(pg_clinic):
    """The same rules, held twice: everything each person may do still works when the database enforces them."""
    clinic, app_url = pg_clinic
    app = Clinic(app_url, clinic.ana, clinic.bo, clinic.ana_session, clinic.bo_session, clinic.bo_set)
    with Records.open(app_url) as anonymous:
        assert anonymous.row_security_bypassed is False
        assert anonymous.store.athletes() == []  # the store itself, no user set: nothing
    with Records.open(clinic.url) as owner:
        assert owner.row_security_bypassed is True
    with app.records("a1") as a1:
        assert [a.name for a in a1.athletes()] == ["Ana"]
        assert a1.store.athletes() == a1.athletes()  # the database itself shows A1 nothing more
        assert a1.store.find_athlete("Bo") is None
        item = SetToSave.from_analysis(band_session(8), content_hash="a1-phone")
        outcome = a1.save_set(clinic.ana, item, source="upload", day=DAY)
        assert outcome.athlete.name == "Ana" and not outcome.saved.duplicate
        assert [n.text for n in a1.session(clinic.ana_session).notes] == [SHARED]
        assert a1.stored_set(clinic.ana_session).summary.rep_count == 7
    with app.records("t1") as t1:
        assert {s.athlete for s in t1.review_queue()} == {"Ana"}
        t1.add_note(clinic.ana_session, "seen", shared=True)
        t1.mark_reviewed(clinic.ana_session)
        t1.prescribe(clinic.ana, "left", "band-tempo", "green", reason="moved up")
        t1.invite("cy@clinic.test", "athlete", athlete="Cy")
        assert [a.name for a in t1.athletes()] == ["Ana", "Cy"]
        assert {e.athlete_id for e in t1.audit_log()} <= {clinic.ana, t1.athlete("Cy").id, None}
    with app.records("admin") as admin:
        assert "cy@clinic.test" in {u.email for u in admin.users()}
        assert any(e.action == "note" and e.actor == "t1@clinic.test" for e in admin.audit_log())
        admin.invite("t3@clinic.test", "therapist")
        admin.remove_user("t3@clinic.test")
    with app.records("t2") as t2:
        assert [a.name for a in t2.athletes()] == ["Bo"]


def test_local_mode_is_untouched_by_the_clinic_rules(db_url):
    """No login: the local user still sees and does everything, and nothing is asked of users."""
    with Records.open(db_url) as records:
        assert records.actor is LOCAL_USER
        records.add_athlete("Ana")
        records.add_athlete("Bo")
        assert [a.name for a in records.athletes()] == ["Ana", "Bo"]
        assert records.users() == []


def test_a_database_at_0004_with_records_upgrades_and_its_notes_stay_therapist_only(db_url):
    from vision.store.database import current_revision, head_revision, upgrade

    engine = create_engine(db_url)
    upgrade(engine, "0004")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO athletes (id, name, name_key, created_at) VALUES (1, 'Ana', 'ana', '2026-11-01 10:00')")
        )
        conn.execute(
            text(
                "INSERT INTO sessions (id, athlete_id, day, performed_at, source, protocol, kind, leg, band, reviewed) "
                "VALUES (1, 1, '2026-11-02', '2026-11-02 09:00', 'cli', 'band-tempo', 'tempo', 'left', 'red', false)"
            )
        )
        conn.execute(
            text("INSERT INTO notes (session_id, written_at, author, text) VALUES (1, '2026-11-02 10:00', 'T', :t)"),
            {"t": PRIVATE},
        )
    engine.dispose()
    with Records.open(db_url) as records:  # opening upgrades
        assert current_revision(records.store.engine) == head_revision() == "0005"
        [note] = records.session(1).notes
        assert (note.text, note.shared) == (PRIVATE, False)  # notes from before were the therapist's own
        records.invite("t1@clinic.test", "therapist")
        records.invite("a1@clinic.test", "athlete", athlete="Ana", therapists=("t1@clinic.test",))
        a1 = records.login(ISSUER, "sub-a1", "a1@clinic.test")
    with Records.open(db_url, a1) as mine:
        assert [a.name for a in mine.athletes()] == ["Ana"]
        assert mine.session(1).notes == ()
