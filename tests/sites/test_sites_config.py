"""Sites files: examples load, every bad input is one line naming its field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hashwinter.errors import InputError, InputErrors
from hashwinter.sites import REGIONS, load_sites, monthly, sites_from_dict
from hashwinter.sites.events import HISTORICAL_EVENTS, event_downtime

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "sites"
SITE = {"name": "hydro", "region": "Sichuan", "capacity_slots": 100, "capacity_mw": 1.0,
        "tariff": "sichuan_hydro_2018"}


def _errors(data: dict) -> list[str]:
    with pytest.raises(InputErrors) as info:
        sites_from_dict(data)
    return [str(e) for e in info.value.errors]


def test_examples_load_and_every_risk_has_a_source():
    for path in sorted(EXAMPLES.glob("*.toml")):
        loaded = load_sites(path)
        assert loaded.config.sites
    for reg in REGIONS.values():
        for risk in (*reg.risks.power_cuts, *reg.risks.fines, *reg.risks.seizure):
            assert risk.source  # a source or "assumption: ..."


def test_monthly_capacity_follows_the_calendar():
    cap = [1.0] * 3 + [4.0] * 7 + [1.0] * 2
    months = np.array(["2018-11", "2019-03", "2019-04", "2019-10", "2019-11"],
                      dtype="datetime64[M]")
    np.testing.assert_array_equal(monthly(cap, months), [1, 1, 4, 4, 1])
    np.testing.assert_array_equal(monthly(7, months), [7] * 5)


@pytest.mark.parametrize(("patch", "expected"), [
    ({"region": "Atlantis"}, "sites[0].region: unknown region 'Atlantis'"),
    ({"capacity_slots": -5}, "sites[0].capacity_slots: must be >= 0 machines (got -5)"),
    ({"capacity_mw": [1.0] * 11}, "sites[0].capacity_mw: give one number or twelve"),
    ({"capacity_mw": [1.0] * 11 + [-1.0]}, "sites[0].capacity_mw: must be >= 0 MW (got -1) "
                                          "in December"),
    ({"risks": {"power_cuts": [{"rate_per_year": -1, "mean_duration_days": 3}]}},
     "sites[0].risks.power_cuts[0].rate_per_year: must be >= 0"),
    ({"risks": {"fines": [{"probability_per_year": 1.5, "amount_per_machine": 3}]}},
     "sites[0].risks.fines[0].probability_per_year: must be <= 1"),
    ({"risks": {"seizure": [{"probability_per_year": -0.1}]}},
     "sites[0].risks.seizure[0].probability_per_year: must be >= 0"),
])
def test_bad_site_fields_are_named(patch, expected):
    messages = _errors({"sites": [{**SITE, **patch}]})
    assert len(messages) == 1
    assert messages[0].startswith(expected)


def test_bad_move_and_duplicate_names():
    messages = _errors({"sites": [SITE, SITE], "move": {"downtime_days": -1,
                                                         "cost_per_machine": -3}})
    assert any(m.startswith("sites[1].name: site name 'hydro' is used twice") for m in messages)
    assert any(m.startswith("move.downtime_days: must be >= 0") for m in messages)
    assert any(m.startswith("move.cost_per_machine: must be >= 0") for m in messages)


def test_file_errors_carry_the_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[sites]]\nname = "x"\nregion = "Mars"\ncapacity_slots = 1\n'
                    'capacity_mw = 1\ntariff = "shihezi_2018"\n')
    with pytest.raises(InputErrors) as info:
        load_sites(path)
    assert str(info.value).startswith(f"{path}:3: sites[0].region: unknown region 'Mars'")
    path.write_text("[[sites]\n")
    with pytest.raises(InputError, match="invalid TOML") as syntax:
        load_sites(path)
    # The shared reader (hashwinter.tomlfile) places it: line 1, column 8 (the "]").
    assert str(syntax.value).startswith(f"{path}:1:8: invalid TOML: ")
    path.write_bytes(b'[[sites]]\nname = "M\xfcnchen"\n')
    with pytest.raises(InputError, match="not UTF-8 text"):
        load_sites(path)


def test_the_november_2018_inspection_cuts_xinjiang_and_guizhou_only():
    days = np.arange(np.datetime64("2018-11-01"), np.datetime64("2018-11-30"))
    cut = event_downtime(HISTORICAL_EVENTS, "Xinjiang", days)
    assert days[cut == 1][0] == np.datetime64("2018-11-05")
    assert cut.sum() == 14  # the assumed duration
    assert event_downtime(HISTORICAL_EVENTS, "guizhou", days).sum() == 14
    assert event_downtime(HISTORICAL_EVENTS, "Sichuan", days).sum() == 0
