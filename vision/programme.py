"""The programme's rules (``programme.toml``), validated and loaded into a frozen dataclass.

Contract: ``load_programme(path=None)`` reads the built-in ``vision/programme.toml``, or a therapist's
copy given as ``path`` or in ``CALFCHECK_PROGRAMME``, and returns ``ProgrammeRules``; a malformed file
raises ``ProtocolError`` listing every bad key at once (pydantic). Protocol ids named in the file must
be built-in protocols. ``vision.progression`` applies the rules; nothing else interprets them.
``band_ladder()`` is the one list of bands (lightest to toughest) every face offers, read from the same
file: the colours and, between each colour and the next, its half step (``"red+"``: red stretched further
or twisted); ``band_ladder(half_steps=False)`` is the colours alone. ``colour_of(band)`` is the colour a
band is a rung of; ``band_colour(band)`` is how charts and the PDF draw it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vision.errors import ProtocolError

BUILTIN_PROGRAMME = Path(__file__).resolve().parent / "programme.toml"
_STRICT = ConfigDict(extra="forbid")
Count = Annotated[int, Field(ge=1, le=200)]
Seconds = Annotated[float, Field(gt=0, le=600, allow_inf_nan=False)]


HexColour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
UNLISTED_BAND_COLOUR = "#6b7280"  # a band the file gives no colour for is drawn grey
HALF_STEP_MARK = "+"  # "red+": red stretched further or twisted, the rung between red and the next colour


def half_step_of(colour: str) -> str:
    return colour + HALF_STEP_MARK


def load_text(kg: float | None) -> str:
    """A heel raise's load in words: ``12.5 kg``, or ``body weight`` for none."""
    return f"{kg:g} kg" if kg else "body weight"


def colour_of(band: str | None) -> str | None:
    """The colour a band is a rung of: ``red`` for both ``red`` and its half step ``red+``."""
    return band.removesuffix(HALF_STEP_MARK) if band else band


def is_half_step(band: str | None) -> bool:
    return bool(band) and band.endswith(HALF_STEP_MARK)


class _Ladder(BaseModel):
    model_config = _STRICT
    bands: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(min_length=1)
    half_steps: bool = True
    after_bands: list[str] = []
    colours: dict[str, HexColour] = {}


class _Versions(BaseModel):
    model_config = _STRICT
    order: list[str] = Field(min_length=1)
    ready_at_band: str
    restart_bands_lighter: Annotated[int, Field(ge=0, le=10)] = 1


class _Tempo(BaseModel):
    model_config = _STRICT
    reps_to_move_up: Count
    sessions_in_a_row: Count
    min_reps_on_tempo: Annotated[int, Field(ge=0, le=200)]


class _Isometric(BaseModel):
    model_config = _STRICT
    hold_to_move_up_s: Seconds
    sessions_in_a_row: Count
    min_hold_s: Annotated[float, Field(ge=0, le=600)]


class _Fatigue(BaseModel):
    model_config = _STRICT
    score_collapse_ratio: Annotated[float, Field(gt=0, le=1)]


class _Failing(BaseModel):
    model_config = _STRICT
    sessions_to_step_back: Count


class _Layoff(BaseModel):
    model_config = _STRICT
    days: Annotated[int, Field(ge=7, le=365)]


class _Comparison(BaseModel):
    model_config = _STRICT
    within_days: Annotated[int, Field(ge=1, le=90)]


class _Adherence(BaseModel):
    model_config = _STRICT
    default_sessions_per_week: Annotated[int, Field(ge=1, le=14)]


class _HeelRaises(BaseModel):
    model_config = _STRICT
    load_step_kg: Annotated[float, Field(gt=0, le=50, allow_inf_nan=False)]


class _ProgrammeFile(BaseModel):
    model_config = _STRICT
    ladder: _Ladder
    versions: _Versions
    tempo: _Tempo
    isometric: _Isometric
    fatigue: _Fatigue
    failing: _Failing
    adherence: _Adherence
    layoff: _Layoff
    comparison: _Comparison
    heel_raises: _HeelRaises


def _cross_checks(data: dict) -> list[str]:
    """Rules between keys, checked on the raw file so they are reported along with every key's own error."""
    bands = (data.get("ladder") or {}).get("bands")
    ready = (data.get("versions") or {}).get("ready_at_band")
    problems = []
    if isinstance(bands, list) and ready is not None and ready not in bands:
        problems.append(f"versions.ready_at_band: must be one of ladder.bands (got '{ready}')")
    if isinstance(bands, list) and len(set(map(str, bands))) != len(bands):
        problems.append("ladder.bands: each colour once")
    if isinstance(bands, list) and any(str(b).endswith(HALF_STEP_MARK) for b in bands):
        problems.append(f"ladder.bands: a colour cannot end in '{HALF_STEP_MARK}' (the half step's mark)")
    colours = (data.get("ladder") or {}).get("colours")
    if isinstance(bands, list) and isinstance(colours, dict):
        problems += [f"ladder.colours: '{c}' is not one of ladder.bands" for c in colours if c not in bands]
    return problems


