"""The protocol file's schema: every field with its type, unit and range, checked all at once.

Contract: ``validate(data, source) -> ProtocolFile`` accepts the parsed TOML of a protocol and returns
the validated model, or raises ``ProtocolError`` listing every problem in one message, each as
``<file>: <key>: <what is allowed> (got <value>)``. Unknown keys are errors (a typo such as
``eccentic_s`` would otherwise silently drop a target). Units: seconds for durations, the signal's own
units for ``min_excursion`` (degrees for the angle, shank lengths for heel lift), plain fractions for
``*_fraction``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vision.errors import ProtocolError
from vision.kinds import kind_named, kind_names

MAX_PHASE_S = 60.0  # a push, hold or return longer than a minute is a typo, not a prescription
MAX_HOLD_S = 600.0  # isometric holds are prescribed in tens of seconds

_STRICT = ConfigDict(extra="forbid", strict=True)
PhaseSeconds = Annotated[float, Field(ge=0, le=MAX_PHASE_S, allow_inf_nan=False)]
ToleranceSeconds = Annotated[float, Field(ge=0, le=MAX_PHASE_S, allow_inf_nan=False)]

# What each key allows, in words, for the error message.
ALLOWED = {
    "id": "a short id of lower-case letters, digits, '-', '_' or '.'",
    "name": "a text of at most 120 characters",
    "signal": "one of angle, heel_lift",
    "target.concentric_s": f"seconds, from 0 to {MAX_PHASE_S:.0f}",
    "target.hold_s": f"seconds, from 0 to {MAX_PHASE_S:.0f} (isometric: more than 0, up to {MAX_HOLD_S:.0f})",
    "target.eccentric_s": f"seconds, from 0 to {MAX_PHASE_S:.0f}",
    "target.min_hold_s": f"seconds, from 0 to {MAX_HOLD_S:.0f}",
    "target.max_stall_s": f"seconds, from 0 to {MAX_PHASE_S:.0f} (the longest pause the return may make)",
    "tolerance.concentric_s": f"seconds, from 0 to {MAX_PHASE_S:.0f}",
    "tolerance.hold_s": f"seconds, from 0 to {MAX_PHASE_S:.0f}",
    "tolerance.eccentric_s": f"seconds, from 0 to {MAX_PHASE_S:.0f}",
    "set.max_reps": "a whole number of reps, from 1 to 200",
    "set.sets": "a whole number of sets, from 1 to 20",
    "detection.min_excursion": "a number above 0 in the signal's units (degrees or shank lengths), at most 90",
    "detection.partial_range_fraction": "a fraction above 0, at most 1",
    "detection.min_rep_fraction": "a fraction from 0 to 1, below detection.partial_range_fraction",
    "detection.max_hold_dip_s": f"seconds, from 0 to {MAX_PHASE_S:.0f}",
}


class Target(BaseModel):
    model_config = _STRICT
    concentric_s: PhaseSeconds | None = None
    hold_s: Annotated[float, Field(ge=0, le=MAX_HOLD_S, allow_inf_nan=False)] | None = None
    eccentric_s: PhaseSeconds | None = None
    min_hold_s: Annotated[float, Field(ge=0, le=MAX_HOLD_S, allow_inf_nan=False)] | None = None
    # A protocol that asks for a continuous lowering: a stall longer than this is a fault (else information).
    max_stall_s: PhaseSeconds | None = None


class Tolerance(BaseModel):
    model_config = _STRICT
    concentric_s: ToleranceSeconds | None = None
    hold_s: ToleranceSeconds | None = None
    eccentric_s: ToleranceSeconds | None = None


class SetRules(BaseModel):
    model_config = _STRICT
    max_reps: Annotated[int, Field(ge=1, le=200)] | None = None
    sets: Annotated[int, Field(ge=1, le=20)] = 1


class Detection(BaseModel):
    model_config = _STRICT
    min_excursion: Annotated[float, Field(gt=0, le=90, allow_inf_nan=False)]
    partial_range_fraction: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.7
    min_rep_fraction: Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)] = 0.35
    max_hold_dip_s: Annotated[float, Field(ge=0, le=MAX_PHASE_S, allow_inf_nan=False)] = 3.0


class ProtocolFile(BaseModel):
    model_config = _STRICT
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    signal: Literal["angle", "heel_lift"]
    kind: str  # a registered exercise kind (checked against the registry, which kinds may join)
    target: Target = Target()
    tolerance: Tolerance = Tolerance()
    set: SetRules = SetRules()
    detection: Detection


def _table(data: dict, key: str) -> dict:
    value = data.get(key, {})
    return value if isinstance(value, dict) else {}


def _cross_field_problems(data: dict) -> list[str]:
    """Rules between keys, checked on the raw file so they are reported with the per-key problems."""
    target, tolerance, problems = _table(data, "target"), _table(data, "tolerance"), []
    kind = data.get("kind")
    if isinstance(kind, str) and kind in kind_names():
        problems += kind_named(kind).file_problems(target, tolerance)
    elif isinstance(kind, str):  # not a string at all: the schema says so
        problems.append(f"'kind' must be {_allowed('kind')} (got {kind!r})")
    detection = _table(data, "detection")
    least, partial = detection.get("min_rep_fraction"), detection.get("partial_range_fraction", 0.7)
    if _number(least) and _number(partial) and least >= partial:
        problems.append("detection.min_rep_fraction: must be below detection.partial_range_fraction")
    return problems


def _number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _describe(error: dict) -> str:
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"{key}: missing ({_allowed(key) if key == 'kind' else ALLOWED.get(key, 'required')})"
    if error["type"] == "extra_forbidden":
        return f"{key}: unknown key (check its spelling)"
    if key in ("signal", "kind"):
        return f"'{key}' must be {_allowed(key)} (got {error['input']!r})"
    return f"{key}: must be {_allowed(key)} (got {error['input']!r})"


def _allowed(key: str) -> str:
    if key == "kind":  # the registered kinds, which a plug-in may have added to
        return f"one of {', '.join(kind_names())}"
    return ALLOWED.get(key, "valid")


def validate(data: dict, source: str) -> ProtocolFile:
    problems = _cross_field_problems(data)
    try:
        model = ProtocolFile.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(e) for e in exc.errors(include_url=False)] + problems
        model = None
    if problems:
        raise ProtocolError(f"{source}: " + "; ".join(problems))
    return model
