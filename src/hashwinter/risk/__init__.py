"""Risk outputs of Monte Carlo runs: VaR, CVaR, probability of ruin, payback."""

from hashwinter.risk.metrics import (
    RunningPayback,
    expected_shortfall,
    path_quantiles,
    payback_summaries,
    payback_summary,
    payback_times,
    ruin_probability,
    time_to_ruin,
    value_at_risk,
)

__all__ = [
    "RunningPayback",
    "expected_shortfall",
    "path_quantiles",
    "payback_summaries",
    "payback_summary",
    "payback_times",
    "ruin_probability",
    "time_to_ruin",
    "value_at_risk",
]
