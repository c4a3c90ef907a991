"""mempool.space mining JSON: difficulty adjustments and daily network hashrate.

Two responses of the public REST API are read (Bitcoin mainnet):

* ``GET /api/v1/mining/difficulty-adjustments[/:interval]``: a list of
  ``[time, height, difficulty, adjustment]``, time in Unix seconds,
  ``adjustment`` the ratio new / previous difficulty (rounded to 1e-6 by
  mempool), newest first;
* ``GET /api/v1/mining/hashrate/:interval``: ``{"hashrates": [{"timestamp":
  unix_s, "avgHashrate": H/s}, ...], "difficulty": [{"time", "height",
  "difficulty", "adjustment"}, ...], "currentHashrate": ..., "currentDifficulty": ...}``.

The adjustments go to the ``retargets`` table (one row per retarget height);
the daily hashrate to the chain history (``hashrate_hs``, H/s).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd

from hashwinter.data import frames
from hashwinter.data.importers._json import (
    element_positions,
    load_json,
    number_problem,
    shown,
    unix_time_problem,
)
from hashwinter.data.importers._parse import BadRows, read_text
from hashwinter.errors import InputError
from hashwinter.units import SECONDS_PER_DAY

__all__ = ["parse_mempool", "read_mempool"]


def _retargets(
    items: list[Any], positions: list[tuple[int, int]], key: str, bad: BadRows, offset: int
) -> pd.DataFrame:
    """Check adjustment entries (lists or objects); return the good ones as a frame."""
    rows: list[tuple[int, int, float, float]] = []
    for i, item in enumerate(items):
        line, col = positions[i] if i < len(positions) else (None, None)
        field = f"{key}[{i}]"
        if isinstance(item, list) and len(item) == 4:
            t, h, d, a = item
        elif isinstance(item, dict):
            t, h, d, a = (item.get("time"), item.get("height"), item.get("difficulty"),
                          item.get("adjustment"))
        else:
            bad.add(line, col, field, "expected [time, height, difficulty, adjustment]",
                    row=offset + i)
            continue
        checks = (("time", unix_time_problem(t)),
                  ("height", number_problem(h, "block_count")),
                  ("difficulty", number_problem(d, "difficulty")),
                  ("adjustment", None if a is None else number_problem(a, "difficulty_ratio")))
        problems = [(name, why) for name, why in checks if why is not None]
        if not any(name == "height" for name, _ in problems) and float(h) != int(h):
            problems.append(("height", f"not a whole block height: {shown(h)}"))
        for name, why in problems:
            bad.add(line, col, f"{field}.{name}", why, row=offset + i)
        if not problems:
            rows.append((int(t), int(h), float(d), float(a) if a is not None else np.nan))
    return pd.DataFrame(rows, columns=["time", "height", "difficulty", "change"])


def _finish_retargets(frame: pd.DataFrame, origin: str) -> pd.DataFrame:
    """Order, type and tag a retargets frame."""
    frame = frame.drop_duplicates("height", keep="first").sort_values("height")
    out = pd.DataFrame({
        "asset": pd.Series(["BTC"] * len(frame), dtype="str"),
        "height": frame["height"].to_numpy(dtype=np.int64),
        "time": frame["time"].to_numpy(dtype=np.int64).astype("datetime64[s]"),
        "difficulty": frame["difficulty"].to_numpy(dtype=np.float64),
        "change": frame["change"].to_numpy(dtype=np.float64),
    })
    return frames.tag(out, frames.RETARGETS, "mempool", origin)


def parse_mempool(
    text: str, origin: str, *, skip_bad: bool = False
) -> tuple[list[pd.DataFrame], list[str]]:
    """Parse a mempool.space mining response; return tidy frames and skipped-row messages.

    Parameters
    ----------
    text : str
        The JSON response (adjustments list or hashrate object).
    origin : str
        File name or URL for messages.
    skip_bad : bool
        Drop and report bad entries instead of failing.

    Returns
    -------
    frames : list of pandas.DataFrame
        ``[retargets]`` for the adjustments list; ``[chain, retargets]`` for the
        hashrate response (daily ``hashrate_hs`` [H/s], and its adjustments).
    skipped : list of str
        Messages for dropped entries.

    """
    doc = load_json(text, origin)
    bad = BadRows(origin)
    if isinstance(doc, list):
        table = _retargets(doc, element_positions(text), "", bad, 0)
        skipped = bad.finish(skip_bad)
        return [_finish_retargets(table, origin)], skipped
    if not isinstance(doc, dict) or not isinstance(doc.get("hashrates"), list):
        raise InputError("not a mempool.space mining response: expected a list of "
                         "adjustments or an object with 'hashrates'", source=origin,
                         field="hashrates")
    hashrates: list[Any] = doc["hashrates"]
    positions = element_positions(text, "hashrates")
    stamps: list[int] = []
    rates: list[float] = []
    for i, item in enumerate(hashrates):
        line, col = positions[i] if i < len(positions) else (None, None)
        field = f"hashrates[{i}]"
        t = item.get("timestamp") if isinstance(item, dict) else None
        h = item.get("avgHashrate") if isinstance(item, dict) else None
        ok = True
        t_problem = unix_time_problem(t)
        if t_problem is not None:
            bad.add(line, col, f"{field}.timestamp", t_problem, row=i)
            ok = False
        h_problem = number_problem(h, "hashrate", unit="H/s")
        if h_problem is not None:
            bad.add(line, col, f"{field}.avgHashrate", h_problem, row=i)
            ok = False
        if ok:
            stamps.append(int(t))  # type: ignore[arg-type]  # checked above
            rates.append(float(h))  # type: ignore[arg-type]
    adjustments = doc.get("difficulty", [])
    if not isinstance(adjustments, list):
        raise InputError("'difficulty' must be a list", source=origin, field="difficulty")
    table = _retargets(adjustments, element_positions(text, "difficulty"), "difficulty",
                          bad, len(hashrates))
    skipped = bad.finish(skip_bad)
    day = (np.array(stamps, dtype=np.int64) // SECONDS_PER_DAY).astype("datetime64[D]")
    daily = pd.DataFrame({"date": day.astype("datetime64[s]"), "hashrate_hs": rates})
    daily = daily.groupby("date", sort=True)["hashrate_hs"].mean().reset_index()
    daily.insert(0, "asset", pd.Series(["BTC"] * len(daily), dtype="str"))
    chain = frames.tag(daily, frames.CHAIN, "mempool", origin)
    return [chain, _finish_retargets(table, origin)], skipped


def read_mempool(
    path: str | os.PathLike[str], *, part: str = "auto", skip_bad: bool = False
) -> pd.DataFrame:
    """Read a saved mempool.space mining response.

    Parameters
    ----------
    path : str or path-like
        JSON of ``/api/v1/mining/difficulty-adjustments`` or ``/api/v1/mining/hashrate/:interval``.
    part : {"auto", "hashrate", "difficulty"}
        For a hashrate response: its daily hashrate (``"auto"``, ``"hashrate"``)
        or its difficulty adjustments (``"difficulty"``). An adjustments list
        always gives the adjustments.
    skip_bad : bool
        Drop bad entries (listed in ``frame.attrs["skipped"]``) instead of failing.

    Returns
    -------
    pandas.DataFrame
        ``retargets`` frame (asset, height, time, difficulty, change = new /
        previous) or daily ``chain`` frame (asset, date, hashrate_hs [H/s]).

    """
    if part not in ("auto", "hashrate", "difficulty"):
        raise InputError("must be auto, hashrate or difficulty", field="part")
    text, origin = read_text(path)
    parsed, skipped = parse_mempool(text, origin, skip_bad=skip_bad)
    frame = parsed[-1] if part == "difficulty" else parsed[0]
    frame.attrs["skipped"] = skipped
    return frame
