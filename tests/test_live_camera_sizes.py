"""One verdict per footage: the live engine counts what the offline scorer counts, at any camera size.

The live page's camera may be 360 to 1280 px wide; the browser letterboxes the athlete into it. Fed the
frames of a remix clip (its reps known) letterboxed into three camera sizes, the live engine (pose,
followed points, live tracker: ``LiveCoach``, no browser) must count every rep as it completes, never ask
for a side view, and end with the offline scorer's count of the same footage. Both feet move in this
two-legged heel raise, so the working foot is chosen on little evidence early in the first rep: a choice
that changes during a rep must not lose that rep (each foot is tracked from the first frame).
"""

import cv2
import numpy as np
import pytest

from tests.conftest import REMIX, needs_shared, remix_labels
from vision.pipeline import LiveCoach
from vision.protocols import load_protocol
from vision.quality import WEAK_SIGNAL
from vision.types import Frame, SignalKind
from vision.video import iter_frames

pytestmark = [needs_shared]

CLIP = "tempo_123_x4"


def letterboxed(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """``image`` scaled to fit a ``width`` x ``height`` camera frame, centred on black, as a browser shows it."""
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    nw, nh = int(round(w * scale)), int(round(h * scale))
    out = np.zeros((height, width, 3), np.uint8)
    x0, y0 = (width - nw) // 2, (height - nh) // 2
    out[y0 : y0 + nh, x0 : x0 + nw] = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
    return out


@pytest.mark.parametrize("width,height", [(360, 640), (640, 480), (1280, 720)])
def test_the_live_count_is_the_offline_count_at_every_camera_size(extractions, width, height):
    labels = remix_labels(CLIP)
    rep_ends = [rep["eccentric"][1] for rep in labels["reps"]]
    protocol = load_protocol("band-tempo")
    coach = LiveCoach(protocol)
    counts: list[tuple[float, int]] = []
    cues: set[str] = set()
    try:
        for frame in iter_frames(REMIX / f"{CLIP}.mp4"):
            _, state = coach.process(Frame(letterboxed(frame.image, width, height), frame.t_s, frame.index))
            counts.append((frame.t_s, state.reps))
            cues.add(state.cue)
        live = coach.to_session()
    finally:
        coach.close()
    offline = extractions(REMIX / f"{CLIP}.mp4")
    from vision.analysis import analyse_track

    offline_count = len(analyse_track(offline.track, protocol).scores)
    assert offline_count == len(labels["reps"])
    assert counts[-1][1] == offline_count and len(live.scores) == offline_count
    assert WEAK_SIGNAL[SignalKind.ANGLE] not in cues
    # Each rep is on the counter within a second and a half of the heel reaching the floor.
    for n, end in enumerate(rep_ends, start=1):
        shown = [t for t, c in counts if c >= n]
        assert shown and shown[0] <= end + 1.5, (n, end, shown[:1])
