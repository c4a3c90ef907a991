"""Scenario inputs that once crashed or exhausted the machine: one line, exit 2, nothing written.

Regressions of issue 8: ``paths = 1e12`` (killed by the OOM killer at 23.6 GB),
``blocks = 1e11`` (MemoryError, 745 GiB), ``horizon_days = 1e9``
(BrokenProcessPool), a file that is not UTF-8 (UnicodeDecodeError), a drift of
1000 a day (reported as "price: must be finite"). Each now stops at load or at
the resource guard, before anything large is allocated.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hashwinter.cli.app import main
from hashwinter.errors import InputErrors
from hashwinter.scenario import load_scenario

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


def _variant(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """Copy an example scenario beside its farms with one line changed."""
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert re.search(old, text, flags=re.M), old
    # Farm files are referenced as ../x.toml: keep the same layout under tmp_path.
    folder = tmp_path / "scenarios"
    folder.mkdir(exist_ok=True)
    for farm in EXAMPLES.parent.glob("*.toml"):
        (tmp_path / farm.name).write_bytes(farm.read_bytes())
    path = folder / name
    path.write_text(re.sub(old, new, text, count=1, flags=re.M), encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        ("winter_farms.toml", r"^paths = 2000", "paths = 1e12",
         ":12: paths: must be <= 1e+07 paths (got 1e+12)"),
        ("noda2019.toml", r"^blocks = 12096", "blocks = 1e11",
         "network.blocks: must be <= 1e+08 blocks (got 1e+11)"),
        ("winter_farms.toml", r"^horizon_days = 365", "horizon_days = 1e9",
         ":16: horizon_days: must be <= 36525 days (got 1e+09)"),
        ("winter_farms.toml", r"^mu_per_day = -0.0028", "mu_per_day = 1000",
         "price.mu_per_day: must be <= 0.1 1/day (got 1000)"),
    ],
)
def test_huge_shapes_are_refused_at_load(tmp_path, capsys, name, old, new, expected):
    path = _variant(tmp_path, name, old, new)
    out = tmp_path / "out"
    code, err = _run(capsys, "simulate", str(path), "--out", str(out), "--no-progress")
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert expected in err
    assert not out.exists()


def test_shapes_in_range_but_too_large_are_refused_by_the_guard(tmp_path, capsys):
    # 1e7 paths x 365 days x 3 cohorts: every field is plausible, the product is ~1.1 TB.
    path = _variant(tmp_path, "winter_farms.toml", r"^paths = 2000", "paths = 10000000")
    out = tmp_path / "out"
    code, err = _run(capsys, "simulate", str(path), "--out", str(out), "--no-progress",
                     "--memory-limit", "4G")
    assert code == 2
    # Hand count (hashwinter.resources.farm_bytes): per path-day the results keep 65 bytes,
    # twice (chunks and their concatenation), + 16 for the summary: 146 a farm; per path
    # 2 x 16 per cohort (payback and final margin, twice): Shihezi (2 cohorts) 64, Lao Luo
    # (1 cohort) 32. 1e7 paths x (365 x 292 + 96) = 1.07 TB (the chunks add ~0.1 GB).
    assert ("10,000,000 paths x 365 days x 2 farms (3 cohorts) needs ~1.07 TB of memory; "
            "the limit is 4 GB (--memory-limit): use fewer paths") in err
    assert not out.exists()


def test_sweep_is_guarded_over_all_its_points(tmp_path, capsys):
    path = _variant(tmp_path, "noda2019.toml", r"^paths = 5000", "paths = 1000000")
    code, err = _run(capsys, "sweep", str(path), "--grid", "network.rules=bitcoin,cw-144",
                     "--memory-limit", "1G", "--no-progress")
    assert code == 2
    assert "2 grid points x 1,000,000 paths x 12,096 blocks x 1 rules" in err
    assert "needs ~" in err and "the limit is 1 GB (--memory-limit)" in err


def test_memory_limit_flag_is_checked(tmp_path, capsys):
    path = EXAMPLES / "noda2019.toml"
    code, err = _run(capsys, "simulate", str(path), "--memory-limit", "lots")
    assert code == 2
    assert "--memory-limit: not a size like 8G, 512M or 2e9 (got 'lots')" in err


def test_not_utf8_is_a_located_error(tmp_path):
    path = tmp_path / "s.toml"
    path.write_bytes(b'name = "winter"\ndescription = "M\xfcnchen"\n')
    with pytest.raises(Exception) as info:
        load_scenario(path)
    assert str(info.value) == (f"{path}:2:17: not UTF-8 text (byte 0xfc: invalid start byte); "
                               "save the file as UTF-8")


def test_drift_that_leaves_the_price_range_names_the_field(tmp_path):
    # 0.05 a day is plausible for a week; over 365 days it takes 3,946.85 USD to
    # 3,946.85 e^18.25 = 3.3e11 USD, above the registry's 1e8 per coin.
    path = _variant(tmp_path, "winter_farms.toml", r"^mu_per_day = -0.0028", "mu_per_day = 0.05")
    with pytest.raises(InputErrors) as info:
        load_scenario(path)
    (error,) = info.value.errors
    assert error.field == "price.mu_per_day" and error.line == 21
    assert "median price from 3946.85 to e^27" in error.message


def test_volatility_that_would_overflow_names_the_field(tmp_path):
    # sigma 0.9 over 36,000 days: 10 sigma = 10 x 0.9 x sqrt(36000) = 1,708 in log price,
    # beyond e^709 (the largest float64).
    path = _variant(tmp_path, "winter_farms.toml", r"^horizon_days = 365", "horizon_days = 36000")
    path.write_text(path.read_text().replace("sigma_per_day = 0.0434", "sigma_per_day = 0.9")
                    .replace("mu_per_day = -0.0028", "mu_per_day = 0.0"))
    with pytest.raises(InputErrors) as info:
        load_scenario(path)
    (error,) = info.value.errors
    assert error.field == "price.sigma_per_day"
    assert "spreads the log price by +-1708 (10 sigma)" in error.message
