"""The rep-by-rep kinds: ``tempo`` (push, hold and return each timed) and ``eccentric`` (the return alone).

Contract: ``TEMPO`` and ``ECCENTRIC`` are the registered ``ExerciseKind``s. Both are the base behaviour
(``vision.kinds.base``); an eccentric-only protocol judges only its return, so a prescribed tempo sets
only the return's target (the push and hold are timed, not judged). A tempo set whose pushes are all fast
with no hold is flagged as looking like the eccentric-only version (``ExerciseKind.looks_eccentric_only``).
"""

from __future__ import annotations

from vision.kinds.base import ExerciseKind
from vision.types import Phase, ProtocolKind


class TempoKind(ExerciseKind):
    name = ProtocolKind.TEMPO.value
    has_eccentric_only_lookalike = True  # the eccentric-only version, saved as this one, fails every push and hold


class EccentricKind(ExerciseKind):
    name = ProtocolKind.ECCENTRIC.value
    tempo_phases = (Phase.ECCENTRIC,)
    loads_only_the_return = True


TEMPO = TempoKind()
ECCENTRIC = EccentricKind()
