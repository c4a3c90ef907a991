"""The fuzz bookkeeping itself: budgets scale with the profile, outcomes are counted."""

from __future__ import annotations

from fuzzing import OUTCOMES, fuzz_settings, record


def test_ci_profile_runs_the_declared_count() -> None:
    import os

    old = os.environ.get("HYPOTHESIS_PROFILE")
    try:
        os.environ["HYPOTHESIS_PROFILE"] = "ci"
        assert fuzz_settings(1000).max_examples == 1000
        os.environ["HYPOTHESIS_PROFILE"] = "fuzz-long"
        assert fuzz_settings(1000).max_examples == 20_000
        os.environ["HYPOTHESIS_PROFILE"] = "dev"
        assert fuzz_settings(1000).max_examples == 100
    finally:
        if old is None:
            os.environ.pop("HYPOTHESIS_PROFILE", None)
        else:
            os.environ["HYPOTHESIS_PROFILE"] = old


def test_outcomes_are_counted_per_target() -> None:
    record("smoke", "ok")
    record("smoke", "InputError(x)")
    record("smoke", "ok")
    assert OUTCOMES["smoke"]["ok"] == 2
    assert OUTCOMES["smoke"]["InputError(x)"] == 1
    del OUTCOMES["smoke"]
