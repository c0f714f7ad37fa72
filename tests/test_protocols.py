"""Built-in protocols and a therapist's own TOML."""

import pytest

from vision.errors import ProtocolError
from vision.protocols import builtin_ids, load_protocol


def test_builtins_match_the_prescriptions():
    assert builtin_ids() == ["band-eccentric", "band-isometric", "band-tempo", "heel-raise"]
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
