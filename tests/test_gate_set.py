"""The quality gate measured like a classifier, on its labelled set (tests/gate_set.py: footage remixed at test
time from the shared real clip, each clip marked "a person can count it", with its count, or "a person
cannot"). A refusal is judged like a count: wrong when a person watching could count the reps.

Every clip is scored under both signals: the band protocols' ankle angle and the heel raise's heel lift (a
person counts the reps whatever the signal; the signal may not refuse what the footage shows).
``benchmarks/bench_gate.py`` prints the same table for the README, with the real clips beside it.
"""

from __future__ import annotations

import pytest

from tests.conftest import REMIX, needs_shared
from tests.gate_set import GATE_SET, build_gate_set, verdict

pytestmark = needs_shared
PROTOCOLS = ("band-tempo", "heel-raise")
LABELS = {clip.name: clip.count for clip in GATE_SET}


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    from vision.pipeline import FormChecker
    from vision.protocols import load_protocol

    paths = build_gate_set(REMIX / "tempo_123_x4.mp4", tmp_path_factory.mktemp("gate-set"))
    extract = FormChecker(load_protocol("band-tempo")).extract  # as `calfcheck score` does: the fast path
    found = {}
    for clip in GATE_SET:
        extraction = extract(paths[clip.name])
        for protocol in PROTOCOLS:
            found[clip.name, protocol] = verdict(FormChecker(load_protocol(protocol)).analyse(extraction))
    return found


def test_the_set_holds_both_kinds_of_footage():
    countable = [n for n, c in LABELS.items() if c is not None]
    assert len(countable) >= 10 and len(LABELS) - len(countable) >= 2


def test_no_footage_a_person_can_count_is_refused(verdicts):
    false_refusals = [
        (name, protocol, v.warning) for (name, protocol), v in verdicts.items() if LABELS[name] and v.count is None
    ]
    assert false_refusals == []


def test_no_footage_a_person_cannot_count_gets_a_count(verdicts):
    false_counts = [
        (name, protocol, v.count) for (name, protocol), v in verdicts.items() if LABELS[name] is None and v.count
    ]
    assert false_counts == []
    refusals = {v.warning for (name, _), v in verdicts.items() if LABELS[name] is None}
    assert all(refusals), "a refusal always says why, in a sentence"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_what_a_person_counts_is_counted(verdicts, protocol):
    wrong = {
        name: (verdicts[name, protocol].count, truth)
        for name, truth in LABELS.items()
        if truth and verdicts[name, protocol].count != truth
    }
    assert wrong == {}
