"""Hosting contracts: every flow by hand against a plain loop, conservation, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from farm_fixtures import EXAMPLES, history

from datafiles import winter_data_file
from hashwinter.cli.app import main
from hashwinter.data.importing import import_file
from hashwinter.errors import InputError, InputErrors
from hashwinter.farm import backtest, load_farm
from hashwinter.farm.hosting_report import hosting_pnl

FARM = """
name = "host"
currency = "CNY"
pool_fee = 0.02
start = {start}
end = {end}

[[owners]]
name = "client"
starting_cash = 1000000

[[sites]]
name = "S"
capacity_slots = 100
capacity_mw = 1.0
tariff = {{ kind = "flat", price = {tariff}, currency = "CNY" }}
pue = 1.1
uptime = 0.95
host = "host"

[[fleet]]
model = "Antminer S9"
count = 10
site = "S"
purchase_date = 2018-06-01
unit_price = 2000
owner = "client"

[policy]
kind = "shutdown_price"

[[policies]]
kind = "hosting"
site = "S"
client = "client"
slots = 10
mw = 0.02
{terms}

[treasury]
starting_cash = 100000
"""

TERMS = """power_allowance = 0.1
power_markup_per_kwh = 0.02
management_fee_per_machine_day = 0.5
output_share = 0.05
outage_fund_share = 0.1
uptime_target = 0.98
sla_credit_per_machine_day = 2.0
term_days = 20"""


def _farm(tmp_path: Path, terms: str = TERMS, *, tariff: float = 0.30,
          start: str = "2018-11-01", end: str = "2018-11-20", **changes: str) -> Path:
    text = FARM.format(start=start, end=end, tariff=tariff, terms=terms)
    for old, new in changes.items():
        text = text.replace(old.replace("_", " ") if " " in old else old, new)
    path = tmp_path / "farm.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _flows(result):
    t = result.treasury
    return {c: t[t["owner"] == "host"][f"{c}_cny"].to_numpy() for c in (
        "hosting_power_billed", "hosting_power_utility", "hosting_management_fee",
        "hosting_output_share", "hosting_sla_credit", "hosting_buy_back")}


def test_contract_flows_by_hand_against_a_plain_loop(tmp_path):
    """Ten S9s (1,323 W, PUE 1.1, uptime 0.95) at 0.30 CNY/kWh for 20 days, always running
    (0.30 is well under the S9's shutdown tariff in Nov 2018): each day by hand."""
    result = backtest(load_farm(_farm(tmp_path)), history())
    f = _flows(result)
    c = result.cohorts
    running = c["running_machines"].to_numpy()
    assert running.min() == 10  # the contract never ends inside the 20-day term
    kwh_day = 1.323 * 1.1 * 0.95 * 24  # per machine [kWh]
    owners = result.treasury
    price = owners[owners["owner"] == "host"]["price_cny_per_btc"].to_numpy()
    rho = result.ledger.cohort["coins_per_machine"][:, 0, 0, 0]  # actual reward per machine
    for d in range(20):
        utility = 10 * kwh_day * 0.30
        assert f["hosting_power_utility"][d] == pytest.approx(-utility, rel=1e-9)
        assert f["hosting_power_billed"][d] == pytest.approx(
            utility * 1.1 + 0.02 * 10 * kwh_day, rel=1e-9)
        assert f["hosting_management_fee"][d] == pytest.approx(0.5 * 10, rel=1e-12)
        assert f["hosting_sla_credit"][d] == pytest.approx(-2.0 * 10 * (0.98 - 0.95), rel=1e-9)
        # The output share is paid on the coins expected at the step's start (yesterday's
        # reward per hash) at the last close; day 0 uses its own day.
        prev = max(d - 1, 0)
        assert f["hosting_output_share"][d] == pytest.approx(
            0.05 * 10 * rho[prev] * price[prev], rel=1e-9)
    assert not f["hosting_buy_back"].any()
    # Conservation: the client's rows are the host's with the opposite sign; the run's checks
    # (each owner's cash = its flows) passed; the client's power cost is the host's.
    cl = owners[owners["owner"] == "client"]
    for col in f:
        assert np.allclose(cl[f"{col}_cny"].to_numpy(), -f[col])
    assert result.run.checks.max_cash_error < 1e-6
    pnl = hosting_pnl(owners, 0.1)
    host = pnl[pnl["owner"] == "host"].iloc[0]
    fees = (host["power_billed_cny"] + host["power_utility_cny"] + host["management_fee_cny"]
            + host["output_share_cny"])
    assert host["outage_fund_cny"] == pytest.approx(0.1 * fees + host["sla_credit_cny"])


def test_termination_after_days_without_revenue_and_buy_back(tmp_path):
    """At 2 CNY/kWh the S9s are unplugged from day 0: after 3 days without revenue the
    contract ends; the host pays 300 CNY for each of the 10 machines, fees stop."""
    terms = ("management_fee_per_machine_day = 0.5\nterminate_after_days_without_revenue = 3\n"
             "buy_back_per_machine = 300")
    result = backtest(load_farm(_farm(tmp_path, terms, tariff=2.0)), history())
    f = _flows(result)
    assert result.cohorts["running_machines"].to_numpy().max() == 0
    # Days 0, 1, 2 idle: on day 3 the contract has ended (fees on days 0-2 only).
    assert np.allclose(f["hosting_management_fee"], [5.0] * 3 + [0.0] * 17)
    assert f["hosting_buy_back"][3] == pytest.approx(-3000.0)
    assert f["hosting_buy_back"].sum() == pytest.approx(-3000.0)
    installed = result.cohorts["installed_machines"].to_numpy()
    assert installed[2] == 10 and installed[3] == 0
    assert result.run.checks.max_count_error == 0


def test_term_ends_the_contract_and_returns_the_machines(tmp_path):
    terms = "management_fee_per_machine_day = 1.0\nterm_days = 5"
    result = backtest(load_farm(_farm(tmp_path, terms)), history())
    f = _flows(result)
    assert np.allclose(f["hosting_management_fee"], [10.0] * 5 + [0.0] * 15)
    running = result.cohorts["running_machines"].to_numpy()
    assert running[4] == 10 and running[5:].max() == 0  # returned: held, unplugged
    assert result.cohorts["installed_machines"].to_numpy()[-1] == 10


@pytest.mark.parametrize(("terms", "field", "words"), [
    ("management_fee_per_machine_day = -1\nterm_days = 5",
     "policies[0].management_fee_per_machine_day", ">= 0"),
    ("output_share = 1.5\nterm_days = 5", "policies[0].output_share", "<= 1"),
])
def test_bad_terms_name_the_field(tmp_path, terms, field, words):
    with pytest.raises(InputErrors) as info:
        load_farm(_farm(tmp_path, terms))
    assert any(e.field == field and words in e.message for e in info.value.errors), \
        info.value.errors


@pytest.mark.parametrize(("terms", "change", "field", "words"), [
    ("management_fee_per_machine_day = 1", {}, "policies[0].term_days", "no end rule"),
    ("term_days = 50", {}, "policies[0].term_days", "longer than the run's 20 days"),
    ("term_days = 5", {'client = "client"': 'client = "nobody"'}, "policies[0].client",
     "no owner named 'nobody'"),
    ("term_days = 5", {'site = "S"\nclient': 'site = "T"\nclient'}, "policies[0].site",
     "no site named 'T'"),
    ("term_days = 5", {"slots = 10": "slots = 9"}, "policies[0].slots", "need 10 slots"),
    ("term_days = 5", {"mw = 0.02": "mw = 0.01"}, "policies[0].mw", "draw 0.01 MW"),
])
def test_contracts_that_do_not_fit_the_run(tmp_path, terms, change, field, words):
    path = _farm(tmp_path, terms)
    text = path.read_text(encoding="utf-8")
    for old, new in change.items():
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        backtest(load_farm(path), history())
    assert info.value.field == field and words in info.value.message, info.value


@pytest.mark.parametrize(("terms", "change", "field", "words"), [
    ("term_days = 5", ("slots = 10", "slots = 9"), "policies[0].slots", "need 10 slots"),
    # The case: a contract longer than the backtest, with no end rule.
    ("term_days = 50", None, "policies[0].term_days", "longer than the run's 20 days"),
    ("management_fee_per_machine_day = 1", None, "policies[0].term_days", "no end rule"),
])
def test_the_cli_exits_2_naming_the_field_and_writes_nothing(tmp_path, capsys, terms, change,
                                                             field, words):
    store = tmp_path / "history.duckdb"
    import_file("coinmetrics", winter_data_file("btc_daily.csv"), store=store)
    import_file("ecb", winter_data_file("usd_cny_daily.csv"), store=store)
    path = _farm(tmp_path, terms)
    if change is not None:
        path.write_text(path.read_text(encoding="utf-8").replace(*change), encoding="utf-8")
    out = tmp_path / "out"
    code = main(["backtest", str(path), "--store", str(store), "--out", str(out), "--no-html"])
    assert code == 2
    err = capsys.readouterr().err
    assert field in err and words in err and "farm.toml:" in err, err
    assert not out.exists()


def test_the_example_loads():
    loaded = load_farm(EXAMPLES / "hosting_bitmain_shihezi.toml")
    assert loaded.config.policies[0].slots == 50000


def test_the_bitmain_example_through_the_real_winter():
    """50,000 S9s hosted near Shihezi, Nov 2018 - Mar 2019 (151 days) on the real history
    (the committed winter fixture of Coin Metrics and ECB data): the fees by hand."""
    result = backtest(load_farm(EXAMPLES / "hosting_bitmain_shihezi.toml"), history())
    pnl = hosting_pnl(result.treasury, 0.10).set_index("owner")
    host, client = pnl.loc["Shihezi hosting farm"], pnl.loc["Bitmain"]
    running = result.cohorts["running_machines"].to_numpy()
    machine_days = float(result.cohorts["installed_machines"].sum())
    assert machine_days == 50_000 * 151
    # The S9 stays above its shutdown price at 0.30 CNY/kWh all winter: never idle.
    assert running.min() == 50_000
    assert host["management_fee_cny"] == pytest.approx(0.5 * machine_days)
    assert host["sla_credit_cny"] == pytest.approx(-1.0 * machine_days * (0.98 - 0.97))
    kwh = float(result.cohorts["energy_kwh"].sum())
    assert kwh == pytest.approx(50_000 * 1.323 * 1.05 * 0.97 * 24 * 151, rel=1e-9)
    assert host["power_utility_cny"] == pytest.approx(-0.30 * kwh, rel=1e-9)
    assert host["power_billed_cny"] == pytest.approx(0.35 * kwh, rel=1e-9)
    for col in pnl.columns.drop("outage_fund_cny"):
        assert client[col if col != "mined_revenue_cny" else "contract_net_cny"] == \
            pytest.approx(-host[col if col != "mined_revenue_cny" else "contract_net_cny"])
    assert host["mined_revenue_cny"] == 0 and client["mined_revenue_cny"] > 0
    assert result.run.checks.max_cash_error < 1e-3


def test_labelled_transfers_sum_per_label_and_concatenate():
    from hashwinter.engine import Actions, Transfers

    a = Transfers(np.array([1, 0]), np.array([0, 1]), np.array([[[5.0, 2.0]]]), ("fee", "credit"))
    rows = a.by_label(2, (1, 1))
    assert np.allclose(rows["fee"], [[[5.0, -5.0]]])
    assert np.allclose(rows["credit"], [[[-2.0, 2.0]]])
    b = Transfers(np.array([1]), np.array([0]), np.array([[[1.0]]]))
    bundle = Actions.start(np.ones((1, 1, 1), dtype=bool)).add_transfers(b).add_transfers(a)
    assert bundle.transfers is not None and bundle.transfers.labels == ("transfer", "fee", "credit")
    with pytest.raises(InputError):
        Transfers(np.array([1]), np.array([0]), np.array([[[1.0]]]), ("a", "b"))


def test_monte_carlo_reports_host_and_client_apart():
    from concurrent.futures import ThreadPoolExecutor

    from hashwinter.scenario import load_scenario
    from hashwinter.scenario.farmreport import owner_cash_summary
    from hashwinter.scenario.farmrun import run_farms

    scenario = load_scenario(EXAMPLES / "scenarios" / "winter_hosting.toml",
                             overrides={"paths": 40, "chunk_paths": 40, "horizon_days": 60})
    with ThreadPoolExecutor(1) as ex:
        farms = run_farms(scenario, ex, progress=False)
    frame = owner_cash_summary(farms)
    assert list(frame["owner"]) == ["Shihezi hosting farm", "Bitmain"]
    fp = farms[0]
    # Transfers cancel: the farm's cash is the sum of its owners' on every path.
    assert np.allclose(fp.owner_cash.sum(axis=-1), fp.cash)


def test_a_contract_runs_on_numpy_and_says_why(tmp_path):
    """The compiled kernel has no step for a contract (a chain of policies): forcing it is a
    clear error; the default path is numpy with the reason in RunResult.fallback."""
    from hashwinter.engine import run
    from hashwinter.farm.build import build_farm_run

    fr = build_farm_run(load_farm(_farm(tmp_path, "term_days = 5")), history())
    with pytest.raises(InputError, match="chain of 2 policies"):
        run(fr.spec, fr.policy, fr.treasury, engine="compiled")
    result = run(fr.spec, fr.policy, fr.treasury)
    assert result.path == "numpy" and result.fallback


def test_terms_as_a_list_are_variants_of_one_run_equal_to_single_runs(tmp_path):
    # A sweep of the contract's terms in one engine run: output_share = [0, 0.05, 0.1] with
    # management_fee_per_machine_day = [0.5, 1.0, 2.0] is three variants; each owner's cash
    # at the end equals the farm file's run with those two values alone. The client pays
    # more as both rise, the host receives it (transfers conserve cash: the sum is the same
    # in every variant).
    from hashwinter.engine import run
    from hashwinter.farm import build_farm_run

    def cash(terms: str, sub: str) -> np.ndarray:
        (tmp_path / sub).mkdir()
        fr = build_farm_run(load_farm(_farm(tmp_path / sub, terms)), history())
        return run(fr.spec, fr.policy, fr.treasury).cash[:, 0, :]  # (V, owners)

    base = TERMS.replace("management_fee_per_machine_day = 0.5\n", "").replace(
        "output_share = 0.05\n", "")
    swept = cash(base + "\noutput_share = [0.0, 0.05, 0.1]\n"
                 "management_fee_per_machine_day = [0.5, 1.0, 2.0]", "swept")
    assert swept.shape == (3, 2)
    for v, (share, fee) in enumerate([(0.0, 0.5), (0.05, 1.0), (0.1, 2.0)]):
        single = cash(base + f"\noutput_share = {share}\nmanagement_fee_per_machine_day = {fee}",
                      f"single{v}")
        np.testing.assert_allclose(swept[v], single[0], rtol=1e-12)
    assert np.all(np.diff(swept[:, 1]) < 0) and np.all(np.diff(swept[:, 0]) > 0)
    np.testing.assert_allclose(swept.sum(axis=1), swept.sum(axis=1)[0], rtol=1e-12)


def test_the_host_reuses_the_machines_it_buys_back(tmp_path):
    # term_days = 5 at 0.30 CNY/kWh with a 300 CNY buy-back: on day 5 the host pays 3,000
    # and the ten S9s move into its own cohort at the site, where they run on for the host:
    # it pays their power (10 x 1.323 kW x 1.1 x 0.95 x 24 h x 0.30 a day) and mines with
    # them; no contract fee flows after the end; no machine is created or lost.
    terms = ("management_fee_per_machine_day = 1.0\nterm_days = 5\nbuy_back_per_machine = 300\n"
             "reuse_bought_back = true")
    result = backtest(load_farm(_farm(tmp_path, terms)), history())
    f = _flows(result)
    assert f["hosting_buy_back"][5] == pytest.approx(-3000.0)
    assert np.allclose(f["hosting_management_fee"], [10.0] * 5 + [0.0] * 15)
    c = result.cohorts
    client = c[c["cohort"] != "Antminer S9 @ S (bought)"]
    host = c[c["cohort"] == "Antminer S9 @ S (bought)"]
    assert client["installed_machines"].tolist() == [10] * 5 + [0] * 15
    assert host["installed_machines"].tolist() == [0] * 5 + [10] * 15
    assert host["running_machines"].to_numpy()[5:].min() == 10
    kwh_day = 1.323 * 1.1 * 0.95 * 24
    np.testing.assert_allclose(host["power_cost_cny"].to_numpy()[5:], 10 * kwh_day * 0.30,
                               rtol=1e-9)
    assert host["coins_mined_btc"].to_numpy()[5:].min() > 0
    assert result.run.checks.max_count_error == 0


def test_reuse_without_a_buy_back_names_the_field(tmp_path):
    from hashwinter.farm import build_farm_run

    with pytest.raises(InputError) as info:
        build_farm_run(load_farm(_farm(tmp_path, "term_days = 5\nreuse_bought_back = true")),
                       history())
    assert info.value.field == "policies[0].reuse_bought_back"
    assert "buy_back_per_machine > 0" in info.value.message


def test_the_output_share_paid_in_coins_moves_coins_not_cash(tmp_path):
    """output_share_in = "coins": the same 5 % of the expected coins as the cash contract,
    but the client's coins go to the host (both sell daily, so the host keeps them): the
    host ends with exactly Σ 0.05 x 10 x reward per machine in coins, its cash is lower by
    their value at the days' prices, the client's cash is the same as with the cash term;
    the ledger's row values them at each day's price; coin balances equal their flows.
    (The cash term pays the share at the last known close, yesterday's.)"""
    cash_run = backtest(load_farm(_farm(tmp_path)), history())
    coin_run = backtest(load_farm(_farm(tmp_path, TERMS + '\noutput_share_in = "coins"')),
                        history())
    rho = coin_run.ledger.cohort["coins_per_machine"][:, 0, 0, 0]
    coins_paid = [0.05 * 10 * rho[max(d - 1, 0)] for d in range(20)]
    t, t0 = coin_run.treasury, cash_run.treasury
    host, host0 = t[t["owner"] == "host"], t0[t0["owner"] == "host"]
    client, client0 = t[t["owner"] == "client"], t0[t0["owner"] == "client"]
    price = host["price_cny_per_btc"].to_numpy()
    np.testing.assert_allclose(host["coins_btc"].iloc[-1], sum(coins_paid), rtol=1e-9)
    np.testing.assert_allclose(host["coin_transfers_in_btc"].to_numpy(), coins_paid, rtol=1e-9)
    np.testing.assert_allclose(client["coin_transfers_in_btc"].to_numpy(),
                               -np.array(coins_paid), rtol=1e-9)
    np.testing.assert_allclose(host["hosting_output_share_cny"].to_numpy(),
                               np.array(coins_paid) * price, rtol=1e-9)
    prev = np.concatenate([price[:1], price[:-1]])
    np.testing.assert_allclose(host0["cash_cny"].iloc[-1] - host["cash_cny"].iloc[-1],
                               sum(c * p for c, p in zip(coins_paid, prev, strict=True)),
                               rtol=1e-9)
    # The client sells the rest of its coins the day it mines them: its cash differs from
    # the cash contract only by the output share's price (yesterday's close) against today's.
    assert client["coins_btc"].abs().max() < 1e-12
    lag = sum(c * (p_now - p_prev) for c, p_now, p_prev in zip(
        coins_paid, price, prev, strict=True))
    np.testing.assert_allclose(client["cash_cny"].iloc[-1] - client0["cash_cny"].iloc[-1],
                               -lag, rtol=1e-6, atol=1e-6)
    assert coin_run.run.checks.max_cash_error < 1e-6
