"""The step loop: one vectorized pass over time for all variants, paths and cohorts.

Per step ``t`` (see docs/engine.md, "One step"; a compiled kernel must keep this order):

1. observe: expected coins per machine at the last known price and reward, the
   avoidable cost at this step's tariff, machines held, owners' balances;
2. the policies build the action bundle (on/off, machine trades, moves,
   transfers, instrument orders);
3. trades: sales, scrapping and moves out (clipped to the machines held,
   stopped machines first), purchases (alive owners only) and moves in change
   the machines held; owners that went broke run nothing;
4. the network advances (exogenous history or endogenous block clock) given the
   running hashrate; cohorts earn ``running * hashrate * uptime * (1 - pool fee)
   * reward_per_hash``;
5. costs: energy at the tariff (PUE, uptime), management fee per running machine,
   hosting fee per held machine, restart cost per machine switched back on,
   move costs, purchases (planned and traded);
6. the position book fills orders and settles (cash and coins per owner);
   transfers move cash between owners;
7. the treasury sells coins, pays, and detects insolvency;
8. recorders keep what the caller asked for; conservation checks accumulate.

State between steps is plain contiguous arrays: ``on``, ``running``, ``held``
(V, P, C); ``cash``, ``coins``, ``alive`` (V, P, O); the book (V, P, O, I); the
network's (V, P) arrays; each policy's own arrays. The common case (on/off
only, no trades, no instruments) runs a fast path that never allocates the
trade arrays. No Python loop runs over variants, paths or cohorts: only over
steps (and over the few instruments of the book).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from hashwinter.engine.actions import Actions
from hashwinter.engine.checks import ConservationChecker, ConservationError, ConservationReport
from hashwinter.engine.network import ExogenousNetwork
from hashwinter.engine.owners import OwnerGroups
from hashwinter.engine.policy import Observation, Policy
from hashwinter.engine.positions import Instrument, Position
from hashwinter.engine.spec import EngineSpec
from hashwinter.engine.step import Recorder, RunMeta, StepData, TradeStep
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
    held : ndarray (V, P, C) or (C,)
        Machines held at the end (the planned fleet unless the policies traded).
        [machines]
    positions : ndarray (V, P, O, I)
        Closing positions in each instrument. [coin]
    network_state : object
        The network's state after the last step (e.g. a block network's per-path
        block statistics).
    checks : ConservationReport
        Results of the conservation checks (they raise when they fail).
    path : {"numpy", "compiled"}
        Which step loop ran (docs/engine.md, *Compiled path*).
    fallback : str or None
        Why the run took the numpy path (None on the compiled path).

    """

    meta: RunMeta
    records: list[Any]
    cash: FloatArray
    coins: FloatArray
    broke_step: npt.NDArray[np.int64]
    checks: ConservationReport
    held: FloatArray | None = None
    positions: FloatArray | None = None
    network_state: object = None
    path: str = "numpy"
    fallback: str | None = None


#: Values of ``run(..., engine=)``.
ENGINES = ("auto", "numpy", "compiled")


