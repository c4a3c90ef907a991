"""Run a story: build (or check) the store, run its sections in order, write the report.

Everything is written into a temporary folder beside ``out`` and moved into place only
when complete, so a failed or interrupted run leaves ``out`` as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from hashwinter.errors import InputError
from hashwinter.story.context import REPO, SCALES, StoryContext, default_data_dir, read_daily
from hashwinter.story.f2pool import f2pool_section
from hashwinter.story.figures import read_figures
from hashwinter.story.gpu_hedge import gpu_hedge_section
from hashwinter.story.lao_luo import lao_luo_section
from hashwinter.story.network import network_section
from hashwinter.story.prices import price_section
from hashwinter.story.report import render_html, write_tables
from hashwinter.story.section import Section
from hashwinter.story.shihezi import shihezi_section
from hashwinter.story.sichuan import sichuan_section
from hashwinter.story.used import used_section
from hashwinter.story.verdicts import verdict_section, verdict_table

__all__ = ["SEED", "STORIES", "StoryRun", "run_story"]

SectionFn = Callable[[StoryContext, Path], Section]
#: The fixed seed of the run (the network population's draw).
SEED = 2018


def _ctx_only(fn: Callable[[StoryContext], Section]) -> SectionFn:
    return lambda ctx, work: fn(ctx)


#: Stories by name: their sections in the story's order (the figures table is added last).
STORIES: dict[str, tuple[tuple[str, SectionFn], ...]] = {
    "winter-2018": (
        ("price path", _ctx_only(price_section)),
        ("F2Pool table", _ctx_only(f2pool_section)),
        ("Lao Luo", lao_luo_section),
        ("Hu Haifeng", _ctx_only(shihezi_section)),
        ("second-hand S9", _ctx_only(used_section)),
        ("GPU and hedge", _ctx_only(gpu_hedge_section)),
        ("Sichuan", _ctx_only(sichuan_section)),
        ("network", _ctx_only(network_section)),
    ),
}
TITLES = {"winter-2018": "The winter of 2018, retold by hashwinter"}
#: Progress callback: ``progress(done, total, what)`` before each step and at the end.
Progress = Callable[[int, int, str], None]


@dataclasses.dataclass(frozen=True)
class StoryRun:
    """What a story run wrote: the folder, its files, the verdict counts, notes, seconds."""

    out: Path
    files: tuple[Path, ...]
    verdicts: dict[str, int]
    notes: tuple[str, ...]
    seconds: float


def _staging(out: Path) -> Path:
    """Make a new temporary folder beside ``out`` (same file system: the final move is a rename)."""
    if out.exists() and not out.is_dir():
        raise InputError(f"not a folder: {out}", field="--out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staged = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise InputError(f"cannot write to {out.parent}: {exc.strerror or exc}",
                         field="--out") from None
    # mkdtemp makes the folder private (0700); the report is an ordinary folder.
    umask = os.umask(0)
    os.umask(umask)
    staged.chmod(0o777 & ~umask)
    return staged


def _move_into_place(staged: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
        os.replace(out, old / out.name)
    os.replace(staged, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def run_story(name: str, out: Path, *, scale: str = "full", store: Path | None = None,
              data_dir: Path | None = None, pdf: bool = True,
              progress: Progress | None = None) -> StoryRun:
    """Run story ``name`` and write its report into ``out`` (see the module docstring).

    Parameters
    ----------
    name : str
        A key of :data:`STORIES`.
    out : Path
        Output folder (replaced as a whole when the run succeeds).
    scale : {"ci", "full"}
        The network run's farm count (docs/story.md).
    store : Path, optional
        A history store to read; default: a new one built from ``data_dir``.
    data_dir : Path, optional
        The public data files (default: ``$HASHWINTER_SHARED_DATA`` or ../shared/data).
    pdf : bool
        Print report.pdf with headless Chromium where installed.
    progress : callable, optional
        ``progress(done, total, what)``.

    """
    from hashwinter.story.pdf import print_pdf
    from hashwinter.story.store import build_store, check_store

    if name not in STORIES:
        raise InputError(f"unknown story {name!r} (known: {', '.join(STORIES)})", field="STORY")
    if scale not in SCALES:
        raise InputError(f"unknown scale {scale!r} (ci or full)", field="--scale")
    t0 = time.perf_counter()
    read_daily.cache_clear()  # a store given by path may have changed since an earlier run
    data = (data_dir or default_data_dir()).resolve()
    if not data.is_dir():
        raise InputError(f"no such folder: {data}", field="--data")
    figures_csv = data.parent / "story" / "figures.csv"
    specs = read_figures(figures_csv)
    if store is not None:
        check_store(store.resolve())
    out = out.resolve()
    steps = STORIES[name]
    total = len(steps) + 3  # store, sections, figures table, writing
    tick = progress or (lambda done, total, what: None)
    staged = _staging(out)
    try:
        with tempfile.TemporaryDirectory(prefix="hashwinter-story-") as work_dir:
            work = Path(work_dir)
            tick(0, total, "history store")
            store_path = store.resolve() if store is not None else work / "history.duckdb"
            if store is None:
                build_store(data, store_path)
            ctx = StoryContext(store_path, data, REPO / "examples", figures_csv,
                               scale=scale, seed=SEED)  # type: ignore[arg-type]
            sections = []
            for i, (what, fn) in enumerate(steps, start=1):
                tick(i, total, what)
                sections.append(fn(ctx, work))
            tick(len(steps) + 1, total, "figures table")
            measures = {k: m for s in sections for k, m in s.measures.items()}
            table = verdict_table(specs, measures)
            sections.append(verdict_section(table))
            tick(len(steps) + 2, total, "writing the report")
            seconds = time.perf_counter() - t0
            facts = [f"scale {scale}", f"seed {SEED}",
                     f"store {'given: ' + str(store) if store else 'built from ' + str(data)}",
                     f"figures spec {figures_csv}",
                     f"run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"]
            html = render_html(TITLES[name], facts, sections)
            files = write_tables(staged, sections, table)
            report = staged / "report.html"
            report.write_text(html, encoding="utf-8")
            files.append(report)
            notes = []
            if pdf:
                note = print_pdf(report, staged / "report.pdf")
                if note is None:
                    files.append(staged / "report.pdf")
                else:
                    notes.append(note)
            verdicts = {str(k): int(v) for k, v in table["verdict"].value_counts().items()}
            (staged / "run.json").write_text(json.dumps({
                "story": name, "scale": scale, "seed": SEED, "seconds": round(seconds, 2),
                "verdicts": verdicts, "notes": notes}, indent=1) + "\n", encoding="utf-8")
            tick(total, total, "done")
        _move_into_place(staged, out)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    moved = tuple(out / p.relative_to(staged) for p in [*files, staged / "run.json"])
    return StoryRun(out, moved, verdicts, tuple(notes), time.perf_counter() - t0)
