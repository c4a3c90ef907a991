"""Section 9: the table "the story says / hashwinter computes / source / verdict".

One row per row of figures.csv, in its order, graded by :func:`hashwinter.story.figures.grade`
with the file's check, lo and hi; the choice a section made where the file leaves one open is
printed beside it. A row no section computed is a failure ("not computed"), never skipped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from hashwinter.reports.html import table_html
from hashwinter.story.figures import FigureSpec, grade, graded_quantity
from hashwinter.story.section import Measure, Section

__all__ = ["verdict_section", "verdict_table"]


def _fmt(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "—"
    if unit in ("fraction",):
        return f"{value:+.3f}"
    if abs(value) < 1000:
        return f"{value:.4g}"
    return f"{value:,.0f}"


def _bounds(spec: FigureSpec) -> str:
    if spec.check == "flagged":
        return "flagged: reported, not graded"
    if spec.check == "set":
        return "the stated set holds"
    what = {"rel": "computed / story", "abs": "computed − story", "range": "computed"}[spec.check]
    return f"{what} in [{spec.lo:g}, {spec.hi:g}]"


def verdict_table(specs: Sequence[FigureSpec], measures: Mapping[str, Measure]) -> pd.DataFrame:
    """One row per spec: the story's value, the computed one(s), source, choice, verdict."""
    rows = []
    for spec in specs:
        m = measures.get(spec.id)
        values = m.values if m is not None else ()
        verdict = grade(spec, values) if m is not None else (
            "reported" if spec.check == "flagged" else "fail")
        graded = [graded_quantity(spec, v) for v in values] if spec.check in (
            "rel", "abs") else []
        rows.append({
            "id": spec.id, "seed_section": spec.seed_section, "story_says": spec.story_says,
            "story_value": spec.story_value, "unit": spec.unit, "computed": values[0]
            if values else math.nan, "computed_extra": ";".join(f"{v:.12g}" for v in values[1:]),
            "computed_text": (m.text or _fmt(m.value, spec.unit)) if m else "not computed",
            "graded_quantity": ";".join(f"{g:.6g}" for g in graded),
            "check": spec.check, "lo": spec.lo, "hi": spec.hi, "bounds": _bounds(spec),
            "source": m.source if m else "", "choice": m.choice if m else "",
            "verdict": verdict})
    return pd.DataFrame(rows)


def verdict_section(table: pd.DataFrame) -> Section:
    """Return the report's last section: the graded figures table."""
    sec = Section("figures", "9. The story says / hashwinter computes / source / verdict")
    n = table["verdict"].value_counts()
    sec.paragraphs += [
        "Each row is a figure of ../shared/story/figures.csv, which fixes what to compute and "
        "how it is graded (check, lo, hi), so the table cannot grade itself; rows marked "
        "flagged (figures the story garbles) are reported, not graded. Where the file leaves a "
        "choice open, the choice made is in the last column.",
        f"Verdicts: {int(n.get('pass', 0))} pass, {int(n.get('fail', 0))} fail, "
        f"{int(n.get('reported', 0))} reported (flagged).",
    ]
    rows = [(r["id"], r["story_says"], r["computed_text"], r["bounds"], r["source"],
             r["choice"], r["verdict"].upper()) for r in table.to_dict("records")]
    sec.html.append(table_html(("figure", "the story says", "hashwinter computes", "graded by",
                                "source", "choice made", "verdict"), rows)
                    .replace("<td>PASS</td>", '<td class="pos"><b>PASS</b></td>')
                    .replace("<td>FAIL</td>", '<td class="neg"><b>FAIL</b></td>'))
    return sec
