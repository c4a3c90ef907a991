"""get_<source> and fetch_source against recorded responses (httpx.MockTransport only)."""

from __future__ import annotations

import io
import zipfile

import httpx
import pytest
from store_helpers import FIXTURES, real_rows

from hashwinter.data import (
    FetchError,
    HistoryStore,
    fetch_source,
    get_blockchain_com,
    get_coinmetrics,
    get_ecb,
    get_mempool,
    network_state,
)
from hashwinter.errors import InputError

BTC = real_rows("btc_daily.csv")
FX = real_rows("usd_cny_daily.csv")
NOV = [d for d in BTC if "2018-11-01" <= d <= "2018-11-30"]


def coinmetrics_csv() -> str:
    lines = ["time,BlkCnt,FeeTotNtv,HashRate,IssTotNtv,PriceUSD"]
    for d in NOV:
        r = BTC[d]
        lines.append(f"{d},{r['blk_cnt']},{r['fees_btc']},{r['hashrate_ths']},"
                     f"{r['issuance_btc']},{r['price_usd']}")
    return "\n".join(lines) + "\n"


def ecb_zip() -> bytes:
    lines = ["Date,USD,JPY,CNY,"]
    for d in sorted((d for d in FX if "2018-11-01" <= d <= "2018-11-30"), reverse=True):
        lines.append(f"{d},{FX[d]['usd_per_eur']},N/A,{FX[d]['cny_per_eur']},")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("eurofxref-hist.csv", "\n".join(lines) + "\n")
    return buf.getvalue()


ROUTES = {
    "https://raw.githubusercontent.com/coinmetrics/data/master/csv/btc.csv":
        lambda: httpx.Response(200, text=coinmetrics_csv()),
    "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip":
        lambda: httpx.Response(200, content=ecb_zip(),
                               headers={"content-type": "application/zip"}),
    "https://api.blockchain.info/charts/market-price":
        lambda: httpx.Response(200, content=(FIXTURES / "blockchain_com_market_price.json")
                               .read_bytes()),
    "https://mempool.space/api/v1/mining/difficulty-adjustments/all":
        lambda: httpx.Response(200, content=(FIXTURES / "mempool_difficulty_adjustments.json")
                               .read_bytes()),
    "https://mempool.space/api/v1/mining/hashrate/3m":
        lambda: httpx.Response(200, content=(FIXTURES / "mempool_hashrate.json").read_bytes()),
}


@pytest.fixture
def client():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        route = ROUTES.get(str(request.url.copy_with(query=None)))
        return route() if route else httpx.Response(404, text="not found")

    with httpx.Client(transport=httpx.MockTransport(handler)) as c:
        c.seen = seen  # type: ignore[attr-defined]
        yield c


def test_get_coinmetrics(client):
    frame = get_coinmetrics("btc", client=client)
    assert len(frame) == 30 and (frame["asset"] == "BTC").all()
    day = frame.set_index("date").loc["2018-11-05"]
    assert day["difficulty"] == pytest.approx(7184404942701.8, rel=1e-9)  # derived from HashRate
    assert frame.attrs["origin"].endswith("/csv/btc.csv")


def test_get_ecb(client):
    frame = get_ecb(client=client)
    cny = frame[frame["currency"] == "CNY"].set_index("date")["per_usd"]
    assert cny["2018-11-23"] == pytest.approx(6.94732, abs=5e-6)
    assert frame.attrs["origin"].endswith("eurofxref-hist.zip!eurofxref-hist.csv")


def test_get_blockchain_com_sends_documented_query(client):
    frame = get_blockchain_com("market-price", client=client)
    assert len(frame) == 17 and frame.attrs["kind"] == "price"
    params = dict(client.seen[-1].url.params)
    assert params == {"timespan": "all", "format": "json", "sampled": "false"}


def test_get_mempool(client):
    (retargets,) = get_mempool("difficulty-adjustments", client=client)
    assert retargets["height"].tolist() == [550368, 552384, 554400, 556416]
    chain, retargets = get_mempool("hashrate", period="3m", client=client)
    assert len(chain) == 17 and retargets["height"].tolist() == [552384, 554400]


def test_fetch_source_imports_with_url_as_origin(client, tmp_path):
    store = tmp_path / "h.duckdb"
    report = fetch_source("coinmetrics", store=store, client=client, asset="btc")
    assert report.rows == {"chain_daily": 30, "coin_price_daily": 30}
    assert report.origin == "https://raw.githubusercontent.com/coinmetrics/data/master/csv/btc.csv"
    fetch_source("ecb", store=store, client=client)
    state = network_state("2018-11-24", store=store, currency="CNY")
    assert state.fx_per_usd == pytest.approx(6.94732, abs=5e-6)
    with HistoryStore.open(store) as st:
        assert st.imports()["origin"].iloc[0].endswith("eurofxref-hist.zip!eurofxref-hist.csv")


def test_http_and_network_errors_are_fetch_errors(tmp_path):
    def down(request: httpx.Request) -> httpx.Response:
        if "ecb" in request.url.host:
            raise httpx.ConnectError("name resolution failed", request=request)
        return httpx.Response(503)

    with httpx.Client(transport=httpx.MockTransport(down)) as c:
        with pytest.raises(FetchError, match=r"api\.blockchain\.info/charts/difficulty.*HTTP 503"):
            get_blockchain_com("difficulty", client=c)
        with pytest.raises(FetchError, match="ConnectError: name resolution failed"):
            fetch_source("ecb", store=tmp_path / "h.duckdb", client=c)
    assert not (tmp_path / "h.duckdb").exists()


def test_bad_fetch_arguments(client):
    with pytest.raises(InputError, match="'csv' cannot be fetched"):
        fetch_source("csv", client=client)
    with pytest.raises(InputError, match="unsupported chart 'n-transactions'"):
        get_blockchain_com("n-transactions", client=client)
    with pytest.raises(InputError, match="option\\(s\\) chart do not apply to ecb"):
        fetch_source("ecb", client=client, chart="x")
    assert client.seen == []  # nothing was requested
