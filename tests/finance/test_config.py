"""The [hedge] section: valid tables pass, each bad input is one line naming its field."""

from __future__ import annotations

import datetime as dt

import pytest

from hashwinter.errors import InputErrors
from hashwinter.finance import hedge_from_dict


def one_line(data: dict[str, object]) -> str:
    with pytest.raises(InputErrors) as info:
        hedge_from_dict(data, source="farm.toml")
    text = str(info.value)
    assert "\n" not in text
    return text


def test_a_full_table_validates():
    cfg = hedge_from_dict({
        "instrument": "inverse_future", "ratio": 0.8, "horizon_days": 90, "roll_day": 28,
        "leverage": 2.0, "entry": dt.date(2018, 9, 28), "expiry": dt.date(2018, 12, 28),
        "basis": {"kind": "momentum", "annual": 0.1, "beta": 0.4, "window_days": 20},
        "funding": {"source": "ar1", "symbol": "XBTUSD"},
    })
    assert cfg.ratio == 0.8 and cfg.basis.window_days == 20 and cfg.funding.source == "ar1"
    assert hedge_from_dict({"instrument": "forward", "ratio": 1.5,
                            "allow_over_hedge": True}).ratio == 1.5


@pytest.mark.parametrize(("data", "expected"), [
    ({"instrument": "perpetual", "ratio": -0.1}, "hedge.ratio: must be >= 0 (got -0.1)"),
    ({"instrument": "perpetual", "ratio": 1.2},
     "hedge.ratio: must be <= 1 unless allow_over_hedge = true (got 1.2)"),
    ({"instrument": "perpetual", "leverage": 0}, "hedge.leverage: must be > 0 (got 0)"),
    ({"instrument": "perpetual", "leverage": -3}, "hedge.leverage: must be > 0 (got -3)"),
    ({"instrument": "swap"}, "hedge.instrument: must be one of 'linear_future', "
     "'inverse_future', 'perpetual' or 'forward' (got 'swap')"),
    ({"instrument": "linear_future", "entry": "2018-12-28", "expiry": "2018-09-28"},
     "hedge.expiry: must be after entry (2018-12-28; got 2018-09-28)"),
    ({"instrument": "perpetual", "leverage": 100, "maintenance_margin": 0.01},
     "hedge.maintenance_margin: must be < 1/leverage = 0.01"),
    ({"instrument": "perpetual", "basis": {"kind": "data"}}, "hedge.basis.symbol: is required"),
    ({"instrument": "perpetual", "taker_fee": 0.5}, "hedge.taker_fee: must be <= 0.1"),
    ({"instrument": "perpetual", "roll_day": 31}, "hedge.roll_day: must be <= 28"),
    ({"instrument": "perpetual", "funding": {"rate": 0.5}}, "hedge.funding.rate: must be <= 0.1"),
    ({"instrument": "perpetual", "ratoi": 0.5}, "hedge.ratoi: unknown field"),
    ({"instrument": "perpetual", "projected_retargets": -1},
     "hedge.projected_retargets: must be >= 0"),
    ({"instrument": "perpetual", "funding": {"source": "ar1", "phi": 1.0}},
     "hedge.funding.phi: must be < 1"),
    ({"instrument": "perpetual", "funding": {"source": "ar1", "sigma": -0.001}},
     "hedge.funding.sigma: must be >= 0"),
])
def test_bad_input_is_one_line_naming_the_field(data, expected):
    assert expected in one_line(data)
    assert one_line(data).startswith("farm.toml: hedge.")


def test_hedge_errors_carry_their_line_given_the_text():
    # The shared locator (hashwinter.tomlfile): [hedge] on line 2, ratio on line 4.
    import tomllib

    text = 'name = "farm"\n[hedge]\ninstrument = "perpetual"\nratio = -1\n'
    with pytest.raises(InputErrors) as info:
        hedge_from_dict(tomllib.loads(text)["hedge"], source="farm.toml", text=text)
    (error,) = info.value.errors
    assert (error.field, error.line) == ("hedge.ratio", 4)
    assert str(error).startswith("farm.toml:4: hedge.ratio: ")
