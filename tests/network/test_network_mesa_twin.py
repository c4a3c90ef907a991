"""hashwinter's network against its Mesa twin: the same hashrate and difficulty paths."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from test_network_population import example

from datafiles import shared_data_dir
from hashwinter.network.dynamics import chain_position, run_network
from hashwinter.network.population import read_btc_daily

pytest.importorskip("mesa")
from mesa_twin import NetworkTwin


def twin_scenario(**population: float):
    """No market, no makers and no dry-season migration (the twin has none of them: they
    are checked by their own tests) and enough cash that nobody goes broke."""
    scenario = example(farms=30, **({"cash_days": 1e5, "fixed_cost_per_machine_day": 0.0}
                                    | population))
    return scenario.model_copy(update={
        "end": dt.date(2019, 1, 31),
        "market": scenario.market.model_copy(update={"enabled": False}),
        "migration": scenario.migration.model_copy(update={"enabled": False}),
        "makers": scenario.makers.model_copy(update={"maker": []})})


def test_compiled_network_record_equals_numpy() -> None:
    # Every field of the record and every closing balance, with farms going broke
    # (little cash, fixed costs): the kernel's days against the numpy recorder's.
    scenario = twin_scenario(cash_days=2.0, fixed_cost_per_machine_day=0.3)
    a = run_network(scenario, shared_data_dir(), engine="numpy")
    b = run_network(scenario, shared_data_dir(), engine="compiled")
    assert b.result.path == "compiled" and np.any(a.result.broke_step >= 0)
    for name in a.record.__dataclass_fields__:
        want = getattr(a.record, name)
        np.testing.assert_allclose(getattr(b.record, name), want, rtol=1e-9,
                                   atol=1e-9 * float(np.nanmax(np.abs(want), initial=0.0)),
                                   err_msg=name)
    np.testing.assert_allclose(b.result.cash, a.result.cash, rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(b.result.broke_step, a.result.broke_step)


@pytest.mark.parametrize("engine, path", [("numpy", "numpy"), ("auto", "compiled")])
def test_same_paths_as_the_mesa_twin(engine: str, path: str) -> None:
    folder = shared_data_dir()
    scenario = twin_scenario()
    run = run_network(scenario, folder, engine=engine)
    # The twin's model (no market, makers or hedgers) is the compiled kernel's by default.
    assert run.result.path == path
    pop = run.population
    dates = run.dates
    months = np.array([d.astype(object).month for d in dates])
    dry = np.isin(months, pop.dry_months)
    n_tiers = pop.tier_hashrate.size
    farms = []
    for o in range(pop.n_farms):
        counts = pop.cohort_count[pop.cohort_owner == o].tolist()
        tariffs = np.where(dry, pop.farm_dry_tariff[o], pop.farm_tariff[o]).tolist()
        farms.append((counts, tariffs))
    assert len(farms[0][0]) == n_tiers
    daily = read_btc_daily(folder)
    height, elapsed = chain_position(daily, pd.Timestamp(scenario.start))
    hist = run.history
    twin = NetworkTwin(
        farms, pop.tier_hashrate.tolist(), pop.tier_power.tolist(), run.price[0].tolist(),
        hist["fees_per_block"].tolist(), float(hist["difficulty"].iloc[0]), float(height),
        elapsed, scenario.population.pue, scenario.population.overhead_per_machine_day,
        scenario.dynamics.off_below, scenario.dynamics.on_above,
        scenario.dynamics.min_off_days)
    for _ in dates:
        twin.step()
    np.testing.assert_allclose(run.record.hashrate[:, 0], twin.hashrate_path, rtol=1e-9)
    np.testing.assert_allclose(run.record.difficulty[:, 0], twin.difficulty_path, rtol=1e-9)
    # The paths move: farms unplugged and difficulty retargeted down in the winter.
    assert min(twin.hashrate_path) < 0.9 * twin.hashrate_path[0]
    assert min(twin.difficulty_path) < twin.difficulty_path[0]
    # The shipped file's restart delay is on (the twin mirrors it).
    assert scenario.dynamics.min_off_days == 14
