"""The shared TOML reader (hashwinter.tomlfile): every failure one located error."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashwinter.errors import InputError
from hashwinter.tomlfile import TomlLines, locate, parse_toml, read_toml


def test_syntax_error_at_its_line_and_column():
    with pytest.raises(InputError) as info:
        parse_toml('a = 1\nb = = 2\n', "f.toml")
    assert (info.value.line, info.value.column) == (2, 5)
    assert str(info.value).startswith("f.toml:2:5: invalid TOML: ")


def test_document_cut_short_is_placed_after_its_last_character():
    # 'name = "x' ends inside a string on line 2, after 9 characters: column 10.
    with pytest.raises(InputError) as info:
        parse_toml('a = 1\nname = "x', "f.toml")
    assert (info.value.line, info.value.column) == (2, 10)


def test_integer_beyond_tomllib_limit_is_one_error():
    with pytest.raises(InputError) as info:
        parse_toml("power = 1" + "0" * 5000 + "\n", "f.toml")
    assert info.value.field == "(document)"
    assert "invalid TOML: Exceeds the limit (4300 digits)" in str(info.value)


def test_read_toml_file_errors(tmp_path: Path):
    with pytest.raises(InputError, match="cannot read sites file: No such file"):
        read_toml(tmp_path / "absent.toml", what="sites file")
    latin = tmp_path / "l.toml"
    latin.write_bytes(b'name = "x"\nsite = "M\xfcnchen"\n')
    with pytest.raises(InputError) as info:
        read_toml(latin, what="farm file")
    assert str(info.value).startswith(f"{latin}:2:10: not UTF-8 text")
    good = tmp_path / "g.toml"
    good.write_text('[[fleet]]\nmodel = "S9"\n', encoding="utf-8")
    data, text = read_toml(good, what="farm file")
    assert data == {"fleet": [{"model": "S9"}]} and text.startswith("[[fleet]]")


def test_locate_gives_each_field_its_line():
    text = 'name = "x"\n[[fleet]]\nmodel = "S9"\n[[fleet]]\ncount = 0\n'
    errors = [InputError("bad", field="fleet[1].count"), InputError("missing", field="fleet[0]"),
              InputError("whole file")]
    out = locate(errors, text, "f.toml")
    assert [(e.source, e.line) for e in out] == [("f.toml", 5), ("f.toml", 2), ("f.toml", None)]
    assert [e.line for e in locate(errors, None, "f.toml")] == [None, None, None]
    assert TomlLines(text).line("fleet[1].model") == 4  # not written: its table's header
