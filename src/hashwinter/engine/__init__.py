"""One vectorized engine for backtests, Monte Carlo, sweeps and the network simulation.

State is arrays shaped ``(V, P, C)``: parameter variants, price/network paths,
cohorts of identical machines. A run steps through days (or hours) once; no
Python loop touches a variant, a path or a cohort. See docs/engine.md.
"""

from hashwinter.engine.actions import Actions, Moves, Transfers
from hashwinter.engine.blockdraws import DRAW_CHUNK_BLOCKS
from hashwinter.engine.blockresult import BlockClockResult
from hashwinter.engine.blocks import BlockNetwork, BlockPrice, BlockState, BlockTrace
from hashwinter.engine.blockstudy import simulate_blocks
from hashwinter.engine.checks import (
    CASH_TOLERANCE,
    COIN_TOLERANCE,
    ConservationError,
    ConservationReport,
)
from hashwinter.engine.chunks import concat_totals, run_in_chunks
from hashwinter.engine.clock import Clock, Resolution
from hashwinter.engine.cohorts import Cohorts
from hashwinter.engine.ledger import Ledger
from hashwinter.engine.market import DailyMarket, market_from_coinmetrics
from hashwinter.engine.network import (
    EndogenousNetwork,
    EndogenousState,
    ExogenousNetwork,
    Network,
    NetworkStep,
    RestOfWorld,
    RetargetRule,
    bitcoin_retarget,
)
from hashwinter.engine.policy import Observation, Policies, Policy
from hashwinter.engine.positions import FixedPriceForward, Instrument, Position, Settlement
from hashwinter.engine.recorders import (
    TOTAL_FIELDS,
    LedgerRecorder,
    OwnerStats,
    OwnerStatsRecorder,
    Totals,
    TotalsRecorder,
)
from hashwinter.engine.run import RunResult, run
from hashwinter.engine.spec import EngineSpec, Owners
from hashwinter.engine.step import Recorder, RunMeta, StepData, TradeStep
from hashwinter.engine.treasury import OwnerTreasury, Treasury, TreasuryStep, treasury_step
from hashwinter.engine.variants import grid

__all__ = [
    "CASH_TOLERANCE",
    "COIN_TOLERANCE",
    "DRAW_CHUNK_BLOCKS",
    "TOTAL_FIELDS",
    "Actions",
    "BlockClockResult",
    "BlockNetwork",
    "BlockPrice",
    "BlockState",
    "BlockTrace",
    "Clock",
    "Cohorts",
    "ConservationError",
    "ConservationReport",
    "DailyMarket",
    "EndogenousNetwork",
    "EndogenousState",
    "EngineSpec",
    "ExogenousNetwork",
    "FixedPriceForward",
    "Instrument",
    "Ledger",
    "LedgerRecorder",
    "Moves",
    "Network",
    "NetworkStep",
    "Observation",
    "OwnerStats",
    "OwnerStatsRecorder",
    "OwnerTreasury",
    "Owners",
    "Policies",
    "Policy",
    "Position",
    "Recorder",
    "Resolution",
    "RestOfWorld",
    "RetargetRule",
    "RunMeta",
    "RunResult",
    "Settlement",
    "StepData",
    "Totals",
    "TotalsRecorder",
    "TradeStep",
    "Transfers",
    "Treasury",
    "TreasuryStep",
    "bitcoin_retarget",
    "concat_totals",
    "grid",
    "market_from_coinmetrics",
    "run",
    "run_in_chunks",
    "simulate_blocks",
    "treasury_step",
]
