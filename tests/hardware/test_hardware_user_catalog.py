"""User catalogs in CSV and TOML: merging over the built-in one, and every kind of bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hashwinter.errors import InputError, InputErrors
from hashwinter.hardware import default_catalog, load_catalog

HEADER = "model,maker,kind,algorithm,release,hashrate_ths,power_w,aliases,source\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_error(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        load_catalog(path)
    return info.value


# -- merging ---------------------------------------------------------------------------------


def test_user_csv_overrides_and_adds(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "farm.csv",
        "\ufeff# measured at our farm, Shihezi, Nov 2018\n"
        "model,maker,kind,algorithm,release,hashrate_ths,hashrate_mhs,power_w,aliases,source\n"
        "\n"
        "antminer s9,Bitmain,asic,sha256,2017-08,13.0,,1400,our s9;老S9,\n"
        "Farm S9 tuned,Bitmain,ASIC,SHA-256,2018-06,14.2,,1290,s9 tuned,https://example.org/s9\n"
        "RX 580 rig card,AMD,gpu,ethash,2017-04,,31.5,140,,\n",
    )
    user = load_catalog(path)
    assert list(user) == ["antminer s9", "Farm S9 tuned", "RX 580 rig card"]
    merged = default_catalog().merged_with(user)
    assert len(merged) == len(default_catalog()) + 2

    s9 = merged.get("Antminer S9")
    assert s9.power == 1400.0
    # The user's aliases come first, then the built-in ones the row replaced.
    assert s9.aliases[:2] == ("our s9", "老S9")
    for name in ("老S9", "our s9", "S9", "蚂蚁S9", "Antminer S9 13.5T"):
        assert merged.get(name) is s9
    assert s9.hashrate == 13.0e12
    assert list(merged).index("antminer s9") == list(default_catalog()).index("Antminer S9")

    tuned = merged.get("S9 Tuned")
    assert (tuned.kind, tuned.algorithm, tuned.release) == ("asic", "sha256", dt.date(2018, 6, 1))
    assert tuned.source == "https://example.org/s9"
    card = merged.get("rx580 rig card")
    assert card.hashrate == pytest.approx(31.5e6)
    assert card.efficiency_j_per_mh == pytest.approx(140 / 31.5)
    # Built-in rows that the user did not touch are still there.
    assert merged.get("Antminer S9 14T").power == 1372.0


def test_user_toml_overrides_and_adds(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "farm.toml",
        """\
# Lao Luo's farm
[[machine]]
model = "AvalonMiner 741"
maker = "Canaan"
kind = "asic"
algorithm = "sha256"
release = "2017-05"
hashrate_ths = 7.0
power_w = 1200
aliases = ["阿瓦隆741", "our 741"]

