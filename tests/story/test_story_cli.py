"""``hashwinter story``: bad input is one line and exit 2 with nothing written; a failed run
leaves --out as it was; the report holds the nine sections in the story's order."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from datafiles import shared_data_dir
from hashwinter.cli.app import main
from hashwinter.errors import InputError


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_unknown_story_is_one_line_exit_2_nothing_written(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["story", "winter-2019", "--out", str(out), "--scale", "ci"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["hashwinter: error: STORY: unknown story 'winter-2019' (known: winter-2018)"]
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unwritable_out_is_one_line_exit_2_nothing_written(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    # A folder under a file cannot be made (as root too, unlike a chmod'ed folder).
    out = blocker / "report"
    assert main(["story", "winter-2018", "--out", str(out), "--scale", "ci"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"hashwinter: error: --out: cannot write to "
                                               f"{blocker}")
    assert blocker.read_text() == "not a folder\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    out = tmp_path / "report.html"
    out.write_text("mine\n")
    assert main(["story", "winter-2018", "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip() == f"hashwinter: error: --out: not a folder: {out}"
    assert out.read_text() == "mine\n"


def test_bad_scale_is_a_usage_error(tmp_path):
    assert main(["story", "winter-2018", "--out", str(tmp_path / "o"), "--scale", "huge"]) == 2
    assert list(tmp_path.iterdir()) == []


def test_a_failing_section_leaves_out_as_it_was(tmp_path, monkeypatch):
    from hashwinter.story import run as story_run

    data = shared_data_dir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("previous report\n")

    def broken(ctx, work):
        raise InputError("broken on purpose", field="section")

    steps = story_run.STORIES["winter-2018"]
    monkeypatch.setitem(story_run.STORIES, "winter-2018", (steps[0], ("broken", broken)))
    with pytest.raises(InputError, match="broken on purpose"):
        story_run.run_story("winter-2018", out, scale="ci", data_dir=data, pdf=False)
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]
    assert _leftovers(tmp_path) == []  # no staging folder left beside it


def test_report_holds_the_nine_sections_in_order_and_is_self_contained(story_dir):
    html = (story_dir / "report.html").read_text(encoding="utf-8")
    titles = re.findall(r"<h2>(\d)\. ", html)
    assert titles == [str(i) for i in range(1, 10)]
    assert "<script src=" not in html  # plotly.js inlined: the report works offline
    assert html.count('class="chart"') >= 10
    # Every figure row appears in the table with its verdict.
    assert html.count("<tr><td>btc_") == 6
    rows = json.loads((story_dir / "figures.json").read_text(encoding="utf-8"))
    for verdict, cell in (("pass", "<b>PASS</b>"), ("fail", "<b>FAIL</b>")):
        assert html.count(cell) == sum(r["verdict"] == verdict for r in rows)
    assert html.count("<td>REPORTED</td>") == 3


def test_second_run_replaces_the_folder_whole(story_dir, tmp_path):
    # The session's run wrote only its own files (no staging or old folders beside it).
    assert _leftovers(story_dir.parent) == []
    names = sorted(p.name for p in story_dir.iterdir())
    assert names == ["data", "figures.csv", "figures.json", "report.html", "run.json"]


def test_missing_store_is_one_line_exit_2_nothing_written(tmp_path, capsys):
    out, store = tmp_path / "out", tmp_path / "none.duckdb"
    assert main(["story", "winter-2018", "--out", str(out), "--store", str(store)]) == 2
    assert capsys.readouterr().err.strip() == f"hashwinter: error: --store: no such store: {store}"
    assert list(tmp_path.iterdir()) == []


def test_store_without_eth_is_refused(tmp_path, capsys):
    from hashwinter.data import import_file

    store = tmp_path / "btc.duckdb"
    import_file("coinmetrics", shared_data_dir() / "btc_daily.csv", store=store)
    out = tmp_path / "out"
    assert main(["story", "winter-2018", "--out", str(out), "--store", str(store)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"hashwinter: error: --store: {store} lacks ETH, CNY (FX) history "
                   "(hashwinter data import ...)")
    assert not out.exists()
