"""A scored set as the records keep it, built from the analysis result (never from a report dict).

Contract: ``SetToSave.from_analysis(session, clip_name=..., content_hash=None, model=None)`` takes the
analysed set and everything the store needs from it: the report (``calfcheck.score/1``, kept verbatim),
the figures the programme and the queue read, one row per rep, the compressed landmarks (so the set can
be re-scored and redrawn without video), the clip's content hash (the clip file's SHA-256 when the face
has it, else the landmarks') and the one duplicate key (``set_key``). It is a plain picklable value: a
batch worker builds it where the clip was scored and the driver saves it; the live page keeps it as a
draft (``to_draft``/``from_draft``) until the athlete saves.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import asdict, dataclass, replace

from vision.records.landmarks import digest as landmarks_digest
from vision.records.landmarks import pack as pack_landmarks
from vision.records.set_key import settings_key
from vision.report import session_to_dict
from vision.store.rows import NewRep, NewSet
from vision.types import AnalysedSet, Leg


@dataclass(frozen=True)
class SetToSave:
    leg: Leg
    protocol: str  # the protocol's id (a tempo variant included: band-tempo@3-0-3)
    kind: str  # the exercise kind's name (vision.kinds)
    band: str | None
    clip_name: str
    content_hash: str
    settings: str  # set_key.settings_key
    report_json: str
    rep_count: int
    reps_on_tempo: int  # finished reps without a fault
    longest_hold_s: float
    mean_score: float | None
    fatigue: bool
    reliable: bool
    warnings: tuple[str, ...]
    reps: tuple[NewRep, ...]
    landmarks: bytes
    # Heel raises: kilograms held or worn; 0 says body weight, None says nothing (the prescription fills it
    # when saved; stored, both are body weight). Not part of the scoring, so not part of the duplicate key:
    # the same clip is one set whatever load is typed the second time.
    load_kg: float | None = None

    @classmethod
    def from_analysis(
        cls,
        session: AnalysedSet,
        *,
        clip_name: str | None = None,
        content_hash: str | None = None,
        model: str | os.PathLike | None = None,
    ) -> SetToSave:
        blob = pack_landmarks(session.track)
        report = session_to_dict(session)
        finished = [s for s in session.scores if not s.rep.incomplete]
        rows = tuple(
            NewRep(
                number=r["index"],
                start_s=r["start_s"],
                end_s=r["end_s"],
                concentric_s=r["concentric_s"],
                hold_s=r["hold_s"],
                eccentric_s=r["eccentric_s"],
                peak_deg=r["peak_deg"],
                rom_deg=r["rom_deg"],
                score=int(r["score"]),
                faults=tuple(r["faults"]),
                incomplete=bool(r["incomplete"]),
            )
            for r in report["reps"]  # the report's own rounding: the rows and the report never disagree
        )
        summary = session.summary
        return cls(
            leg=session.leg,
            protocol=session.protocol.id,
            kind=session.protocol.kind,
            band=session.band,
            clip_name=clip_name or session.source,
            content_hash=content_hash or landmarks_digest(blob),
            settings=settings_key(session.leg, session.protocol, session.band, model),
            report_json=json.dumps(report, allow_nan=False),
            rep_count=summary.rep_count,
            reps_on_tempo=sum(1 for s in finished if not s.faults),
            longest_hold_s=float(summary.longest_hold_s or 0.0),
            mean_score=summary.mean_score,
            fatigue=bool(summary.fatigue),
            reliable=session.quality.reliable,
            warnings=tuple(session.quality.warnings),
            reps=rows,
            landmarks=blob,
        )

    @property
    def report(self) -> dict:
        return json.loads(self.report_json)

    def with_band(self, band: str) -> SetToSave:
        """The same set on ``band`` (a face that did not know the band: the leg's prescription fills it); the
        duplicate key and the report say the band too. The report's next-band advice is the set's own and
        is left as scored."""
        leg, protocol, _, model = self.settings.split("|", 3)
        report = {**self.report, "band": band}
        return replace(self, band=band, settings=f"{leg}|{protocol}|{band}|{model}",
                       report_json=json.dumps(report, allow_nan=False))  # fmt: skip

    def with_load(self, load_kg: float | None) -> SetToSave:
        """The same set done with ``load_kg`` kg (heel raises; 0: body weight; None: not said)."""
        return replace(self, load_kg=load_kg)

    def new_set(self, source: str, video: bytes | None = None) -> NewSet:
        return NewSet(
            leg=self.leg,
            protocol=self.protocol,
            kind=self.kind,
            band=self.band,
            source=source,
            clip_name=self.clip_name,
            content_hash=self.content_hash,
            settings=self.settings,
            report_json=self.report_json,
            rep_count=self.rep_count,
            reps_on_tempo=self.reps_on_tempo,
            longest_hold_s=self.longest_hold_s,
            mean_score=self.mean_score,
            fatigue=self.fatigue,
            reps=self.reps,
            landmarks=self.landmarks,
            video=video,
            load_kg=self.load_kg,
        )

    # --- a draft on disk (the live page's finished set, not yet saved) -----------------------------

    def to_draft(self) -> str:
        data = asdict(self)
        data["landmarks"] = base64.b64encode(self.landmarks).decode("ascii")
        return json.dumps(data)

    @classmethod
    def from_draft(cls, text: str) -> SetToSave:
        data = json.loads(text)
        data["leg"] = Leg(data["leg"])
        data["warnings"] = tuple(data["warnings"])
        data["reps"] = tuple(NewRep(**{**r, "faults": tuple(r["faults"])}) for r in data["reps"])
        data["landmarks"] = base64.b64decode(data["landmarks"])
        return cls(**data)
