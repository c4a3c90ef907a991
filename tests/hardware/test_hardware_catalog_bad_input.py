"""User catalogs that once ended in a traceback or loaded absurd figures (issue 8, fuzzing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashwinter.errors import InputError, InputErrors
from hashwinter.hardware import load_catalog

HEADER = "model,maker,kind,algorithm,release,hashrate_ths,power_w,aliases,source\n"
GOOD = "Antminer S9,Bitmain,asic,sha256,2017-08,13.5,1323,,\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises((InputError, InputErrors)) as info:
        load_catalog(path)
    errors = getattr(info.value, "errors", [info.value])
    return [str(e).removeprefix(f"{path}:") for e in errors]


def test_implausible_figures(tmp_path: Path) -> None:
    # hashwinter.ranges: machine_power <= 1e5 W, machine_hashrate <= 1e16 H/s (1e4 TH/s),
    # machine_price <= 1e7.
    path = write(tmp_path, "m.csv", HEADER + "Big,Bitmain,asic,sha256,2017-08,13.5,1e9,,\n"
                 + "Fast,Bitmain,asic,sha256,2017-08,2e4,1323,,\n")
    assert problems(path) == [
        "2: power_w: implausible: must be <= 100000 (got 1e9)",
        "3: hashrate_ths: implausible: must be <= 10000 (1e+16 H/s) (got 2e4)",
    ]
    toml = write(tmp_path, "m.toml", '[[machine]]\nmodel = "X"\nmaker = "Y"\nkind = "gpu"\n'
                 'algorithm = "ethash"\nhashrate_mhs = 30\npower_w = 150\n'
                 'launch_price_usd = 1e12\n')
    assert problems(toml) == ["8: machine[0].launch_price_usd: implausible: must be <= 1e+07 "
                              "(got 1000000000000.0)"]


def test_stray_quotes(tmp_path: Path) -> None:
    unclosed = write(tmp_path, "a.csv", HEADER + GOOD + 'S9 "tuned,Bitmain,asic,sha256,,14,1290,,\n'
                     + '"S19,Bitmain,asic,sha256,,95,3250,,\n')
    assert problems(unclosed) == ["4: bad quoting from this line on (a stray '\"'?): "
                                  "unexpected end of data"]
    trailing = write(tmp_path, "b.csv", HEADER + '"S9"x,Bitmain,asic,sha256,,14,1290,,\n')
    assert problems(trailing) == ["2: bad quoting from this line on (a stray '\"'?): "
                                  "',' expected after '\"'"]


def test_toml_huge_integer_and_end_of_document(tmp_path: Path) -> None:
    huge = write(tmp_path, "h.toml", '[[machine]]\nmodel = "X"\npower_w = 1' + "0" * 5000 + "\n")
    (message,) = problems(huge)
    assert message.startswith(" (document): invalid TOML: Exceeds the limit (4300 digits)")
    cut = write(tmp_path, "c.toml", '[[machine]]\nmodel = "X"\n[[mach')
    assert problems(cut) == ["3:7: invalid TOML: Expected ']]' at the end of an array "
                             "declaration"]


def test_huge_integer_value_in_toml_is_reported_not_printed(tmp_path: Path) -> None:
    # 10**40 is within Python's int limits but beyond any plausible power; the message
    # shows its size rather than 41 digits.
    path = write(tmp_path, "p.toml", '[[machine]]\nmodel = "X"\nmaker = "Y"\nkind = "asic"\n'
                 'algorithm = "sha256"\nhashrate_ths = 13\npower_w = 1' + "0" * 40 + "\n")
    assert problems(path) == ["7: machine[0].power_w: implausible: must be <= 100000 "
                              "(got an integer of about 41 digits)"]
