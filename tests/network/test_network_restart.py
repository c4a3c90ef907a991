"""Restart hysteresis in time: a stopped cohort stays off ``min_off_days``."""

from __future__ import annotations

import types

import numpy as np

from hashwinter.engine.actions import Actions
from hashwinter.network.restart import ExitOnSale, MinimumOffTime


def test_a_stopped_cohort_waits_before_restarting() -> None:
    policy = MinimumOffTime(3.0)
    obs = types.SimpleNamespace(step_seconds=86400.0)
    state = policy.init_state((1, 1, 2))
    # What the unplug policy wants each day for two cohorts: cohort 0 stops on day 1 and
    # wants back on day 2; cohort 1 stays on.
    wanted = [[True, True], [False, True], [True, True], [True, True], [True, True]]
    got = []
    for want in wanted:
        actions, state = policy.decide(obs, Actions.start(np.array([[want]])), state)  # type: ignore[arg-type]
        got.append(np.asarray(actions.on)[0, 0].tolist())
    # Off on day 1 (1 day off), kept off on days 2 and 3 (2, 3 days), on again on day 4:
    # it has then been off 3 days in a row.
    assert [g[0] for g in got] == [True, False, False, False, True]
    assert all(g[1] for g in got)


def test_a_cohort_off_long_enough_to_sell_never_restarts_itself() -> None:
    policy = ExitOnSale(3.0)
    obs = types.SimpleNamespace(step_seconds=86400.0)
    state = policy.init_state((1, 1, 2))
    # Cohort 0 stops for 2 days (days 1-2) and restarts on day 3; cohort 1 stops on day 1
    # and wants back on day 4, after 3 days off (days 1-3): it has closed.
    wanted = [[True, True], [False, False], [False, False], [True, False], [True, True],
              [True, True]]
    got = []
    for want in wanted:
        actions, state = policy.decide(obs, Actions.start(np.array([[want]])), state)  # type: ignore[arg-type]
        got.append(np.asarray(actions.on)[0, 0].tolist())
    assert [g[0] for g in got] == [True, False, False, True, True, True]
    assert [g[1] for g in got] == [True, False, False, False, False, False]
