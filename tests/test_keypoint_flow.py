"""The heel and toes followed by their own pixels (vision.keypoint_flow), on rendered frames whose motion is
known exactly, against a pose model that lags (as MediaPipe's video mode does on a slow lift)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vision.keypoint_flow import KeypointFlow
from vision.records.landmarks import pack, unpack
from vision.signals import followed_landmarks, heel_lift
from vision.skeleton import LEG_POINTS
from vision.types import FLOOR, Leg, PoseTrack, TrackBuilder

W, H = 640, 480
KNEE, ANKLE = np.array([300.0, 150.0]), np.array([300.0, 330.0])  # a 180 px shank
HEEL, TOE = np.array([285.0, 380.0]), np.array([400.0, 385.0])


def foot_turn(lift_px: float) -> np.ndarray:
    """The 2 x 3 image transform of a foot turning about the toe tip until its heel is ``lift_px`` higher."""
    angle = np.degrees(np.arctan2(lift_px, TOE[0] - HEEL[0]))
    return cv2.getRotationMatrix2D((float(TOE[0]), float(TOE[1])), -angle, 1.0)


def scene(lift_px: float, texture: np.ndarray) -> np.ndarray:
    """A grey room with a textured foot whose rearfoot is raised ``lift_px`` (rotating about the toes)."""
    frame = np.full((H, W, 3), 90, dtype=np.uint8)
    m = foot_turn(lift_px)
    foot = cv2.warpAffine(texture, m, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    mask = cv2.warpAffine(np.ones((H, W), np.uint8), m, (W, H), flags=cv2.INTER_NEAREST) > 0
    inside = mask & (foot.sum(axis=2) > 0)
    frame[inside] = foot[inside]
    return frame


def foot_texture(seed: int = 0) -> np.ndarray:
    """Random blotches inside the foot's outline (heel to toe, sole to ankle), black elsewhere."""
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.integers(40, 255, (H, W, 3), dtype=np.uint8), (0, 0), 1.5)
    outline = np.array([HEEL + [-8, 8], TOE + [8, 6], TOE + [-30, -30], ANKLE + [10, 10], ANKLE + [-25, 5]], np.int32)
    mask = np.zeros((H, W), np.uint8)
    cv2.fillPoly(mask, [outline], 1)
    return np.where(mask[..., None] > 0, noise, 0).astype(np.uint8)


def true_heel(lift_px: float) -> np.ndarray:
    m = foot_turn(lift_px)
    return m[:, :2] @ HEEL + m[:, 2]


def landmarks_for(lift_px: float, visible: bool = True) -> np.ndarray:
    """The pose model's points for a heel raised ``lift_px``: the ankle rides up with the rearfoot, the knee
    rises as much, the toes stay on the floor."""
    m = foot_turn(lift_px)
    ankle = m[:, :2] @ ANKLE + m[:, 2]
    knee = KNEE + (ankle - ANKLE)
    lm = np.full((33, 4), np.nan)
    for leg in Leg:
        knee_i, ankle_i, heel_i, toe_i = LEG_POINTS[leg]
        for idx, p in ((knee_i, knee), (ankle_i, ankle), (heel_i, true_heel(lift_px)), (toe_i, TOE)):
            lm[idx] = (p[0] / W, p[1] / H, 0.0, 0.9 if visible else 0.1)
    return lm


def slow_lift(t: np.ndarray) -> np.ndarray:
    """Rest 1 s, a 3 s steady lift of 40 px, a 1 s hold."""
    return np.interp(t, [0.0, 1.0, 4.0, 5.0], [0.0, 0.0, 40.0, 40.0])


def follow(t, lifts, model_lag_frames: int = 9, texture=None):
    texture = foot_texture() if texture is None else texture
    flow = KeypointFlow()
    out = []
    for i, ti in enumerate(t):
        seen = lifts[max(0, i - model_lag_frames)]  # the model reports where the heel was 0.3 s ago
        out.append(flow(scene(lifts[i], texture), float(ti), landmarks_for(seen)))
    return np.array(out)


