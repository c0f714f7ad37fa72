"""Exercise prescriptions, one commented TOML file each, loaded into frozen dataclasses.

Contract: ``load_protocol(id_or_path)`` takes a built-in id (``band-tempo``, ``band-isometric``,
``band-eccentric``, ``heel-raise``, the files in ``vision/protocols/``) or a path to a therapist's own
TOML of the same shape, and returns an ``ExerciseProtocol``; anything malformed raises
``ProtocolError`` with a message naming the file and the field.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from vision.errors import ProtocolError
from vision.signals import SIGNALS

PROTOCOL_DIR = Path(__file__).resolve().parent / "protocols"
KINDS = ("tempo", "isometric", "eccentric")
PHASES = ("concentric", "hold", "eccentric")


@dataclass(frozen=True)
class ExerciseProtocol:
    id: str
    name: str
    signal: str  # a key of vision.signals.SIGNALS
    kind: str  # tempo | isometric | eccentric
    target_s: dict[str, float]  # per phase; only the phases that are scored
    tolerance_s: dict[str, float]
    max_reps: int | None
    max_hold_s: float | None  # isometric: a hold past this means a tougher band
    min_hold_s: float | None  # isometric: a first hold shorter than this means an easier band
    sets: int
    min_excursion: float
    partial_range_fraction: float

    @property
    def scored_phases(self) -> tuple[str, ...]:
        return tuple(p for p in PHASES if p in self.target_s)

    def __hash__(self) -> int:  # dict fields; identity by id and source is enough for caching
        return hash((self.id, self.signal, self.kind, tuple(sorted(self.target_s.items()))))


def builtin_ids() -> list[str]:
    return sorted(p.stem for p in PROTOCOL_DIR.glob("*.toml"))


def load_protocol(id_or_path: str) -> ExerciseProtocol:
    path = Path(id_or_path)
    if not path.suffix == ".toml":
        path = PROTOCOL_DIR / f"{id_or_path}.toml"
        if not path.is_file():
            raise ProtocolError(f"unknown protocol '{id_or_path}'; choose one of {', '.join(builtin_ids())} "
                                "or give a path to a .toml file")
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
    if kind not in KINDS:
        raise ProtocolError(f"{source}: 'kind' must be one of {', '.join(KINDS)}")
    if signal not in SIGNALS:
        raise ProtocolError(f"{source}: 'signal' must be one of {', '.join(SIGNALS)}")
    target = data.get("target", {})
    tolerance = data.get("tolerance", {})
    detection = data.get("detection", {})
    sets = data.get("set", {})
    target_s, tolerance_s = {}, {}
    for phase in PHASES:
        key = f"{phase}_s"
        if key in target and not (kind == "isometric" and phase == "hold"):
            target_s[phase] = need(target, key, float, "target.")
            tolerance_s[phase] = need(tolerance, key, float, "tolerance.")
    if kind != "isometric" and not target_s:
        raise ProtocolError(f"{source}: a {kind} protocol needs at least one target phase duration")
    max_hold = need(target, "hold_s", float, "target.") if kind == "isometric" else None
    min_hold = float(target.get("min_hold_s", 0.0)) if kind == "isometric" else None
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
