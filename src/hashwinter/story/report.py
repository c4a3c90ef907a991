"""The story's report: one self-contained HTML page (plotly.js inlined) and its tables.

Layout: a title, the run's facts (scale, seed, store, time), a contents list, then each
section — heading, prose, tables, charts, and the sources it read.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from hashwinter.reports.html import figure_div, page
from hashwinter.story.section import Section

__all__ = ["render_html", "write_tables"]

#: Wide text tables (the figures table) read better left-aligned and wrapped.
_STYLE = ("<style>td{vertical-align:top}.story td,.story th{text-align:left;max-width:340px}"
          "h3{font-size:15px;margin:18px 0 6px}.src{font-size:12px;color:#5b6475}"
          "p{line-height:1.45}</style>")


def _section_html(sec: Section) -> str:
    parts = [f'<section id="{sec.key}"><h2>{html.escape(sec.title)}</h2>']
    parts += [f"<p>{html.escape(p)}</p>" for p in sec.paragraphs]
    parts += [f'<div class="story">{block}</div>' for block in sec.html]
    parts += [figure_div(fig) for fig in sec.figures]
    parts += [f'<div class="story">{block}</div>' for block in sec.after]
    if sec.sources:
        parts.append('<p class="src">Sources: ' + html.escape("; ".join(sec.sources)) + "</p>")
    parts.append("</section>")
    return "".join(parts)


def render_html(title: str, facts: Sequence[str], sections: Sequence[Section]) -> str:
    """Return the whole report as one HTML document."""
    toc = "".join(f'<li><a href="#{s.key}">{html.escape(s.title)}</a></li>' for s in sections)
    head = (f"<h1>{html.escape(title)}</h1><p class=\"sub\">"
            + " · ".join(html.escape(f) for f in facts) + "</p>"
            f"<ol class=\"notes\" style=\"list-style:none;padding:0\">{toc}</ol>")
    return page(title, _STYLE + head + "".join(_section_html(s) for s in sections))


def _clean(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_tables(folder: Path, sections: Sequence[Section], figures: pd.DataFrame) -> list[Path]:
    """Write every section's tables as data/<key>_<name>.csv, and figures.csv / figures.json."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    written = []
    for sec in sections:
        for name, frame in sec.tables.items():
            path = data / f"{sec.key}_{name}.csv"
            frame.to_csv(path, index=False)
            written.append(path)
    figures.to_csv(folder / "figures.csv", index=False)
    rows = [{k: _clean(v) for k, v in r.items()} for r in figures.to_dict("records")]
    (folder / "figures.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False,
                                                    allow_nan=False) + "\n", encoding="utf-8")
    return [*written, folder / "figures.csv", folder / "figures.json"]
