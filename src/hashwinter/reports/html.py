"""Self-contained HTML pages: plotly.js inlined once, so a report works offline."""

from __future__ import annotations

import html
from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

__all__ = ["figure_div", "page", "table_html"]

_STYLE = """
body{font-family:Helvetica,Arial,sans-serif;margin:0;background:#f6f7f9;color:#1d2433}
main{max-width:1200px;margin:0 auto;padding:24px 32px 64px}
h1{font-size:28px;margin:8px 0 4px}h2{font-size:19px;margin:32px 0 8px}
.sub{color:#5b6475;margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:12px 16px;box-shadow:0 1px 3px #0002}
.card .k{font-size:12px;color:#5b6475;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:22px;font-weight:600;margin-top:4px}
.neg{color:#b2401a}.pos{color:#1a7f4b}
.chart{background:#fff;border-radius:8px;margin:16px 0;box-shadow:0 1px 3px #0002;padding:4px}
table{border-collapse:collapse;background:#fff;font-size:13px;width:100%;
box-shadow:0 1px 3px #0002;border-radius:8px;overflow:hidden}
th,td{padding:6px 10px;border-bottom:1px solid #e6e8ec;text-align:right}
th{background:#eef0f4;font-weight:600}td:first-child,th:first-child{text-align:left}
.notes{font-size:13px;color:#5b6475}.notes li{margin:3px 0}
"""


def figure_div(fig: go.Figure) -> str:
    """Return a figure as an HTML ``<div>`` that uses the page's inlined plotly.js."""
    body = fig.to_html(full_html=False, include_plotlyjs=False,
                       config={"displaylogo": False, "responsive": True})
    return f'<div class="chart">{body}</div>'


def table_html(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return an escaped HTML table."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, body: str) -> str:
    """Return a complete HTML document with plotly.js inlined (no network needed)."""
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>"
        f"<script type=\"text/javascript\">{get_plotlyjs()}</script></head>"
        f"<body><main>{body}</main></body></html>"
    )
