"""A farm that went broke liquidates: the used market sells every machine it holds."""

from __future__ import annotations

import numpy as np
from test_network_shipping import _market, _obs

from hashwinter.engine.actions import Actions


def test_a_broke_farm_offers_every_machine_even_running() -> None:
    """Cohort 0 runs (no days off, so an alive owner would not sell); its owner is broke:
    all 10 machines go to cohort 1, which has 20 - 5 = 15 free slots and values a machine
    at (3 - 1) USD x 100 days = 200 USD, at a price on the grid between the 15 USD floor
    and that valuation; an alive owner keeps them."""
    m = _market(0)
    on = np.array([[[True, True]]])
    for alive, sold in (([False, True], 10.0), ([True, True], 0.0)):
        acts, _ = m.decide(_obs(0, [10.0, 5.0], alive), Actions.start(on), m.init_state((1, 1, 2)))
        got = 0.0 if acts.sell is None else float(np.asarray(acts.sell)[0, 0, 0])
        assert got == sold
        if sold:
            assert acts.buy is not None and float(np.asarray(acts.buy)[0, 0, 1]) == sold
            price = float(np.asarray(acts.sell_price)[0, 0, 0])
            assert 15.0 <= price <= 200.0
