"""Scenario files: validation with file:line errors, overrides, grids, building objects."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from datafiles import shared_data_file
from hashwinter.blockclock import BitcoinRule, RollingWindowRule
from hashwinter.errors import InputError, InputErrors
from hashwinter.market import GBM, BlockBootstrap
from hashwinter.network import SigmoidSupply
from hashwinter.scenario import grid_overrides, load_scenario, parse_grid
from hashwinter.scenario.build import build_price, build_rules, build_supply

NODA = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "noda2019.toml"

SMALL = """\
name = "small"
paths = 8
seed = 3
chunk_paths = 3

[price]
process = "gbm"
s0 = 3604.59
mu_per_day = 0.0
sigma_per_day = 0.04

[network]
mode = "blockclock"
difficulty = 6653303141406
start_height = 551443
blocks = 300
rules = ["bitcoin", "cw-144"]

[network.supply]
form = "sigmoid"
h_max_ehs = 55
k_per_usd_per_eh = 3
r0_usd_per_eh = 1.5
"""


def _write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_noda_example_loads_and_builds():
    loaded = load_scenario(NODA)
    c = loaded.config
    assert c.kind == "blockclock"
    assert (c.paths, c.network.blocks, c.network.start_height) == (5000, 12096, 551_443)
    price = build_price(c.price)
    # 0.001117728 per sqrt(minute) (Noda et al.'s code) is 0.042415 per sqrt(day).
    assert isinstance(price, GBM)
    assert price.sigma == pytest.approx(0.001117728 * math.sqrt(1440), rel=1e-5)
    supply = build_supply(c.network.supply)
    assert isinstance(supply, SigmoidSupply)
    assert float(supply(1.5e-18)) == pytest.approx(27.5e18)
    assert build_rules(c.network.rules) == [BitcoinRule(), RollingWindowRule(window=144)]


def test_errors_name_field_file_and_line(tmp_path):
    text = SMALL.replace("sigma_per_day = 0.04", "sigma_per_day = -0.04").replace(
        "h_max_ehs = 55", "h_max_ehs = 0\ncolour = 'blue'"
    )
    path = _write(tmp_path, text)
    with pytest.raises(InputErrors) as err:
        load_scenario(path)
    messages = [str(e) for e in err.value.errors]
    assert f"{path}:10: price.sigma_per_day: must be >= 0 1/sqrt(day) (got -0.04)" in messages
    assert f"{path}:21: network.supply.h_max_ehs: must be > 0 EH/s (got 0)" in messages
    assert f"{path}:22: network.supply.colour: unknown field" in messages


def test_missing_parameter_and_wrong_process_for_the_clock(tmp_path):
    path = _write(tmp_path, SMALL.replace("mu_per_day = 0.0\n", ""))
    with pytest.raises(InputErrors, match=r"price: mu_per_day \(or mu_annual\) is required"):
        load_scenario(path)
    merton = SMALL.replace(
        'process = "gbm"',
        'process = "merton"\njump_rate_per_day = 0.1\njump_mean = -0.1\njump_std = 0.05',
    )
    with pytest.raises(InputErrors) as err:
        load_scenario(_write(tmp_path, merton, "m.toml"))
    assert err.value.errors[0].field == "price.process"
    assert err.value.errors[0].line == 7


def test_unknown_rule_and_toml_syntax(tmp_path):
    with pytest.raises(InputErrors, match="unknown rule 'asert'"):
        load_scenario(_write(tmp_path, SMALL.replace('"cw-144"]', '"asert"]')))
    with pytest.raises(InputError) as err:
        load_scenario(_write(tmp_path, SMALL.replace("paths = 8", "paths = = 8"), "bad.toml"))
    assert err.value.line == 2 and err.value.column is not None
    with pytest.raises(InputError, match="cannot read scenario"):
        load_scenario(tmp_path / "missing.toml")


def test_overrides_and_grid(tmp_path):
    path = _write(tmp_path, SMALL)
    loaded = load_scenario(path, overrides={"paths": 50, "network.rules": "bitcoin"})
    assert loaded.config.paths == 50
    assert loaded.config.network.rules == ["bitcoin"]
    grid = parse_grid(["price.sigma_per_day=0.02,0.04", "network.rules=bitcoin,cw-144"])
    assert grid == [("price.sigma_per_day", [0.02, 0.04]), ("network.rules", ["bitcoin", "cw-144"])]
    points = grid_overrides(grid)
    assert len(points) == 4 and points[1] == {
        "price.sigma_per_day": 0.02,
        "network.rules": "cw-144",
    }
    with pytest.raises(InputErrors) as err:
        load_scenario(path, overrides={"price.sigma_per_day": -1})
    assert err.value.errors[0].source == "--grid"
    with pytest.raises(InputError, match="expected key=v1,v2"):
        parse_grid(["price.sigma_per_day"])


def test_fit_from_a_csv_window(tmp_path):
    csv = shared_data_file("btc_daily.csv")
    text = SMALL.replace(
        "s0 = 3604.59\nmu_per_day = 0.0\nsigma_per_day = 0.04",
        f'mu_per_day = 0.0\n[price.fit]\nsource = "csv"\npath = "{csv}"\ncolumn = "price_usd"\n'
        "start = 2018-01-01\nend = 2018-11-25",
    )
    loaded = load_scenario(_write(tmp_path, text))
    price = build_price(loaded.config.price, base_dir=loaded.base_dir)
    window = pd.read_csv(csv, parse_dates=["date"], index_col="date")["price_usd"]
    expected = GBM.fit(window["2018-01-01":"2018-11-25"])
    assert isinstance(price, GBM)
    assert price.sigma == pytest.approx(expected.sigma, rel=1e-12)
    assert price.s0 == expected.s0  # the close of 25 Nov 2018
    assert price.mu == 0.0  # explicit values win over fitted ones


def test_bootstrap_price_and_bad_column(tmp_path):
    csv = shared_data_file("btc_daily.csv")
    farm_like = f"""
