"""Which path a run takes, and why it falls back to numpy."""

from __future__ import annotations

import numpy as np
import pytest
from test_engine_vs_loop import _sell_after_losses, random_spec

from hashwinter.engine import (
    EndogenousNetwork,
    LedgerRecorder,
    Policies,
    TotalsRecorder,
    Treasury,
    run,
)
from hashwinter.engine.kernel import CompiledPolicy, CompiledStep
from hashwinter.errors import InputError
from hashwinter.farm.policies import AlwaysOn, MostProfitableCoin, ShutdownPricePolicy


def test_auto_keeps_a_small_run_on_numpy():
    res = run(random_spec(1), ShutdownPricePolicy(0.0, 0.1))
    assert res.path == "numpy" and "small run (400 cohort-steps" in res.fallback


def test_auto_takes_the_compiled_path_for_the_common_case(monkeypatch):
    from hashwinter.engine.kernel import support

    monkeypatch.setattr(support, "AUTO_MIN_CELLS", 400)  # the size of random_spec(1)
    res = run(random_spec(1), ShutdownPricePolicy(0.0, 0.1), Treasury(0.5),
              recorders=[TotalsRecorder()])
    assert res.path == "compiled" and res.fallback is None
    # A chain of one on/off policy is the policy.
    res = run(random_spec(1), Policies([AlwaysOn()]))
    assert res.path == "compiled"


def test_plugin_policy_falls_back_and_says_why(monkeypatch):
    from hashwinter.engine.kernel import support

    monkeypatch.setattr(support, "AUTO_MIN_CELLS", 0)
    sell_after = _sell_after_losses()
    plugin = sell_after(2.0, 3.0, 10.0)
    res = run(random_spec(2), plugin)
    assert res.path == "numpy"
    assert res.fallback == "policy SellAfterLosses has no compiled step (compiled_step)"
    res = run(random_spec(2), Policies([ShutdownPricePolicy(), plugin]))
    assert res.path == "numpy" and "chain of 2 policies" in res.fallback
    with pytest.raises(InputError, match="compiled path cannot run this: policy SellAfter"):
        run(random_spec(2), plugin, engine="compiled")


@pytest.mark.parametrize("make, reason", [
    (lambda spec: dict(recorders=[LedgerRecorder()]), "recorder LedgerRecorder"),
    (lambda spec: dict(policy=Policies([AlwaysOn(), MostProfitableCoin()])), "chain of 2"),
    (lambda spec: dict(spec=__import__("dataclasses").replace(spec, network=EndogenousNetwork(
        spec.clock, 6.6e12, 550_000, 4e19))), "hosting fees have no compiled step"),
])
def test_unsupported_runs_fall_back(make, reason, monkeypatch):
    from hashwinter.engine.kernel import support

    monkeypatch.setattr(support, "AUTO_MIN_CELLS", 0)
    spec = random_spec(3)
    kwargs = dict(spec=spec, policy=AlwaysOn())
    kwargs.update(make(spec))
    res = run(kwargs.pop("spec"), kwargs.pop("policy"), **kwargs)
    assert res.path == "numpy" and reason in res.fallback


def test_numpy_asked_for_and_bad_engine():
    res = run(random_spec(4), AlwaysOn(), engine="numpy")
    assert res.path == "numpy" and res.fallback == "engine='numpy' was asked for"
    with pytest.raises(InputError, match="engine"):
        run(random_spec(4), AlwaysOn(), engine="fast")


@pytest.mark.slow  # compiles the kernel once more, for this policy's function (~7 s of CPU)
def test_a_policy_outside_the_package_can_offer_a_compiled_step():
    """The protocol: a jitted function, parameters per variant, initial state per cell.

    This policy keeps a state (steps run so far) and runs a cohort only on even steps
    of its own count: the numpy decide() does the same, and the two paths agree.
    """
    import numba

    @numba.njit
    def every_other(params, state, j, c, on, revenue, cost, step_seconds):
        state[0, c, j] += 1.0
        return state[0, c, j] % 2.0 == params[0, j]

    class EveryOther:
        n_variants = 2

        def init_state(self, shape):
            return np.zeros(shape)

        def decide(self, obs, actions, state):
            state = state + 1.0
            return actions.with_on(state % 2.0 == np.array([0.0, 1.0])[:, None, None]), state

        def take_variants(self, sel):
            return self

        def compiled_step(self):
            return CompiledStep(every_other, np.array([[0.0], [1.0]]), np.zeros(1), "EveryOther")

    assert isinstance(EveryOther(), CompiledPolicy)
    spec = random_spec(5, cash=(1e6, 1e6))
    got = run(spec, EveryOther(), recorders=[TotalsRecorder()], engine="compiled")
    want = run(spec, EveryOther(), recorders=[TotalsRecorder()], engine="numpy")
    assert got.path == "compiled"
    for k in ("running_days", "restart_cost", "coins"):
        np.testing.assert_allclose(got.records[0].cohort[k], want.records[0].cohort[k],
                                   rtol=1e-9, err_msg=k)
    assert want.records[0].cohort["restart_cost"].sum() > 0
