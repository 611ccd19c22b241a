"""The Dagster UI, opened in headless Chromium the way an operator would use it.

A one-month refresh runs against a temporary Dagster instance; the webserver serves that instance on
127.0.0.1 and Playwright drives Debian's `chromium` (no browser download). Screenshots go to
test-artifacts/dagster-ui/ so a person can look at them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, TEST_KEY, dagster_home
from helpers import free_port, offline_env, stop

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = ROOT / "test-artifacts" / "dagster-ui"
MONTH = date(2017, 1, 1)

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"),
    pytest.mark.process,
    pytest.mark.xdist_group("dagster-ui"),  # one worker, one webserver and browser for the module
]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dagster-webserver exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"dagster-webserver did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory, sample_landing: Path):
    from orchestration.app.runner import SAMPLE_LEVELS, RefreshRequest, refresh

    root = tmp_path_factory.mktemp("ui")
    home = dagster_home(root / "dagster_home")  # the instance users get: the UI reads its event log
    env = {"DAGSTER_HOME": str(home), **offline_env(root, sample_landing, TEST_KEY)}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        refresh(
            RefreshRequest(
                months=[MONTH],
                source="replay",
                levels=SAMPLE_LEVELS,
                landing_dir=sample_landing,
                warehouse_path=root / "warehouse.duckdb",
            ),
            show_progress=False,
        )

    port = free_port()
    log = root / "webserver.log"
    command = [str(Path(sys.executable).parent / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port)]
    command += ["-m", "orchestration.definitions"]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(f"http://127.0.0.1:{port}/server_info", process, log)
        yield f"http://127.0.0.1:{port}", root / "warehouse.duckdb"
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(webserver, browser):  # refresh before Playwright starts its event loop
    context = browser.new_context(base_url=webserver[0], viewport={"width": 1600, "height": 1000})
    context.set_default_timeout(60_000)
    # The operator has skipped the newsletter dialog Dagster shows once per browser on localhost
    # (remembered as localStorage "communityNux"). Clicking Skip when it shows raced the dialog:
    # on a loaded machine it opened after the click's wait and covered the page.
    context.add_init_script("window.localStorage.setItem('communityNux', JSON.stringify('1'))")
    page = context.new_page()
    yield page
    context.close()


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_the_lineage_shows_ingest_dbt_and_publish_groups(page):
    page.goto("/asset-groups")
    for group in ("census", "tariffs", "staging", "marts", "publish"):
        page.get_by_text(group, exact=True).first.wait_for()
    page.wait_for_timeout(1_500)  # let the graph settle before the picture
    _screenshot(page, "lineage")


def test_the_catalog_lists_the_ingest_dbt_and_publish_assets_by_name(page):
    page.set_viewport_size({"width": 1600, "height": 6400})  # the list is virtualized: show every row
    page.goto("/assets?view=flat")
    page.get_by_text("fct_bilateral_balance_monthly").first.wait_for()
    page.get_by_text("warehouse_copy").first.wait_for()
    listed = set(re.findall(r"^(\w+) / (\w+)$", page.inner_text("body"), re.MULTILINE))
    expected = {
        ("raw", "census_exports"),
        ("raw", "census_imports"),
        ("raw", "hts_lines"),
        ("staging", "stg_census__exports"),
        ("marts", "fct_trade_monthly"),
        ("marts", "fct_bilateral_balance_monthly"),
        ("marts", "fct_product_flows"),
        ("marts", "fct_effective_tariff_monthly"),
        ("serving", "warehouse_copy"),
        ("serving", "report"),
    }
    assert expected <= listed, f"missing from the catalog: {sorted(expected - listed)}"
    _screenshot(page, "catalog")


def test_the_refreshed_month_shows_as_a_materialized_partition(page, webserver, read_only):
    page.goto("/assets/raw/census_exports?view=partitions")
    page.get_by_text("Materialized (1)").wait_for()
    page.get_by_placeholder("Filter by name").fill(MONTH.isoformat()[:7])
    page.get_by_text(MONTH.isoformat(), exact=True).first.click()
    page.get_by_text("View all historical events (1)").wait_for()
    page.get_by_text("dagster/row_count").wait_for()
    shown = re.search(r"dagster/row_count\s+(\d+)", page.inner_text("body"))
    stored = read_only(webserver[1]).execute("select count(*) from raw.census_exports where period = ?", [MONTH])
    assert shown and int(shown.group(1)) == stored.fetchone()[0] > 0
    _screenshot(page, "partition")


def test_freshness_by_data_month_shows_on_the_ingest_asset(page):
    """The one-month refresh (2017-01) published, and the publish ran the freshness check: the UI
    shows it failed, with the newest month loaded, because later released months are not."""
    page.goto("/assets/raw/census_exports?view=checks")
    page.get_by_text("data_month_is_current").first.wait_for()
    page.wait_for_timeout(1_000)  # the list fills in its states
    states = dict(re.findall(r"^(\w+)\n\1\n(Succeeded|Failed|Warning|Not evaluated)$", page.inner_text("body"), re.M))
    assert states["data_month_is_current"] == "Failed" and states["rows_present"] == "Succeeded", states
    page.get_by_text("data_month_is_current").first.click()
    page.get_by_text("months_behind").first.wait_for()
    body = page.inner_text("body")
    assert "latest_month" in body and MONTH.isoformat()[:7] in body
    _screenshot(page, "freshness")
