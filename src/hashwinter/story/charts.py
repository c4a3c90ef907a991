"""Chart helpers shared by the story's sections (the project's plotly look)."""

from __future__ import annotations

import plotly.graph_objects as go

from hashwinter.reports.backtest_charts import COHORT_COLORS

__all__ = ["COLORS", "styled"]

COLORS = COHORT_COLORS


def styled(fig: go.Figure, title: str, y_title: str = "", height: int = 420) -> go.Figure:
    """Apply the report's layout (the backtest report's fonts, legend below, white theme)."""
    fig.update_layout(template="plotly_white", title=title, height=height,
                      margin=dict(l=70, r=30, t=50, b=40), hovermode="x unified",
                      legend=dict(orientation="h", yanchor="top", y=-0.12, x=0,
                                  font=dict(size=11)),
                      font=dict(family="Helvetica, Arial, sans-serif", size=13))
    if y_title:
        fig.update_yaxes(title=y_title)
    return fig
