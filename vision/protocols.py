"""Exercise prescriptions, one commented TOML file each, loaded into frozen dataclasses.

Contract: ``load_protocol(id_or_path)`` takes a built-in id (the stem of a file in ``vision/protocols/``)
or a path to a therapist's own TOML of the same shape, and returns an ``ExerciseProtocol``; anything
malformed raises ``ProtocolError`` naming the file and, all at once, every bad key with what it allows
(the schema, with units and ranges, is ``vision.protocol_schema``). ``builtin_protocols()``
lists them with their display names (the TOML's ``name``), for menus.

Behaviour that depends on the protocol's kind lives on ``ExerciseProtocol`` (``is_isometric``,
``target_for(phase)``, ``scored_phases``), so adding a protocol of an existing kind needs only a TOML
file, and adding a kind touches this module and the scoring rules.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from vision.errors import ProtocolError
from vision.protocol_schema import validate
from vision.types import Phase, ProtocolKind, SignalKind

PROTOCOL_DIR = Path(__file__).resolve().parent / "protocols"
MOVING_PHASES = (Phase.CONCENTRIC, Phase.HOLD, Phase.ECCENTRIC)


@dataclass(frozen=True)
class ExerciseProtocol:
    """One exercise prescription. Durations in seconds; ``min_excursion`` in the signal's units."""

    id: str
    name: str  # what menus and reports show
    signal: SignalKind
    kind: ProtocolKind
    target_s: dict[str, float]  # per phase name; only the phases that are scored
    tolerance_s: dict[str, float]
    max_reps: int | None
    max_hold_s: float | None  # isometric: a hold past this means a tougher band
    min_hold_s: float | None  # isometric: a first hold shorter than this means an easier band
    sets: int
    min_excursion: float
    partial_range_fraction: float
    # A rise under this share of the set's typical range is sway, not a rep (not even a partial one).
    min_rep_fraction: float = 0.35
    # Isometric: a sag of the hold shorter than this (from the hold's end to the next hold's start) is a
    # wobble inside one hold, not two holds.
    max_hold_dip_s: float = 3.0

    @property
    def is_isometric(self) -> bool:
        return self.kind == ProtocolKind.ISOMETRIC

    @property
    def scored_phases(self) -> tuple[Phase, ...]:
        """The phases whose duration is judged against a target (none for an isometric hold)."""
        return tuple(p for p in MOVING_PHASES if p in self.target_s)

    def target_for(self, phase: Phase) -> float | None:
        """The duration the athlete aims at in ``phase``: its tempo target, or for an isometric hold the
        longest hold the band should allow. None when the phase has no target."""
        if self.is_isometric:
            return self.max_hold_s if phase == Phase.HOLD else None
        return self.target_s.get(phase)

    def __hash__(self) -> int:  # dict fields; identity by id and source is enough for caching
        return hash((self.id, self.signal, self.kind, tuple(sorted(self.target_s.items()))))


def builtin_ids() -> list[str]:
    return sorted(p.stem for p in PROTOCOL_DIR.glob("*.toml"))


def builtin_protocols() -> list[ExerciseProtocol]:
    """Every built-in protocol, in id order (menus show their ``name``)."""
    return [load_protocol(i) for i in builtin_ids()]


def load_protocol(id_or_path: str) -> ExerciseProtocol:
    path = Path(id_or_path)
    if path.suffix != ".toml":
        path = PROTOCOL_DIR / f"{id_or_path}.toml"
        if not path.is_file():
            raise ProtocolError(
                f"unknown protocol '{id_or_path}'; choose one of {', '.join(builtin_ids())} "
                "or give a path to a .toml file"
            )
    if not path.is_file():
        raise ProtocolError(f"protocol file {path} not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"{path.name}: not valid TOML ({exc})") from None
    return _from_dict(data, path.name)


def _from_dict(data: dict, source: str) -> ExerciseProtocol:
    f = validate(data, source)
    kind, signal = ProtocolKind(f.kind), SignalKind(f.signal)
    isometric = kind == ProtocolKind.ISOMETRIC
    target_s, tolerance_s = {}, {}
    for phase in MOVING_PHASES:
        key = f"{phase}_s"
        value = getattr(f.target, key)
        if value is not None and not (isometric and phase == Phase.HOLD):
            target_s[phase.value] = float(value)
            tolerance_s[phase.value] = float(getattr(f.tolerance, key))
    return ExerciseProtocol(
        id=f.id,
        name=f.name or f.id,
        signal=signal,
        kind=kind,
        target_s=target_s,
        tolerance_s=tolerance_s,
        max_reps=f.set.max_reps,
        max_hold_s=float(f.target.hold_s) if isometric else None,
        min_hold_s=float(f.target.min_hold_s or 0.0) if isometric else None,
        sets=f.set.sets,
        min_excursion=float(f.detection.min_excursion),
        partial_range_fraction=float(f.detection.partial_range_fraction),
        min_rep_fraction=float(f.detection.min_rep_fraction),
        max_hold_dip_s=float(f.detection.max_hold_dip_s),
    )
