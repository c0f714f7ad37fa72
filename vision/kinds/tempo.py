"""The rep-by-rep kinds: ``tempo`` (push, hold and return each timed) and ``eccentric`` (the return alone).

Contract: ``TEMPO`` and ``ECCENTRIC`` are the registered ``ExerciseKind``s. Both are the base behaviour
(``vision.kinds.base``); an eccentric-only protocol judges only its return, so a prescribed tempo sets
only the return's target (the push and hold are timed, not judged).
"""

from __future__ import annotations

from vision.kinds.base import ExerciseKind
from vision.types import Phase, ProtocolKind


class TempoKind(ExerciseKind):
    name = ProtocolKind.TEMPO.value


class EccentricKind(ExerciseKind):
    name = ProtocolKind.ECCENTRIC.value
    tempo_phases = (Phase.ECCENTRIC,)


TEMPO = TempoKind()
ECCENTRIC = EccentricKind()
