"""A PDF of the report, printed by headless Chromium where it is installed.

Chromium runs the page's scripts (plotly draws the charts) before printing; without a
Chromium the caller writes the HTML alone and says so in one line.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

__all__ = ["CHROMIUM_NAMES", "find_chromium", "print_pdf"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: How long Chromium may take to render and print the report. [s]
TIMEOUT_S = 180.0


def find_chromium() -> str | None:
    """Return the first Chromium-like browser on PATH (or /usr/bin), else None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name) or shutil.which(name, path="/usr/bin")
        if found:
            return found
    return None


def print_pdf(html: Path, pdf: Path, browser: str | None = None) -> str | None:
    """Print ``html`` to ``pdf``; return None on success, else a one-line note why not."""
    exe = browser or find_chromium()
    if exe is None:
        return "no Chromium installed: wrote the HTML report alone (no PDF)"
    # --virtual-time-budget lets the page's scripts (plotly) finish before printing.
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-pdf-header-footer", "--virtual-time-budget=20000",
           f"--print-to-pdf={pdf}", html.resolve().as_uri()]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"Chromium could not print the PDF ({type(exc).__name__}): wrote the HTML alone"
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        pdf.unlink(missing_ok=True)
        return f"Chromium could not print the PDF (exit {done.returncode}): wrote the HTML alone"
    return None
