"""AnalysedSet → the ``calfcheck.score/1`` JSON report, per-rep CSV and per-frame trace CSV; and back.

Contract: ``session_to_dict`` is the one definition of the output schema; the CLI, the app's download
button and the batch scorer all serialise through ``to_json`` / ``reps_csv`` / ``csv_text``. Writing files
is ``vision.outputs``'s job (checked targets, atomic replace). ``set_result_from_report`` is the one
reader of a stored report: the figures the programme reads (``vision.set_results.SetResult``). Each rep
row carries the measures its exercise kind adds under ``data``.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from vision.kinds import kind_named
from vision.programme import has_eccentric_only_version
from vision.scoring import describe_stalls
from vision.set_results import SetResult
from vision.signals import heel_lift
from vision.skeleton import LEG_POINT_NAMES, LEG_POINTS
from vision.types import TOO_TOUGH_FAULTS, AnalysedSet, Fault, Phase, RepScore

SCHEMA = "calfcheck.score/1"
REP_COLUMNS = [
    "source",
    "index",
    "start_s",
    "end_s",
    "concentric_s",
    "hold_s",
    "eccentric_s",
    "peak_deg",
    "rom_deg",
    "score",
    "faults",
    "stalls",
    "incomplete",
]


def _r(x: float, nd: int = 2) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


def _angle_stats(session: AnalysedSet, s: RepScore) -> tuple[float | None, float | None]:
    """Peak plantarflexion and range of motion in degrees over the rep, whatever signal was scored."""
    t = session.track.t_s
    inside = (t >= s.rep.start_s) & (t <= s.rep.end_s)
    before = (t >= s.rep.start_s - 1.0) & (t < s.rep.start_s)
    a = session.angle
    if not np.isfinite(a[inside]).any():
        return None, None
    peak = float(np.nanmax(a[inside]))
    rest = float(np.nanmedian(a[before])) if np.isfinite(a[before]).any() else float(np.nanmin(a[inside]))
    return _r(peak, 1), _r(peak - rest, 1)


def rep_to_dict(session: AnalysedSet, s: RepScore) -> dict:
    rep = s.rep
    peak_deg, rom_deg = _angle_stats(session, s)
    return {
        "index": rep.index,
        "start_s": _r(rep.start_s), "end_s": _r(rep.end_s),
        "concentric_s": _r(rep.concentric.duration_s), "hold_s": _r(rep.hold.duration_s),
        "eccentric_s": _r(rep.eccentric.duration_s),
        "phases": {phase.value: [_r(rep.interval(phase).start_s), _r(rep.interval(phase).end_s)]
                   for phase in (Phase.CONCENTRIC, Phase.HOLD, Phase.ECCENTRIC)},
        "peak_deg": peak_deg, "rom_deg": rom_deg,
        "peak_signal": _r(rep.peak_level, 4), "rom_signal": _r(rep.range_of_motion, 4),
        "score": s.score, "faults": list(s.faults),
        # Where the return paused on the way down (0 = at the top, 1 = at the floor) and for how long.
        "stalls": [{"share_of_the_way_down": _r(st.share_of_the_way_down, 2),
                    "start_s": _r(st.interval.start_s), "end_s": _r(st.interval.end_s),
                    "duration_s": _r(st.interval.duration_s)} for st in rep.stalls],
        "incomplete": rep.incomplete,  # the clip ended during this rep: reported, never counted
        "data": {k: _r(v, 4) for k, v in s.data.items()},  # what the exercise kind measures besides
    }  # fmt: skip


def session_to_dict(session: AnalysedSet) -> dict:
    p = session.protocol
    return {
        "schema": SCHEMA,
        "source": session.source,
        "protocol": p.id,
        "signal": p.signal,
        "leg": session.leg.value,
        "band": session.band,
        "duration_s": _r(session.duration_s),
        "fps": _r(session.info.fps),
        "prescription": {
            "kind": p.kind,
            "target_s": p.target_s,
            "tolerance_s": p.tolerance_s,
            "max_reps": p.max_reps,
            "max_hold_s": p.max_hold_s,
        },
        "reps": [rep_to_dict(session, s) for s in session.scores],
        "summary": {
            "rep_count": session.summary.rep_count,
            "good_rep_count": session.summary.good_rep_count,
            "longest_hold_s": session.summary.longest_hold_s,
            "mean_score": session.summary.mean_score,
            "band_advice": session.summary.band_advice,
            "next_band": session.summary.next_band,
            "fatigue": session.summary.fatigue,
            "looks_eccentric_only": session.summary.looks_eccentric_only,
        },
        "quality": {
            "pose_coverage": session.quality.pose_coverage,
            "leg_coverage": session.quality.leg_coverage,
            "reliable": session.quality.reliable,
            "warnings": list(session.quality.warnings),
            # Absolute angles (peak_deg) are valid only when the view is side-on; rom_deg is from the
            # athlete's own rest and holds in any view (vision.view).
            "side_on": session.quality.side_on,
        },
    }


def set_result_from_report(report: dict) -> SetResult:
    """The figures of a ``calfcheck.score/1`` report that the programme reads (finished reps only)."""
    reps = [r for r in report.get("reps", []) if not r.get("incomplete")]
    ranges = [r["rom_deg"] for r in reps if r.get("rom_deg") is not None]
    prescription = report.get("prescription") or {}
    return SetResult(
        reps=len(reps),
        reps_on_tempo=sum(1 for r in reps if not r["faults"]),
        longest_hold_s=float(report["summary"]["longest_hold_s"] or 0.0),
        rep_scores=tuple(int(r["score"]) for r in reps),
        fade=bool(report["summary"]["fatigue"]),
        ended_within_band=bool(reps) and not TOO_TOUGH_FAULTS.intersection(reps[-1]["faults"]),
        hold_cut_off=any(Fault.HOLD_CUT_OFF in r["faults"] for r in report.get("reps", [])),
        mean_range_deg=round(float(np.mean(ranges)), 1) if ranges else None,
        stall_shares=tuple(float(st["share_of_the_way_down"]) for r in reps for st in r.get("stalls", [])),
        rep_data=tuple(dict(r.get("data") or {}) for r in reps),
        reps_within_band=sum(1 for r in reps if not TOO_TOUGH_FAULTS.intersection(r["faults"])),
        rep_limit=prescription.get("max_reps"),
        hold_limit_s=prescription.get("max_hold_s"),
        # From the reps' faults, not the summary's flag: sets saved before the flag existed are judged too.
        looks_eccentric_only=has_eccentric_only_version(str(report.get("protocol") or ""))
        and kind_named(prescription.get("kind") or "tempo").looks_eccentric_only([r["faults"] for r in reps]),
    )


def to_json(session: AnalysedSet) -> str:
    return json.dumps(session_to_dict(session), indent=1, allow_nan=False)  # NaN is not JSON


def rep_rows(session: AnalysedSet) -> list[dict]:
    rows = []
    for s in session.scores:
        d = rep_to_dict(session, s)
        rows.append(
            {
                **{k: d[k] for k in REP_COLUMNS if k in d},
                "source": session.source,
                "faults": ";".join(d["faults"]),
                "stalls": describe_stalls(s.rep),
            }
        )
    return rows


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


def spreadsheet_safe(value: object) -> object:
    """A text cell a spreadsheet would run as a formula (``=HYPERLINK(...)`` in a clip or athlete name) gets
    a leading apostrophe, the way spreadsheets mark text (OWASP, CSV injection); numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and value != "-":
        return "'" + value
    return value


