"""A scripted course of 8 sessions over 4 weeks, made from the shared remix clips through the real
pipeline (MediaPipe landmarks → analysis → report → database → programme), on SQLite and PostgreSQL.

The script follows the programme the way a therapist runs it: isometric holds on red until a hold passes
30 s, up to green, strength gains seen at green → the eccentric-only version one band lighter (the
therapist confirms), two failed sessions → back to yellow, a set stopped while still on tempo that does
not count, then two sets taken to fatigue past 12 reps on tempo → up to red. The expected moves are the
programme's rules applied by hand to the clips' known content (remix labels), not read from the code.
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
from vision.types import PoseTrack

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


# (day offset, protocol, band, clip, advice expected after the session, the step it leads to)
SCRIPT = [
    (0, "band-isometric", "red", "iso_hold_22s", Action.STAY, ("band-isometric", "red")),
    (3, "band-isometric", "red", "iso_hold_34s", Action.MOVE_UP, ("band-isometric", "green")),
    (7, "band-isometric", "green", "iso_hold_34s", Action.NEXT_VERSION, ("band-eccentric", "red")),
    (10, "band-eccentric", "red", "tempo_123_x4", Action.STAY, ("band-eccentric", "red")),
    (14, "band-eccentric", "red", "tempo_123_x4", Action.STEP_BACK, ("band-eccentric", "yellow")),
    (21, "band-eccentric", "yellow", "tempo_123_x13", Action.STAY, ("band-eccentric", "yellow")),
    (23, "band-eccentric", "yellow", "x13_then_tiring", Action.STAY, ("band-eccentric", "yellow")),
    (25, "band-eccentric", "yellow", "x13_then_tiring_again", Action.MOVE_UP, ("band-eccentric", "red")),
]


def test_eight_sessions_over_four_weeks_climb_the_ladder_for_the_right_reasons(db_url, tracks, artifacts):
    name = "Course Runner"
    with Records.open(db_url) as records:
        athlete = records.add_athlete(name).id
        leg = None
        for i, (offset, protocol, band, clip, expected, leads_to) in enumerate(SCRIPT):
            session = analyse_track(tracks[clip], load_protocol(protocol), band=band, source=f"{clip}.mp4")
            leg = leg or session.leg
            assert session.leg == leg  # the same working leg throughout
            current = records.prescription(athlete, leg)
            if current is None or (current.protocol, current.band) != (protocol, band):
                records.prescribe(athlete, leg, protocol, band, start=MONDAY, reason=f"before session {i + 1}")
            day = MONDAY + timedelta(days=offset)
            # each session is its own recording, so its own content hash
            item = SetToSave.from_analysis(session, content_hash=f"recording-{i}")
            outcome = records.save_set(athlete, item, source="batch", day=day, today=day)
            assert not outcome.saved.duplicate
            advice = outcome.advice  # what every face shows after the save...
            assert advice == records.course(athlete, today=day).legs[leg].advice  # ...is the course's own
            assert advice.action == expected, (i + 1, advice)
            assert (advice.next.protocol, advice.next.band) == leads_to, (i + 1, advice)

        course = records.course(athlete, today=MONDAY + timedelta(days=27))
    reasons = [row["advice"] for row in history_rows(course)]
    assert len(reasons) == 8
    assert reasons[0] == "working within red's range: stay on red"
    assert reasons[1].startswith("a session with a hold of 34 s, past 30 s, on red → move to green")
    assert "band-eccentric on red (your therapist confirms)" in reasons[2]
    assert reasons[3] == "under 6 reps on tempo in a set on red this session: stay on red"
    assert reasons[4] == "2 sessions in a row under 6 reps on tempo in a set on red → go back to yellow"
    assert reasons[5].startswith("set 1 stopped with reps still on tempo and no fade")
    assert (
        reasons[6]
        == "1 of 2 sessions in a row with more than 12 on-tempo reps in every set on yellow: one more moves you up"
    )
    assert reasons[7] == "2 sessions in a row with more than 12 on-tempo reps in every set on yellow → move to red"
    assert course.legs[leg].advice_after[2].needs_confirmation

    # adherence: 2 + 2 + 1 + 3 sessions in ISO weeks 45-48 against twice a week
    kept = course.legs[leg].adherence
    assert [(w.label, w.sessions, w.met) for w in kept.weeks] == [
        ("2026-W45", 2, True), ("2026-W46", 2, True), ("2026-W47", 1, False), ("2026-W48", 3, True),
    ]  # fmt: skip
    assert (kept.streak_weeks, kept.longest_gap_weeks, kept.share_met) == (1, 0, 0.75)
    # the ladder as it was climbed: bands per session
    assert [s.band for s in course.legs[leg].sessions] == [
        "red",
        "red",
        "green",
        "red",
        "red",
        "yellow",
        "yellow",
        "yellow",
    ]

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