@dataclass(frozen=True)
class ProgrammeRules:
    """Every rule of the programme as a named number (documented in ``programme.toml``)."""

    bands: tuple[str, ...]  # the colours, lightest to toughest
    band_colours: tuple[tuple[str, str], ...]  # (band, "#rrggbb") pairs, for drawing
    after_bands: tuple[str, ...]
    versions: tuple[str, ...]
    version_ready_at_band: str
    version_restart_bands_lighter: int
    reps_to_move_up: int
    tempo_sessions_in_a_row: int
    min_reps_on_tempo: int
    hold_to_move_up_s: float
    isometric_sessions_in_a_row: int
    min_hold_s: float
    score_collapse_ratio: float
    sessions_to_step_back: int
    default_sessions_per_week: int
    layoff_days: int
    compare_within_days: int
    half_steps: bool = True
    load_step_kg: float = 2.5  # heel raises move up by load (programme.toml [heel_raises])
    eccentric_only_versions: tuple[str, ...] = ()  # the versions whose kind loads only the return

    def moves_by_load(self, protocol_id: str) -> bool:
        """Heel raises (``after_bands``): done without a band, made tougher by a load in kg."""
        from vision.protocols import TEMPO_MARK

        return protocol_id.split(TEMPO_MARK, 1)[0] in self.after_bands

    def has_eccentric_only_version(self, protocol_id: str) -> bool:
        """Whether ``protocol_id`` (a prescribed tempo aside) is a version of an exercise the programme also
        runs eccentric-only: only a set of such an exercise can be that version saved as this one (a heel
        raise done fast up and slow down is not)."""
        from vision.protocols import TEMPO_MARK

        exercise = protocol_id.split(TEMPO_MARK, 1)[0]
        return (
            exercise in self.versions
            and exercise not in self.eccentric_only_versions
            and any(self.eccentric_only_versions)
        )

    @property
    def rungs(self) -> tuple[str, ...]:
        """Every band a set can be done on, lightest to toughest: each colour, then (with half steps) the
        rung between it and the next colour."""
        if not self.half_steps:
            return self.bands
        return tuple(r for b in self.bands[:-1] for r in (b, half_step_of(b))) + self.bands[-1:]

    def half_step_below(self, colour: str) -> str | None:
        """The half step just under ``colour`` (``red+`` under green); None without half steps or below the
        lightest colour."""
        i = self.bands.index(colour) if colour in self.bands else 0
        return half_step_of(self.bands[i - 1]) if self.half_steps and i > 0 else None


def load_programme(path: str | os.PathLike | None = None) -> ProgrammeRules:
    from vision.protocols import builtin_ids, load_protocol

    path = Path(path or os.environ.get("CALFCHECK_PROGRAMME") or BUILTIN_PROGRAMME)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProtocolError(f"programme file {path.name}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"{path.name}: not valid TOML ({exc})") from None
    problems = _cross_checks(data)
    try:
        f = _ProgrammeFile.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors(include_url=False)
        ] + problems
    if problems:
        raise ProtocolError(f"{path.name}: {'; '.join(problems)}")
    known = set(builtin_ids())
    unknown = [p for p in (*f.versions.order, *f.ladder.after_bands) if p not in known]
    if unknown:
        raise ProtocolError(f"{path.name}: unknown protocol ids {', '.join(unknown)}; use {', '.join(sorted(known))}")
    return ProgrammeRules(
        bands=tuple(f.ladder.bands),
        band_colours=tuple(f.ladder.colours.items()),
        after_bands=tuple(f.ladder.after_bands),
        versions=tuple(f.versions.order),
        version_ready_at_band=f.versions.ready_at_band,
        version_restart_bands_lighter=f.versions.restart_bands_lighter,
        reps_to_move_up=f.tempo.reps_to_move_up,
        tempo_sessions_in_a_row=f.tempo.sessions_in_a_row,
        min_reps_on_tempo=f.tempo.min_reps_on_tempo,
        hold_to_move_up_s=f.isometric.hold_to_move_up_s,
        isometric_sessions_in_a_row=f.isometric.sessions_in_a_row,
        min_hold_s=f.isometric.min_hold_s,
        score_collapse_ratio=f.fatigue.score_collapse_ratio,
        sessions_to_step_back=f.failing.sessions_to_step_back,
        default_sessions_per_week=f.adherence.default_sessions_per_week,
        layoff_days=f.layoff.days,
        compare_within_days=f.comparison.within_days,
        half_steps=f.ladder.half_steps,
        load_step_kg=f.heel_raises.load_step_kg,
        eccentric_only_versions=tuple(
            p for p in f.versions.order if load_protocol(p).exercise_kind.loads_only_the_return
        ),
    )


@cache
def _rules(path: str | None) -> ProgrammeRules:
    return load_programme(path)


def band_ladder(half_steps: bool = True) -> tuple[str, ...]:
    """The bands, lightest to toughest, from the programme in force (read once per file): every rung
    (colours and half steps), or with ``half_steps=False`` the colours alone."""
    rules = _rules(os.environ.get("CALFCHECK_PROGRAMME"))
    return rules.rungs if half_steps else rules.bands


def programme_in_force() -> ProgrammeRules:
    """The rules of the programme in force (``CALFCHECK_PROGRAMME`` or the built-in file), read once per file."""
    return _rules(os.environ.get("CALFCHECK_PROGRAMME"))


def has_eccentric_only_version(protocol_id: str) -> bool:
    """``ProgrammeRules.has_eccentric_only_version`` under the programme in force."""
    return _rules(os.environ.get("CALFCHECK_PROGRAMME")).has_eccentric_only_version(protocol_id)


def band_colour(band: str | None) -> str:
    """How a band is drawn ("#rrggbb"), a half step as its colour; grey for no band or one the programme
    gives no colour."""
    colours = dict(_rules(os.environ.get("CALFCHECK_PROGRAMME")).band_colours)
    return colours.get(colour_of(band) or "", UNLISTED_BAND_COLOUR)
