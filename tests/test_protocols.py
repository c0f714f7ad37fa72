"""Built-in protocols and a therapist's own TOML."""

import pytest

from vision.errors import ProtocolError
from vision.protocols import builtin_ids, load_protocol


def test_builtins_match_the_prescriptions():
    assert builtin_ids() == ["band-eccentric", "band-isometric", "band-tempo", "heel-raise", "seated-heel-raise"]
    tempo = load_protocol("band-tempo")
    assert tempo.signal == "angle" and tempo.target_s == {"concentric": 1.0, "hold": 2.0, "eccentric": 3.0}
    assert tempo.max_reps == 12
    iso = load_protocol("band-isometric")
    assert iso.kind == "isometric" and iso.max_hold_s == 30.0 and iso.scored_phases == ()
    assert load_protocol("band-eccentric").scored_phases == ("eccentric",)
    assert load_protocol("heel-raise").signal == "heel_lift"


def test_custom_toml(tmp_path):
    path = tmp_path / "slow.toml"
    path.write_text("""
id = "slow-tempo"
signal = "angle"
kind = "tempo"
[target]
concentric_s = 2
hold_s = 3
eccentric_s = 4
[tolerance]
concentric_s = 0.5
hold_s = 0.5
eccentric_s = 1
[set]
max_reps = 8
[detection]
min_excursion = 4
""")
    p = load_protocol(str(path))
    assert p.id == "slow-tempo" and p.target_s["eccentric"] == 4.0 and p.max_reps == 8


@pytest.mark.parametrize("body,message", [
    ('id = "x"\nsignal = "angle"\nkind = "tempo"\n[detection]\nmin_excursion = 5', "at least one target"),
    ('id = "x"\nsignal = "knee"\nkind = "tempo"', "'signal' must be one of"),
    ('id = "x"\nsignal = "angle"\nkind = "tempo"\n[target]\nhold_s = 2\n', "tolerance.hold_s"),
    ("this is = = not toml", "not valid TOML"),
])  # fmt: skip
def test_malformed_protocol_names_the_problem(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(ProtocolError, match=message):
        load_protocol(str(path))


def test_unknown_id_lists_the_choices():
    with pytest.raises(ProtocolError, match="band-tempo"):
        load_protocol("band-purple")


def test_kind_behaviour_lives_on_the_protocol():
    from vision.types import Phase

    tempo, iso, ecc = load_protocol("band-tempo"), load_protocol("band-isometric"), load_protocol("band-eccentric")
    assert [tempo.target_for(p) for p in (Phase.CONCENTRIC, Phase.HOLD, Phase.ECCENTRIC, Phase.REST)] == [
        1.0,
        2.0,
        3.0,
        None,
    ]
    assert iso.exercise_kind.hold_limit_s(iso) == 30.0 and tempo.exercise_kind.hold_limit_s(tempo) is None
    assert iso.target_for(Phase.HOLD) == 30.0 and iso.target_for(Phase.CONCENTRIC) is None
    assert ecc.target_for(Phase.ECCENTRIC) == 3.0 and ecc.target_for(Phase.HOLD) is None


def test_a_new_protocol_of_an_existing_kind_needs_only_a_toml(tmp_path, monkeypatch, capsys):
    """Menus and the CLI list what is in the protocol folder, labelled with each file's ``name``."""
    import shutil

    from vision import protocols

    for p in protocols.PROTOCOL_DIR.glob("*.toml"):
        shutil.copy(p, tmp_path / p.name)
    text = (tmp_path / "band-tempo.toml").read_text()
    text = text.replace('id = "band-tempo"', 'id = "band-tempo-slow"').replace("eccentric_s = 3.0", "eccentric_s = 5.0")
    text = text.replace('name = "Seated band plantarflexion, 1-2-3 tempo"', 'name = "Band, slow 5 s return"')
    (tmp_path / "band-tempo-slow.toml").write_text(text)
    monkeypatch.setattr(protocols, "PROTOCOL_DIR", tmp_path)
    by_id = {p.id: p for p in protocols.builtin_protocols()}
    assert by_id["band-tempo-slow"].name == "Band, slow 5 s return"
    assert by_id["band-tempo-slow"].target_s["eccentric"] == 5.0
    from vision.cli import main

    monkeypatch.setenv("COLUMNS", "1000")  # no wrapping inside the help text
    with pytest.raises(SystemExit):
        main(["score", "--help"])
    assert "band-tempo-slow (Band, slow 5 s return)" in capsys.readouterr().out


def test_every_bad_value_is_reported_at_once_with_what_is_allowed(tmp_path):
    """Wrong types, negative or absurd durations, nan, sets = 0: one message names them all."""
    path = tmp_path / "typos.toml"
    path.write_text("""
id = "typos"
signal = "angle"
kind = "tempo"
[target]
concentric_s = "one"
hold_s = nan
eccentric_s = -3
[tolerance]
concentric_s = -0.4
hold_s = 0.5
eccentric_s = 0.75
[set]
sets = 0
max_reps = 12.5
[detection]
min_excursion = inf
""")
    with pytest.raises(ProtocolError) as err:
        load_protocol(str(path))
    message = str(err.value)
    assert message.startswith("typos.toml: ")
    for key in (
        "target.concentric_s",
        "target.hold_s",
        "target.eccentric_s",
        "tolerance.concentric_s",
        "set.sets",
        "set.max_reps",
        "detection.min_excursion",
    ):
        assert key in message, key
    assert "seconds, from 0 to 60" in message and "'one'" in message
    assert "tolerance.hold_s" not in message  # the good keys are not blamed


@pytest.mark.parametrize("body,message", [
    ('id = "x"\nsignal = "angle"\nkind = "isometric"\n[target]\nhold_s = 1e9\n[detection]\nmin_excursion = 5',
     "target.hold_s: must be"),
    ('id = "x"\nsignal = "angle"\nkind = "tempo"\ntarget = [1, 2]\n[detection]\nmin_excursion = 5', "target"),
    ('id = "x"\nsignal = "angle"\nkind = "tempo"\n[target]\neccentic_s = 3\n[detection]\nmin_excursion = 5',
     "target.eccentic_s: unknown key"),
    ('id = "x"\nsignal = "angle"\nkind = "isometric"\n[target]\nhold_s = 30\n[detection]\nmin_excursion = 5\n'
     'min_rep_fraction = 0.8', "min_rep_fraction: must be below detection.partial_range_fraction"),
])  # fmt: skip
def test_structure_and_range_errors(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(ProtocolError, match=message):
        load_protocol(str(path))


def test_a_bad_protocol_file_is_a_batch_usage_error(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT, SAMPLE_VIDEO

    path = tmp_path / "bad.toml"
    path.write_text('id = "x"\nsignal = "angle"\nkind = "tempo"\n[target]\nhold_s = -2\n')
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "vision",
            "batch",
            str(SAMPLE_VIDEO),
            "--out",
            str(tmp_path / "o"),
            "--protocol",
            str(path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "target.hold_s" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()  # refused before any work