def _trade(
    actions: Actions, held_before: FloatArray, alive_c: npt.NDArray[np.bool_] | bool,
    unit_price: FloatArray, shape: tuple[int, int, int],
) -> tuple[FloatArray, TradeStep]:
    """Apply the bundle's machine trades to the machines held; return the new counts.

    Sales, then scrapping, then moves out are clipped to what is held (moves out
    of one cohort are scaled down together); purchases need a live owner.
    """
    zero = np.zeros(shape)
    held_before = np.broadcast_to(held_before, shape)
    sold = (zero if actions.sell is None
            else np.minimum(np.broadcast_to(actions.sell, shape), held_before))
    left = held_before - sold
    scrapped = (zero if actions.scrap is None
                else np.minimum(np.broadcast_to(actions.scrap, shape), left))
    left = left - scrapped
    bought = zero if actions.buy is None else np.broadcast_to(actions.buy, shape) * alive_c
    moved_in = moved_out = move_cost = zero
    if actions.moves is not None:
        mv = actions.moves
        n_c, k = shape[-1], mv.source.size
        src = np.zeros((k, n_c))
        src[np.arange(k), mv.source] = 1.0
        dst = np.zeros((k, n_c))
        dst[np.arange(k), mv.target] = 1.0
        count = np.broadcast_to(mv.count, (*shape[:2], k))
        wanted = count @ src  # (V, P, C): machines asked to leave each cohort
        ratio = np.minimum(1.0, np.divide(left, wanted, out=np.ones(shape), where=wanted > 0))
        count = count * ratio[..., mv.source]
        moved_out = count @ src
        moved_in = count @ dst
        move_cost = (count * mv.cost_per_machine) @ src
    held = left - moved_out + moved_in + bought
    price = unit_price if actions.buy_price is None else actions.buy_price
    sale_price = 0.0 if actions.sell_price is None else actions.sell_price
    scrap_price = 0.0 if actions.scrap_price is None else actions.scrap_price
    return held, TradeStep(
        bought=bought, sold=sold, scrapped=scrapped, moved_in=moved_in, moved_out=moved_out,
        buy_cost=bought * price, sale_proceeds=sold * sale_price,
        scrap_proceeds=scrapped * scrap_price, move_cost=move_cost,
    )


