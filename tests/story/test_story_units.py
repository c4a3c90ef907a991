"""The grading rule of figures.csv, its errors, the PDF step and the retarget pick."""

from __future__ import annotations

import math
import shutil

import pandas as pd
import pytest

from hashwinter.errors import InputError
from hashwinter.story.figures import FigureSpec, grade, read_figures
from hashwinter.story.network import retarget_near
from hashwinter.story.pdf import find_chromium, print_pdf


def _spec(check: str, value: float = 100.0, lo: float = 0.9, hi: float = 1.1) -> FigureSpec:
    return FigureSpec("x", "1", "", value, "u", "", check, lo, hi, "")


@pytest.mark.parametrize(("check", "values", "verdict"), [
    ("rel", [90.0], "pass"), ("rel", [110.0], "pass"), ("rel", [89.9], "fail"),
    ("rel", [100.0, 111.0], "fail"),  # every value must pass (a band of tariffs)
    ("abs", [100.9], "pass"), ("abs", [101.2], "fail"),
    ("range", [1.0], "pass"), ("range", [1.2], "fail"),
    ("set", [1.0], "pass"), ("set", [0.0], "fail"),
    ("flagged", [1e9], "reported"), ("rel", [math.nan], "fail"), ("rel", [], "fail"),
])
def test_grade_applies_the_row_check(check, values, verdict):
    assert grade(_spec(check), values) == verdict


def test_bad_figures_file_names_file_line_and_field(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text("id,seed_section,story_says,story_value,unit,what_to_compute,check,lo,hi,note\n"
                    "a,1,x,1,u,w,rel,0.9,1.1,\nb,1,x,1,u,w,approx,0.9,1.1,\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_figures(path)
    assert str(err.value) == (f"{path}:3: check: unknown check 'approx' (one of rel, abs, range, "
                              "set, flagged)")


def test_retarget_near_picks_the_closest_within_the_window():
    r = pd.DataFrame({"date": ["2018-11-17", "2018-12-04", "2018-12-18"], "path": [0, 0, 0],
                      "change": [-0.07, -0.2, 0.03]})
    assert retarget_near(r) == (pd.Timestamp("2018-12-04"), -0.2)
    assert retarget_near(r.iloc[[0, 2]]) is None  # none within 7 days of 3 Dec


def test_pdf_without_chromium_is_a_note(tmp_path):
    html = tmp_path / "r.html"
    html.write_text("<html><body>x</body></html>")
    note = print_pdf(html, tmp_path / "r.pdf", browser=str(tmp_path / "no-such-browser"))
    assert note is not None and "HTML alone" in note
    assert not (tmp_path / "r.pdf").exists()


@pytest.mark.skipif(find_chromium() is None and shutil.which("chromium") is None,
                    reason="no Chromium installed")
def test_pdf_with_chromium_prints_the_page(tmp_path):
    html = tmp_path / "r.html"
    html.write_text("<html><body><h1>winter</h1></body></html>")
    assert print_pdf(html, tmp_path / "r.pdf") is None
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-"
