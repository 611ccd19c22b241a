"""Ingest against a local server that answers like the Census API (no network)."""

from datetime import date
from pathlib import Path

import duckdb
import pytest
from census_server import CensusTestServer, Fault
from conftest import TEST_KEY

from orchestration.census.client import CensusClient
from orchestration.census.ingest import ingest_flow
from orchestration.census.landing import LandingStore
from orchestration.core.errors import CensusKeyError, CensusNoData, CensusQueryError
from orchestration.devdata.sample import published_total

JAN, FEB = date(2017, 1, 1), date(2017, 2, 1)
LEVELS = ("HS2", "HS4")


def ingest(server, tmp_path: Path, months, *, key=TEST_KEY, flow="exports", **kwargs):
    return ingest_flow(
        flow,
        months,
        source="api",
        levels=LEVELS,
        store=LandingStore(tmp_path / "landing"),
        warehouse_path=tmp_path / "warehouse.duckdb",
        client=CensusClient(server.base_url, key, backoff_factor=0),
        **kwargs,
    )


def snapshot(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select period, count(*), sum(all_val_mo), sum(hash(*columns(* exclude (_loaded_at)))) "
            "from raw.census_exports group by period order by period"
        ).fetchall()


def test_a_month_is_fetched_landed_and_loaded(tmp_path):
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        stats = ingest(server, tmp_path, [JAN])
        # the totals, HS4 for each of the 97 export chapters (HS2 is summed from it), 2 descriptions
        assert stats.requests_made == len(server.data_requests()) == 1 + 97 + 2
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        japan = con.execute(
            "select all_val_mo from raw.census_exports where cty_code = '5880' and comm_lvl = '-'"
        ).fetchone()[0]
        levels = dict(con.execute("select comm_lvl, count(*) from raw.census_exports group by 1").fetchall())
        codes = con.execute("select count(*) from raw.census_exports where e_commodity like '0%'").fetchone()[0]
    assert japan == published_total("5880", "exports", JAN) == 4_986_200_000
    assert set(levels) == {"-", "HS4"} and codes > 0  # chapter codes keep their leading zero


def test_a_second_refresh_fetches_nothing_and_changes_nothing(tmp_path):
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        ingest(server, tmp_path, [JAN])
        before, asked = snapshot(tmp_path / "warehouse.duckdb"), len(server.seen)
        stats = ingest(server, tmp_path, [JAN])
        assert len(server.seen) == asked and stats.requests_made == 0 and stats.requests_reused == 100
    assert snapshot(tmp_path / "warehouse.duckdb") == before


def test_refetch_asks_again_and_identical_content_lands_no_new_file(tmp_path):
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        ingest(server, tmp_path, [JAN])
        files = sorted((tmp_path / "landing").rglob("*.json.gz"))
        stats = ingest(server, tmp_path, [JAN], refetch=True)
    assert stats.requests_made == 100 and sorted((tmp_path / "landing").rglob("*.json.gz")) == files


def test_an_unpublished_month_says_so_and_keeps_what_was_loaded(tmp_path):
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        ingest(server, tmp_path, [JAN])
        before = snapshot(tmp_path / "warehouse.duckdb")
        with pytest.raises(CensusNoData, match="Census has no exports data for 2017-02 yet"):
            ingest(server, tmp_path, [FEB])
    assert snapshot(tmp_path / "warehouse.duckdb") == before


@pytest.mark.parametrize(
    "key, message",
    [("wrong-key-0000000000", "HTML page"), (None, "redirected to api.census.gov/data/missing_key.html")],
)
def test_key_problems_stop_before_anything_is_stored(tmp_path, key, message):
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        with pytest.raises(CensusKeyError, match=message):
            ingest(server, tmp_path, [JAN], key=key)
    assert not (tmp_path / "warehouse.duckdb").exists()
    assert not list((tmp_path / "landing").rglob("*.json.gz"))


def test_a_query_error_mid_month_leaves_the_loaded_month_whole(tmp_path):
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        ingest(server, tmp_path, [JAN])
        before = snapshot(tmp_path / "warehouse.duckdb")
        server.faults = lambda i, seen: (
            Fault(status=400, body=b"error: error: unknown variable 'QTY_1_MO'") if "HS4" in str(seen.params) else None
        )
        with pytest.raises(CensusQueryError, match="unknown variable 'QTY_1_MO'"):
            ingest(server, tmp_path, [JAN], refetch=True)
    assert snapshot(tmp_path / "warehouse.duckdb") == before


def test_the_key_is_nowhere_in_what_is_stored(tmp_path):
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        ingest(server, tmp_path, [JAN])
        ingest(server, tmp_path, [JAN], flow="imports")
    import gzip

    for path in (tmp_path / "landing").rglob("*"):
        if path.is_file():
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            assert TEST_KEY.encode() not in data, path
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        for table in ("census_exports", "census_imports", "census_exports_commodity_names"):
            hits = con.execute(
                f"select count(*) from raw.{table} t where contains(t::varchar, $key)", {"key": TEST_KEY}
            ).fetchone()[0]
            assert hits == 0