def csv_text(rows: list[dict], columns: list[str]) -> str:
    """Every CSV calfcheck writes (reps, traces, batch summaries, histories): text cells spreadsheet-safe."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in rows)
    return buf.getvalue()


def reps_csv(session: AnalysedSet) -> str:
    return csv_text(rep_rows(session), REP_COLUMNS)


def trace_csv(session: AnalysedSet) -> str:
    """Per frame: time, the working leg's landmarks, angle (raw and smooth), heel lift, phase."""
    track, leg = session.track, session.leg
    names = LEG_POINT_NAMES
    lift = heel_lift(track.landmarks, leg, track.width, track.height)
    phases = session.phase_at(track.t_s)
    columns = (
        ["t_s"]
        + [f"{n}_{c}" for n in names for c in ("x", "y", "vis")]
        + ["angle_deg_raw", "angle_deg", "heel_lift", "signal", "phase"]
    )
    rows = []
    for i, t in enumerate(track.t_s):
        row = {"t_s": round(float(t), 4)}
        for n, idx in zip(names, LEG_POINTS[leg]):
            x, y, _, vis = track.landmarks[i, idx]
            row.update({f"{n}_x": _r(x, 4), f"{n}_y": _r(y, 4), f"{n}_vis": _r(vis, 3)})
        row.update(
            {
                "angle_deg_raw": _r(session.angle_raw[i]),
                "angle_deg": _r(session.angle[i]),
                "heel_lift": _r(lift[i], 4),
                "signal": _r(session.signal[i], 4),
                "phase": phases[i].value,
            }
        )
        rows.append(row)
    return csv_text(rows, columns)
