"""The network section's dry-season sentence reads the region table it is given."""

from __future__ import annotations

import pandas as pd

from hashwinter.network.config import MigrationConfig
from hashwinter.story.network import (
    DRY_SEASON_DAYS,
    _dry_counts_line,
    _dry_season_line,
    _scrapped_line,
)


def _table() -> pd.DataFrame:
    rows = []
    for day, sichuan, xinjiang, mongolia in zip(DRY_SEASON_DAYS, (17.8, 14.7, 6.3),
                                                 (5.9, 6.2, 5.8), (2.1, 2.1, 2.2), strict=True):
        rows += [(day, 0, "Sichuan", sichuan), (day, 0, "Xinjiang", xinjiang),
                 (day, 0, "Inner Mongolia", mongolia), (day, 1, "Sichuan", 99.0)]
    return pd.DataFrame(rows, columns=["date", "path", "region", "hashrate_ehs"])


def test_the_sentence_gives_path_0s_origin_and_destinations():
    line = _dry_season_line(_table(), MigrationConfig(enabled=True, sister_share=0.2))
    assert "17.8 → 14.7 → 6.3 EH/s" in line  # path 1's 99 is not read
    assert "8.0 → 8.3 → 8.0 EH/s" in line  # 5.9 + 2.1, 6.2 + 2.1, 5.8 + 2.2
    assert "a share 0.2" in line and "7 days in transit" in line
    assert "go dark and sell" in line
    waiting = MigrationConfig(enabled=True, sister_share=0.2, dark_sites_sell=False)
    assert "go dark and wait for the water" in _dry_season_line(_table(), waiting)


def test_no_migration_says_so():
    assert "is off" in _dry_season_line(_table(), MigrationConfig(enabled=False))


def test_the_scrap_sentence_sums_path_0s_models():
    used = pd.DataFrame({"model": ["AvalonMiner 741", "Antminer S9", "AvalonMiner 741",
                                   "Antminer S9"],
                         "machines_scrapped": [1000.0, 0.0, 234.4, 0.2]})
    line = _scrapped_line(used, 60.0)
    # 1,000 + 234.4 A741s; the S9's 0.2 of a machine is not a scrapped machine.
    assert "off 60 days" in line and "1,234 AvalonMiner 741 (path 0)" in line
    assert "S9" not in line
    assert "scraps no machine" in _scrapped_line(used, None)
    assert "scrapped nothing" in _scrapped_line(used.assign(machines_scrapped=0.0), 60.0)


def test_the_counts_sentence_reads_the_dry_season_table():
    dry = pd.DataFrame({"date": ["2018-10-31", "2018-11-10", "2018-11-30", "2018-12-01"],
                        "machines_running_at_sister_sites": [0.0, 42174.4, 94117.8, 1.0],
                        "machines_off_in_dry_season": [0.0, 257446.3, 615823.8, 2.0]})
    line = _dry_counts_line(dry)
    assert "0 / 0 on 31 Oct" in line and "42,174 / 257,446 on 10 Nov" in line
    assert "94,118 / 615,824 on 30 Nov (path 0)." in line and "01 Dec" not in line
    assert _dry_counts_line(None) == "" and _dry_counts_line(dry.iloc[3:]) == ""
