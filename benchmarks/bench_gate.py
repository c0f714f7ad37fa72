"""The quality gate as a classifier: false refusals and false counts on its labelled set.

The labelled set is ``tests/gate_set.py`` (footage remixed from ../shared's real clip, each clip marked "a
person can count it", with its count, or "a person cannot"), with the real clips of ../shared beside it: the
real athlete's two reps, and three clips with no reps a person could count (pedestrians, a close-up of a
seated calf machine with no hip in view, the walking and box-jump sample). Each clip is scored as
``calfcheck score`` does (the fast path) under the ankle angle (``band-tempo``) and the heel lift
(``heel-raise``). Prints a Markdown table and the totals; raw results in benchmarks/out/gate.json.
Run: ``python benchmarks/bench_gate.py`` (needs ../shared). Results: the README's quality-gate section.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "clips"
OUT = ROOT / "benchmarks" / "out"
PROTOCOLS = ("band-tempo", "heel-raise")
# Real footage: (clip, what it shows, the count a person makes; None: a person cannot count reps in it).
REAL = [
    (SHARED / "real" / "wall_calf_raise_60fps.mp4", "real athlete, 2 heel raises with holds", 2),
    (SHARED / "real" / "pedestrians_no_athlete.avi", "real: pedestrians far away, no athlete", None),
    (SHARED / "real" / "seated_calf_machine_closeup.mp4", "real: calf machine close-up, no hip in view", None),
    (ROOT / "sample_videos" / "walking_and_box_jump_bsd3.mp4", "real: walking and a box jump", None),
]


def outcome(truth: int | None, got: int | None) -> str:
    if truth is None:
        return "false count" if got else "refused, right"
    if got is None:
        return "false refusal"
    return "right" if got == truth else f"count off by {got - truth:+d}"


def main() -> int:
    from tests.gate_set import GATE_SET, build_gate_set, verdict
    from vision.pipeline import FormChecker
    from vision.protocols import load_protocol

    if not (SHARED / "remix").is_dir():
        print(f"needs the shared clips in {SHARED}", file=sys.stderr)
        return 2
    paths = build_gate_set(SHARED / "remix" / "tempo_123_x4.mp4", OUT / "gate")
    clips = [(paths[c.name], c.what, c.count) for c in GATE_SET] + REAL
    extract = FormChecker(load_protocol("band-tempo")).extract
    rows, started = [], time.perf_counter()
    for path, what, truth in clips:
        extraction = extract(path)
        judged = {}
        for protocol in PROTOCOLS:
            v = verdict(FormChecker(load_protocol(protocol)).analyse(extraction))
            judged[protocol] = {"count": v.count, "warning": v.warning, "outcome": outcome(truth, v.count)}
        rows.append({"clip": path.stem, "what": what, "truth": truth, **judged})
    print("| clip | a person counts | angle (`band-tempo`) | heel lift (`heel-raise`) |")
    print("|---|---|---|---|")
    for r in rows:
        cells = [
            f"{r[p]['count']}" if r[p]["count"] is not None else f"refused ({r[p]['outcome'].split(',')[-1].strip()})"
            for p in PROTOCOLS
        ]
        truth = r["truth"] if r["truth"] is not None else "cannot"
        print(f"| `{r['clip']}`: {r['what']} | {truth} | {cells[0]} | {cells[1]} |")
    verdicts = [r[p]["outcome"] for r in rows for p in PROTOCOLS]
    countable = sum(r["truth"] is not None for r in rows) * len(PROTOCOLS)
    totals = {
        "verdicts": len(verdicts),
        "false refusals": sum(o == "false refusal" for o in verdicts),
        "of countable": countable,
        "false counts": sum(o == "false count" for o in verdicts),
        "of uncountable": len(verdicts) - countable,
        "counts off": sum(o.startswith("count off") for o in verdicts),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(totals)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "gate.json").write_text(json.dumps({"rows": rows, "totals": totals}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
