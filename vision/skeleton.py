"""The body model as data: BlazePose's landmark indices, the leg chains the signals read, drawing edges.

Contract: pure constants, no imports beyond the types. Geometry (``signals``), drawing (``annotate``)
and reports read the skeleton from here, so none of them depends on the pose backend; a backend that
returns another layout maps it onto these 33 indices.
Indices: https://ai.google.dev/edge/mediapipe/solutions/vision/pose_landmarker (BlazePose GHUM, 33 points).
"""

from __future__ import annotations

from vision.types import Leg

LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
LEFT_HIP, RIGHT_HIP = 23, 24
LEFT_KNEE, RIGHT_KNEE = 25, 26
LEFT_ANKLE, RIGHT_ANKLE = 27, 28
LEFT_HEEL, RIGHT_HEEL = 29, 30
LEFT_FOOT_INDEX, RIGHT_FOOT_INDEX = 31, 32

# The four points the plantarflexion angle and heel lift read: knee, ankle, heel, foot index (toe).
LEG_POINTS: dict[Leg, tuple[int, int, int, int]] = {
    Leg.LEFT: (LEFT_KNEE, LEFT_ANKLE, LEFT_HEEL, LEFT_FOOT_INDEX),
    Leg.RIGHT: (RIGHT_KNEE, RIGHT_ANKLE, RIGHT_HEEL, RIGHT_FOOT_INDEX),
}
LEG_POINT_NAMES = ("knee", "ankle", "heel", "toe")

# The working leg as drawn: hip → knee → ankle → heel → toe → back to the ankle (closes the foot).
LEG_CHAIN: dict[Leg, tuple[int, ...]] = {
    Leg.LEFT: (LEFT_HIP, LEFT_KNEE, LEFT_ANKLE, LEFT_HEEL, LEFT_FOOT_INDEX, LEFT_ANKLE),
    Leg.RIGHT: (RIGHT_HIP, RIGHT_KNEE, RIGHT_ANKLE, RIGHT_HEEL, RIGHT_FOOT_INDEX, RIGHT_ANKLE),
}
