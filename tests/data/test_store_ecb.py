"""ECB reference rates: compact file, the eurofxref-hist layout (CSV and zip), cross rates."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from store_helpers import real_rows, write

from datafiles import shared_data_file
from hashwinter.data import read_ecb
from hashwinter.errors import InputErrors

FX = real_rows("usd_cny_daily.csv")


def test_compact_file_gives_cny_and_eur_per_usd():
    frame = read_ecb(shared_data_file("usd_cny_daily.csv"))
    assert frame.attrs["kind"] == "fx"
    assert sorted(frame["currency"].unique()) == ["CNY", "EUR"]
    cny = frame[frame["currency"] == "CNY"].set_index("date")["per_usd"]
    eur = frame[frame["currency"] == "EUR"].set_index("date")["per_usd"]
    assert len(cny) == len(eur) == 3071  # SOURCES.md: 3071 TARGET business days
    assert cny["2018-11-23"] == 6.94732  # the file's cny_per_usd column, as is
    assert cny["2018-11-05"] == pytest.approx(6.93, abs=0.005)  # SOURCES.md sanity check
    assert cny["2019-08-05"] == pytest.approx(7.04, abs=0.005)
    assert eur["2018-11-23"] == pytest.approx(1 / 1.1352, rel=1e-15)


def _eurofxref(days: list[str]) -> str:
    """The ECB's own layout: newest first, N/A for a retired currency, trailing comma."""
    lines = ["Date,USD,CYP,CNY,"]
    for d in sorted(days, reverse=True):
        lines.append(f"{d},{FX[d]['usd_per_eur']},N/A,{FX[d]['cny_per_eur']},")
    return "\n".join(lines) + "\n"


def test_ecb_layout_cross_rate_matches_the_compact_file(tmp_path):
    days = [d for d in FX if "2018-11-01" <= d <= "2018-12-31"]
    frame = read_ecb(write(tmp_path / "eurofxref-hist.csv", _eurofxref(days)))
    # CYP is N/A throughout: no rows, not zeros.
    assert sorted(frame["currency"].unique()) == ["CNY", "EUR"]
    cny = frame[frame["currency"] == "CNY"]
    assert cny["date"].is_monotonic_increasing and len(cny) == len(days)
    # Cross rate CNY/EUR ÷ USD/EUR equals the compact file's cny_per_usd (rounded to 1e-5).
    np.testing.assert_allclose(cny["per_usd"], [float(FX[d]["cny_per_usd"]) for d in days],
                               atol=5e-6)
    assert cny.set_index("date").loc["2018-11-23", "per_usd"] == pytest.approx(
        7.8866 / 1.1352, rel=1e-15)


def test_zip_as_downloaded(tmp_path):
    days = [d for d in FX if "2018-11-19" <= d <= "2018-11-30"]
    archive = tmp_path / "eurofxref-hist.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("eurofxref-hist.csv", _eurofxref(days))
    frame = read_ecb(archive)
    assert frame.attrs["origin"] == f"{archive}!eurofxref-hist.csv"
    assert len(frame) == 2 * len(days)


def test_bad_rates_are_reported(tmp_path):
    text = ("Date,USD,CNY,\n2018-11-23,1.1352,7.8866,\n2018-11-22,0,7.9052,\n"
            "2018-11-21,1.1409,seven,\n")
    path = write(tmp_path / "eurofxref-hist.csv", text)
    with pytest.raises(InputErrors) as info:
        read_ecb(path)
    assert [str(e) for e in info.value.errors] == [
        f"{path}:3:2: USD: must be > 0 (got 0)",
        f"{path}:4:3: CNY: not a number: 'seven'",
    ]
    assert len(read_ecb(path, skip_bad=True)) == 2  # CNY and EUR of 2018-11-23
