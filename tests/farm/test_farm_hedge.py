"""Farm files with a ``[hedge]``: the backtest's hedging section on real history, bad input.

The hedged example (examples/lao_luo_hedged.toml) shorts the next 30 days' expected
production on the XBTUSD perpetual every 1st of the month, with the real BitMEX funding
of ../shared/data/btc_futures_2018.csv, over the committed winter fixture.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from farm_fixtures import EXAMPLES, history

from datafiles import shared_data_file, winter_data_file
from hashwinter.cli.app import main
from hashwinter.data.importers import read_funding
from hashwinter.data.importing import import_file
from hashwinter.errors import InputError, InputErrors
from hashwinter.farm import backtest, build_farm_run, farm_from_dict, load_farm
from hashwinter.finance import FundingHistory

HEDGED = EXAMPLES / "lao_luo_hedged.toml"


@pytest.fixture(scope="module")
def funding() -> dict[str, FundingHistory]:
    rates = read_funding(shared_data_file("btc_futures_2018.csv"))
    return {"XBTUSD": FundingHistory.from_frame(rates, symbol="XBTUSD")}


def _farm(**hedge: object):
    data = tomllib.loads(HEDGED.read_text(encoding="utf-8"))
    data["hedge"] = {**data["hedge"], **hedge}
    return farm_from_dict(data)


def _backtest(funding, **hedge: object):
    farm = _farm(**hedge)
    market = history("CNY")
    fr = build_farm_run(farm, market, funding=funding)
    return backtest(farm, market, farm_run=fr)


def test_hedge_ratio_zero_is_the_unhedged_farm(funding):
    result = _backtest(funding, ratio=0.0)
    h = result.hedge
    assert h is not None
    assert_equal = np.testing.assert_allclose
    assert_equal(h.daily["revenue_hedged_cny"], h.daily["revenue_unhedged_cny"], atol=1e-6)
    assert h.equity_hedged == pytest.approx(h.equity_unhedged, abs=1e-6)
    assert h.monthly["funding_paid_cny"].abs().sum() == 0.0


def test_inverse_perpetual_hedge_funding_and_fees_by_hand(funding):
    """Every day's funding = rate sum × face (a coin payment rate·F/S valued at S).

    The engine runs in the farm's CNY: the contract is read as quoted in CNY (docs).

    The face of each month's short is its coins × the entry close price; the rate of
    day d is paid by the contract open at the start of day d (opened at an earlier close).
    """
    result = _backtest(funding)
    h = result.hedge
    assert h is not None
    daily = h.daily.set_index("date")
    prices = result.treasury.set_index("date")["price_cny_per_btc"]
    positions = result.ledger.book["positions"][:, 0, 0, 0, 0]  # coins, after each day
    rates = pd.Series(funding["XBTUSD"].rates,
                      index=pd.to_datetime(funding["XBTUSD"].times)).groupby(
        lambda t: t.normalize()).sum()
    face = -positions * daily["entry_cny_per_btc"].to_numpy()  # face (CNY) held after day d
    expected_funding = [0.0] + [
        float(rates[d]) * face[i - 1] for i, d in enumerate(daily.index) if i > 0]
    assert_allclose = np.testing.assert_allclose
    assert_allclose(daily["funding_cny"], expected_funding, rtol=1e-9, atol=1e-6)
    # The short received funding in October (rates mostly positive) and paid in November.
    monthly = h.monthly.set_index("month")
    assert monthly.loc["2018-10", "funding_paid_cny"] < 0
    assert monthly.loc["2018-11", "funding_paid_cny"] > 0
    # Taker fee 0.075 % of the face at each entry and each close, nothing in between.
    fee_days = daily.index[daily["fees_cny"] > 0]
    assert list(fee_days.strftime("%m-%d")) == ["10-01", "11-01", "12-01"]
    assert h.monthly["fees_cny"].sum() == pytest.approx(daily["fees_cny"].sum())
    assert h.monthly["liquidations"].sum() == 0  # a 1x inverse short
    assert prices.iloc[-1] < prices.iloc[0]  # the winter: the price fell ...
    assert h.equity_hedged > h.equity_unhedged  # ... and the hedged farm kept more


def test_maker_orders_earn_the_rebate_on_every_fee_day(funding):
    """``orders = "maker"``: the same positions, each fee at maker_fee instead of taker_fee.

    The perpetual's fees are all trading fees (entry and close at each roll), so with the
    BitMEX 2018 rates (taker +0.075 %, maker -0.025 %) every fee day's amount is -1/3 of
    the taker run's. The inverse contract's fees are coins out of its collateral, turned
    into cash at the next close, after the winter's fall: the farm ends richer, by less
    than 4/3 of the taker fees valued on their own days.
    """
    taker = _backtest(funding).hedge
    maker = _backtest(funding, orders="maker").hedge
    assert taker is not None and maker is not None
    np.testing.assert_allclose(maker.daily["fees_cny"], -taker.daily["fees_cny"] / 3,
                               rtol=1e-9, atol=1e-9)
    taker_fees = taker.daily["fees_cny"].sum()
    assert taker_fees > 0
    assert 0 < maker.equity_hedged - taker.equity_hedged < 4 / 3 * taker_fees


def test_linear_future_hedge_locks_the_entry_price(funding):
    """With a 1x linear future at zero basis, each closed month's hedged coins fetch
    their entry price: delivery proceeds + variation margin = coins × entry price."""
    result = _backtest(funding, instrument="linear_future")
    h = result.hedge
    assert h is not None
    d = h.daily
    closes = d[d["coins_delivered_btc"] > 0]
    assert len(closes) == 2  # 2018-11-01 and 2018-12-01 inside the window
    positions = result.ledger.book["positions"][:, 0, 0, 0, 0]
    entries = d["entry_cny_per_btc"].to_numpy()
    day = {ts: i for i, ts in enumerate(d["date"])}
    opened = 0
    for _, row in closes.iterrows():
        i = day[row["date"]]
        coins, entry = -positions[i - 1], entries[i - 1]
        assert row["coins_delivered_btc"] == pytest.approx(coins, rel=1e-12)
        since = d["variation_margin_cny"].iloc[opened + 1:i + 1].sum()
        assert row["delivery_proceeds_cny"] + since == pytest.approx(coins * entry, rel=1e-9)
        opened = i


def _bad(tmp_path: Path, extra: str) -> Path:
    text = HEDGED.read_text(encoding="utf-8").split("[hedge]")[0] + "[hedge]\n" + extra
    path = tmp_path / "farm.toml"
    path.write_text(text, encoding="utf-8")
    return path


BAD_HEDGES = [
    ('instrument = "perpetual"\nratio = 1.2\n',
     "hedge.ratio: must be <= 1 unless allow_over_hedge = true (got 1.2)"),
    ('instrument = "perpetual"\nratio = -0.5\n', "hedge.ratio: must be >= 0"),
    ('instrument = "perpetual"\nleverage = 0\n', "hedge.leverage: must be > 0"),
    ('instrument = "perpetual"\norders = "limit"\n', "hedge.orders: "),
    ('instrument = "swap"\n', "hedge.instrument: must be one of 'linear_future'"),
    ('instrument = "linear_future"\nentry = 2018-12-28\nexpiry = 2018-09-28\n',
     "hedge.expiry: must be after entry (2018-12-28; got 2018-09-28)"),
    ('instrument = "perpetual"\nprojected_retargets = -1\n',
     "hedge.projected_retargets: must be >= 0"),
    ('instrument = "perpetual"\nfunding = { source = "ar1", phi = 1.0 }\n',
     "hedge.funding.phi: must be < 1"),
]


@pytest.mark.parametrize(("extra", "message"), BAD_HEDGES)
def test_bad_hedge_is_a_field_error_with_its_line(tmp_path, extra, message):
    path = _bad(tmp_path, extra)
    with pytest.raises(InputErrors) as info:
        load_farm(path)
    (error,) = info.value.errors
    assert message in str(error)
    assert error.line is not None and error.source == str(path)
    assert path.read_text(encoding="utf-8").splitlines()[error.line - 1].startswith(
        message.split(".")[1].split(":")[0])


def test_over_hedge_is_allowed_when_asked(tmp_path):
    path = _bad(tmp_path, 'instrument = "perpetual"\nratio = 1.2\nallow_over_hedge = true\n')
    assert load_farm(path).config.hedge.ratio == 1.2


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "history.duckdb"
    import_file("coinmetrics", winter_data_file("btc_daily.csv"), store=path)
    import_file("ecb", winter_data_file("usd_cny_daily.csv"), store=path)
    import_file("funding", shared_data_file("btc_futures_2018.csv"), store=path)
    return path


def test_backtest_cli_prints_and_writes_the_hedging_section(store, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["backtest", str(HEDGED), "--store", str(store), "--currency", "USD",
                 "--out", str(out), "--format", "csv"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Hedge (perpetual (roll day 1))" in captured.out
    assert "revenue unhedged [USD]" in captured.out and "funding paid [USD]" in captured.out
    hedge = pd.read_csv(out / "hedge.csv")
    assert len(hedge) == 92 and "funding_usd" in hedge and "liquidations" in hedge
    assert "<h2>Hedge</h2>" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("extra", "message"), [
    *BAD_HEDGES, ('instrument = "perpetual"\nleverage = -1\n', "hedge.leverage: must be > 0")])
def test_bad_hedge_on_the_cli_exits_2_and_writes_nothing(store, tmp_path, capsys, extra,
                                                         message):
    path = _bad(tmp_path, extra)
    out = tmp_path / "out"
    code = main(["backtest", str(path), "--store", str(store), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and f"{path}:" in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err and not out.exists()


def test_funding_missing_from_the_store_exits_2(tmp_path, capsys):
    bare = tmp_path / "bare.duckdb"
    import_file("coinmetrics", winter_data_file("btc_daily.csv"), store=bare)
    import_file("ecb", winter_data_file("usd_cny_daily.csv"), store=bare)
    out = tmp_path / "out"
    code = main(["backtest", str(HEDGED), "--store", str(bare), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "hedge.funding.symbol: no funding rates for 'XBTUSD'" in err
    assert not out.exists()


def test_a_window_beyond_the_funding_history_is_refused():
    farm = _farm()
    short = FundingHistory.from_frame(read_funding(shared_data_file("btc_futures_2018.csv")),
                                      symbol="XBTUSD").window("2018-11-01", "2018-12-01")
    with pytest.raises(InputError, match="does not cover the run"):
        build_farm_run(farm, history("CNY"), funding={"XBTUSD": short})


def test_a_policies_entry_is_the_same_hedge_as_the_section(funding):
    data = tomllib.loads(HEDGED.read_text(encoding="utf-8"))
    section = dict(data.pop("hedge"))
    as_entry = farm_from_dict({**data, "policies": [{"kind": "hedge_production", **section}]})
    market = history("CNY")
    a = backtest(as_entry, market,
                 farm_run=build_farm_run(as_entry, market, funding=funding)).hedge
    b = _backtest(funding).hedge
    assert a is not None and b is not None
    np.testing.assert_allclose(a.daily["revenue_hedged_cny"], b.daily["revenue_hedged_cny"],
                               rtol=1e-12)
    # no_hedge needs no funding history and changes nothing.
    none = farm_from_dict({**data, "policies": [{"kind": "no_hedge"}]})
    c = backtest(none, market, farm_run=build_farm_run(none, market)).hedge
    assert c is not None
    np.testing.assert_allclose(c.daily["revenue_hedged_cny"], c.daily["revenue_unhedged_cny"],
                               atol=1e-6)


def test_ar1_funding_in_a_backtest_is_the_constant_rate_when_flat(funding):
    """A backtest may draw its funding (one path, seeded by funding.seed): with sigma = 0
    and phi = 0 the AR(1) is the constant rate, three fundings a day."""
    market = history("CNY")

    def run(**rates: object):
        farm = _farm(funding=rates)
        return backtest(farm, market, farm_run=build_farm_run(farm, market,
                                                              funding=funding)).hedge

    flat = run(source="ar1", mean=0.0001, phi=0.0, sigma=0.0)
    constant = run(source="constant", rate=0.0001)
    assert flat is not None and constant is not None
    np.testing.assert_allclose(flat.daily["funding_cny"], constant.daily["funding_cny"],
                               rtol=1e-12)
    assert flat.monthly["funding_paid_cny"].lt(0).all()  # +0.01 %: longs pay the short
    drawn, again = run(source="ar1"), run(source="ar1")
    assert drawn is not None and again is not None
    np.testing.assert_array_equal(drawn.daily["funding_cny"], again.daily["funding_cny"])
    assert not np.allclose(drawn.daily["funding_cny"], flat.daily["funding_cny"])
