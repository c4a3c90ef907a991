"""``hashwinter simulate`` with a horizon: chunks join, the trace has no made-up rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashwinter.cli.app import main

# examples/scenarios/noda2019.toml, cut to 2,000 blocks and a 1.33-day horizon
# (~192 blocks at 10 minutes): every path stops mid-snapshot, at a 64-block
# draw boundary of its own chunk.
SCENARIO = """\
name = "horizon"
paths = 20
seed = 2019
chunk_paths = {chunk}

[price]
process = "gbm"
s0 = 3604.59
mu_per_day = 0.0
sigma_per_day = 0.042415

[network]
mode = "blockclock"
difficulty = 6653303141406
start_height = 551443
blocks = 2000
horizon_days = 1.3333333
rules = ["bitcoin", "cw-144"]
trace_every = 100

[network.supply]
form = "sigmoid"
h_max_ehs = 55
k_per_usd_per_eh = 3
r0_usd_per_eh = 1.5
"""


@pytest.mark.parametrize("chunk", [1, 20])
def test_horizon_run_writes_an_honest_trace(tmp_path, capsys, chunk):
    path = tmp_path / "bc.toml"
    path.write_text(SCENARIO.format(chunk=chunk))
    out = tmp_path / "out"
    code = main(["simulate", str(path), "--workers", "1", "--out", str(out), "--no-progress"])
    assert code == 0, capsys.readouterr().err
    trace = pd.read_parquet(out / "trace.parquet")
    # Heights from the layout: 551,542, 551,642, ... for both rules.
    expected = 551_443 + np.arange(1, 21) * 100 - 1
    for _, part in trace.groupby("rule"):
        np.testing.assert_array_equal(part["height"], expected)
    # No snapshot of zeros: a snapshot is real (positive) or empty (NaN, past the horizon).
    values = trace.drop(columns=["rule", "height"]).to_numpy(dtype=float)
    assert not (values <= 0).any()
    # The snapshot holding the horizon (blocks 100-199) is kept: about 1.33 days.
    second = trace[trace["height"] == 551_642]
    assert ((second["days_mean"] > 1.0) & (second["days_mean"] < 1.6)).all()
