from pathlib import Path

import pytest

from hashwinter.errors import InputError, InputErrors
from hashwinter.scenario import load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


def test_top_level_horizon_in_a_blockclock_scenario_is_an_error(tmp_path):
    text = (EXAMPLES / "noda2019.toml").read_text(encoding="utf-8")
    path = tmp_path / "noda.toml"
    path.write_text("horizon_days = 84\n" + text, encoding="utf-8")
    with pytest.raises((InputError, InputErrors)) as caught:
        load_scenario(path)
    assert "horizon_days: block-clock scenarios stop at network.horizon_days" in str(caught.value)
    load_scenario(EXAMPLES / "noda2019.toml")  # the shipped file is fine
