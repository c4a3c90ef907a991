"""``hashwinter plan`` on a real history store; bad input exits 2 and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from plan_fixtures import EXAMPLES, shared_data_file

from hashwinter.cli.app import main
from hashwinter.data.importing import import_file

FARM = str(EXAMPLES / "shihezi_hu_haifeng.toml")
SICHUAN = EXAMPLES / "sites" / "sichuan_wet_season.toml"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    btc = pd.read_csv(shared_data_file("btc_daily.csv"))
    subset = folder / "btc_2018_2019.csv"
    btc[(btc["date"] >= "2018-10-01") & (btc["date"] <= "2019-12-31")].to_csv(subset,
                                                                               index=False)
    path = folder / "history.duckdb"
    import_file("coinmetrics", subset, store=path)
    import_file("ecb", shared_data_file("usd_cny_daily.csv"), store=path)
    return path


def _run(store: Path, *args: str) -> int:
    return main(["plan", FARM, "--store", str(store), *args])


def test_plan_prints_and_writes_the_plan(store, tmp_path, capsys):
    out = tmp_path / "plan"
    assert _run(store, "--sites", str(SICHUAN), "--from", "2018-11-01", "--to", "2019-12-31",
                "--out", str(out)) == 0
    printed = capsys.readouterr().out
    assert "Machines per site per month" in printed and "Sichuan hydro" in printed
    assert "Running HiGHS" not in printed  # the library's banner is kept off stdout
    moves = pd.read_csv(out / "plan_moves.csv")
    assert list(moves.columns) == ["cohort", "from_site", "to_site", "month", "count"]
    sites = pd.read_csv(out / "plan_sites.csv").set_index("month")
    assert sites.loc["2019-07", "Sichuan hydro"] == 20_000
    assert (out / "plan.html").read_text().count("plotly") > 0


def test_flat_view_runs(store, capsys):
    assert _run(store, "--sites", str(SICHUAN), "--from", "2019-03-01", "--to", "2019-06-30",
                "--view", "flat") == 0
    assert "Plan against staying put" in capsys.readouterr().out


def _bad(store: Path, tmp_path: Path, capsys, sites_text: str, *args: str) -> str:
    path = tmp_path / "sites.toml"
    path.write_text(sites_text)
    out = tmp_path / "out"
    assert _run(store, "--sites", str(path), "--from", "2019-01-01", "--to", "2019-03-31",
                "--out", str(out), *args) == 2
    assert not out.exists()
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    return err


SITE = ('[[sites]]\nname = "hydro"\nregion = "Sichuan"\ncapacity_slots = 100\n'
        'capacity_mw = 1\ntariff = "sichuan_hydro_2018"\n')


def test_unknown_region(store, tmp_path, capsys):
    err = _bad(store, tmp_path, capsys, SITE.replace('"Sichuan"', '"Narnia"'))
    assert "sites.toml:3: sites[0].region: unknown region 'Narnia'" in err


def test_negative_rate(store, tmp_path, capsys):
    err = _bad(store, tmp_path, capsys, SITE + "[sites.risks]\npower_cuts = [{ rate_per_year "
               "= -2, mean_duration_days = 3 }]\n")
    assert "sites[0].risks.power_cuts[0].rate_per_year: must be >= 0" in err


def test_move_longer_than_the_horizon(store, tmp_path, capsys):
    err = _bad(store, tmp_path, capsys, "[move]\ndowntime_days = 120\n" + SITE)
    assert ("sites.toml:2: move.downtime_days: a move takes 120 days, longer than the 90-day "
            "horizon") in err


def test_zero_capacity_site_receiving_machines(store, tmp_path, capsys):
    # The sites file replaces the farm's own site by one with no slots in January.
    text = ('[[sites]]\nname = "Shihezi ceramics plant"\nregion = "Xinjiang"\n'
            'capacity_slots = [0, 40000, 40000, 40000, 40000, 40000, 40000, 40000, 40000, '
            '40000, 40000, 40000]\ncapacity_mw = 60\ntariff = "shihezi_2018"\n')
    err = _bad(store, tmp_path, capsys, text)
    assert ("sites.toml:4: sites[0].capacity_slots: site 'Shihezi ceramics plant' has no slots "
            "in 2019-01 but fleet[0], fleet[1] put 40,000 machines there") in err


def test_too_few_slots_in_a_month(store, tmp_path, capsys):
    text = ('[[sites]]\nname = "Shihezi ceramics plant"\nregion = "Xinjiang"\n'
            'capacity_slots = [40000, 30000, 40000, 40000, 40000, 40000, 40000, 40000, 40000, '
            '40000, 40000, 40000]\ncapacity_mw = 60\ntariff = "shihezi_2018"\n')
    err = _bad(store, tmp_path, capsys, text)
    assert "sites: total slots 30,000 < fleet 40,000 in 2019-02" in err
