"""A scripted course of 10 sessions over 9 weeks, made from the shared remix clips through the real
pipeline (MediaPipe landmarks → analysis → report → database → programme), on SQLite and PostgreSQL.

The script follows the programme the way a therapist runs it, each session 3 sets saved one by one (until
the third, the session is in progress and neither passes nor fails): isometric holds on red, a hold past
30 s → green, strength gains seen at green → the eccentric-only version one band lighter (the therapist
confirms), fast returns twice → back to yellow, sets stopped while every rep was still good (no evidence),
two sessions past 12 reps taken to fatigue → up to red, a red session the prescription did not follow
(judged on red, and said so), then five weeks off: the first session back is a reassessment. The expected
moves are the programme's rules applied by hand to the clips' known content (remix labels), not read from
the code.
"""

from __future__ import annotations

import subprocess
from datetime import date, timedelta

import numpy as np
import pytest

from tests.conftest import REMIX, needs_shared
from vision.analysis import analyse_track
from vision.pdf_report import course_pdf
from vision.progression import Action
from vision.protocols import load_protocol
from vision.records import Records, SetToSave
from vision.records.course import history_rows
from vision.types import Outcome, PoseTrack

pytestmark = needs_shared
MONDAY = date(2026, 11, 2)  # ISO week 45


def joined(first: PoseTrack, second: PoseTrack, gap_s: float) -> PoseTrack:
    """Two recordings back to back: the athlete kept going (timestamps continue after ``gap_s``)."""
    t = np.concatenate([first.t_s, second.t_s - second.t_s[0] + first.t_s[-1] + gap_s])
    return PoseTrack(t, np.concatenate([first.landmarks, second.landmarks]), first.width, first.height)


@pytest.fixture(scope="module")
def tracks(extractions):
    names = ("iso_hold_22s", "iso_hold_34s", "tempo_123_x4", "tempo_123_x13", "fast_return_121_x4")
    got = {n: extractions(REMIX / f"{n}.mp4").track for n in names}
    # 13 returns on tempo, then 4 fast ones: the athlete tiring, so the set was taken to fatigue
    got["x13_then_tiring"] = joined(got["tempo_123_x13"], got["fast_return_121_x4"], 2.0)
    got["x13_then_tiring_again"] = joined(got["tempo_123_x13"], got["fast_return_121_x4"], 3.0)
    return got


# (day offset, protocol, band, the clip of each of the 3 sets, advice expected after the third set, where it leads)
SCRIPT = [
    (0, "band-isometric", "red", ["iso_hold_22s"] * 3, Action.STAY, ("band-isometric", "red")),
    (3, "band-isometric", "red", ["iso_hold_34s", "iso_hold_22s", "iso_hold_22s"], Action.MOVE_UP,
     ("band-isometric", "green")),
    (7, "band-isometric", "green", ["iso_hold_34s"] * 3, Action.NEXT_VERSION, ("band-eccentric", "red")),
    (10, "band-eccentric", "red", ["fast_return_121_x4"] * 3, Action.STAY, ("band-eccentric", "red")),
    (14, "band-eccentric", "red", ["fast_return_121_x4"] * 3, Action.STEP_BACK, ("band-eccentric", "yellow")),
    (21, "band-eccentric", "yellow", ["tempo_123_x4"] * 3, Action.STAY, ("band-eccentric", "yellow")),
    (23, "band-eccentric", "yellow", ["x13_then_tiring"] * 3, Action.STAY, ("band-eccentric", "yellow")),
    (25, "band-eccentric", "yellow", ["x13_then_tiring_again"] * 3, Action.MOVE_UP, ("band-eccentric", "red")),
    (28, "band-eccentric", "red", ["x13_then_tiring"] * 3, Action.STAY, ("band-eccentric", "red")),
    (63, "band-eccentric", "red", ["x13_then_tiring_again"] * 3, Action.STAY, ("band-eccentric", "red")),
]  # fmt: skip
PRESCRIBED_UNTIL = 8  # from session 9 the athlete trains on red while the prescription still says yellow


