"""The pages in Debian's chromium, driven by Playwright (no browser download).

Skipped with a one-line reason where /usr/bin/chromium is absent, except in CI
(``CI=true``) or with ``HASHWINTER_REQUIRE_BROWSER=1``, where that is a failure.
Screenshots go to ``$HASHWINTER_ARTIFACTS`` (default: ``tmp/artifacts`` in the
repository).
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from web.helpers import EXAMPLES

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("HASHWINTER_ARTIFACTS",
                                Path(__file__).resolve().parents[2] / "tmp" / "artifacts"))


def _required() -> bool:
    return os.environ.get("HASHWINTER_REQUIRE_BROWSER") == "1" or os.environ.get(
        "CI", "").lower() == "true"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        reason = f"{CHROMIUM} not installed (apt-get install chromium)"
        if _required():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if _required():
            pytest.fail("playwright not installed (pip install playwright)", pytrace=False)
        pytest.skip("playwright not installed (pip install playwright)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def server(live):
    return live


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, errors


def _shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _table(page) -> dict[str, float]:
    cells = page.locator("#board tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.model, r.querySelector('td.shutdown').dataset.value])")
    return {model: float(value) for model, value in cells}


def test_board_tariff_slider_matches_the_api(page, server):
    page.goto(f"{server.url}/")
    page.wait_for_function("document.body.dataset.loads === '1'")
    assert page.input_value("#date") == "2018-12-15" and page.input_value("#currency") == "CNY"
    before = _table(page)
    assert "Antminer S9" in before
    # Move the slider (keyboard: three steps of 0.01 CNY/kWh up), as a user would.
    page.focus("#tariff")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("document.body.dataset.loads === '2'")
    tariff = float(page.input_value("#tariff"))
    assert tariff == pytest.approx(0.31)
    after = _table(page)
    assert after.keys() == before.keys()
    # Shutdown price is proportional to the tariff: 0.31 / 0.28 of what it was.
    for model, value in after.items():
        assert value == pytest.approx(before[model] * 0.31 / 0.28, rel=1e-9)
    api = httpx.get(f"{server.url}/api/v1/shutdown", params={
        "date": "2018-12-15", "currency": "CNY", "tariff": tariff, "pool_fee": 0.02}).json()
    assert {r["model"]: r["shutdown_price"] for r in api["rows"]} == pytest.approx(after)
    page.wait_for_selector("#series .main-svg")
    _shot(page, "board")


def test_farm_with_an_error_names_the_field(page, server, tmp_path):
    bad = tmp_path / "bad.toml"
    text = (EXAMPLES / "lao_luo_a741.toml").read_text(encoding="utf-8")
    bad.write_text(text.replace("price = 0.40", "price = -0.40"), encoding="utf-8")
    page.goto(f"{server.url}/farm")
    page.wait_for_function("document.body.dataset.ready === '1'")
    page.set_input_files("#upload", str(bad))
    item = page.locator("#errors li").first
    item.wait_for()
    assert item.get_attribute("data-field") == "sites[0].tariff.price"
    assert "line 21" in item.inner_text() and "must be > 0" in item.inner_text()
    _shot(page, "farm-error")


def test_farm_backtest_runs_and_charts(page, server):
    page.goto(f"{server.url}/farm")
    page.wait_for_function("document.body.dataset.ready === '1'")
    page.select_option("#example", "lao_luo_a741")
    page.wait_for_function("document.getElementById('from').value === '2018-10-01'")
    page.fill("#from", "2018-11-01")
    page.fill("#to", "2018-11-30")
    page.click("#run")
    page.wait_for_function("document.body.dataset.done !== undefined", timeout=90_000)
    page.wait_for_selector("#chart-0 .main-svg")
    assert page.locator("#charts .chart").count() == 5
    assert "BTC price against" in page.locator("#chart-0").inner_text()
    assert page.locator("#cards .card").count() == 7
    _shot(page, "farm-backtest")


def test_scenario_page_fans_and_ruin(page, server):
    page.goto(f"{server.url}/scenario")
    page.wait_for_function("document.body.dataset.ready === '1'")
    page.fill("#paths", "20")
    page.fill("#horizon", "30")
    page.click("#run")
    page.wait_for_function("document.body.dataset.done !== undefined", timeout=90_000)
    page.wait_for_selector("#chart-5 .main-svg")
    titles = page.locator("#charts .gtitle").all_text_contents()
    assert any(": cash" in t for t in titles) and any("broke" in t for t in titles)
    assert page.locator("#risk tbody tr").count() == 2  # the scenario's two farms
    _shot(page, "scenario")
