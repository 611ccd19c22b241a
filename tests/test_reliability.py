"""Reliability end to end (slow): revisions kept as vintages, transient and permanent faults,
SIGKILL at several points, idempotence, two refreshes at once, key hygiene, quotes in paths."""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from census_server import CensusTestServer, Fault
from conftest import ROOT, TEST_KEY
from helpers import balances, prints_and_duplicates, run_cli_in_own_group, snapshot, truth

from orchestration.app.cli import main
from orchestration.devdata.sample import month_rows

pytestmark = pytest.mark.slow

JAN, FEB = date(2017, 1, 1), date(2017, 2, 1)
REFRESH = ["refresh", "--start", "2017-01", "--end", "2017-01", "--levels", "HS2", "--no-progress"]
MARTS = ("fct_bilateral_balance_monthly", "fct_trade_monthly", "fct_product_flows", "dim_country", "dim_commodity")


@pytest.fixture
def fast_client(monkeypatch):
    """A patient client, quickly: short read timeout, retries without waiting."""
    monkeypatch.setenv("CENSUS_API_READ_TIMEOUT", "1")
    monkeypatch.setenv("CENSUS_API_BACKOFF", "0")
    monkeypatch.setenv("CENSUS_API_MAX_RETRIES", "5")


def marts(path: Path) -> dict:
    return {k: v for k, v in snapshot(path, ("marts",)).items() if k.split(".")[1] in MARTS}


def test_a_revision_is_picked_up_by_refetch_and_both_vintages_are_kept(isolated_env, monkeypatch, capsys):
    warehouse = isolated_env / "warehouse.duckdb"
    refresh = [*REFRESH[:-2], "HS2,HS4", "--no-progress"]  # fetched at HS4, HS2 summed from it
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        server.revision = 1  # the first print
        assert main(refresh) == 0
        first_print = balances(warehouse)[(JAN, "5880", "exports")]
        between = datetime.now(UTC).replace(tzinfo=None)

        server.revision = 0  # Census revises the month
        asked = len(server.seen)
        assert main(refresh) == 0  # already landed: nothing fetched, nothing changes
        assert len(server.seen) == asked and balances(warehouse)[(JAN, "5880", "exports")] == first_print
        assert main([*refresh, "--refetch"]) == 0
    published = 4_986_200_000
    assert first_print != published and balances(warehouse)[(JAN, "5880", "exports")] == published
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select list(vintage order by vintage) from raw.census_exports_vintages").fetchone()[0] == [
            1,
            2,
        ]
        revision = con.execute(
            "select first_value_usd, latest_value_usd, revision_usd, vintages from marts.fct_trade_revisions "
            "where flow = 'exports' and partner_code = '5880' and commodity_code = '-'"
        ).fetchone()
        then = con.execute(
            "select exports_usd from marts.bilateral_balance_as_of($t) where partner_code = '5880'", {"t": between}
        ).fetchone()[0]
        now = con.execute(
            "select exports_usd from marts.bilateral_balance_as_of(current_date) where partner_code = '5880'"
        ).fetchone()[0]
        kept = con.execute("select count(distinct _landed_file) from raw.census_exports").fetchone()[0]
        # the HS2 figures were never fetched: their revisions are summed from each print's HS4
        chapters = dict(
            con.execute(
                "select commodity_code, revision_usd from marts.fct_trade_revisions "
                "where flow = 'exports' and partner_code = '5880' and hs_level = 2"
            ).fetchall()
        )
    assert revision == (first_print, published, published - first_print, 2)
    printed = {
        revision: {r["E_COMMODITY"]: int(r["ALL_VAL_MO"]) for r in month_rows("exports", JAN, revision)
                   if r["CTY_CODE"] == "5880" and r["COMM_LVL"] == "HS2"}
        for revision in (1, 0)
    }  # fmt: skip
    codes = printed[0].keys() | printed[1].keys()
    expected = {code: printed[0].get(code, 0) - printed[1].get(code, 0) for code in codes}
    assert chapters and chapters == expected
    assert (then, now) == (first_print, published)
    assert kept > 2  # the first print's responses are still in raw, beside the revised ones


def test_a_fifth_of_requests_failing_transiently_still_gives_exact_totals(isolated_env, monkeypatch, fast_client):
    chance = random.Random(20170201)
    injected = []

    def faults(index, seen):
        if chance.random() >= 0.2:
            return None
        fault = chance.choice(
            [
                Fault(503, b"Service Unavailable"),
                Fault(429, b"Too Many Requests", {"Retry-After": "1"}),
                Fault(stall_seconds=1.5),
                Fault(truncate=True),
                Fault(500, b"There was an error while running your query."),
            ]
        )
        injected.append(fault)
        return fault

    with CensusTestServer([JAN, FEB], key=TEST_KEY, faults=faults) as server:
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        code = main(["refresh", "--start", "2017-01", "--end", "2017-02", "--levels", "HS2", "--no-progress"])
        requests = len(server.seen)
    assert code == 0 and len(injected) >= 0.1 * requests
    print(f"{len(injected)} faults injected in {requests} requests")
    expected = truth([JAN, FEB])
    got = balances(isolated_env / "warehouse.duckdb")
    assert {k: got[k] for k in expected} == expected


