"""The resource guard: where the limit comes from, and estimates against measured peaks."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import hashwinter.resources as resources
from hashwinter.resources import (
    MemoryLimit,
    ResourceError,
    guard_blockclock_run,
    guard_farm_run,
    memory_limit,
    parse_bytes,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "scenarios"


def test_parse_bytes_decimal_and_binary():
    assert parse_bytes("2e9", field="f") == 2_000_000_000
    assert parse_bytes("1.5G", field="f") == 1_500_000_000
    assert parse_bytes("512MiB", field="f") == 512 * 2**20
    assert parse_bytes("3000000", field="f") == 3_000_000
    for bad in ("", "8X", "-1G", "inf", "1k"):  # 1k: below the 1M floor
        with pytest.raises(ResourceError):
            parse_bytes(bad, field="f")


def _fake_proc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, v2: tuple[str, str] | None,
               meminfo_kb: int) -> None:
    limit, usage = tmp_path / "memory.max", tmp_path / "memory.current"
    if v2 is not None:
        limit.write_text(v2[0] + "\n")
        usage.write_text(v2[1] + "\n")
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(f"MemTotal: 99999999 kB\nMemAvailable: {meminfo_kb} kB\n")
    monkeypatch.setattr(resources, "_CGROUP_V2", (limit, usage))
    monkeypatch.setattr(resources, "_CGROUP_V1", (tmp_path / "none", tmp_path / "none"))
    monkeypatch.setattr(resources, "_MEMINFO", meminfo)
    monkeypatch.delenv(resources.MEMORY_ENV, raising=False)


def test_cgroup_headroom_wins_when_smaller(tmp_path, monkeypatch):
    # cgroup: 4 GB limit, 1 GB used -> 3 GB headroom; the machine has 16 GB available.
    _fake_proc(tmp_path, monkeypatch, v2=("4000000000", "1000000000"), meminfo_kb=16_000_000)
    limit = memory_limit()
    assert limit.bytes == 1_500_000_000  # half of 3 GB
    assert limit.source == "0.5 x cgroup limit 4 GB 3 GB"


def test_no_cgroup_limit_uses_memavailable(tmp_path, monkeypatch):
    _fake_proc(tmp_path, monkeypatch, v2=("max", "123"), meminfo_kb=8_000_000)
    limit = memory_limit()
    assert limit.bytes == int(0.5 * 8_000_000 * 1024)
    assert limit.source.startswith("0.5 x MemAvailable")


def test_env_and_flag_override(tmp_path, monkeypatch):
    _fake_proc(tmp_path, monkeypatch, v2=None, meminfo_kb=8_000_000)
    monkeypatch.setenv(resources.MEMORY_ENV, "3G")
    assert memory_limit() == MemoryLimit(3_000_000_000, resources.MEMORY_ENV)
    assert memory_limit("2G") == MemoryLimit(2_000_000_000, "--memory-limit")


def test_fewer_workers_when_only_the_chunks_do_not_fit():
    # 2,000 paths x 365 days, 2 cohorts, chunks of 1,000 (hashwinter.resources.farm_bytes):
    # results 2,000 x (365 x (2 x 65 + 16) + 2 x 2 x 16) = 106.708 MB; one chunk
    # 1,000 x (365 x 89 + 2 x 16 + 2 x 160) + 64 x 2 x 365 = 32.88372 MB.
    limit = MemoryLimit(170_000_000, "test")
    plan = guard_farm_run(paths=2000, days=365, cohorts=[2], chunk_paths=1000, workers=2,
                          limit=limit)
    assert plan.workers == 1
    assert plan.bytes == 106_708_000 + 32_883_720
    assert plan.note is not None and "running 1 at once" in plan.note
    with pytest.raises(ResourceError, match="use a smaller chunk_paths"):
        guard_farm_run(paths=2000, days=365, cohorts=[2], chunk_paths=1000, workers=2,
                       limit=MemoryLimit(120_000_000, "test"))


def test_many_cohorts_fit_without_their_daily_margin():
    # Issue 10: 10,000 cohorts x 1,000 paths x 365 days used to be estimated (and to
    # need) 27 GiB of margin ledger; the recorder keeps per-cohort running figures, so
    # it fits 2 GB in chunks of 250, and only the ledger kept on request is refused.
    limit = MemoryLimit(2_000_000_000, "test")
    plan = guard_farm_run(paths=1000, days=365, cohorts=[10_000], chunk_paths=250,
                          workers=1, limit=limit)
    # results 1,000 x (365 x 146 + 2 x 10,000 x 16) = 373.29 MB; the chunk
    # 250 x (365 x 89 + 10,000 x (16 + 160)) + 64 x 10,000 x 365 = 681.72125 MB.
    assert plan.bytes == 373_290_000 + 681_721_250
    with pytest.raises(ResourceError, match=r"needs ~66\.8 GB"):
        guard_farm_run(paths=1000, days=365, cohorts=[10_000], chunk_paths=250, workers=1,
                       limit=limit, daily_margin=True)


_MEASURE = textwrap.dedent("""
    import sys, tracemalloc
    from concurrent.futures import ThreadPoolExecutor
    from hashwinter.scenario import blockclock_summary, load_scenario, run_blockclock
    from hashwinter.scenario.farmreport import farm_summary
    from hashwinter.scenario.farmrun import run_farms
    key, value, blocks = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    overrides = {"paths": int(sys.argv[5]), "chunk_paths": 100, key: value}
    if blocks:
        overrides["network.blocks"] = blocks
    loaded = load_scenario(sys.argv[1], overrides=overrides)
    tracemalloc.start()
    # One thread: the chunk and the results are counted together, as with one worker.
    with ThreadPoolExecutor(max_workers=1) as executor:
        if loaded.config.kind == "farm":
            farms = run_farms(loaded, executor, progress=False)
            farm_summary(farms, loaded.config.report.var_levels)
        else:
            (result,) = run_blockclock([loaded], executor, progress=False)
            blockclock_summary(result, loaded.config.report.thresholds_min)
    print(tracemalloc.get_traced_memory()[1])
