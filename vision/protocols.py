"""Exercise prescriptions, one commented TOML file each, loaded into frozen dataclasses.

Contract: ``load_protocol(id_or_path)`` takes a built-in id (the stem of a file in ``vision/protocols/``)
or a path to a therapist's own TOML of the same shape, and returns an ``ExerciseProtocol``; anything
malformed raises ``ProtocolError`` with a message naming the file and the field. ``builtin_protocols()``
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
    def need(table: dict, key: str, kind: type, where: str):
        if key not in table:
            raise ProtocolError(f"{source}: missing '{where}{key}'")
        value = table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind):
            raise ProtocolError(f"{source}: '{where}{key}' must be a {kind.__name__}")
        return value

    kind = need(data, "kind", str, "")
    signal = need(data, "signal", str, "")
    if kind not in set(ProtocolKind):
        raise ProtocolError(f"{source}: 'kind' must be one of {', '.join(ProtocolKind)}")
    if signal not in set(SignalKind):
        raise ProtocolError(f"{source}: 'signal' must be one of {', '.join(SignalKind)}")
    kind, signal = ProtocolKind(kind), SignalKind(signal)
    target = data.get("target", {})
    tolerance = data.get("tolerance", {})
    detection = data.get("detection", {})
    sets = data.get("set", {})
    target_s, tolerance_s = {}, {}
    for phase in MOVING_PHASES:
        key = f"{phase}_s"
        if key in target and not (kind == ProtocolKind.ISOMETRIC and phase == Phase.HOLD):
            target_s[phase.value] = need(target, key, float, "target.")
            tolerance_s[phase.value] = need(tolerance, key, float, "tolerance.")
    if kind != ProtocolKind.ISOMETRIC and not target_s:
        raise ProtocolError(f"{source}: a {kind} protocol needs at least one target phase duration")
    isometric = kind == ProtocolKind.ISOMETRIC
    max_hold = need(target, "hold_s", float, "target.") if isometric else None
    min_hold = float(target.get("min_hold_s", 0.0)) if isometric else None
    max_reps = sets.get("max_reps")
    return ExerciseProtocol(
        id=need(data, "id", str, ""),
        name=str(data.get("name", data["id"])),
        signal=signal,
        kind=kind,
        target_s=target_s,
        tolerance_s=tolerance_s,
        max_reps=int(max_reps) if max_reps is not None else None,
        max_hold_s=max_hold,
        min_hold_s=min_hold,
        sets=int(sets.get("sets", 1)),
        min_excursion=need(detection, "min_excursion", float, "detection."),
        partial_range_fraction=float(detection.get("partial_range_fraction", 0.7)),
    )
