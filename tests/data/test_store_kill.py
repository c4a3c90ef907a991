"""Killing the importing process mid-import leaves the store as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pandas as pd
import pytest

from datafiles import shared_data_file
from hashwinter.data import HistoryStore, import_file
from hashwinter.data.schema import TABLES
from hashwinter.errors import InputError

# The child imports the whole BTC history and, once the first chunk is inside the open
# transaction, says so and waits to be killed.
CHILD = """
import sys, time
from hashwinter.data import import_file

def progress(stage, done, total):
    if stage == "write" and done > 0:
        print("MID-IMPORT", done, total, flush=True)
        time.sleep(120)

import_file("coinmetrics", sys.argv[1], store=sys.argv[2], progress=progress)
print("FINISHED", flush=True)
"""


def snapshot(path) -> dict[str, pd.DataFrame]:
    with HistoryStore.open(path) as st:
        return {t: st.query(f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES}


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return out[0] if out else ""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_mid_import_leaves_the_store_unchanged(tmp_path):
    store = tmp_path / "h.duckdb"
    import_file("ecb", shared_data_file("usd_cny_daily.csv"), store=store)
    import_file("machine-prices", shared_data_file("used_asic_prices.csv"), store=store)
    before = snapshot(store)

    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(shared_data_file("btc_daily.csv")), str(store)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        line = _read_line(proc, timeout=60)
        assert line.startswith("MID-IMPORT"), (line, proc.stderr.read() if proc.poll() else "")
        done, total = map(int, line.split()[1:])
        assert 0 < done < total == 2 * 5727  # chain rows and prices, written in chunks
        # While the import holds the store, another process gets a clear one-line error.
        with pytest.raises(InputError, match="in use by another hashwinter process"):
            HistoryStore.open(store)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()

    after = snapshot(store)
    for table in TABLES:
        pd.testing.assert_frame_equal(before[table], after[table])
    # The store is healthy: the same import now completes.
    report = import_file("coinmetrics", shared_data_file("btc_daily.csv"), store=store)
    assert report.rows["chain_daily"] == 5727
