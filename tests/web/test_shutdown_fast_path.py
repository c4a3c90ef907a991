"""The shutdown board's hot path (no pandas) against the CLI's path and a simple loop.

``GET /api/v1/shutdown`` computes the day's state from the worker's
:class:`~hashwinter.data.network.StoredSeries` and the table from
:func:`~hashwinter.economics.table.shutdown_columns`, serialized by orjson. On many
seeded random (date, tariffs, currency, models) requests over the real store it must
give the numbers of ``load_network_state`` + ``shutdown_table`` (what ``hashwinter
shutdown --date ... --format json`` prints) at rtol 1e-12, the same notes word for word
(forward fills, retargets, fee window), and the same errors; the state's numbers are
also recomputed by a plain loop over the stored rows.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import numpy as np
import pytest

from hashwinter.cli.shutdown import DEFAULT_MODELS
from hashwinter.data import load_network_state
from hashwinter.economics.table import shutdown_table
from hashwinter.errors import InputError
from hashwinter.hardware import default_catalog
from web.helpers import make_client

RTOL = 1e-12
#: The ECB's CNY rates in the store start on 2 Jan 2014 (usd_cny_daily.csv); a week on,
#: every day has a rate within the 7-day fill limit.
FIRST = dt.date(2014, 1, 9)
LAST = dt.date(2025, 12, 31)
MODELS = ("Antminer S9", "Antminer S19 Pro", "Whatsminer M30S++")


@pytest.fixture(scope="module")
def plain(winter_store, tmp_path_factory):
    with make_client(winter_store, tmp_path_factory.mktemp("fast")) as c:
        yield c


def requests(n: int, seed: int) -> list[dict[str, object]]:
    """Seeded requests over days, currencies, 1-3 tariffs and (sometimes) chosen models."""
    rng = np.random.default_rng(seed)
    out: list[dict[str, object]] = []
    for _ in range(n):
        day = dt.date.fromordinal(int(rng.integers(FIRST.toordinal(), LAST.toordinal() + 1)))
        currency = ("USD", "CNY")[int(rng.integers(2))]
        top = 0.6 if currency == "CNY" else 0.09
        tariffs = [round(float(t), 4) for t in rng.uniform(0.0, top, int(rng.integers(1, 4)))]
        params: dict[str, object] = {"date": day.isoformat(), "currency": currency,
                                     "tariff": tariffs, "pool_fee": 0.02}
        if rng.random() < 0.3:
            params["model"] = list(MODELS[: int(rng.integers(1, 4))])
        out.append(params)
    return out


def close(got: object, want: object, rtol: float = RTOL) -> bool:
    if want is None or (isinstance(want, float) and not math.isfinite(want)):
        return got is None
    if isinstance(want, float):
        return isinstance(got, float) and math.isclose(got, want, rel_tol=rtol, abs_tol=0.0)
    return got == want


def expected_rows(params: dict[str, object], state) -> list[dict[str, object]]:
    catalog = default_catalog()
    names = params.get("model") or DEFAULT_MODELS
    machines = [catalog.get(str(n)) for n in names]  # type: ignore[union-attr]
    if "model" not in params:
        machines = [m for m in machines if m.release is None or m.release <= state.date]
    table = shutdown_table([m.model for m in machines], np.array([m.hashrate for m in machines]),
                           np.array([m.power for m in machines]), params["tariff"], state,
                           pool_fee=0.02)
    return table.drop(columns="price_to_shutdown").to_dict(orient="records")


def test_fast_path_matches_the_cli_path(plain, winter_store: Path):
    notes_seen: set[str] = set()
    for params in requests(120, seed=16):
        r = plain.get("/api/v1/shutdown", params=params)
        assert r.status_code == 200, (params, r.text)
        body = r.json()
        day = dt.date.fromisoformat(str(params["date"]))
        state = load_network_state(day, str(params["currency"]), winter_store)
        got = body["state"]
        assert got["date"] == day.isoformat() and got["currency"] == params["currency"]
        for key in ("difficulty", "subsidy", "fees_per_block", "price", "fx_per_usd"):
            assert close(got[key], getattr(state, key)), (params, key)
        assert got["notes"] == list(state.notes), params
        notes_seen.update(n.split(" ")[0] + (" filled" if "forward" in n else "")
                          for n in state.notes)
        want = expected_rows(params, state)
        assert len(body["rows"]) == len(want)
        for row, ref in zip(body["rows"], want, strict=True):
            assert set(row) == set(ref)
            assert all(close(row[k], ref[k]) for k in ref), (params, row, ref)
    # The sample exercises the forward fills and retargets, not only plain days.
    assert {"CNY/USD filled", "retarget", "fees"} <= notes_seen, notes_seen


def test_errors_match_the_cli_path(plain, winter_store: Path):
    for day, currency in (("2009-01-02", "USD"), ("2030-01-01", "CNY"), ("2013-06-03", "CNY"),
                          ("2018-12-15", "JPY")):
        with pytest.raises(InputError) as caught:
            load_network_state(dt.date.fromisoformat(day), currency, winter_store)
        r = plain.get("/api/v1/shutdown", params={"date": day, "currency": currency})
        assert r.status_code == 422, r.text
        assert caught.value.message in r.json()["detail"]


def _latest(days: list[int], values: list[float], day: int, limit: int | None
            ) -> float | None:
    """The last value on or before ``day`` (at most ``limit`` days old), by a plain scan."""
    found = None
    for d, v in zip(days, values, strict=True):
        if d <= day and v is not None and not math.isnan(v):
            found = (d, v)
    if found is None or (limit is not None and day - found[0] > limit):
        return None
    return found[1]


def test_state_numbers_by_a_plain_loop(plain, winter_store: Path):
    con = duckdb.connect(str(winter_store), read_only=True)
    try:
        chain = con.execute("SELECT date, difficulty, CAST(blocks AS DOUBLE), issuance, fees "
                            "FROM chain_daily WHERE asset = 'BTC' ORDER BY date").fetchall()
        usd = con.execute("SELECT date, price FROM coin_price_daily WHERE asset = 'BTC' AND "
                          "quote = 'USD' ORDER BY date").fetchall()
        cny = con.execute("SELECT date, per_usd FROM fx_daily WHERE currency = 'CNY' "
                          "ORDER BY date").fetchall()
        direct = con.execute("SELECT count(*) FROM coin_price_daily WHERE quote = 'CNY'"
                             ).fetchone()
    finally:
        con.close()
    assert direct == (0,)  # every CNY price is the USD price times the day's rate
    num = [row[0].toordinal() for row in chain]
    for params in requests(40, seed=7):
        day = dt.date.fromisoformat(str(params["date"])).toordinal()
        got = plain.get("/api/v1/shutdown", params=params).json()["state"]
        difficulty = _latest(num, [r[1] for r in chain], day, 7)
        subsidy = _latest(num, [r[3] / r[2] if r[3] is not None and r[2] else None
                                for r in chain], day, None)
        window = [r for d, r in zip(num, chain, strict=True)
                  if day - 7 < d <= day and r[4] is not None and r[2]]
        fees = sum(r[4] for r in window) / sum(r[2] for r in window)
        fx = 1.0 if params["currency"] == "USD" else _latest(
            [r[0].toordinal() for r in cny], [r[1] for r in cny], day, 7)
        price = _latest([r[0].toordinal() for r in usd], [r[1] for r in usd], day, 7)
        assert difficulty is not None and subsidy is not None and fx is not None
        assert price is not None
        for key, value in (("difficulty", difficulty), ("subsidy", subsidy),
                           ("fees_per_block", fees), ("fx_per_usd", fx),
                           ("price", price * fx)):
            # Fees: the store's window sums are differences of running sums over the
            # whole history (~1e-12 relative rounding at 0.03 BTC against totals of
            # thousands); the plain sum here is the exact one, so allow 1e-9.
            tol = 1e-9 if key == "fees_per_block" else RTOL
            assert close(got[key], value, tol), (params, key, got[key], value)
