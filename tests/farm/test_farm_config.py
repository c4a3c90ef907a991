"""Farm files: the examples load; bad files list every problem with its field and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from farm_fixtures import EXAMPLES, history

from hashwinter.errors import InputError, InputErrors
from hashwinter.farm import farm_from_dict, load_farm, resolve_window
from hashwinter.tomlfile import TomlLines, parse_field_path

BAD = """\
name = "bad"
currency = "CNY"

[[sites]]
name = "A"
capacity_slots = 100
capacity_mw = 0.1
tariff = { kind = "flat", price = -0.28, currency = "CNY" }

[[sites]]
name = "B"
capacity_slots = 10
capacity_mw = 1
tariff = "sichuan_hydro"

[[fleet]]
model = "Antminer S99"
count = 50
site = "A"
purchase_date = 2018-01-01

[[fleet]]
model = "S9"
count = -5
site = "C"
purchase_date = 2018-01-01

[[fleet]]
model = "S9"
count = 200
site = "A"
purchase_date = 2018-01-01
colour = "red"

[policy]
kind = "shutdown_price"
off_below = 0.1
on_above = 0.0
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "farm.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["shihezi_hu_haifeng", "lao_luo_a741", "sichuan_hydro"])
def test_examples_load(name):
    farm = load_farm(EXAMPLES / f"{name}.toml")
    assert farm.config.currency == "CNY"
    assert len(farm.machines) == len(farm.config.fleet)


def test_example_figures_from_the_story():
    hu = load_farm(EXAMPLES / "shihezi_hu_haifeng.toml").config
    assert hu.sites[0].capacity_slots == 40_000
    assert hu.sites[0].tariff.price_per_kwh("2018-11-25") == pytest.approx(0.28)
    assert hu.sites[0].capex[0].amount == 20_000_000
    used = [f for f in hu.fleet if f.condition == "used"]
    assert used[0].count == 10_000 and used[0].purchase_date == dt.date(2018, 11, 26)
    luo = load_farm(EXAMPLES / "lao_luo_a741.toml")
    assert luo.machines[0].model == "AvalonMiner 741" and luo.config.fleet[0].count == 2000


def test_every_problem_is_listed_at_once_with_its_line(tmp_path):
    path = write(tmp_path, BAD)
    with pytest.raises(InputErrors) as info:
        load_farm(path)
    errors = {e.field: e for e in info.value.errors}
    expected = {
        "sites[0].capacity_slots": (6, "needs 250 slots"),
        "sites[0].capacity_mw": (7, "the site has 0.1 MW"),
        "sites[0].tariff.price": (8, "must be > 0"),
        "sites[1].tariff": (14, "unknown example tariff 'sichuan_hydro'"),
        "fleet[0].model": (17, "did you mean: Antminer S9"),
        "fleet[1].count": (24, "must be >= 1"),
        "fleet[1].site": (25, "no site named 'C'"),
        "fleet[2].colour": (33, "unknown field"),
        "policy.on_above": (38, "must be >= off_below"),
    }
    assert set(errors) == set(expected)
    for field, (line, text) in expected.items():
        assert errors[field].line == line, field
        assert text in errors[field].message, field
        assert errors[field].source == str(path)
    # One line per problem, each "file:line: field: why".
    lines = str(info.value).splitlines()
    assert lines[0] == "9 problems:"
    assert f"{path}:17: fleet[0].model: unknown model 'Antminer S99'" in lines[5]


def test_capacity_in_mw_counts_the_site_overhead():
    base = {
        "name": "x", "currency": "CNY",
        "sites": [{"name": "s", "capacity_slots": 1000, "capacity_mw": 1.33,
                   "tariff": "shihezi_2018", "pue": 1.0}],
        "fleet": [{"model": "Antminer S9", "count": 1000, "site": "s",
                   "purchase_date": dt.date(2018, 1, 1)}],
    }
    farm_from_dict(base)  # 1,000 x 1,323 W = 1.323 MW fits in 1.33 MW
    base["sites"][0]["pue"] = 1.1  # 1.455 MW at the meter does not
    with pytest.raises(InputErrors, match=r"sites\[0\].capacity_mw: the fleet draws 1.46 MW"):
        farm_from_dict(base)


def test_duplicate_site_names(tmp_path):
    text = BAD.replace('name = "B"', 'name = "A"')
    with pytest.raises(InputErrors, match=r"sites\[1\].name: site name 'A' is used twice"):
        load_farm(write(tmp_path, text))


def test_toml_syntax_error_has_line_and_column(tmp_path):
    with pytest.raises(InputError) as info:
        load_farm(write(tmp_path, 'name = "x"\ncurrency = \n'))
    assert info.value.line == 2 and info.value.column is not None
    assert "invalid TOML" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot read farm file"):
        load_farm(tmp_path / "nope.toml")


def test_window_outside_history_names_start_and_end():
    farm = load_farm(EXAMPLES / "lao_luo_a741.toml").config
    with pytest.raises(InputErrors) as info:
        resolve_window(farm, history(), "2016-06-01", "2020-01-01")
    assert [e.field for e in info.value.errors] == ["start", "end"]
    # history() is the winter fixture: 2018-10-01 .. 2019-03-31.
    assert "outside the stored history (2018-10-01 .. 2019-03-31)" in str(info.value)
    with pytest.raises(InputError, match="before the start"):
        resolve_window(farm, history(), "2018-12-01", "2018-11-01")
    no_dates = farm.model_copy(update={"start": None})
    with pytest.raises(InputError, match="no start date"):
        resolve_window(no_dates, history())


def test_toml_lines_nested_tables_and_inline_tables():
    lines = TomlLines(BAD + '\n[[sites.capex]]\nname = "sub"\n')
    assert lines.line("sites[0].tariff.price") == 8
    assert lines.line("sites[1].capex[0].name") == 41
    assert lines.line("fleet[2].count") == 30
    assert lines.line("fleet[2].nothing") == 28  # the table's header
    assert lines.line("treasury") is None
    assert parse_field_path("sites[1].tariff.price") == ("sites", 1, "tariff", "price")
