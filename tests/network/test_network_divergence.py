"""A run that diverges stops with a message naming the day, not NaNs in the report."""

from __future__ import annotations

from pathlib import Path

import pytest

from datafiles import shared_data_dir
from hashwinter.cli.app import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "network" / "winter_2018.toml"


def test_a_price_that_collapses_stops_the_run(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A GBM drifting at -100 a year without noise takes the price from 6,562 USD (1 Oct
    2018) down by exp(-100 / 365.25) = 0.76 a day, to ~740 USD on 9 October: below every
    farm's shutdown price, so the network's hashrate is 0 and its blocks stop; the command
    says so and exits 2, writing nothing."""
    text = EXAMPLE.read_text().replace('data_dir = "../../../shared/data"',
                                       f'data_dir = "{shared_data_dir().as_posix()}"')
    text = text.replace("farms = 1000", "farms = 20").replace("end = 2019-03-31",
                                                             "end = 2018-10-15")
    text = text.replace('kind = "history"', 'kind = "gbm"\ndrift = -100.0\nvolatility = 0.0')
    path = tmp_path / "net.toml"
    path.write_text(text)
    out = tmp_path / "out"
    assert main(["network", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "diverged: network hashrate is 0 on 2018-10-" in err and "(path 0)" in err
    assert not out.exists()