def test_a_permanent_failure_stops_with_one_line_and_keeps_what_was_loaded(isolated_env, monkeypatch, capsys):
    warehouse = isolated_env / "warehouse.duckdb"
    html = Fault(200, b"<html>Invalid Key</html>", {"Content-Type": "text/html"})
    with CensusTestServer([JAN, FEB], key=TEST_KEY) as server:
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        assert main(REFRESH) == 0
        before = snapshot(warehouse)
        server.faults = lambda i, seen: html if ("time", "2017-02") in seen.params else None
        code = main(["refresh", "--start", "2017-01", "--end", "2017-02", "--levels", "HS2", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "HTML page instead of data" in err
    assert snapshot(warehouse) == before  # January as it was, no part of February
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.census_exports where period = '2017-02-01'").fetchone()[0] == 0


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_cli_in_own_group(args, env, ROOT)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    """The marts of a clean one-month refresh, to compare recovered runs with."""
    folder = tmp_path_factory.mktemp("reference")
    env = {**os.environ, "WAREHOUSE_PATH": str(folder / "w.duckdb"), "LANDING_DIR": str(folder / "landing"),
           "CENSUS_API_KEY": TEST_KEY}  # fmt: skip
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        env["CENSUS_API_BASE_URL"] = server.base_url
        result = _cli(REFRESH, {k: v for k, v in env.items() if k != "DAGSTER_HOME"})
    assert result.returncode == 0, result.stderr
    return marts(folder / "w.duckdb")


@pytest.mark.process
@pytest.mark.xdist_group("reliability-reference")  # one worker builds the module's reference
# Killed while loading raw, and while dbt writes the marts. Killed while fetching:
# test_operable.py's SIGKILL and second-SIGINT tests.
@pytest.mark.parametrize("point", ["load", "dbt:20"])
def test_a_killed_refresh_is_finished_by_the_next_one(point, reference, isolated_env, monkeypatch):
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        killed = _cli(REFRESH, {**os.environ, "TRADE_WAREHOUSE_FAILPOINT": point})
        assert killed.returncode == -9, killed.stderr[-2000:]
        assert main(REFRESH) == 0
    warehouse = isolated_env / "warehouse.duckdb"
    assert marts(warehouse) == reference
    assert prints_and_duplicates(warehouse) == ([(JAN, 1)], 0)


def test_three_refreshes_of_the_same_range_are_identical(isolated_env, monkeypatch):
    warehouse = isolated_env / "warehouse.duckdb"
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        states = []
        for _ in range(3):  # the first from an empty warehouse, then two over it
            assert main(REFRESH) == 0
            states.append(snapshot(warehouse))
    assert all(state == states[0] for state in states[1:])


@pytest.mark.process
def test_two_refreshes_at_once_one_waits_its_turn_or_says_busy(isolated_env, monkeypatch):
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        env = {**os.environ, "CENSUS_API_BASE_URL": server.base_url}
        first = subprocess.Popen([sys.executable, "-m", "orchestration.app.cli", *REFRESH], env=env, cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        second = subprocess.Popen([sys.executable, "-m", "orchestration.app.cli", *REFRESH], env=env, cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        results = [p.communicate(timeout=600) + (p.returncode,) for p in (first, second)]
    codes = sorted(code for _, _, code in results)
    assert codes in ([0, 0], [0, 1])
    for _, err, code in results:
        if code == 1:
            assert "is busy: another refresh (process" in err and err.count("\n") == 1
    assert balances(isolated_env / "warehouse.duckdb")[(JAN, "5880", "exports")] == 4_986_200_000


def test_the_api_key_leaks_nowhere(isolated_env, monkeypatch, tmp_path):
    canary = "canary-key-3f9d2c1b7e6a5d4c3b2a1f0e9d8c7b6a5f4e3d2c"
    home = Path(os.environ["DAGSTER_HOME"])  # the shipped instance config, made by isolated_env
    monkeypatch.setenv("CENSUS_API_KEY", canary)
    log_file = tmp_path / "debug.log"
    handler = logging.FileHandler(log_file)
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)  # urllib3 logs every request URL at DEBUG
    before_targets = set((ROOT / "dbt_project/target").glob("*"))
    try:
        with CensusTestServer([JAN], key=canary) as server:
            monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
            assert main(REFRESH) == 0
            assert any(canary in str(seen.params) for seen in server.seen)  # it was sent
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    handler.close()
    assert "GET /data/timeseries/intltrade" in log_file.read_text()  # the URLs were logged ...
    searched = [log_file, *home.rglob("*"), *(isolated_env / "landing").rglob("*")]
    searched += [p for t in set((ROOT / "dbt_project/target").glob("*")) - before_targets for p in t.rglob("*")]
    files = [p for p in searched if p.is_file()]
    import gzip

    for path in files:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        assert canary.encode() not in data, path  # ... without the key
    with duckdb.connect(str(isolated_env / "warehouse.duckdb"), read_only=True) as con:
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name in ('raw', 'staging', 'marts')"
        ).fetchall()
        for schema, table in tables:
            hits = con.execute(
                f'select count(*) from "{schema}"."{table}" t where contains(t::varchar, $k)', {"k": canary}
            ).fetchone()[0]
            assert hits == 0, table
    print(f"searched {len(files)} files and {len(tables)} tables: 0 hits")


def test_quotes_in_paths_are_data_not_sql(isolated_env, monkeypatch, capsys):
    odd = isolated_env / "it's" / 'a "test"'
    monkeypatch.setenv("WAREHOUSE_PATH", str(odd / "warehouse.duckdb"))
    monkeypatch.setenv("LANDING_DIR", str(odd / "land'ing"))
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        assert main(REFRESH) == 0
        # the file name itself becomes dbt-duckdb's database name, which it does not quote: refused
        monkeypatch.setenv("WAREHOUSE_PATH", str(odd / "ware'house.duckdb"))
        assert main(REFRESH) == 1
    assert "the file name must not contain quotes" in capsys.readouterr().err
    assert balances(odd / "warehouse.duckdb")[(JAN, "5880", "imports")] == 10_493_400_000