""")


def _measured_peak(scenario: Path, key: str, value: int, blocks: int = 0,
                   paths: int = 400) -> int:
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(scenario), key, str(value),
                           str(blocks), str(paths)],
                          check=True,
                          capture_output=True, text=True)
    return int(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_farm_estimate_is_within_a_factor_two_of_the_measured_peak():
    # winter_farms: Shihezi (2 cohorts) and Lao Luo (1 cohort), 400 paths x 180 days
    # (measured 1.2x below the estimate at 2,000 x 365 too).
    estimate = guard_farm_run(paths=400, days=180, cohorts=[2, 1], chunk_paths=100, workers=1,
                              limit=MemoryLimit(10**12, "test")).bytes
    measured = _measured_peak(EXAMPLES / "winter_farms.toml", "horizon_days", 180)
    assert 0.5 <= estimate / measured <= 2.0, (estimate, measured)


@pytest.mark.slow
def test_many_cohort_farm_estimate_is_within_a_factor_two_of_the_measured_peak(tmp_path):
    # 2,000 fleet items: the engine's (paths, cohorts) state and the per-cohort running
    # figures dominate (200 paths in chunks of 100 over 60 days).
    lines = ['name = "many items"', 'currency = "CNY"', "[[sites]]", 'name = "hall"',
             "capacity_slots = 10000", "capacity_mw = 20.0",
             'tariff = { kind = "flat", price = 0.28, currency = "CNY" }']
    for i in range(2000):
        lines += ["[[fleet]]", 'model = "Antminer S9"', f"count = {1 + i % 4}", 'site = "hall"',
                  f"purchase_date = 2018-0{1 + i % 9}-01", f"unit_price = {500 + i}"]
    lines += ["[treasury]", "starting_cash = 1e7", "[policy]", 'kind = "shutdown_price"']
    (tmp_path / "farm.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = (EXAMPLES / "winter_farms.toml").read_text(encoding="utf-8")
    text = text[: text.index("[[farms]]")] + '[[farms]]\nfile = "farm.toml"\n'
    (tmp_path / "scenario.toml").write_text(text, encoding="utf-8")
    estimate = guard_farm_run(paths=200, days=60, cohorts=[2000], chunk_paths=100, workers=1,
                              limit=MemoryLimit(10**12, "test")).bytes
    measured = _measured_peak(tmp_path / "scenario.toml", "horizon_days", 60, paths=200)
    assert 0.5 <= estimate / measured <= 2.0, (estimate, measured)


@pytest.mark.slow
def test_blockclock_estimate_is_within_a_factor_two_of_the_measured_peak():
    estimate = guard_blockclock_run(paths=400, blocks=1008, rules=[2], trace_every=8,
                                    chunk_paths=100, workers=1,
                                    limit=MemoryLimit(10**12, "test")).bytes
    measured = _measured_peak(EXAMPLES / "noda2019.toml", "network.trace_every", 8, blocks=1008)
    assert 0.5 <= estimate / measured <= 2.0, (estimate, measured)
