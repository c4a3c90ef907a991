"""The gamer-market card price model: formulas by hand, a loop, the store's card quotes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError

from datafiles import shared_data_file
from hashwinter.assets.card_resale import (
    CardResaleModel,
    gamer_price,
    glut_index,
    new_price_series,
    rental_floor,
)
from hashwinter.cli.app import main
from hashwinter.data import import_file
from hashwinter.data.store import opened


def test_card_value_by_hand() -> None:
    model = CardResaleModel()  # 0.75 of new, 25 %/yr, 35 % at full glut, 10 % fees
    # RX 580, US retail 330 USD in 2018-07 (gpu_prices.csv); 1.5 years old; glut 0.8.
    got = float(model.card_value(330.0, 1.5 * 365.25, 0.8))
    want = 330 * 0.75 * math.exp(-0.25 * 1.5) * (1 - 0.35 * 0.8) * (1 - 0.10)
    assert got == pytest.approx(want, rel=1e-12)
    # No age, no glut, fraction 1, no fee: the new price itself.
    plain = CardResaleModel(fraction_of_new=1.0, age_decay_per_year=0.0, selling_fee=0.0)
    assert float(plain.card_value(330.0, 0.0, 0.0)) == 330.0


def test_rental_floor_lifts_the_value_only_above_the_gamer_price() -> None:
    # Rent 0.10 USD/card-hour half the time, 150 W at 0.05 USD/kWh, over a year:
    # (0.10 - 0.15 x 0.05) x 0.5 x 24 x 365 = 405.15 USD.
    assert float(rental_floor(0.10, 0.5, 365.0, 150.0, 0.05)) == pytest.approx(405.15)
    assert float(rental_floor(0.001, 1.0, 365.0, 150.0, 0.05)) == 0.0  # power > rent
    renting = CardResaleModel(rent_per_card_hour=0.10)
    assert float(renting.card_value(330.0, 365.0, 1.0, card_power_w=150.0, tariff=0.05)) == \
        pytest.approx(405.15)
    assert float(CardResaleModel().card_value(330.0, 365.0, 1.0)) < 405.15


def test_glut_index_against_a_loop() -> None:
    rng = np.random.default_rng(7)
    price = np.exp(np.cumsum(rng.normal(0, 0.05, size=(3, 400)), axis=1))
    for window in (1, 2, 7, 30, 365, 1000):
        got = glut_index(price, window)
        want = np.empty_like(price)
        for p in range(price.shape[0]):
            for t in range(price.shape[1]):
                peak = price[p, max(0, t - window + 1): t + 1].max()
                want[p, t] = 1 - price[p, t] / peak
        assert np.allclose(got, want, rtol=0, atol=1e-12), window


def test_gamer_price_broadcasts_like_the_scalar_form() -> None:
    ages = np.array([0.0, 100.0, 800.0])
    gluts = np.array([[0.0], [0.5]])
    got = gamer_price(300.0, ages, gluts, fraction_of_new=0.7, age_decay_per_year=0.3,
                      glut_discount=0.4)
    for i, g in enumerate(gluts[:, 0]):
        for j, a in enumerate(ages):
            assert got[i, j] == pytest.approx(
                300 * 0.7 * math.exp(-0.3 * a / 365.25) * (1 - 0.4 * g))


def test_new_price_series_holds_the_latest_quote() -> None:
    days = np.arange(np.datetime64("2017-03-01"), np.datetime64("2018-12-01"))
    quotes = np.array(["2018-07-01", "2017-04-01", "2018-02-01"], dtype="datetime64[D]")
    series = new_price_series(quotes, [330.0, 230.0, 540.0], days)
    at = {str(d): v for d, v in zip(days, series, strict=True)}
    assert at["2017-03-01"] == 230.0 and at["2017-04-01"] == 230.0
    assert at["2018-02-01"] == 540.0 and at["2018-06-30"] == 540.0
    assert at["2018-11-25"] == 330.0


def test_parameters_are_validated() -> None:
    with pytest.raises(ValidationError):
        CardResaleModel(fraction_of_new=1.5)
    with pytest.raises(ValidationError):
        CardResaleModel(glut_discount=1.0)


def test_card_quotes_import_into_the_store(tmp_path) -> None:
    path = tmp_path / "h.duckdb"
    import_file("machine-prices", shared_data_file("gpu_prices.csv"), store=path)
    with opened(path) as st:
        quotes = st.machine_prices("Radeon RX 580")
    us = quotes[quotes["market"] == "US"].sort_values("date")
    # The three US quotes of gpu_prices.csv: 230 (2017-04), 540 (2018-02), 330 (2018-07) USD.
    assert us["price"].tolist() == [230.0, 540.0, 330.0]
    assert set(quotes["condition"]) == {"new"}


def test_a_card_price_file_with_a_bad_row_is_one_line_exit_2(tmp_path, capsys) -> None:
    bad = tmp_path / "my_cards.csv"
    bad.write_text("date,gpu_model,price,currency,condition\n"
                   "2018-11-20,Radeon RX 580,120,USD,used\n"
                   "2018-11-21,Radeon RX 580,cheap,USD,used\n", encoding="utf-8")
    code = main(["data", "import", "machine-prices", str(bad), "--store", str(tmp_path / "s.db")])
    _, err = capsys.readouterr()
    assert code == 2
    assert "my_cards.csv:3" in err and "price" in err and "Traceback" not in err
    if (tmp_path / "s.db").exists():  # nothing half-written
        with opened(tmp_path / "s.db") as st:
            assert st.machine_prices().empty
