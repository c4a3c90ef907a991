"""Policies from plugins registered in a farm file, and farm files with several owners."""

from __future__ import annotations

import numpy as np
import pytest
from farm_fixtures import EXAMPLES, history

from hashwinter.errors import InputErrors
from hashwinter.farm import backtest, load_farm, policy_kinds

PLUGIN_FARM = EXAMPLES / "plugins" / "sell_after_losses_farm.toml"


def test_a_plugin_policy_from_a_farm_file_sells_machines():
    """Lao Luo's farm with the example plugin: the same ledger as without it until the
    first sale, then 500 A741s sold at 600 CNY each time the rule fires."""
    with_rule = backtest(load_farm(PLUGIN_FARM), history())
    plain = backtest(load_farm(EXAMPLES / "lao_luo_a741.toml"), history())
    assert "sell_after_losses" in policy_kinds()
    cohorts = with_rule.cohorts
    sold = cohorts["machines_sold"].to_numpy()
    assert sold.sum() >= 500 and sold.sum() % 500 == 0
    first = int(np.flatnonzero(sold)[0])
    cash_rule = with_rule.treasury["cash_cny"].to_numpy()
    cash_plain = plain.treasury["cash_cny"].to_numpy()
    assert np.array_equal(cash_rule[:first], cash_plain[:first])
    # The sale day: 600 CNY per machine sold arrives as machine sales.
    sales = with_rule.treasury["machine_sales_cny"].to_numpy()
    assert sales[first] == pytest.approx(600 * sold[first])
    assert with_rule.summary.machine_sales == pytest.approx(600 * sold.sum())
    # Machines: the fleet shrinks by exactly what was sold.
    held = cohorts["installed_machines"].to_numpy()
    assert held[-1] == 2000 - sold.sum()
    assert with_rule.run.checks.max_count_error == 0


@pytest.mark.parametrize(("entry", "field", "words"), [
    ({"kind": "sell_after_losses", "days": 0, "machines": 1}, "policies[0].days", "> 0"),
    ({"kind": "no_such_rule"}, "policies[0]", "unknown policy kind"),
    # Found by the farm fuzzer: a list where the kind goes was a TypeError (unhashable).
    ({"kind": []}, "policies[0]", "unknown policy kind []"),
    ({"plugin": "no_such_module:Config", "kind": "x"}, "policies[0]", "cannot import"),
    ({"plugin": "missing.py:Config", "kind": "x"}, "policies[0]", "no plugin file"),
])
def test_bad_policy_entries_name_the_field_and_line(tmp_path, entry, field, words):
    text = PLUGIN_FARM.read_text(encoding="utf-8")
    head = text[: text.index("\n[[policies]]") + 1]
    lines = ["[[policies]]"]
    if "plugin" not in entry:
        lines.append('plugin = "sell_after_losses.py:SellAfterLossesConfig"')
    for key, value in entry.items():
        lines.append(f"{key} = {value!r}".replace("'", '"'))
    path = tmp_path / "farm.toml"
    path.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "sell_after_losses.py").write_text(
        (EXAMPLES / "plugins" / "sell_after_losses.py").read_text(encoding="utf-8"),
        encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_farm(path)
    errors = info.value.errors
    assert any(e.field == field and words in e.message for e in errors), errors
    assert all(e.line is not None for e in errors if e.field == field)


def test_a_host_and_its_client_in_one_farm_file():
    """The client pays the host 1.5 CNY per machine-day for 5,000 S9s over 61 days."""
    result = backtest(load_farm(EXAMPLES / "hosting_shihezi.toml"), history())
    owners = result.summary.owners
    assert owners is not None and list(owners["owner"]) == ["Shihezi host", "client"]
    fee = 5000 * 1.5 * 61
    assert owners["transfers_in_cny"].tolist() == pytest.approx([fee, -fee])
    # Inside the farm file hosting is a transfer: no hosting fee is paid outside.
    assert result.summary.hosting_fees == pytest.approx(0.0, abs=1e-6)
    # The client mines 5/7 of the coins.
    coins = result.cohorts.groupby("owner")["coins_mined_btc"].sum()
    assert coins["client"] / coins.sum() == pytest.approx(5 / 7, rel=1e-12)
    # The farm file's cash is the sum of its owners'.
    cash_end = result.treasury.groupby("owner")["cash_cny"].last()
    assert result.summary.cash_end == pytest.approx(cash_end.sum(), rel=1e-12)
    assert result.summary.cash_start == pytest.approx(1_500_000)


def test_an_unknown_owner_is_a_field_error(tmp_path):
    text = (EXAMPLES / "hosting_shihezi.toml").read_text(encoding="utf-8")
    path = tmp_path / "farm.toml"
    path.write_text(text.replace('owner = "client"', 'owner = "cleint"'), encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_farm(path)
    assert [e.field for e in info.value.errors] == ["fleet[1].owner"]
    assert "no owner named 'cleint'" in info.value.errors[0].message
