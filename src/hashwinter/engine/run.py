"""The step loop: one vectorized pass over time for all variants, paths and cohorts.

Per step ``t`` (see docs/engine.md):

1. observe: expected coins per machine at the last known price and reward, and
   the avoidable cost at this step's tariff;
2. the policy decides which cohorts run; owners that went broke run nothing;
3. the network advances (exogenous history or endogenous block clock) given the
   running hashrate; cohorts earn ``running * hashrate * uptime * (1 - pool fee)
   * reward_per_hash``;
4. costs: energy at the tariff (PUE, uptime), management fee per running machine,
   hosting fee per installed machine, restart cost per machine switched back on,
   purchases on their day;
5. the treasury sells coins, pays, and detects insolvency;
6. recorders keep what the caller asked for; conservation checks accumulate.

No Python loop runs over variants, paths or cohorts: only over steps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from hashwinter.engine.checks import ConservationChecker, ConservationReport
from hashwinter.engine.policy import Observation, Policy
from hashwinter.engine.spec import EngineSpec
from hashwinter.engine.step import Recorder, RunMeta, StepData
from hashwinter.engine.treasury import Treasury, treasury_step
from hashwinter.engine.variants import as_variant_array, count_variants, to_engine_axis
from hashwinter.errors import InputError
from hashwinter.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, WATTS_PER_KILOWATT

__all__ = ["RunResult", "run"]

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True)
class RunResult:
    """What a run returns.

    Attributes
    ----------
    meta : RunMeta
        Shape and labels of the run.
    records : list
        ``recorder.finish()`` of each recorder, in the order given.
    cash, coins : ndarray (V, P, O)
        Closing balances. [currency], [coin]
    broke_step : ndarray of int (V, P, O)
        Step at which each owner could not pay, or -1.
    checks : ConservationReport
        Results of the conservation checks (they raise when they fail).

    """

    meta: RunMeta
    records: list[Any]
    cash: FloatArray
    coins: FloatArray
    broke_step: npt.NDArray[np.int64]
    checks: ConservationReport


def _owner_sum(values: FloatArray, matrix: FloatArray | None) -> FloatArray:
    """Sum (V, P, C) cohort values into (V, P, O) owner values."""
    if matrix is None:  # a single owner: a plain sum is faster than a matmul
        return values.sum(axis=-1, keepdims=True)
    # One 2-d matrix product (BLAS), not a batch of (1, C) @ (C, O) products.
    flat = np.ascontiguousarray(values).reshape(-1, values.shape[-1]) @ matrix
    return flat.reshape(*values.shape[:-1], matrix.shape[1])


def run(
    spec: EngineSpec,
    policy: Policy,
    treasury: Treasury | None = None,
    *,
    tariff_scale: npt.ArrayLike = 1.0,
    recorders: Sequence[Recorder] = (),
    progress: Callable[[int], None] | None = None,
    check: bool = True,
) -> RunResult:
    """Run the engine over every step of ``spec.clock``.

    Parameters
    ----------
    spec : EngineSpec
        Clock, market (P paths), cohorts (C), owners (O), tariffs, network.
    policy : Policy
        Curtailment policy with parameters over the variant axis.
    treasury : Treasury, optional
        Coin-sale rules (default: sell every mined coin the day it is mined).
    tariff_scale : float or array_like (V,), default 1
        Multiplier on every tariff, per variant (a tariff sweep). [dimensionless]
    recorders : sequence of Recorder
        What to keep (full ledger, totals, quantiles).
    progress : callable, optional
        Called with the number of steps done, after every step.
    check : bool, default True
        Run the conservation checks (raise :class:`ConservationError` on failure).

    Returns
    -------
    RunResult

    """
    treasury = treasury if treasury is not None else Treasury()
    scale = as_variant_array(tariff_scale, "tariff_scale")
    if np.any(scale < 0) or not np.all(np.isfinite(scale)):
        raise InputError("must be finite and >= 0", field="tariff_scale")
    n_var = count_variants({
        "policy": np.empty(policy.n_variants),
        "treasury": np.empty(treasury.n_variants),
        "tariff_scale": scale,
    })
    clock, cohorts, owners, network = spec.clock, spec.cohorts, spec.owners, spec.net
    n_paths, n_coh, n_own, n_steps = spec.market.n_paths, cohorts.n, owners.n, clock.n_steps
    dt = clock.step_seconds
    day_of_step = clock.day_of_step
    shape = (n_var, n_paths, n_coh)
    owner_shape = (n_var, n_paths, n_own)

    # Static per-cohort factors (C,) and per-step tables (T, C): nothing here depends on V or P.
    hashing = cohorts.effective_hashrate
    hashing_net = hashing * (1.0 - cohorts.pool_fee)
    pool_share = cohorts.pool_fee / (1.0 - cohorts.pool_fee)
    energy_pm = cohorts.power * cohorts.pue * cohorts.uptime * dt / SECONDS_PER_HOUR
    energy_pm = energy_pm / WATTS_PER_KILOWATT
    power_pm = energy_pm[None, :] * spec.tariff  # (T, C) before the variant scale
    mgmt_pm = cohorts.management_fee * dt / SECONDS_PER_DAY
    installed = cohorts.installed(n_steps)
    hosting = installed * cohorts.hosting_fee[None, :] * dt / SECONDS_PER_DAY
    machine_capex = cohorts.capex(n_steps)
    capex_steps = np.asarray(machine_capex.any(axis=1), dtype=bool)
    restart_pm = cohorts.restart_cost
    restarts_cost = bool(np.any(restart_pm > 0))
    matrix = None if n_own == 1 else cohorts.owner_matrix()
    hosting_owner = hosting @ cohorts.owner_matrix()  # (T, O)
    owner_of_cohort = cohorts.owner
    scale_v = to_engine_axis(scale)
    scaled = not np.all(scale == 1.0)
    # (D, P) rows, so that a day's prices are one contiguous row.
    prices = np.ascontiguousarray(np.broadcast_to(spec.market.price,
                                                  (n_paths, clock.n_days)).T)
    new_installs = np.zeros(n_steps, dtype=bool)
    new_installs[1:] = np.any(installed[1:] != installed[:-1], axis=1)
    zeros_c = np.zeros((1, 1, n_coh))
    zeros_o = np.zeros((1, 1, n_own))

    meta = RunMeta(
        clock=clock, cohorts=cohorts, owner_names=owners.names, n_variants=n_var,
        n_paths=n_paths, currency=spec.market.currency, coin=spec.market.coin,
        starting_cash=owners.starting_cash, starting_coins=owners.starting_coins,
    )
    for rec in recorders:
        rec.begin(meta)

    on = np.ones(shape, dtype=bool)
    running_prev = np.broadcast_to(installed[0], shape)
    cash = np.broadcast_to(owners.starting_cash, owner_shape).astype(np.float64)
    coins = np.broadcast_to(owners.starting_coins, owner_shape).astype(np.float64)
    alive = np.ones(owner_shape, dtype=bool)
    broke_step = np.full(owner_shape, -1, dtype=np.int64)
    net_state = network.init_state(n_var, n_paths)
    checker = ConservationChecker(meta, enabled=check)

    for t in range(n_steps):
        day = int(day_of_step[t])
        price_now = prices[day]
        price_obs = prices[max(day - 1, 0)][None, :, None]
        power_t = power_pm[t] * scale_v if scaled else power_pm[t][None, None, :]  # (V|1,1,C)
        cost_pm = power_t + mgmt_pm
        coins_obs = network.observe(net_state, t)[..., None] * hashing_net
        obs = Observation(
            step=t, day=day, step_seconds=dt, price=price_obs,
            coins_per_machine=coins_obs, revenue_per_machine=coins_obs * price_obs,
            cost_per_machine=cost_pm, installed=installed[t],
        )
        on = policy.decide(obs, on)
        if on.shape != shape:
            on = np.broadcast_to(on, shape)
        # Few owners ever go broke: skip the mask while all are alive.
        all_alive = bool(alive.all())
        alive_c = alive if matrix is None else alive[..., owner_of_cohort]
        running = on * installed[t] if all_alive else (on & alive_c) * installed[t]

        farm_hashrate = (running.reshape(-1, n_coh) @ hashing).reshape(n_var, n_paths)
        net_state, net = network.advance(net_state, t, farm_hashrate)
        coins_pm = net.reward_per_hash[..., None] * hashing_net  # (V|1, P|1, C)
        flows = np.empty((2, *shape))  # mined coins and operating cost, summed in one go
        mined_c = np.multiply(running, coins_pm, out=flows[0])
        opex_c = np.multiply(running, cost_pm, out=flows[1])
        if restarts_cost:
            # Machines switched back on; new installs are switched on for free.
            if new_installs[t]:
                restart_c = np.minimum(running, installed[t - 1]) - running_prev
            else:
                restart_c = running - running_prev
            np.maximum(restart_c, 0.0, out=restart_c)
            restart_c *= restart_pm
            opex_c += restart_c
        else:
            restart_c = zeros_c
        if matrix is None:
            owner_flows = flows.sum(axis=-1, keepdims=True)
        else:
            owner_flows = (flows.reshape(-1, n_coh) @ matrix).reshape(2, *owner_shape)
        mined_o = owner_flows[0]
        opex_o = owner_flows[1] + hosting_owner[t]
        if capex_steps[t]:
            capex_c = machine_capex[t] * alive_c
            capex_o = _owner_sum(capex_c, matrix)
        else:
            capex_c, capex_o = zeros_c, zeros_o
        site_capex_o = owners.site_capex[t] * alive
        fixed_o = np.broadcast_to(owners.fixed_costs[t], owner_shape)
        step = treasury_step(
            treasury, cash=cash, coins=coins, alive=alive, mined=mined_o,
            operating_cost=opex_o, other_cost=capex_o + site_capex_o + fixed_o,
            price=price_now[None, :, None],
        )
        cash, coins = step.cash, step.coins
        if step.broke_now.any():
            broke_step = np.where(step.broke_now, t, broke_step)
            alive = alive & ~step.broke_now
        data = StepData(
            step=t, day=day, price=price_now, network=net, installed=installed[t],
            running=running, coins=mined_c, pool_share=pool_share, energy_per_machine=energy_pm,
            power_per_machine=power_t, management_per_machine=mgmt_pm, restart_cost=restart_c,
            hosting_fee=hosting[t], machine_capex=capex_c, cost_per_machine=cost_pm,
            coins_per_machine=coins_pm, mined=mined_o, operating_cost=opex_o,
            machine_capex_owner=capex_o, site_capex=site_capex_o, fixed_costs=fixed_o,
            treasury=step, alive=alive,
        )
        checker.record(data, farm_hashrate)
        for rec in recorders:
            rec.record(data)
        running_prev = running
        if progress is not None:
            progress(t + 1)

    report = checker.finish(cash, coins)
    return RunResult(
        meta=meta,
        records=[rec.finish() for rec in recorders],
        cash=cash,
        coins=coins,
        broke_step=broke_step,
        checks=report,
    )
