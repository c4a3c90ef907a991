"""What one section of a story returns: its prose, charts, tables and measured figures."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["Measure", "Section"]


@dataclasses.dataclass(frozen=True)
class Measure:
    """One figure of figures.csv as hashwinter computed it.

    Attributes
    ----------
    value : float
        The computed value, in the unit of the figures.csv row.
    source : str
        Where it comes from: data files, scenario files, the function that computed it.
    choice : str
        The choice made where figures.csv leaves one open ("" if none).
    extra : tuple of float
        Further values graded with the same check (a range of tariffs: every one must pass).
    text : str
        The value as the report prints it ("" = formatted from ``value``).

    """

    value: float
    source: str
    choice: str = ""
    extra: tuple[float, ...] = ()
    text: str = ""

    @property
    def values(self) -> tuple[float, ...]:
        """Every value graded: ``value`` then ``extra``."""
        return (self.value, *self.extra)


@dataclasses.dataclass
class Section:
    """A section of the report.

    Attributes
    ----------
    key : str
        Short name, also the prefix of its CSV tables (``data/<key>_<table>.csv``).
    title : str
        Heading.
    paragraphs : list of str
        Prose, plain text (escaped when rendered).
    html : list of str
        Rendered blocks (tables, charts' divs), in order, after the prose.
    figures : list of plotly Figure
        Charts, rendered after ``html``.
    after : list of str
        Rendered blocks after the charts (reference tables).
    tables : dict of str to DataFrame
        Tables written as CSV beside the report.
    measures : dict of str to Measure
        Figures of figures.csv computed here, by row id.
    sources : list of str
        Data and scenario files the section read.

    """

    key: str
    title: str
    paragraphs: list[str] = dataclasses.field(default_factory=list)
    html: list[str] = dataclasses.field(default_factory=list)
    figures: list[go.Figure] = dataclasses.field(default_factory=list)
    after: list[str] = dataclasses.field(default_factory=list)
    tables: dict[str, pd.DataFrame] = dataclasses.field(default_factory=dict)
    measures: dict[str, Measure] = dataclasses.field(default_factory=dict)
    sources: list[str] = dataclasses.field(default_factory=list)
