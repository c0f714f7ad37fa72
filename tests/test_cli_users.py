"""``calfcheck user add|list|remove`` on the server: the CLI acts as its administrator and says so."""

from __future__ import annotations

from tests.test_cli import calfcheck
from vision.records import Records

ISSUER = "http://127.0.0.1:9/idp"


def test_users_are_added_listed_and_removed_and_an_athlete_is_linked_to_record_and_therapist(tmp_path):
    db = f"sqlite:///{tmp_path / 'clinic.db'}"
    help_text = calfcheck("user", "--help").stdout
    assert "administrator" in help_text and "full" in help_text  # the CLI says it acts as the admin
    assert calfcheck("athlete", "add", "Ana", "--db", db).returncode == 0
    for args in (
        ("admin@clinic.test", "--role", "admin"),  # the first admin: by CLI on the server
        ("T1@Clinic.test", "--role", "therapist"),
        ("a1@clinic.test", "--role", "athlete", "--athlete", "ana", "--therapist", "t1@clinic.test"),
    ):
        done = calfcheck("user", "add", *args, "--db", db)
        assert done.returncode == 0, done.stderr
    listing = calfcheck("user", "list", "--db", db).stdout
    rows = {line.split("│")[1].strip(): line for line in listing.splitlines() if "@" in line}
    assert set(rows) == {"admin@clinic.test", "t1@clinic.test", "a1@clinic.test"}
    assert "t1@clinic.test" in rows["a1@clinic.test"].split("│")[4] and "not yet" in rows["a1@clinic.test"]

    for args, words in (
        (("x@clinic.test", "--role", "athlete"), "add --athlete NAME"),
        (("x@clinic.test", "--role", "athlete", "--athlete", "Nobody"), "no athlete called 'Nobody'"),
        (("x@clinic.test", "--role", "athlete", "--athlete", "Ana", "--therapist", "nobody@clinic.test"),
         "there is no therapist nobody@clinic.test"),
        (("a1@clinic.test", "--role", "therapist"), "a1@clinic.test is already invited or a user"),
        (("not-an-address", "--role", "therapist"), "an email address looks like"),
    ):  # fmt: skip
        refused = calfcheck("user", "add", *args, "--db", db)
        assert (refused.returncode, refused.stderr.count("\n")) == (1, 1), refused.stderr
        assert words in refused.stderr

    with Records.open(db) as records:
        a1 = records.login(ISSUER, "sub-a1", "a1@clinic.test")
    with Records.open(db, a1) as mine:
        assert [a.name for a in mine.athletes()] == ["Ana"]
    gone = calfcheck("user", "remove", "A1@clinic.test", "--db", db)
    assert gone.returncode == 0 and "their records stay" in gone.stdout
    with Records.open(db, a1) as mine:
        assert mine.athletes() == []  # access ended at once
    with Records.open(db) as records:
        assert [a.name for a in records.athletes()] == ["Ana"]  # the record stays
        assert records.login(ISSUER, "sub-a1", "a1@clinic.test") is None
        assert {e.action for e in records.audit_log()} >= {"invite", "remove user", "login", "add athlete"}
    missing = calfcheck("user", "remove", "a1@clinic.test", "--db", db)
    assert missing.returncode == 1 and "there is no user a1@clinic.test" in missing.stderr


def test_grant_app_role_is_for_postgresql_only(tmp_path):
    db = f"sqlite:///{tmp_path / 'clinic.db'}"
    assert calfcheck("athlete", "add", "Ana", "--db", db).returncode == 0
    done = calfcheck("user", "grant-app-role", "calfcheck_app", "--db", db)
    assert done.returncode == 1 and "only a PostgreSQL database has roles" in done.stderr
