"""The records service (vision.records): one duplicate key for every face, the actor's rules in one place.

Expected values are what the test did (how many distinct clips and settings it saved), never read back from
the code under test.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date

import pytest

from tests.conftest import REMIX, ROOT, needs_shared
from tests.test_batch import batch
from tests.test_cli import calfcheck
from tests.videos import trimmed_copy
from vision.records import LOCAL_USER, Action, Actor, NotAllowed, Records, Role, SetToSave
from vision.records import actor as actor_rules


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory):
    """One real rep (the first 10 s of a remix clip) at 360 px wide: quick to score five times."""
    if not REMIX.is_dir():
        pytest.skip("../shared/clips is absent: the real and remix clips may not be shipped with the project")
    return trimmed_copy(REMIX / "tempo_123_x4.mp4", tmp_path_factory.mktemp("clip") / "ana set 1.mp4", 10.0, 0.6)


@needs_shared
def test_one_clip_is_one_set_whichever_face_saved_it_and_whatever_day(short_clip, tmp_path):
    db = f"sqlite:///{tmp_path / 'records.db'}"
    with Records.open(db) as records:
        ana = records.add_athlete("Ana").id

    first = calfcheck("score", short_clip, "--athlete", "Ana", "--band", "red", "--date", "2026-11-02", "--db", db)
    assert first.returncode == 0, first.stderr
    assert "Saved for Ana: 02 Nov 2026, session 1, set 1." in first.stdout
    with Records.open(db) as records:
        [session] = records.sessions(ana)
    leg = session.leg.value  # what `auto` resolved to

    own_toml = tmp_path / "my-band-tempo.toml"  # the built-in protocol's own content, from another path
    shutil.copy(ROOT / "vision" / "protocols" / "band-tempo.toml", own_toml)
    for extra, day in ((["--leg", leg], "2026-11-02"), (["--protocol", str(own_toml)], "2026-11-09")):
        again = calfcheck("score", short_clip, "--athlete", "ana", "--band", "red", *extra, "--date", day, "--db", db)
        assert again.returncode == 0, again.stderr
        assert "Already on Ana's record (02 Nov 2026, session 1, set 1): not saved again." in again.stdout, extra

    manifest = tmp_path / "sessions.csv"
    manifest.write_text(f"path,athlete,band,date\n{short_clip},Ana,red,2026-11-16\n")
    res = batch(manifest, "--out", tmp_path / "out", "--quiet", "--workers", "1", "--db", db)
    assert res.returncode == 0, res.stderr

    # the review page's path: the upload's digest, the page's scoring, the Save panel's service call
    from app_pages.uploads import UploadStore
    from vision.pipeline import FormChecker
    from vision.protocols import load_protocol

    upload = UploadStore(tmp_path / "uploads").save(short_clip.name, short_clip.read_bytes())
    scored = FormChecker(load_protocol("band-tempo"), band="red").run_video(upload.path)
    item = SetToSave.from_analysis(scored, clip_name=upload.path.name, content_hash=upload.digest)
    with Records.open(db) as records:
        outcome = records.save_set(ana, item, source="upload", day=date(2026, 11, 23))
        assert outcome.saved.duplicate and outcome.saved.day == date(2026, 11, 2)
        sessions = records.sessions(ana)
        assert [len(s.sets) for s in sessions] == [1]  # five saves, one clip, one set

        # ...while a setting that changes the result is another set: the same clip under an edited protocol
        slower = dataclasses.replace(scored.protocol, target_s={**scored.protocol.target_s, "eccentric": 5.0})
        from vision.analysis import analyse_track

        rescored = analyse_track(scored.track, slower, leg=scored.leg, band="red", source=scored.source)
        other = SetToSave.from_analysis(rescored, clip_name=upload.path.name, content_hash=upload.digest)
        assert other.settings != item.settings
        assert not records.save_set(ana, other, source="upload", day=date(2026, 11, 23)).saved.duplicate


def test_every_read_and_write_asks_the_actor_rules(tmp_path, monkeypatch):
    """The rules live in one table: a role without an action is refused by every method that needs it."""
    db = f"sqlite:///{tmp_path / 'records.db'}"
    with Records.open(db) as records:
        ana = records.add_athlete("Ana").id
    reader = Actor("test|reader", "a reader", Role.LOCAL)
    monkeypatch.setitem(actor_rules.ALLOWED, Role.LOCAL, frozenset({Action.READ}))
    with Records.open(db, reader) as records:
        assert [a.name for a in records.athletes()] == ["Ana"]  # reading is allowed
        with pytest.raises(NotAllowed, match="a reader may not add an athlete"):
            records.add_athlete("Bo")
        with pytest.raises(NotAllowed, match="may not change a prescription"):
            records.prescribe(ana, "left", "band-tempo", "red")
        with pytest.raises(NotAllowed, match="may not review a session"):
            records.add_note(1, "note")
        from tests.synthetic import band_session

        with pytest.raises(NotAllowed, match="may not save a set"):
            records.save_set(ana, SetToSave.from_analysis(band_session(6)), source="cli")
    monkeypatch.setitem(actor_rules.ALLOWED, Role.LOCAL, frozenset())
    with Records.open(db, LOCAL_USER) as records, pytest.raises(NotAllowed, match="may not read"):
        records.athletes()
