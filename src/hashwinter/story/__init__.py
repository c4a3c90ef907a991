"""Stories retold by the software: ``hashwinter story winter-2018`` (see docs/story.md).

A story is a fixed sequence of sections, each a small module that calls the public API of
the package it draws on (economics, farm, assets, finance, network) and returns its text,
charts, tables and the figures it measured; :mod:`hashwinter.story.verdicts` grades those
figures against ``../shared/story/figures.csv`` and :mod:`hashwinter.story.report` writes
one self-contained HTML report (and a PDF where headless Chromium is installed).
"""

from hashwinter.story.run import STORIES, StoryRun, run_story

__all__ = ["STORIES", "StoryRun", "run_story"]