name = "boot"
start = 2018-11-25
horizon_days = 30
[price]
process = "bootstrap"
block_days = 5
[price.fit]
source = "csv"
path = "{csv}"
column = "price_usd"
start = 2018-01-01
end = 2018-12-31
[network]
mode = "exogenous"
projection = "growth"
difficulty = 6653303141406
monthly_growth = 0.05
[[farms]]
file = "farm.toml"
"""
    loaded = load_scenario(_write(tmp_path, farm_like))
    assert loaded.config.kind == "farm"
    boot = build_price(loaded.config.price, base_dir=loaded.base_dir)
    assert isinstance(boot, BlockBootstrap) and boot.block_length == 5
    assert boot.returns.size == 364
    paths = boot.simulate(3, 10, np.random.default_rng(0))
    assert paths.shape == (3, 11)
    bad = load_scenario(_write(tmp_path, farm_like.replace('"price_usd"', '"nope"'), "b.toml"))
    with pytest.raises(InputError) as err:
        build_price(bad.config.price, base_dir=bad.base_dir)
    assert err.value.field == "price.fit.column"


def test_fit_from_the_history_store(tmp_path):
    from hashwinter.data import import_file

    csv = shared_data_file("btc_daily.csv")
    store = tmp_path / "h.duckdb"
    import_file("coinmetrics", csv, store=store)
    text = SMALL.replace(
        "s0 = 3604.59\nmu_per_day = 0.0\nsigma_per_day = 0.04",
        f'[price.fit]\nsource = "store"\npath = "{store}"\ncolumn = "price"\n'
        "start = 2018-01-01\nend = 2018-11-25",
    )
    loaded = load_scenario(_write(tmp_path, text))
    price = build_price(loaded.config.price, base_dir=loaded.base_dir)
    window = pd.read_csv(csv, parse_dates=["date"], index_col="date")["price_usd"]
    expected = GBM.fit(window["2018-01-01":"2018-11-25"])
    # The store holds the same Coin Metrics closes: the same fit.
    assert isinstance(price, GBM)
    assert price.sigma == pytest.approx(expected.sigma, rel=1e-9)
    assert price.mu == pytest.approx(expected.mu, rel=1e-9)