def test_ten_sessions_saved_set_by_set_climb_the_ladder_for_the_right_reasons(db_url, tracks, artifacts):
    name = "Course Runner"
    with Records.open(db_url) as records:
        athlete = records.add_athlete(name).id
        leg = None
        for i, (offset, protocol, band, clips, expected, leads_to) in enumerate(SCRIPT):
            day = MONDAY + timedelta(days=offset)
            for k, clip in enumerate(clips, start=1):
                session = analyse_track(tracks[clip], load_protocol(protocol), band=band, source=f"{clip}.mp4")
                leg = leg or session.leg
                assert session.leg == leg  # the same working leg throughout
                current = records.prescription(athlete, leg)
                if i < PRESCRIBED_UNTIL and (current is None or (current.protocol, current.band) != (protocol, band)):
                    records.prescribe(athlete, leg, protocol, band, start=MONDAY, reason=f"before session {i + 1}")
                # each set is its own recording, so its own content hash
                item = SetToSave.from_analysis(session, content_hash=f"recording-{i}-{k}")
                outcome = records.save_set(athlete, item, source="batch", day=day, today=day)
                assert not outcome.saved.duplicate and outcome.saved.number == k
                advice = outcome.advice  # what every face shows after the save...
                assert advice == records.course(athlete, today=day).legs[leg].advice  # ...is the course's own
                if k < len(clips):  # the session is not complete: no verdict yet
                    assert advice.outcome == Outcome.IN_PROGRESS, (i + 1, k, advice)
                    assert advice.reason.startswith(f"set {k} of 3 done on {band}"), advice.reason
            assert advice.action == expected, (i + 1, advice)
            assert (advice.next.protocol, advice.next.band) == leads_to, (i + 1, advice)

        course = records.course(athlete, today=MONDAY + timedelta(days=64))
    reasons = [row["advice"] for row in history_rows(course)]
    assert len(reasons) == 10
    assert reasons[0].startswith("a longest hold of 22 s of 30 s, taken to fatigue: at or under red's limit")
    assert reasons[1].startswith("a session with a hold of 34 s, past 30 s, on red → move to green")
    assert "band-eccentric on red (your therapist confirms)" in reasons[2]
    assert reasons[3] == "under 6 reps in a set taken to fatigue on red this session: stay on red"
    assert reasons[4] == "2 sessions in a row under 6 reps in a set taken to fatigue on red → go back to yellow"
    assert reasons[5].startswith("set 1, 2, 3 stopped with reps still on tempo and no fade")
    assert reasons[5].endswith("this session is no evidence either way; stay on yellow")
    assert reasons[6] == "1 of 2 sessions in a row with more than 12 reps in every set on yellow: one more moves you up"
    assert reasons[7] == "2 sessions in a row with more than 12 reps in every set on yellow → move to red"
    assert reasons[8] == "1 of 2 sessions in a row with more than 12 reps in every set on red: one more moves you up"
    assert reasons[9].startswith("the first session after 5 weeks off is a reassessment: stay on red")
    assert course.legs[leg].advice_after[2].needs_confirmation
    # the ladder follows the athlete: red is judged, and the advice says the prescription was not followed
    assert course.legs[leg].advice.reason.endswith(
        "(trained on band-eccentric on red; the prescription says band-eccentric on yellow)"
    )

    # adherence: 2 + 2 + 1 + 3 + 1 sessions in ISO weeks 45-49, five empty weeks (2026 has a week 53), then
    # 2027-W01 with one session, not yet met and not over: not judged
    kept = course.legs[leg].adherence
    assert [(w.label, w.sessions) for w in kept.weeks][:5] == [
        ("2026-W45", 2), ("2026-W46", 2), ("2026-W47", 1), ("2026-W48", 3), ("2026-W49", 1),
    ]  # fmt: skip
    assert [w.label for w in kept.weeks][-2:] == ["2026-W53", "2027-W01"]
    assert (kept.streak_weeks, kept.longest_gap_weeks, kept.share_met) == (0, 4, round(3 / 9, 2))
    # the ladder as it was climbed: bands per session
    assert [s.band for s in course.legs[leg].sessions] == [
        "red", "red", "green", "red", "red", "yellow", "yellow", "yellow", "red", "red",
    ]  # fmt: skip
    assert [len(s.sets) for s in course.legs[leg].sessions] == [3] * 10

    # the PDF a clinic hands over, looked at as pictures
    pdf = artifacts / f"progress_report_{db_url.split(':')[0].split('+')[0]}.pdf"
    pdf.write_bytes(course_pdf(course))
    prefix = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(prefix)], check=True)
    pages = sorted(artifacts.glob(f"{prefix.name}-*.png"))
    assert 1 <= len(pages) <= 2
    from PIL import Image

    first = np.asarray(Image.open(pages[0]).convert("L"))
    assert (first < 128).mean() > 0.01  # text and charts, not a blank page
