"""Exercise prescriptions, one commented TOML file each, loaded into frozen dataclasses.

Contract: ``load_protocol(reference)`` takes a built-in id (the stem of a file in ``vision/protocols/``)
or a path to a therapist's own TOML of the same shape, optionally followed by a prescribed tempo
(``band-tempo@3-0-3``: push, hold and return seconds), and returns an ``ExerciseProtocol``; anything
malformed raises ``ProtocolError`` naming the file and, all at once, every bad key with what it allows
(the schema, with units and ranges, is ``vision.protocol_schema``). ``builtin_protocols()``
lists them with their display names (the TOML's ``name``), for menus.

A tempo (``Tempo.parse("3-0-3")``, ``protocol.with_tempo(tempo)``) replaces the protocol's phase targets:
slow phases (heavy slow resistance at 3-0-3, eccentric heel drops at 1-0-6) are prescribed as easily as the
built-in 1-2-3. Its tolerances follow the targets (``tempo_tolerance``: a quarter of the phase, at least
0.4 s, which gives the built-in files' 0.4, 0.5 and 0.75 s for 1, 2 and 3 s). The protocol's id carries the
tempo (``band-tempo@3-0-3``), so a stored set or a prescription names exactly what was prescribed.

Behaviour that depends on the protocol's kind lives in its kind (``protocol.exercise_kind``, registered in
``vision.kinds``), so adding a protocol of an existing kind needs only a TOML file, and adding a kind needs
only a module that registers it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from vision.errors import ProtocolError
from vision.kinds import ExerciseKind, kind_named
from vision.protocol_schema import validate
from vision.types import Phase, SignalKind

DEFAULT_PROTOCOL = "band-tempo"  # the seated band exercise, push 1 s, hold 2 s, return 3 s

PROTOCOL_DIR = Path(__file__).resolve().parent / "protocols"
MOVING_PHASES = (Phase.CONCENTRIC, Phase.HOLD, Phase.ECCENTRIC)
TEMPO_MARK = "@"  # protocol reference @ tempo: band-tempo@3-0-3
MAX_TEMPO_PHASE_S = 60.0
MIN_TEMPO_TOLERANCE_S = 0.4
TEMPO_TOLERANCE_SHARE = 0.25


def tempo_tolerance(target_s: float) -> float:
    """How far a phase may be from its prescribed seconds and still be on tempo."""
    return max(MIN_TEMPO_TOLERANCE_S, TEMPO_TOLERANCE_SHARE * target_s)


@dataclass(frozen=True)
class Tempo:
    """A prescribed tempo: push, hold and return seconds, written ``3-0-3`` (``1.5-2-3`` is fine too)."""

    push_s: float
    hold_s: float
    return_s: float

    @classmethod
    def parse(cls, text: str) -> Tempo:
        parts = str(text).strip().replace("–", "-").split("-")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            values = []
        if len(values) != 3 or not all(0 <= v <= MAX_TEMPO_PHASE_S for v in values) or min(values[0], values[2]) <= 0:
            raise ProtocolError(
                f"tempo '{text}' is not push-hold-return seconds such as 3-0-3 or 1-2-6 "
                f"(push and return more than 0, each at most {MAX_TEMPO_PHASE_S:.0f} s)"
            )
        return cls(*values)

    def __str__(self) -> str:
        return "-".join(f"{v:g}" for v in (self.push_s, self.hold_s, self.return_s))

    def seconds(self) -> dict[str, float]:
        return {
            Phase.CONCENTRIC.value: self.push_s,
            Phase.HOLD.value: self.hold_s,
            Phase.ECCENTRIC.value: self.return_s,
        }


@dataclass(frozen=True)
class ExerciseProtocol:
    """One exercise prescription. Durations in seconds; ``min_excursion`` in the signal's units."""

    id: str
    name: str  # what menus and reports show
    signal: SignalKind
    kind: str  # a registered exercise kind's name (vision.kinds)
    target_s: dict[str, float]  # per phase name; only the phases that are scored
    tolerance_s: dict[str, float]
    max_reps: int | None
    max_hold_s: float | None  # a kind whose hold is a limit: a hold past this means a tougher band
    min_hold_s: float | None  # ...and a first hold shorter than this means an easier band
    sets: int
    min_excursion: float
    partial_range_fraction: float
    # A rise under this share of the set's typical range is sway, not a rep (not even a partial one).
    min_rep_fraction: float = 0.35
    # Isometric: a sag of the hold shorter than this (from the hold's end to the next hold's start) is a
    # wobble inside one hold, not two holds.
    max_hold_dip_s: float = 3.0
    # A continuous lowering asked for: a stall of the return longer than this is a fault. None: stalls are
    # reported (where in the range, how long) but never a fault.
    max_stall_s: float | None = None

    @property
    def exercise_kind(self) -> ExerciseKind:
        """What this protocol's kind does (targets, judging, advice, cues): ``vision.kinds``."""
        return kind_named(self.kind)

    @property
    def scored_phases(self) -> tuple[Phase, ...]:
        """The phases whose duration is judged against a target (none for a hold judged by its limit)."""
        return tuple(p for p in MOVING_PHASES if p in self.target_s)

    def target_for(self, phase: Phase) -> float | None:
        """The duration the athlete aims at in ``phase`` (its kind decides: a tempo target, or for an
        isometric hold the longest hold the band should allow). None when the phase has no target."""
        return self.exercise_kind.target_for(self, phase)

    @property
    def base_id(self) -> str:
        """The exercise without a prescribed tempo (``band-tempo`` for ``band-tempo@3-0-3``)."""
        return self.id.split(TEMPO_MARK, 1)[0]

    def with_tempo(self, tempo: Tempo) -> ExerciseProtocol:
        """This exercise at a prescribed tempo: the targets become the tempo's seconds, the tolerances follow
        them, for the phases its kind judges (an eccentric-only protocol: the return alone)."""
        if self.exercise_kind.tempo_phases is None:
            raise ProtocolError(f"{self.name} is a {self.kind} exercise: it has no tempo to prescribe")
        phases = [p.value for p in self.exercise_kind.tempo_phases]
        target = {p: tempo.seconds()[p] for p in phases}
        name = re.sub(r",? [\d.]+-[\d.]+-[\d.]+ tempo$", "", self.name)  # a name that states its own tempo
        return replace(
            self,
            id=f"{self.base_id}{TEMPO_MARK}{tempo}",
            name=f"{name}, {tempo} tempo",
            target_s=target,
            tolerance_s={p: tempo_tolerance(v) for p, v in target.items()},
        )

    def __hash__(self) -> int:  # dict fields; identity by id and source is enough for caching
        return hash((self.id, self.signal, self.kind, tuple(sorted(self.target_s.items()))))


