"""Cards hash several algorithms (catalog rates); a rig is N cards plus a platform."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashwinter.errors import InputError, InputErrors
from hashwinter.hardware import Rig, default_catalog, load_catalog

CSV = ("model,maker,kind,algorithm,release,hashrate_mhs,power_w,rates\n"
       "RX 580 multi,AMD,gpu,ethash,2017-04,30.2,135,equihash:300:120;cryptonight:700:100\n")
TOML = '''[[machine]]
model = "RX 580 multi"
maker = "AMD"
kind = "gpu"
algorithm = "ethash"
hashrate_mhs = 30.2
power_w = 135
rates = [{algorithm = "equihash", hashrate = 300, power_w = 120}]
'''


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_catalog_rates_in_csv_and_toml(tmp_path: Path) -> None:
    card = load_catalog(write(tmp_path, "c.csv", CSV)).get("RX 580 multi")
    assert card.algorithms == ("ethash", "equihash", "cryptonight")
    assert card.rate("ethash") == (30.2e6, 135.0)   # MH/s -> H/s
    assert card.rate("equihash") == (300.0, 120.0)  # Sol/s
    assert card.rate("cryptonight") == (700.0, 100.0)
    toml_card = load_catalog(write(tmp_path, "c.toml", TOML)).get("RX 580 multi")
    assert toml_card.rate("equihash") == (300.0, 120.0)
    merged = default_catalog().merged_with(load_catalog(tmp_path / "c.csv"))
    assert [m.model for m in merged.mining("equihash")] == ["RX 580 multi"]
    with pytest.raises(InputError, match="RX 580 multi has no hashrate for sha256"):
        card.rate("sha256")


@pytest.mark.parametrize(("rates", "needle"), [
    ("equihash:300", "c.csv:2: rates: each entry is algorithm:hashrate:power_w"),
    ("scrypt:300:100", "c.csv:2: rates: must be one of sha256, ethash, equihash, cryptonight"),
    ("equihash:-3:100", "c.csv:2: rates: must be > 0 (got -3)"),
    ("equihash:3:100;equihash:4:100", "c.csv:2: rates: equihash given twice"),
    ("ethash:31:140", "c.csv:2: rates: ethash is the machine's algorithm"),
])
def test_bad_rates_name_file_line_and_field(tmp_path: Path, rates: str, needle: str) -> None:
    text = CSV.replace("equihash:300:120;cryptonight:700:100", rates)
    with pytest.raises((InputError, InputErrors)) as err:
        load_catalog(write(tmp_path, "c.csv", text))
    assert needle in str(err.value)


def test_a_rig_is_cards_plus_platform() -> None:
    rx580 = default_catalog().get("RX 580")
    rig = Rig(rx580, cards=8, platform_power_w=60.0, platform_resale_usd=100.0)
    assert rig.hashrate("ethash") == 8 * 30.2e6
    assert rig.power("ethash") == 8 * 135 + 60
    with pytest.raises(InputError, match="Radeon RX 580 has no hashrate for equihash"):
        rig.hashrate("equihash")
    with pytest.raises(InputError, match=r"cards: a rig needs at least one card \(got 0\)"):
        Rig(rx580, cards=0)
    with pytest.raises(InputError, match="platform_power_w: must be >= 0"):
        Rig(rx580, cards=6, platform_power_w=-1.0)


def test_reference_fleet_one_percent_of_eth_on_25_november_2018() -> None:
    # Issue 14: 1 % of Ethereum's hashrate on 2018-11-25 (192.822890 TH/s in eth_daily.csv)
    # is about 64,000 RX 580-class cards at ~30 MH/s: 1.92822890e12 / 30.2e6 = 63,849.
    rig = Rig(default_catalog().get("RX 580"), cards=8)
    cards = rig.cards_for(0.01 * 192.822890e12, "ethash")
    assert cards == 63_849
    assert cards == pytest.approx(64_000, rel=0.01)
