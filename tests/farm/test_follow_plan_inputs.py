"""Following a plan: ``hashwinter backtest`` with a ``follow_plan`` policy; bad plans exit 2.

Runs on the committed winter fixture (2018-10-01 .. 2019-03-31): the window 2018-11-01 ..
2019-03-31 holds the plan's first move (5,470 S9 into Sichuan hydro on 1 Nov 2018, 7 days
on the road, 50 CNY each); its later moves fall after the window and are not applied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from farm_fixtures import EXAMPLES, history

from datafiles import winter_data_file
from hashwinter.cli.app import main
from hashwinter.data.importing import import_file
from hashwinter.errors import InputError, InputErrors
from hashwinter.farm import backtest, load_farm
from hashwinter.farm.plan_file import read_plan_moves

HEADER = "cohort,from_site,to_site,month,count\n"
OLD = '"S9 bought new, end of 2017"'


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "history.duckdb"
    import_file("coinmetrics", winter_data_file("btc_daily.csv"), store=path)
    import_file("ecb", winter_data_file("usd_cny_daily.csv"), store=path)
    return path


def _farm(tmp_path: Path, moves: str | None = None, sites_patch: tuple[str, str] | None = None,
          follow: str = "1.0") -> Path:
    """Copy the example farm, its plan and sites file into ``tmp_path`` (optionally changed)."""
    shutil.copytree(EXAMPLES / "plans", tmp_path / "plans", dirs_exist_ok=True)
    shutil.copytree(EXAMPLES / "sites", tmp_path / "sites", dirs_exist_ok=True)
    if moves is not None:
        (tmp_path / "plans" / "shihezi_sichuan_2019_moves.csv").write_text(HEADER + moves)
    if sites_patch is not None:
        path = tmp_path / "sites" / "sichuan_wet_season.toml"
        path.write_text(path.read_text().replace(*sites_patch))
    text = (EXAMPLES / "shihezi_follow_plan.toml").read_text().replace(
        "end = 2019-12-31", "end = 2019-03-31").replace("follow = 1.0", f"follow = {follow}")
    farm = tmp_path / "farm.toml"
    farm.write_text(text)
    return farm


def _error(farm: Path) -> str:
    with pytest.raises((InputError, InputErrors)) as info:
        backtest(load_farm(farm), history())
    return str(info.value)


def test_backtest_cli_prints_follow_against_stay_put_and_writes_it(store, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["backtest", str(_farm(tmp_path)), "--store", str(store), "--out", str(out),
                 "--format", "csv", "--no-html"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Follow the plan against stay put" in captured.out
    assert "note: 4 moves of the plan are after the window" in captured.err
    table = pd.read_csv(out / "plan_comparison.csv").set_index("figure")
    # One move in the window: 5,470 machines x 50 CNY, 7 days each on the road.
    assert table.loc["Moving costs [CNY]", "follow_plan"] == pytest.approx(5_470 * 50.0)
    assert table.loc["Moving costs [CNY]", "stay_put"] == 0.0
    assert table.loc["Downtime on the road [machine-days]", "follow_plan"] == 5_470 * 7
    # Dry season: Sichuan costs what Shihezi does, but runs through the inspection cut.
    assert table.loc["Operating margin [CNY]", "difference"] > 0
    cohorts = pd.read_csv(out / "cohorts.csv")
    held = cohorts.groupby("date")["installed_machines"].sum()
    assert held.loc["2018-11-01"] == 30_000 and held.loc["2019-03-31"] == 40_000


def test_follow_zero_is_staying_put(tmp_path):
    farm = load_farm(_farm(tmp_path, follow="0"))
    result = backtest(farm, history())
    table = result.plan_comparison().set_index("figure")
    assert (table["difference"].abs() < 1e-6).all()


@pytest.mark.parametrize(("moves", "expected"), [
    # A site with no slots in the month receives machines.
    (f"{OLD},Shihezi ceramics plant,Sichuan hydro,2019-01-01,100\n",
     "shihezi_sichuan_2019_moves.csv:2: to_site: site 'Sichuan hydro' has 0 slots in "
     "2019-01 but the plan holds 100 machines there"),
    # More machines than the plan has at the site.
    (f"{OLD},Sichuan hydro,Shihezi ceramics plant,2018-12-01,10\n",
     "shihezi_sichuan_2019_moves.csv:2: count: moves 10 machines of 'S9 bought new, end of "
     "2017' out of 'Sichuan hydro' in 2018-12, but the plan has 0 there"),
    (f"{OLD},Shihezi ceramics plant,Mars,2018-12-01,10\n",
     "shihezi_sichuan_2019_moves.csv:2: to_site: no site 'Mars'"),
    ("S9 in the attic,Shihezi ceramics plant,Sichuan hydro,2018-12-01,10\n",
     "shihezi_sichuan_2019_moves.csv:2: cohort: no fleet item is called 'S9 in the attic'"),
    (f"{OLD},Shihezi ceramics plant,Sichuan hydro,2018-10-01,10\n",
     "shihezi_sichuan_2019_moves.csv:2: month: 2018-10 is before the window's first day "
     "2018-11-01"),
])
def test_bad_plans_name_the_line_and_column(tmp_path, moves, expected):
    sites = ('capacity_slots = 20000', 'capacity_slots = [0, 0, 0, 20000, 20000, 20000, '
             '20000, 20000, 20000, 20000, 20000, 20000]')
    assert expected in _error(_farm(tmp_path, moves, sites_patch=sites))


def test_bad_cells_fail_when_the_farm_loads(tmp_path):
    farm = _farm(tmp_path, f"{OLD},Shihezi ceramics plant,Sichuan hydro,2018-12-15,-5\n")
    with pytest.raises(InputErrors) as info:
        load_farm(farm)
    message = str(info.value)
    assert "farm.toml:" in message and "policies[0].moves:" in message
    assert "shihezi_sichuan_2019_moves.csv:2: month: must be the first day of a month" in message
    assert "(and 1 more)" in message
    with pytest.raises(InputErrors) as info:
        read_plan_moves(tmp_path / "plans" / "shihezi_sichuan_2019_moves.csv")
    assert [e.field for e in info.value.errors] == ["month", "count"]
    assert "count: must be >= 1 machine (got '-5')" in str(info.value)


def test_a_move_longer_than_the_window(tmp_path):
    farm = _farm(tmp_path, sites_patch=("downtime_days = 7", "downtime_days = 200"))
    assert ("sichuan_wet_season.toml:13: move.downtime_days: a move takes 200 days, longer than "
            "the 151-day window") in _error(farm)


def test_missing_files_and_bad_follow_are_field_errors(tmp_path):
    farm = _farm(tmp_path)
    text = farm.read_text()
    farm.write_text(text.replace('moves = "plans/', 'moves = "nowhere/').replace(
        "follow = 1.0", "follow = 1.5"))
    with pytest.raises(InputErrors) as info:
        load_farm(farm)
    messages = [str(e) for e in info.value.errors]
    assert any("policies[0].moves: no such moves file" in m for m in messages)
    assert any("policies[0].follow: must be <= 1" in m for m in messages)
    line = next(i for i, t in enumerate(farm.read_text().splitlines(), 1) if "moves =" in t)
    assert any(m.startswith(f"{farm}:{line}: policies[0].moves") for m in messages)


def test_unknown_region_in_the_plans_sites_file_exits_2(store, tmp_path, capsys):
    farm = _farm(tmp_path, sites_patch=('region = "Sichuan"', 'region = "Narnia"'))
    out = tmp_path / "out"
    assert main(["backtest", str(farm), "--store", str(store), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and not out.exists()
    assert "policies[0].sites:" in err and "sites[0].region: unknown region 'Narnia'" in err


def test_negative_probability_in_the_plans_sites_file_exits_2(store, tmp_path, capsys):
    risks = ('management_fee_per_machine_day = 0.3   # ASSUMPTION: as Shihezi',
             'management_fee_per_machine_day = 0.3\n[sites.risks]\n'
             'seizure = [{ probability_per_year = -0.1, share_lost = 1.0 }]')
    farm = _farm(tmp_path, sites_patch=risks)
    assert main(["backtest", str(farm), "--store", str(store)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "sites[0].risks.seizure[0].probability_per_year: must be >= 0" in err


def test_text_from_elsewhere_reads_no_files(tmp_path):
    import tomllib

    from hashwinter.farm import farm_from_dict

    farm = _farm(tmp_path)
    text = farm.read_text()
    with pytest.raises(InputErrors) as info:
        farm_from_dict(tomllib.loads(text), source=str(farm), text=text, read_files=False)
    messages = [str(e) for e in info.value.errors]
    assert any("policies[0].moves: a plan's files cannot be read here" in m for m in messages)
    assert any("policies[0].sites: a plan's files cannot be read here" in m for m in messages)


def test_machines_bought_after_the_window_are_not_moved(tmp_path):
    # The second-hand S9s arrive on 26 Nov 2018, after a window that ends on the 20th.
    late = '"S9 bought second-hand, late Nov 2018"'
    farm = load_farm(_farm(tmp_path, f"{late},Shihezi ceramics plant,Sichuan hydro,"
                                     "2018-11-01,100\n"))
    result = backtest(farm, history(), end="2018-11-20")
    table = result.plan_comparison().set_index("figure")
    assert table.loc["Moving costs [CNY]", "follow_plan"] == 0.0
    # In a window that holds their arrival they go straight to Sichuan, on the road from the 26th.
    result = backtest(farm, history(), end="2018-12-31")
    table = result.plan_comparison().set_index("figure")
    assert table.loc["Moving costs [CNY]", "follow_plan"] == 100 * 50.0
    assert table.loc["Downtime on the road [machine-days]", "follow_plan"] == 100 * 7
