"""A price fitted from the store is read in the currency it is simulated in."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datafiles import shared_data_file
from hashwinter.errors import InputErrors
from hashwinter.market import GBM, BlockBootstrap
from hashwinter.scenario import load_scenario
from hashwinter.scenario.build import build_price
from hashwinter.scenario.farmrun import run_farms

FARM = """\
name = "cny farm"
currency = "CNY"
pool_fee = 0.02

[[sites]]
name = "hall"
capacity_slots = 200
capacity_mw = 1.0
tariff = { kind = "flat", price = 0.40, currency = "CNY" }

[[fleet]]
model = "Antminer S9"
count = 100
site = "hall"
purchase_date = 2018-01-01
unit_price = 1000.0

[treasury]
strategy = "sell_daily"
starting_cash = 1e6

[policy]
kind = "always_on"
"""

SCENARIO = """\
name = "cny fit"
paths = 4
seed = 3
chunk_paths = 4
start = 2018-11-25
horizon_days = 10

[price]
{price}

[price.fit]
source = "store"
path = "{store}"
column = "{column}"
start = 2018-01-01
end = 2018-11-25
{fit_currency}

[market]
currency = "CNY"
# The engine wants a rate for the market's own currency even when the farm's is
# the same (CNY to CNY: the rate cancels).
fx_per_usd = {{ CNY = 6.9 }}

[network]
mode = "exogenous"
projection = "growth"
difficulty = 6653303141406
monthly_growth = 0.0
fees_per_block = 0.25
start_height = 551443

[[farms]]
file = "farm.toml"
"""

GBM_FLAT = 'process = "gbm"\nmu_per_day = 0.0\nsigma_per_day = 0.0'


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from hashwinter.data import import_file

    path = tmp_path_factory.mktemp("store") / "h.duckdb"
    import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=path)
    import_file("ecb", shared_data_file("usd_cny_daily.csv"), store=path)
    return path


@pytest.fixture(scope="module")
def cny_close() -> float:
    """Coin Metrics' USD close of 2018-11-25 (3,946.85) x the ECB's CNY per USD of
    Friday 2018-11-23, the last fixing before that Sunday: ~27,420 CNY."""
    btc = pd.read_csv(shared_data_file("btc_daily.csv"), index_col="date")
    fx = pd.read_csv(shared_data_file("usd_cny_daily.csv"), index_col="date")
    assert "2018-11-25" not in fx.index  # a weekend: the store carries Friday forward
    return float(btc.loc["2018-11-25", "price_usd"] * fx.loc["2018-11-23", "cny_per_usd"])


def _scenario(tmp_path, store, *, price=GBM_FLAT, column="price", fit_currency=""):
    (tmp_path / "farm.toml").write_text(FARM)
    path = tmp_path / "scenario.toml"
    path.write_text(
        SCENARIO.format(price=price, store=store, column=column, fit_currency=fit_currency)
    )
    return path


def test_cny_close_is_the_published_figure(cny_close):
    assert cny_close == pytest.approx(27_420, rel=1e-3)


def test_fitted_gbm_starts_at_the_cny_close(tmp_path, store, cny_close):
    loaded = load_scenario(_scenario(tmp_path, store))
    assert loaded.config.price.fit.currency == "CNY"
    price = build_price(loaded.config.price, base_dir=loaded.base_dir)
    assert isinstance(price, GBM)
    assert price.s0 == pytest.approx(cny_close, rel=1e-9)
    # End to end: the farm is paid at the CNY price (sigma = 0: constant), not the USD one.
    with ThreadPoolExecutor(1) as ex:
        (fp,) = run_farms(loaded, ex, progress=False)
    np.testing.assert_allclose(fp.price, cny_close, rtol=1e-9)


def test_fitted_bootstrap_starts_at_the_cny_close(tmp_path, store, cny_close):
    loaded = load_scenario(_scenario(tmp_path, store, price='process = "bootstrap"'))
    price = build_price(loaded.config.price, base_dir=loaded.base_dir)
    assert isinstance(price, BlockBootstrap)
    assert price.s0 == pytest.approx(cny_close, rel=1e-9)


def test_an_explicit_market_currency_is_accepted(tmp_path, store, cny_close):
    loaded = load_scenario(_scenario(tmp_path, store, fit_currency='currency = "cny"'))
    price = build_price(loaded.config.price, base_dir=loaded.base_dir)
    assert price.s0 == pytest.approx(cny_close, rel=1e-9)


def test_a_fit_in_another_currency_is_an_error(tmp_path, store):
    path = _scenario(tmp_path, store, fit_currency='currency = "USD"')
    with pytest.raises(InputErrors) as err:
        load_scenario(path)
    (e,) = err.value.errors
    assert e.field == "price.fit.currency"
    assert "must equal market.currency (CNY)" in e.message
    # file:line of the offending key.
    assert e.line == path.read_text().splitlines().index('currency = "USD"') + 1


def test_usd_column_under_a_cny_market_is_an_error(tmp_path, store):
    with pytest.raises(InputErrors) as err:
        load_scenario(_scenario(tmp_path, store, column="price_usd"))
    (e,) = err.value.errors
    assert e.field == "price.fit.column"
    assert "price_usd" in e.message