def builtin_ids() -> list[str]:
    return sorted(p.stem for p in PROTOCOL_DIR.glob("*.toml"))


def builtin_protocols() -> list[ExerciseProtocol]:
    """Every built-in protocol, in id order (menus show their ``name``)."""
    return [load_protocol(i) for i in builtin_ids()]


def load_protocol(reference: str) -> ExerciseProtocol:
    """A built-in id or a TOML path, with an optional ``@push-hold-return`` tempo (module contract)."""
    base, mark, tempo = str(reference).rpartition(TEMPO_MARK) if TEMPO_MARK in str(reference) else (reference, "", "")
    protocol = _load_file(base)
    return protocol.with_tempo(Tempo.parse(tempo)) if mark else protocol


def _load_file(id_or_path: str) -> ExerciseProtocol:
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
    kind, signal = kind_named(f.kind), SignalKind(f.signal)
    limit = kind.hold_is_a_limit  # target.hold_s is the longest hold the band allows, not a phase target
    target_s, tolerance_s = {}, {}
    for phase in MOVING_PHASES:
        key = f"{phase}_s"
        value = getattr(f.target, key)
        if value is not None and not (limit and phase == Phase.HOLD):
            target_s[phase.value] = float(value)
            tolerance_s[phase.value] = float(getattr(f.tolerance, key))
    return ExerciseProtocol(
        id=f.id,
        name=f.name or f.id,
        signal=signal,
        kind=kind.name,
        target_s=target_s,
        tolerance_s=tolerance_s,
        max_reps=f.set.max_reps,
        max_hold_s=float(f.target.hold_s) if limit else None,
        min_hold_s=float(f.target.min_hold_s or 0.0) if limit else None,
        sets=f.set.sets,
        min_excursion=float(f.detection.min_excursion),
        partial_range_fraction=float(f.detection.partial_range_fraction),
        min_rep_fraction=float(f.detection.min_rep_fraction),
        max_hold_dip_s=float(f.detection.max_hold_dip_s),
        max_stall_s=float(f.target.max_stall_s) if f.target.max_stall_s is not None else None,
    )