def test_the_followed_heel_moves_when_the_heel_does_and_the_lagging_model_does_not():
    t = np.arange(0, 5.0, 1 / 30)
    lifts = slow_lift(t)
    followed = follow(t, lifts) * [W, H]
    truth = np.array([true_heel(v) for v in lifts])
    error = np.abs(followed[:, 0, 0, 1] - truth[:, 1])  # left heel, image y
    assert np.percentile(error, 95) < 2.0 and error.max() < 3.0  # pixels, on a 40 px lift (the model: 4 px)
    # The lift starts at 1.0 s: the followed heel has risen 2 px by 1.2 s; the model, 0.3 s late, has not.
    at = np.searchsorted(t, 1.2)
    assert truth[0, 1] - followed[at, 0, 0, 1] > 2.0
    model = np.array([true_heel(lifts[max(0, i - 9)]) for i in range(t.size)])
    assert truth[0, 1] - model[at, 1] < 0.5


def test_the_model_stands_in_where_there_is_nothing_to_follow():
    """A blank picture has no pixels to follow: the followed points are the model's own."""
    flow = KeypointFlow()
    blank = np.full((H, W, 3), 90, dtype=np.uint8)
    for i in range(5):
        got = flow(blank, i / 30, landmarks_for(3.0 * i))
    np.testing.assert_allclose(got[0, 0] * [W, H], true_heel(12.0), atol=1e-6)


def test_a_point_the_model_cannot_see_is_not_followed():
    flow = KeypointFlow()
    texture = foot_texture()
    flow(scene(0.0, texture), 0.0, landmarks_for(0.0))
    got = flow(scene(1.0, texture), 1 / 30, landmarks_for(1.0, visible=False))
    assert np.isnan(got[:, :FLOOR]).all()  # heels and toes; the floor is where the toes first stood, seen or not
    np.testing.assert_allclose(got[0, FLOOR] * [W, H], TOE, atol=1e-6)


def test_heel_lift_reads_the_followed_points_and_round_trips_through_storage():
    t = np.arange(0, 5.0, 1 / 30)
    lifts = slow_lift(t)
    followed = follow(t, lifts)
    builder = TrackBuilder()
    for ti, f, v in zip(t, followed, lifts):
        builder.append(float(ti), landmarks_for(v), f)
    track = builder.build(W, H)
    back = unpack(pack(track))
    np.testing.assert_allclose(back.followed, track.followed, atol=1e-5)  # float32 in storage
    lift = heel_lift(followed_landmarks(back.landmarks, back.followed), Leg.LEFT, W, H, shank_px=180.0)
    assert lift[-1] - lift[0] == pytest.approx((true_heel(40.0)[1] - HEEL[1]) / -180.0, abs=0.015)


def test_a_track_stored_before_points_were_followed_reads_as_before():
    t = np.arange(0, 1.0, 1 / 30)
    old = PoseTrack(t, np.stack([landmarks_for(0.0) for _ in t]), W, H)
    back = unpack(pack(old))
    assert back.followed is None
    np.testing.assert_allclose(followed_landmarks(back.landmarks, back.followed), back.landmarks, atol=1e-6)


def textured_room(seed: int = 1) -> np.ndarray:
    """A room with texture everywhere (a patterned floor and wall), for the picture's own motion to be read."""
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.integers(30, 200, (H, W, 3), dtype=np.uint8), (0, 0), 2.0)