[[machine]]
model = "Hydro S9 custom"
maker = "Bitmain"
kind = "asic"
algorithm = "sha256"
release = 2018-09-01
hashrate_ths = 17
power_w = 1650
launch_price_usd = 2000
aliases = "hs9; custom hydro"
notes = "immersion retrofit"
""",
    )
    merged = default_catalog().merged_with(load_catalog(path))
    a741 = merged.get("阿瓦隆741")
    assert a741.model == "AvalonMiner 741"
    assert (a741.hashrate, a741.power) == (7.0e12, 1200.0)
    assert merged.get("our 741") is a741
    custom = merged.get("custom hydro")
    assert custom.release == dt.date(2018, 9, 1)
    assert custom.launch_price_usd == 2000.0
    assert custom.aliases == ("hs9", "custom hydro")
    assert custom.notes == "immersion retrofit"
    assert len(merged) == len(default_catalog()) + 1


# -- malformed CSV ----------------------------------------------------------------------------


GOOD_ROW = "Good,Bitmain,asic,sha256,2017-08,13.5,1323,,\n"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("Bad,Bitmain,asic,sha256,2017-08,13.5,-5,,\n", "4: power_w: must be > 0 (got -5)"),
        ("Bad,Bitmain,asic,sha256,2017-08,0,1323,,\n", "4: hashrate_ths: must be > 0 (got 0)"),
        ("Bad,Bitmain,asic,sha256,2017-08,-13.5,1323,,\n",
         "4: hashrate_ths: must be > 0 (got -13.5)"),
        ("Bad,Bitmain,asic,sha256,2017-08,abc,1323,,\n",
         "4: hashrate_ths: must be a number (got 'abc')"),
        ("Bad,Bitmain,asic,sha256,2017-08,nan,1323,,\n",
         "4: hashrate_ths: must be a number (got nan)"),
        ("Bad,Bitmain,asic,sha256,2017-08,13.5,inf,,\n",
         "4: power_w: must be a finite number (got inf)"),
        ("Bad,,asic,sha256,2017-08,13.5,1323,,\n", "4: maker: is required"),
        (",Bitmain,asic,sha256,2017-08,13.5,1323,,\n", "4: model: is required"),
        ("Bad,Bitmain,asic,sha256,2017-08,13.5,,,\n", "4: power_w: is required"),
        ("Bad,Bitmain,asic,sha256,2017-08,,1323,,\n",
         "4: hashrate_ths: is required (give hashrate_ths [TH/s] or hashrate_mhs [MH/s])"),
        ("Bad,Bitmain,asic,sha256,2018-13,13.5,1323,,\n",
         "4: release: must be YYYY-MM (got '2018-13')"),
        ("Bad,Bitmain,asic,sha256,2018/01,13.5,1323,,\n",
         "4: release: must be YYYY-MM (got '2018/01')"),
        ("Bad,Bitmain,asic,sha256,Nov 2018,13.5,1323,,\n",
         "4: release: must be YYYY-MM (got 'Nov 2018')"),
        ("Bad,Bitmain,fpga,sha256,2017-08,13.5,1323,,\n",
         "4: kind: must be one of asic, gpu (got 'fpga')"),
        ("Bad,Bitmain,asic,scrypt,2017-08,13.5,1323,,\n",
         "4: algorithm: must be one of sha256, ethash, equihash, cryptonight (got 'scrypt')"),
        ("Bad,Bitmain,asic,sha256,2017-08,13.5,1323,,www.bitmain.com\n",
         "4: source: must be an http(s) URL (got 'www.bitmain.com')"),
        ("Bad,Bitmain,asic,sha256,2017-08,13.5,1323\n",
         "4: expected 9 fields as in the header, got 7"),
        ("good,Bitmain,asic,sha256,2017-08,13.5,1323,,\n",
         "4: model: 'good' already names 'Good' (line 3)"),
        ("Other,Bitmain,asic,sha256,2017-08,13.5,1323,GOOD,\n",
         "4: aliases: 'GOOD' already names 'Good' (line 3)"),
    ],
)
def test_malformed_csv_row_names_file_line_and_field(
    tmp_path: Path, row: str, expected: str
) -> None:
    # Line 1 header, line 2 a comment, line 3 a good row, line 4 the bad one.
    path = write(tmp_path, "my.csv", HEADER + "# comment\n" + GOOD_ROW + row)
    error = one_error(path)
    assert str(error) == f"{path}:{expected}"
    assert error.source == str(path)
    assert error.line == 4


def test_csv_line_numbers_count_multiline_quoted_fields(tmp_path: Path) -> None:
    text = (
        "model,maker,kind,algorithm,hashrate_ths,power_w,notes\n"
        'A,Bitmain,asic,sha256,13.5,1323,"two\nlines"\n'
        "B,Bitmain,asic,sha256,13.5,-1,\n"
    )
    error = one_error(write(tmp_path, "q.csv", text))
    assert str(error).endswith("q.csv:4: power_w: must be > 0 (got -1)")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("model,maker,kind,algorithm,hashrate_ths\n", "1: power_w: missing column"),
        ("model,maker,kind,algorithm,power_w\n",
         "1: hashrate_ths: missing column (give hashrate_ths or hashrate_mhs)"),
        ("model,maker,kind,algorithm,hashrate_ths,power_w,power_w\n",
         "1: power_w: column given twice"),
    ],
)
def test_malformed_csv_header(tmp_path: Path, header: str, expected: str) -> None:
    path = write(tmp_path, "h.csv", header + "A,B,asic,sha256,1,1\n")
    assert str(one_error(path)) == f"{path}:{expected}"


def test_unknown_csv_column(tmp_path: Path) -> None:
    path = write(tmp_path, "u.csv", "model,maker,kind,algorithm,hashrate_ths,power\n")
    with pytest.raises(InputErrors) as info:
        load_catalog(path)
    messages = [str(e) for e in info.value.errors]
    assert messages[0].startswith(f"{path}:1: power: unknown column (expected some of model,")
    assert messages[1] == f"{path}:1: power_w: missing column"


def test_both_and_no_hashrate(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "b.csv",
        "model,maker,kind,algorithm,hashrate_ths,hashrate_mhs,power_w\n"
        "A,AMD,gpu,ethash,0.00003,30,120\n",
    )
    assert str(one_error(path)) == (
        f"{path}:2: hashrate_mhs: give only one of hashrate_ths, hashrate_mhs"
    )


def test_empty_files(tmp_path: Path) -> None:
    empty = write(tmp_path, "e.csv", "\n\n")
    assert str(one_error(empty)) == f"{empty}:1: empty file: expected a header line"
    header_only = write(tmp_path, "h.csv", HEADER)
    assert str(one_error(header_only)) == f"{header_only}: machine: no machines in the file"
    no_tables = write(tmp_path, "t.toml", "# nothing yet\n")
    assert str(one_error(no_tables)) == f"{no_tables}: machine: no machines in the file"


def test_all_problems_of_a_file_are_reported_in_line_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "many.csv",
        HEADER
        + "A,Bitmain,asic,sha256,2018-13,13,-5,,\n"
        + GOOD_ROW
        + "C,,fpga,sha256,2017-01,x,1,,\n",
    )
    with pytest.raises(InputErrors) as info:
        load_catalog(path)
    assert [str(e) for e in info.value.errors] == [
        f"{path}:2: release: must be YYYY-MM (got '2018-13')",
        f"{path}:2: power_w: must be > 0 (got -5)",
        f"{path}:4: maker: is required",
        f"{path}:4: kind: must be one of asic, gpu (got 'fpga')",
        f"{path}:4: hashrate_ths: must be a number (got 'x')",
    ]
    assert str(info.value).startswith("5 problems:\n  ")


# -- malformed TOML ---------------------------------------------------------------------------

TOML_GOOD = """\
[[machine]]
model = "Good"
maker = "Bitmain"
kind = "asic"
algorithm = "sha256"
hashrate_ths = 13.5
power_w = 1323
"""


#: Lines 8-13 of every bad TOML file below (the table header on line 9); its own
#: lines follow from line 14.
TOML_BAD_PREAMBLE = (
    '\n[[machine]]\nmodel = "Bad"\nmaker = "X"\nkind = "asic"\nalgorithm = "sha256"\n'
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("hashrate_ths = 14\npower_w = -5\n", "15: machine[1].power_w: must be > 0 (got -5)"),
        ("hashrate_ths = 14\npower_w = 0.0\n", "15: machine[1].power_w: must be > 0 (got 0.0)"),
        ("hashrate_ths = 0\npower_w = 10\n", "14: machine[1].hashrate_ths: must be > 0 (got 0)"),
        ('hashrate_ths = 14\npower_w = "abc"\n',
         "15: machine[1].power_w: must be a number (got 'abc')"),
        ("hashrate_ths = 14\npower_w = true\n",
         "15: machine[1].power_w: must be a number (got True)"),
        ('hashrate_ths = 14\npower_w = 1300\nrelease = "2018-00"\n',
         "16: machine[1].release: must be YYYY-MM (got '2018-00')"),
        ('hashrate_ths = 14\npower_w = 1300\nrelease = 201801\n',
         "16: machine[1].release: must be YYYY-MM (got 201801)"),
        ('hashrate_ths = 14\npower_w = 1300\naliases = ["ok", 7]\n',
         "16: machine[1].aliases: must be text (got 7)"),
        ("hashrate_ths = 14\npower_w = 1300\nwatts = 1300\n",
         "16: machine[1].watts: unknown field (expected some of model, maker, kind, algorithm, "
         "release, hashrate_ths, hashrate_mhs, power_w, launch_price_usd, aliases, source, notes, "
         "rates)"),
        ("hashrate_ths = 14\n", "9: machine[1].power_w: is required"),
    ],
)
def test_malformed_toml_names_table_index_line_and_field(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = write(tmp_path, "my.toml", TOML_GOOD + TOML_BAD_PREAMBLE + body)
    error = one_error(path)
    assert str(error) == f"{path}:{expected}"


def test_toml_kind_and_duplicate_model(tmp_path: Path) -> None:
    bad_kind = TOML_GOOD.replace('"asic"', '"cpu"')
    path = write(tmp_path, "k.toml", bad_kind)
    assert str(one_error(path)) == (
        f"{path}:4: machine[0].kind: must be one of asic, gpu (got 'cpu')"
    )
    twice = write(tmp_path, "d.toml", TOML_GOOD + "\n" + TOML_GOOD.replace('"Good"', '"GOOD"'))
    assert str(one_error(twice)) == (
        f"{twice}:10: machine[1].model: 'GOOD' already names 'Good' (machine[0])"
    )


def test_toml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", TOML_GOOD + 'power_w 1300\n')
    error = one_error(path)
    assert (error.line, error.column) == (8, 9)
    assert str(error).startswith(f"{path}:8:9: invalid TOML: ")


def test_toml_structure_errors(tmp_path: Path) -> None:
    single = write(tmp_path, "a.toml", TOML_GOOD.replace("[[machine]]", "[machine]"))
    assert str(one_error(single)) == (
        f"{single}: machine: must be an array of tables: write [[machine]]"
    )
    extra = write(tmp_path, "b.toml", 'title = "mine"\n' + TOML_GOOD)
    assert str(one_error(extra)) == (
        f"{extra}: title: unknown top-level key (expected [[machine]] tables)"
    )


def test_toml_header_inside_a_multiline_string_is_not_a_table(tmp_path: Path) -> None:
    # A header-like line inside a multi-line string: the shared scan (hashwinter.tomlfile)
    # skips string contents, so the error is at power_w's own line, not a guessed one.
    text = TOML_GOOD.replace('power_w = 1323', 'power_w = -1\nnotes = """\n[[machine]]\n"""')
    path = write(tmp_path, "n.toml", text)
    line = text.splitlines().index("power_w = -1") + 1
    assert str(one_error(path)) == f"{path}:{line}: machine[0].power_w: must be > 0 (got -1)"


def test_file_level_errors(tmp_path: Path) -> None:
    missing = tmp_path / "absent.toml"
    assert str(one_error(missing)) == f"{missing}: no such file"
    wrong = write(tmp_path, "cat.json", "{}")
    assert str(one_error(wrong)) == (
        f"{wrong}: a machine catalog must be a .toml or .csv file (got 'cat.json')"
    )
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00model")
    assert str(one_error(binary)).startswith(f"{binary}:1:1: not UTF-8 text")
    later = tmp_path / "later.csv"
    later.write_bytes(b"model,maker\nAntminer S9,Bitm\xfcain\n")  # latin-1 u-umlaut
    assert str(one_error(later)) == f"{later}:2:17: not UTF-8 text (invalid start byte)"
