"""The trading ledger of every path (Monte Carlo, sweeps) against the backtest's day-by-day book."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from farm_fixtures import EXAMPLES, history

from hashwinter.cli.app import main
from hashwinter.engine import run
from hashwinter.farm import backtest, build_farm_run, farm_from_dict
from hashwinter.farm.trading.book import opening_book, trade_book
from hashwinter.farm.trading.paths import TRADE_FIGURES, TradeRecorder


def _farm(name: str, **changes):
    doc = tomllib.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    doc.update(changes)
    return farm_from_dict(doc)


@pytest.mark.parametrize(("name", "changes"), [
    ("hu_haifeng_buys.toml", {"end": "2018-12-10"}),  # buys
    ("lao_luo_sold.toml", {"end": "2018-12-20"}),     # sells, with a realised loss
])
def test_recorder_equals_the_backtest_book_day_by_day(name, changes):
    farm = _farm(name, **changes)
    market = history()
    fr = build_farm_run(farm, market)
    rec = run(fr.spec, fr.policy, fr.treasury,
              recorders=[TradeRecorder(*opening_book(fr))]).records[0]
    got = rec.figures[:, 0, 0]  # (days, figures) of the only variant and path
    book = trade_book(backtest(farm, market))
    ccy = farm.config.currency.lower()
    want = {
        "fleet": book["fleet_machines"], "bought": book["bought"].cumsum(),
        "sold": book["sold"].cumsum(), "scrapped": book["scrapped"].cumsum(),
        "purchase_cost": book[f"purchase_cost_{ccy}"].cumsum(),
        "proceeds": (book[f"sale_proceeds_{ccy}"] + book[f"scrap_proceeds_{ccy}"]).cumsum(),
        "realised_gain": book[f"realised_gain_{ccy}"].cumsum(),
        "book_value": book[f"book_value_{ccy}"],
    }
    for k, figure in enumerate(TRADE_FIGURES):
        np.testing.assert_allclose(got[:, k], want[figure].to_numpy(), rtol=1e-9, atol=1e-6,
                                   err_msg=figure)
    assert got[-1, TRADE_FIGURES.index("bought")] + got[-1, TRADE_FIGURES.index("sold")] > 0