def room_scene(lift_px: float, texture: np.ndarray, room: np.ndarray, drift_px: float = 0.0) -> np.ndarray:
    """``scene`` in a textured room, the whole picture moved ``drift_px`` down (a hand-held phone tilting)."""
    frame = room.copy()
    m = foot_turn(lift_px)
    foot = cv2.warpAffine(texture, m, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    mask = cv2.warpAffine(np.ones((H, W), np.uint8), m, (W, H), flags=cv2.INTER_NEAREST) > 0
    inside = mask & (foot.sum(axis=2) > 0)
    frame[inside] = foot[inside]
    shift = np.float32([[1, 0, 0], [0, 1, drift_px]])
    return cv2.warpAffine(frame, shift, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


FOREFOOT = TOE + 0.3 * (HEEL - TOE)  # where a pose model's "toe" often sits: on the forefoot, behind the tips


def landmarks_on_forefoot(lift_px: float, drift_px: float = 0.0) -> np.ndarray:
    """``landmarks_for``, but the toe point on the forefoot, which rises as the heel does (as in most views)."""
    lm = landmarks_for(lift_px)
    m = foot_turn(lift_px)
    for leg in Leg:
        lm[LEG_POINTS[leg][3], :2] = (m[:, :2] @ FOREFOOT + m[:, 2]) / [W, H]
    lm[:, 1] += drift_px / H
    return lm


def heel_lifts(frames: list[np.ndarray], marks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Heel lift of the left leg above the followed floor, and above the toes, per frame (shank 180 px)."""
    flow = KeypointFlow()
    followed = np.array([flow(f, i / 30, lm) for i, (f, lm) in enumerate(zip(frames, marks))])
    points = followed_landmarks(np.array(marks), followed)
    floor = heel_lift(points, Leg.LEFT, W, H, shank_px=180.0, floor=followed[:, 0, FLOOR])
    toes = heel_lift(points, Leg.LEFT, W, H, shank_px=180.0)
    return floor - floor[0], toes - toes[0]


def test_heel_lift_reads_the_heel_above_the_floor_not_above_a_forefoot_that_rises_with_it():
    texture, room = foot_texture(), textured_room()
    lifts = np.interp(np.arange(60), [0, 10, 40, 60], [0.0, 0.0, 40.0, 40.0])
    above_floor, above_toes = heel_lifts(
        [room_scene(v, texture, room) for v in lifts], [landmarks_on_forefoot(v) for v in lifts]
    )
    truth = (HEEL[1] - true_heel(40.0)[1]) / 180.0  # the heel's own rise, in shank lengths
    assert above_floor[-1] == pytest.approx(truth, abs=0.015)
    assert above_toes[-1] < truth - 0.04  # the forefoot rose too: above the toes under-reads the lift


def test_a_drifting_camera_moves_the_floor_with_it_so_drift_is_not_lift():
    texture, room = foot_texture(), textured_room()
    drift = np.linspace(0.0, 30.0, 60)  # the picture sinks 30 px in 2 s; the foot stays flat on the floor
    above_floor, _ = heel_lifts(
        [room_scene(0.0, texture, room, d) for d in drift], [landmarks_on_forefoot(0.0, d) for d in drift]
    )
    heel_against_picture = -30.0 / 180.0
    assert np.abs(above_floor).max() < 0.02  # under 4 px of the 30 px drift read as lift
    assert abs(heel_against_picture) > 8 * 0.02


def test_a_camera_that_shakes_with_every_raise_for_ten_seconds_leaves_no_drift_in_the_floor():
    """The shared footage's camera dips with each raise and comes back: ten seconds of that (300 frames, a 12 px
    shake every 2 s) must not add up to a floor that drifts, which would read as lift through a long hold. The
    floor is where the toes first stood, moved as the picture was."""
    texture, room = foot_texture(), textured_room(seed=2)
    flow = KeypointFlow()
    errors = []
    for i, d in enumerate(12.0 * np.sin(np.linspace(0.0, 10 * np.pi, 300)) ** 2):
        followed = flow(room_scene(0.0, texture, room, d), i / 30, landmarks_on_forefoot(0.0, d))
        errors.append(followed[0, FLOOR] * [W, H] - (FOREFOOT + [0.0, d]))
    assert np.abs(errors).max() < 0.15  # pixels, anywhere in the ten seconds (frame to frame, it grew to 0.3)


def test_a_plain_room_leaves_the_floor_where_the_toes_first_stood():
    texture = foot_texture()
    flow = KeypointFlow()
    for i, v in enumerate(np.linspace(0.0, 30.0, 20)):
        got = flow(scene(v, texture), i / 30, landmarks_on_forefoot(v))
    np.testing.assert_allclose(got[0, FLOOR] * [W, H], FOREFOOT, atol=1e-6)  # the first frame's toe point


def test_a_track_stored_before_the_floor_was_followed_reads_heel_lift_above_the_toes():
    t = np.arange(0, 1.0, 1 / 30)
    heel_and_toe = np.full((t.size, 2, 2, 2), 0.5)
    blob = pack(PoseTrack(t, np.stack([landmarks_for(0.0) for _ in t]), W, H, None))
    old = unpack(blob)
    import io

    buf = io.BytesIO()
    with np.load(io.BytesIO(blob)) as data:
        np.savez_compressed(buf, **{k: data[k] for k in data.files}, followed=heel_and_toe.astype(np.float32))
    back = unpack(buf.getvalue())
    assert old.followed is None and back.followed.shape == (t.size, 2, 3, 2)
    assert np.isnan(back.followed[:, :, FLOOR]).all()
    np.testing.assert_allclose(back.followed[:, :, :FLOOR], heel_and_toe)