def run(
    spec: EngineSpec,
    policy: Policy,
    treasury: Treasury | None = None,
    *,
    tariff_scale: npt.ArrayLike = 1.0,
    recorders: Sequence[Recorder] = (),
    progress: Callable[[int], None] | None = None,
    check: bool = True,
    instruments: Sequence[Instrument] = (),
    engine: str = "auto",
) -> RunResult:
    """Run the engine over every step of ``spec.clock``.

    Parameters
    ----------
    spec : EngineSpec
        Clock, market (P paths), cohorts (C), owners (O), tariffs, network.
    policy : Policy
        Policy (or :class:`~hashwinter.engine.policy.Policies`) with parameters
        over the variant axis; it returns the action bundle of each step.
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
    instruments : sequence of Instrument, optional
        The instruments of the position book (axis ``I`` of the orders).
    engine : {"auto", "numpy", "compiled"}, default "auto"
        Which step loop runs: ``"auto"`` takes the compiled kernel when the spec,
        policy, treasury, recorders and network all support it and the run is large
        enough to pay for compiling it (``kernel.support.AUTO_MIN_CELLS``), numpy otherwise;
        ``"compiled"`` raises :class:`InputError` with the reason when they do not.
        ``RunResult.path`` and ``RunResult.fallback`` say what happened.

    Returns
    -------
    RunResult

    """
    if engine not in ENGINES:
        raise InputError(f"must be one of {', '.join(ENGINES)} (got {engine!r})",
                         field="engine")
    treasury = treasury if treasury is not None else Treasury()
    scale = as_variant_array(tariff_scale, "tariff_scale")
    if np.any(scale < 0) or not np.all(np.isfinite(scale)):
        raise InputError("must be finite and >= 0", field="tariff_scale")
    n_var = count_variants({
        "policy": np.empty(policy.n_variants),
        "treasury": np.empty(treasury.n_variants),
        "tariff_scale": scale,
        # A network may carry variants of its own (a block network's rule per variant).
        "network": np.empty(getattr(spec.network, "n_variants", 1)),
    })
    clock, cohorts, owners, network = spec.clock, spec.cohorts, spec.owners, spec.net
    n_paths, n_coh, n_own, n_steps = spec.market.n_paths, cohorts.n, owners.n, clock.n_steps
    n_ins = len(instruments)
    dt = clock.step_seconds
    spd = clock.steps_per_day
    day_of_step = clock.day_of_step
    shape = (n_var, n_paths, n_coh)
    owner_shape = (n_var, n_paths, n_own)

    meta = RunMeta(
        clock=clock, cohorts=cohorts, owner_names=owners.names, n_variants=n_var,
        n_paths=n_paths, currency=spec.market.currency, coin=spec.market.coin,
        starting_cash=owners.starting_cash, starting_coins=owners.starting_coins,
        instruments=tuple(i.name for i in instruments),
    )
    # The path is chosen before the numpy loop's tables are built (the kernel builds its own).
    fallback: str | None = "engine='numpy' was asked for"
    if engine != "numpy":
        from hashwinter.engine.kernel.support import compiled_plan, small_run_reason

        fallback = None
        if engine == "auto":
            fallback = small_run_reason(n_steps * n_var * n_paths * n_coh)
        compiled = None
        if fallback is None:
            compiled, fallback = compiled_plan(spec, policy, treasury, recorders, instruments)
        if compiled is not None:
            from hashwinter.engine.kernel.run import run_compiled

            return run_compiled(spec, compiled, treasury, scale, n_var, meta, recorders,
                                progress, check)
        if engine == "compiled":
            raise InputError(f"the compiled path cannot run this: {fallback}", field="engine")

    # Static per-cohort factors (C,) and per-step tables (T, C): nothing here depends on V or P.
    hashing = cohorts.effective_hashrate
    hashing_net = hashing * (1.0 - cohorts.pool_fee)
    pool_share = cohorts.pool_fee / (1.0 - cohorts.pool_fee)
    energy_pm = cohorts.power * cohorts.pue * cohorts.uptime * dt / SECONDS_PER_HOUR
    energy_pm = energy_pm / WATTS_PER_KILOWATT
    power_pm = energy_pm[None, :] * spec.tariff  # (T, C) before the variant scale
    mgmt_pm = cohorts.management_fee * dt / SECONDS_PER_DAY
    host_pm = cohorts.hosting_fee * dt / SECONDS_PER_DAY
    installed = cohorts.installed(n_steps)
    hosting = installed * host_pm[None, :]
    machine_capex = cohorts.capex(n_steps)
    capex_steps = np.asarray(machine_capex.any(axis=1), dtype=bool)
    restart_pm = cohorts.restart_cost
    restarts_cost = bool(np.any(restart_pm > 0))
    # Cohort -> owner sums group the cohorts by owner (O(C), not a dense (C, O) product).
    by_owner = OwnerGroups.of(cohorts.owner, n_own).sum
    # Hosting of a cohort whose host is an owner of the run is a transfer from the
    # machines' owner to the host, not a cost paid outside the run.
    host = np.asarray(cohorts.host)
    hosted = (host >= 0).astype(np.float64)
    hosting_owner = by_owner(hosting * (1.0 - hosted))  # (T, O) paid outside
    host_transfer = None
    if hosted.any():
        # A cohort without a host pays nothing here: group it under its owner.
        by_host = OwnerGroups.of(np.where(host >= 0, host, cohorts.owner), n_own).sum

        def received_less_paid(values: FloatArray) -> FloatArray:
            return by_host(values) - by_owner(values)

        host_transfer = received_less_paid(hosting * hosted)
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
    # The coin axis: coins other than the market's, read as history; their coins are
    # sold the step they are mined (the treasury's rules apply to the main coin).
    n_other = len(spec.other_coins)
    if n_other:
        other_nets = [ExogenousNetwork(m, clock) for m in spec.other_coins]
        other_states = [n.init_state(n_var, n_paths) for n in other_nets]
        assert cohorts.other_hashrate is not None  # checked by EngineSpec
        other_hash = cohorts.other_hashrate * cohorts.uptime  # (K-1, C) effective
        other_hash_net = other_hash * (1.0 - cohorts.pool_fee)
        other_prices = [np.ascontiguousarray(np.broadcast_to(m.price, (n_paths, clock.n_days)).T)
                        for m in spec.other_coins]

    for rec in recorders:
        rec.begin(meta)

    on = np.ones(shape, dtype=bool)
    running_prev = np.broadcast_to(installed[0], shape)
    # Machines held: the planned fleet (installed[t]) until a policy trades; then a state array.
    held: FloatArray | None = None
    held_prev: FloatArray = installed[0]
    cash = np.broadcast_to(owners.starting_cash, owner_shape).astype(np.float64)
    coins = np.broadcast_to(owners.starting_coins, owner_shape).astype(np.float64)
    alive = np.ones(owner_shape, dtype=bool)
    broke_step = np.full(owner_shape, -1, dtype=np.int64)
    book = [Position.flat(owner_shape) for _ in instruments]
    net_state = network.init_state(n_var, n_paths)
    pol_state = policy.init_state(shape)
    checker = ConservationChecker(meta, enabled=check)

    for t in range(n_steps):
        day = int(day_of_step[t])
        price_now = prices[day]
        price_obs = prices[max(day - 1, 0)][None, :, None]
        power_t = power_pm[t] * scale_v if scaled else power_pm[t][None, None, :]  # (V|1,1,C)
        cost_pm = power_t + mgmt_pm
        coins_obs = network.observe(net_state, t)[..., None] * hashing_net
        # Planned installs arrive on their step, on top of whatever was traded before.
        held_now = installed[t] if held is None else held + (installed[t] - installed[t - 1])
        revenue_by_coin = None
        if n_other:
            rows = [coins_obs * price_obs]
            for k in range(n_other):
                rho_k = other_nets[k].observe(other_states[k], t)[..., None]
                rows.append(np.broadcast_to(
                    rho_k * other_hash_net[k] * other_prices[k][max(day - 1, 0)][None, :, None],
                    rows[0].shape))
            revenue_by_coin = np.stack(np.broadcast_arrays(*rows))
        obs = Observation(
            step=t, day=day, step_seconds=dt, price=price_obs,
            coins_per_machine=coins_obs, revenue_per_machine=coins_obs * price_obs,
            cost_per_machine=cost_pm, installed=held_now, cash=cash, coins=coins, alive=alive,
            owner=owner_of_cohort,
            positions=np.stack([b.quantity for b in book], axis=-1) if n_ins else None,
            revenue_by_coin=revenue_by_coin,
        )
        actions, pol_state = policy.decide(obs, Actions.start(on), pol_state)
        on = actions.on
        if on.shape != shape:
            on = np.broadcast_to(on, shape)
        coin_choice = actions.coin
        if coin_choice is not None and (np.any(coin_choice < 0)
                                        or np.any(coin_choice > n_other)):
            raise InputError(f"must be a coin index 0 .. {n_other}", field="actions.coin")
        # Few owners ever go broke: skip the mask while all are alive.
        all_alive = bool(alive.all())
        alive_c = alive if n_own == 1 else alive[..., owner_of_cohort]
        fast = actions.only_on_off and held is None and n_ins == 0

        trades: TradeStep | None = None
        if fast:
            held_t: FloatArray = installed[t]
            hosting_c: FloatArray = hosting[t]
            hosting_o = hosting_owner[t]
        else:
            if actions.trades:
                held_t, trades = _trade(actions, held_now, alive_c if not all_alive else True,
                                        cohorts.unit_price, shape)
            else:
                held_t = held_now
            if held is not None or trades is not None:
                held = np.broadcast_to(held_t, shape)
            hosting_c = held_t * host_pm
            hosting_o = by_owner(np.broadcast_to(hosting_c * (1.0 - hosted), shape))
        running = on * held_t if all_alive else (on & alive_c) * held_t
        running_main = running
        other_rev_c = other_sales_o = None
        if coin_choice is not None:
            # Machines mining another coin draw the same power but earn that coin.
            running_main = running * (coin_choice == 0)
            other_rev_c = np.zeros(shape)
            for k in range(n_other):
                run_k = running * (coin_choice == k + 1)
                hash_k = np.einsum("vpc,c->vp", run_k, other_hash[k])
                other_states[k], net_k = other_nets[k].advance(other_states[k], t, hash_k)
                coins_k = run_k * (net_k.reward_per_hash[..., None] * other_hash_net[k])
                if check:
                    share = hash_k / np.broadcast_to(net_k.network_hashrate, hash_k.shape)
                    if float(np.max(share)) > 1 + 1e-9:
                        raise ConservationError(f"on step {t} the cohorts hold more than the "
                                                f"whole {spec.other_coins[k].coin} network")
                other_rev_c = other_rev_c + coins_k * other_prices[k][day][None, :, None]
            other_sales_o = by_owner(other_rev_c)

        # einsum, not a BLAS product: each path's sum is then the same whatever the number
        # of paths beside it (chunks over paths give the engine's numbers of one run to the bit).
        farm_hashrate = np.einsum("vpc,c->vp", running_main, hashing)
        net_state, net = network.advance(net_state, t, farm_hashrate, prices[max(day - 1, 0)],
                                         running)
        coins_pm = net.reward_per_hash[..., None] * hashing_net  # (V|1, P|1, C)
        flows = np.empty((2, *shape))  # mined coins and operating cost, summed in one go
        mined_c = np.multiply(running_main, coins_pm, out=flows[0])
        opex_c = np.multiply(running, cost_pm, out=flows[1])
        if restarts_cost:
            # Machines switched back on; new machines are switched on for free.
            if trades is not None or held is not None:
                # Held in the last step and still here (sales take stopped machines first).
                kept = held_prev if trades is None else np.maximum(
                    held_prev - trades.sold - trades.scrapped - trades.moved_out, 0.0)
                restart_c = np.minimum(running, kept) - np.minimum(running_prev, kept)
            elif new_installs[t]:
                restart_c = np.minimum(running, installed[t - 1]) - running_prev
            else:
                restart_c = running - running_prev
            np.maximum(restart_c, 0.0, out=restart_c)
            restart_c *= restart_pm
            opex_c += restart_c
        else:
            restart_c = zeros_c
        if trades is not None:
            opex_c += trades.move_cost
        if actions.cost is not None:
            # Booked with the restarts: a coin switch restarts the machine on another coin.
            extra_c = running * actions.cost
            opex_c += extra_c
            restart_c = restart_c + extra_c
        owner_flows = by_owner(flows)
        mined_o = owner_flows[0]
        opex_o = owner_flows[1] + hosting_o
        if capex_steps[t] or trades is not None:
            capex_c = machine_capex[t] * alive_c
            if trades is not None:
                capex_c = capex_c + trades.buy_cost
            capex_o = by_owner(capex_c)
        else:
            capex_c, capex_o = zeros_c, zeros_o
        site_capex_o = owners.site_capex[t] * alive
        fixed_o = np.broadcast_to(owners.fixed_costs[t], owner_shape)
        other_o = capex_o + site_capex_o + fixed_o

        sales_o = transfers_o = ins_cash = ins_coins = positions = margin = coin_tr_o = None
        labelled: dict[str, FloatArray] | None = None
        if trades is not None:
            sales_o = by_owner(trades.sale_proceeds + trades.scrap_proceeds)
            other_o = other_o - sales_o
        if other_sales_o is not None:
            other_o = other_o - other_sales_o
        if host_transfer is not None or actions.transfers is not None:
            transfers_o = np.zeros(owner_shape)
            if host_transfer is not None:
                if fast:
                    transfers_o = transfers_o + host_transfer[t]
                else:
                    transfers_o = transfers_o + received_less_paid(
                        np.broadcast_to(hosting_c * hosted, shape))
            if actions.transfers is not None:
                tr = actions.transfers
                amount = np.broadcast_to(tr.amount, (n_var, n_paths, tr.payer.size))
                paid = np.zeros((tr.payer.size, n_own))
                paid[np.arange(tr.payer.size), tr.payer] = 1.0
                got = np.zeros_like(paid)
                got[np.arange(tr.payer.size), tr.payee] = 1.0
                if tr.in_coins is not None:
                    # Paid in coins: they go to the coin balances (treasury's coins_in).
                    coin_tr_o = (amount * tr.in_coins) @ (got - paid)
                    amount = amount * ~tr.in_coins
                transfers_o = transfers_o + amount @ (got - paid)
                if tr.labels is not None:
                    labelled = tr.by_label(n_own, (n_var, n_paths), price_now[None, :, None])
            other_o = other_o - transfers_o
        if n_ins:
            orders = (np.zeros((*owner_shape, n_ins)) if actions.orders is None
                      else np.broadcast_to(actions.orders, (*owner_shape, n_ins)))
            last_of_day = (t + 1) % spd == 0
            ins_cash = np.zeros(owner_shape)
            ins_coins = np.zeros(owner_shape)
            margins = []
            for i, ins in enumerate(instruments):
                mark = np.asarray(ins.mark(day, price_now))[None, :, None]
                settled = ins.settle(t, day, last_of_day, book[i], orders[..., i], mark)
                book[i] = settled.position
                ins_cash = ins_cash + settled.cash
                ins_coins = ins_coins + settled.coins
                margins.append(ins.margin(settled.position, mark))
            positions = np.stack([b.quantity for b in book], axis=-1)
            margin = np.stack(margins, axis=-1)
            other_o = other_o - ins_cash
        elif actions.orders is not None:
            raise InputError("orders need instruments in the run", field="actions.orders")
        coins_in = ins_coins
        if coin_tr_o is not None:
            coins_in = coin_tr_o if coins_in is None else coins_in + coin_tr_o
        step = treasury_step(
            treasury, cash=cash, coins=coins, alive=alive, mined=mined_o,
            operating_cost=opex_o, other_cost=other_o,
            price=price_now[None, :, None], coins_in=coins_in,
        )
        cash, coins = step.cash, step.coins
        if step.broke_now.any():
            broke_step = np.where(step.broke_now, t, broke_step)
            alive = alive & ~step.broke_now
        data = StepData(
            step=t, day=day, price=price_now, network=net, installed=held_t,
            running=running, coins=mined_c, pool_share=pool_share, energy_per_machine=energy_pm,
            power_per_machine=power_t, management_per_machine=mgmt_pm, restart_cost=restart_c,
            hosting_fee=hosting_c, machine_capex=capex_c, cost_per_machine=cost_pm,
            coins_per_machine=coins_pm, mined=mined_o, operating_cost=opex_o,
            machine_capex_owner=capex_o, site_capex=site_capex_o, fixed_costs=fixed_o,
            treasury=step, alive=alive, trades=trades, machine_sales=sales_o,
            transfers=transfers_o, instrument_cash=ins_cash, instrument_coins=ins_coins,
            positions=positions, margin=margin, other_coin_revenue=other_rev_c,
            other_coin_sales=other_sales_o, labelled_transfers=labelled,
            coin_transfers=coin_tr_o,
        )
        checker.record(data, farm_hashrate)
        for rec in recorders:
            rec.record(data)
        running_prev = running
        held_prev = held_t
        if progress is not None:
            progress(t + 1)

    held_prev = np.broadcast_to(held_prev, shape)
    report = checker.finish(cash, coins, held_prev)
    return RunResult(
        meta=meta,
        records=[rec.finish() for rec in recorders],
        cash=cash,
        coins=coins,
        broke_step=broke_step,
        checks=report,
        held=held_prev,
        positions=(np.stack([b.quantity for b in book], axis=-1) if n_ins
                   else np.zeros((*owner_shape, 0))),
        network_state=net_state,
        path="numpy",
        fallback=fallback,
    )
