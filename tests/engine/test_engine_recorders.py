"""Recorders agree with the full ledger; chunked runs equal one big run; checks catch bugs."""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest
from numpy.testing import assert_allclose
from test_engine_vs_loop import random_spec

from hashwinter.engine import (
    ConservationError,
    LedgerRecorder,
    OwnerStatsRecorder,
    TotalsRecorder,
    Treasury,
    run,
    run_in_chunks,
)
from hashwinter.engine.variants import grid
from hashwinter.errors import InputError
from hashwinter.farm.policies import ShutdownPricePolicy

run_module = importlib.import_module("hashwinter.engine.run")


def sweep():
    g = grid(off_below=[0.0, -0.1, -0.3], on_above=[0.05, 0.2], scale=[0.7, 1.0])
    return ShutdownPricePolicy(g["off_below"], g["on_above"]), g["scale"]


def test_totals_equal_ledger_sums():
    spec = random_spec(11, n_paths=3)
    policy, scale = sweep()
    res = run(spec, policy, Treasury(0.5), tariff_scale=scale,
              recorders=[LedgerRecorder(), TotalsRecorder()])
    ledger, totals = res.records
    for key in ("coins", "power_cost", "management_fee", "restart_cost", "energy_kwh"):
        assert_allclose(totals.cohort[key], ledger.cohort[key].sum(axis=0), rtol=1e-12,
                        err_msg=key)
    price = ledger.network["price"][..., None]
    assert_allclose(totals.cohort["revenue"], (ledger.cohort["coins"] * price).sum(axis=0),
                    rtol=1e-12)
    assert_allclose(totals.cohort["running_days"], ledger.cohort["running"].sum(axis=0))
    assert_allclose(totals.owner["cash"], ledger.owner["cash"][-1])
    assert_allclose(totals.owner["min_cash"],
                    np.minimum(ledger.owner["cash"].min(axis=0), spec.owners.starting_cash))
    broke = (ledger.owner["alive"] == 0).argmax(axis=0)
    never = ledger.owner["alive"][-1] == 1
    assert_allclose(totals.owner["broke_day"], np.where(never, -1, broke))


def test_owner_stats_are_quantiles_over_paths():
    spec = random_spec(12, n_paths=9)
    res = run(spec, ShutdownPricePolicy([0.0, -0.2]), Treasury(0.4),
              recorders=[LedgerRecorder(), OwnerStatsRecorder((0.1, 0.5, 0.9))])
    ledger, stats = res.records
    cash = ledger.owner["cash"]  # (T, V, P, O)
    expected = np.moveaxis(np.quantile(cash, [0.1, 0.5, 0.9], axis=2), 0, -1)
    assert_allclose(stats.cash, expected)
    equity = cash + ledger.owner["coins"] * ledger.network["price"][..., None]
    assert_allclose(stats.mean_equity, equity.mean(axis=2))
    assert_allclose(stats.broke_share, (ledger.owner["alive"] == 0).mean(axis=2))


def test_chunked_run_equals_one_run():
    spec = random_spec(13)
    policy, scale = sweep()
    whole = run(spec, policy, Treasury(0.2), tariff_scale=scale,
                recorders=[TotalsRecorder()]).records[0]
    chunked = run_in_chunks(spec, policy, Treasury(0.2), tariff_scale=scale, chunk_size=5)
    assert chunked.meta.n_variants == 12
    for key, value in whole.cohort.items():
        assert_allclose(chunked.cohort[key], value, err_msg=key)
    for key, value in whole.owner.items():
        assert_allclose(chunked.owner[key], value, err_msg=key)


def test_ledger_recorder_refuses_huge_runs():
    spec = random_spec(14)
    with pytest.raises(InputError, match="too large"):
        run(spec, sweep()[0], recorders=[LedgerRecorder(max_values=1000)])


def test_cash_check_catches_a_bookkeeping_bug(monkeypatch):
    real = run_module.treasury_step

    def leaky(*args, **kwargs):  # pays the bills but forgets a cent of every sale
        out = real(*args, **kwargs)
        return dataclasses.replace(out, cash=out.cash - 0.01)

    monkeypatch.setattr(run_module, "treasury_step", leaky)
    with pytest.raises(ConservationError, match="cash differs"):
        run(random_spec(15), sweep()[0], engine="numpy")


def test_coin_check_catches_coins_from_nowhere(monkeypatch):
    real = run_module.treasury_step

    def minting(*args, **kwargs):
        out = real(*args, **kwargs)
        return dataclasses.replace(out, coins=out.coins + 1e-6)

    monkeypatch.setattr(run_module, "treasury_step", minting)
    with pytest.raises(ConservationError, match="coins differ"):
        run(random_spec(16), sweep()[0], engine="numpy")


def test_issuance_check_catches_a_farm_bigger_than_the_network():
    spec = random_spec(17)
    big = dataclasses.replace(spec.cohorts, count=spec.cohorts.count * 1e7)
    with pytest.raises(ConservationError, match="more than the whole network"):
        run(dataclasses.replace(spec, cohorts=big), sweep()[0])


def test_checks_can_be_switched_off():
    spec = random_spec(17)
    big = dataclasses.replace(spec.cohorts, count=spec.cohorts.count * 1e7)
    res = run(dataclasses.replace(spec, cohorts=big), sweep()[0], check=False)
    assert not res.checks.enabled


def test_ledger_frames_are_tidy_over_variants_and_paths():
    spec = random_spec(18, n_days=10, n_paths=3)
    policy, scale = sweep()
    ledger = run(spec, policy, tariff_scale=scale, recorders=[LedgerRecorder()]).records[0]
    cohorts = ledger.cohort_frame()
    owners = ledger.owner_frame()
    assert len(cohorts) == 10 * 12 * 3 * 5 and len(owners) == 10 * 12 * 3 * 2
    assert {"date", "variant", "path", "cohort", "power_cost_cny", "coins_mined_btc",
            "shutdown_price_cny_per_btc"} <= set(cohorts.columns)
    row = cohorts[(cohorts["variant"] == 7) & (cohorts["path"] == 2) & (cohorts["cohort"] == "c1")]
    assert_allclose(row["power_cost_cny"], ledger.cohort["power_cost"][:, 7, 2, 1])
    assert_allclose(row["running_machines"], ledger.cohort["running"][:, 7, 2, 1])
    o = owners[(owners["variant"] == 3) & (owners["path"] == 1) & (owners["owner"] == "farm B")]
    assert_allclose(o["cash_cny"], ledger.owner["cash"][:, 3, 1, 1])
