"""Ingest against a local Census server with the live server's habits switched on
(../shared/reference/live_api_evidence.md): queries that span too much are given up on, a chapter
with trade answers 204, the wildcard must travel as a literal `*`."""

from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest
from census_server import CensusTestServer, Fault
from conftest import TEST_KEY

from orchestration.census.client import CensusClient, check_table
from orchestration.census.ingest import ingest_flow
from orchestration.census.landing import LandingStore
from orchestration.census.plan import CHAPTERS, CensusRequest
from orchestration.core.errors import CensusIncomplete
from orchestration.devdata.census_dialect import encode_table, render
from orchestration.devdata.sample import month_rows

JAN, FEB = date(2017, 1, 1), date(2017, 2, 1)
LEVELS = ("HS2", "HS4", "HS6")


def ingest(server, tmp_path: Path, months, *, levels=LEVELS, source="api", flow="exports", **client_options):
    return ingest_flow(
        flow,
        months,
        source=source,
        levels=levels,
        store=LandingStore(tmp_path / "landing"),
        warehouse_path=tmp_path / "warehouse.duckdb",
        client=CensusClient(server.base_url, TEST_KEY, backoff_factor=0, **client_options) if server else None,
    )


def cells(path: Path) -> Counter:
    """(month, level, partner, commodity) -> value, from the raw table."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select strftime(period, '%Y-%m'), comm_lvl, cty_code, e_commodity, all_val_mo from raw.census_exports"
        ).fetchall()
    return Counter({row[:4]: row[4] for row in rows})


def server_cells(months, level) -> Counter:
    """What the raw table must hold: the totals, and the detail at the level fetched, countries and
    the world only (the coarser levels are summed in dbt; test_pipeline checks them)."""
    return Counter(
        {
            (f"{m:%Y-%m}", r["COMM_LVL"], r["CTY_CODE"], r["E_COMMODITY"]): int(r["ALL_VAL_MO"])
            for m in months
            for r in month_rows("exports", m, 0)
            if r["COMM_LVL"] == "-" or (r["COMM_LVL"] == level and r["SUMMARY_LVL"] == "DET")
        }
    )


def detail_queries(seen, month: date) -> list[str]:
    """`level prefix` of every all-partner detail query sent for the month."""
    return [
        f"{s.get('COMM_LVL')} {(s.get('E_COMMODITY') or '').rstrip('*')}".strip()
        for s in seen
        if s.get("time") == f"{month:%Y-%m}" and "CTY_CODE" in (s.get("get") or "")
        if s.get("COMM_LVL")
    ]


def test_the_wildcard_and_the_get_list_travel_literally(tmp_path):
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        ingest(server, tmp_path, [JAN], levels=("HS6",))
    chapter = next(s.raw_query for s in server.seen if s.get("E_COMMODITY") == "02*")
    assert "E_COMMODITY=02*" in chapter and "get=CTY_CODE,CTY_NAME,SUMMARY_LVL," in chapter
    assert not any("%2A" in s.raw_query or "%2C" in s.raw_query for s in server.seen)


def test_a_size_limited_server_is_answered_by_splitting_only_where_needed(tmp_path):
    with CensusTestServer([JAN, FEB], key=TEST_KEY) as server:
        # exports spanning more than 5 chapters, or more than 200 rows (the sample's two largest
        # HS6 chapters, 27 and 87, have 252 and 210), are given up on
        server.chapter_limit, server.row_limit, server.give_up_after = 5, 200, 0.05
        stats = ingest(server, tmp_path, [JAN, FEB])
        january, february = detail_queries(server.seen, JAN), detail_queries(server.seen, FEB)
        gave_up = detail_queries(server.gave_up, JAN)
    assert cells(tmp_path / "warehouse.duckdb") == server_cells([JAN, FEB], "HS6")
    # January: one HS6 request per chapter (HS2 and HS4 are summed from it); only the two
    # largest chapters are split, into their 3-digit prefixes, each asked once
    assert sorted(gave_up) == ["HS6 27", "HS6 87"] and stats.requests_split == 2
    assert {"HS6 84", "HS6 271", "HS6 870"} <= set(january) and not {"HS2", "HS4"} & {q[:3] for q in january}
    assert Counter(january)["HS6 27"] == 1  # an oversized query is not sent again
    # February asks for January's parts directly: nothing is given up on
    assert "HS6 27" not in february and "HS6 271" in february and not detail_queries(server.gave_up, FEB)
    # the manifest holds the splits: a replay into a new warehouse, offline, gives the same cells
    replayed = tmp_path / "replay"
    replayed.mkdir()
    (replayed / "landing").symlink_to(tmp_path / "landing")
    ingest(None, replayed, [JAN, FEB], source="replay")
    assert cells(replayed / "warehouse.duckdb") == cells(tmp_path / "warehouse.duckdb")


def test_a_query_that_times_out_is_split_not_sent_again(tmp_path):
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        server.row_limit, server.give_up_after = 200, 2.0  # longer than the client waits
        ingest(server, tmp_path, [JAN], levels=("HS6",), read_timeout=0.5)
        queries = detail_queries(server.seen, JAN)
    assert Counter(queries)["HS6 27"] == 1 and "HS6 270" in queries
    assert cells(tmp_path / "warehouse.duckdb") == server_cells([JAN], "HS6")
    store = LandingStore(tmp_path / "landing")
    split = store.entries("exports", JAN)["detail-hs6-27"]
    assert split.split_into == [f"detail-hs6-27{d}" for d in range(10)] and "no answer within 0.5 s" in split.note


def test_a_dropped_connection_on_a_splittable_request_is_retried_not_split(tmp_path):
    dropped = []

    def drop_the_first_chapter_query(index, seen):
        if seen.get("E_COMMODITY") == "84*" and not dropped:
            dropped.append(index)
            return Fault(drop=True)
        return None

    with CensusTestServer([JAN], key=TEST_KEY, faults=drop_the_first_chapter_query) as server:
        stats = ingest(server, tmp_path, [JAN], levels=("HS2",))
        queries = detail_queries(server.seen, JAN)
    assert dropped and Counter(queries)["HS2 84"] == 2 and stats.requests_split == 0
    assert cells(tmp_path / "warehouse.duckdb") == server_cells([JAN], "HS2")


def test_a_refetch_of_some_levels_leaves_out_the_others_from_the_older_print(tmp_path):
    from orchestration.census.vintages import latest_files

    with CensusTestServer([JAN], key=TEST_KEY) as server:
        server.revision = 1  # the first print
        ingest(server, tmp_path, [JAN], levels=("HS10",))
        server.revision = 0  # the month is revised; HS6 is fetched again, HS10 is not
        ingest_flow(
            "exports", [JAN], source="api", levels=("HS6",), store=LandingStore(tmp_path / "landing"),
            warehouse_path=tmp_path / "warehouse.duckdb", refetch=True,
            client=CensusClient(server.base_url, TEST_KEY, backoff_factor=0),
        )  # fmt: skip
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        _, files = latest_files(con, "exports", JAN)
    assert any("/detail-hs6-" in file for file in files) and not any("/detail-hs10-" in file for file in files)


def snapshot(path: Path) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select period, count(*), sum(hash(*columns(* exclude (_loaded_at)))) from raw.census_exports "
            "group by period order by period"
        ).fetchall()


def test_a_chapter_with_trade_answering_204_is_asked_again_then_fails_the_month(tmp_path):
    with CensusTestServer([JAN, FEB], key=TEST_KEY) as server:
        ingest(server, tmp_path, [JAN])
        before = snapshot(tmp_path / "warehouse.duckdb")
        server.empty_chapters = {"84"}
        with pytest.raises(CensusIncomplete) as failure:
            ingest(server, tmp_path, [FEB])
        asked = Counter(detail_queries(server.seen, FEB))
    message = str(failure.value)
    assert "\n" not in message and message.startswith("exports 2017-02: HS6 detail for chapter 84 answered no rows")
    assert "3 tries" in message and asked["HS6 84"] == 3
    assert snapshot(tmp_path / "warehouse.duckdb") == before  # January as it was, February absent


def test_a_partial_answer_is_caught_when_the_month_is_added_up(tmp_path):
    def without_japan(index, seen):
        """Chapter 84 of HS6 answered without Japan's rows: a 200 that dropped some."""
        if seen.get("E_COMMODITY") != "84*" or seen.get("COMM_LVL") != "HS6":
            return None
        status, headers, body = server.answer(seen.path, seen.params)
        lines = [line for line in body.split(b"\n") if b'"5880"' not in line]
        return Fault(status=200, body=b"\n".join(lines))

    with CensusTestServer([JAN], key=TEST_KEY, faults=without_japan) as server:
        with pytest.raises(CensusIncomplete) as failure:
            ingest(server, tmp_path, [JAN], levels=("HS6",))
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith("exports 2017-01 does not add up, so it was not loaded: the HS6 detail of JAPAN (5880)")
    japan = sum(
        int(r["ALL_VAL_MO"])
        for r in month_rows("exports", JAN, 0)
        if r["CTY_CODE"] == "5880" and r["COMM_LVL"] == "HS6" and not r["E_COMMODITY"].startswith("84")
    )
    assert message.endswith(f"sums to ${japan:,}, not to its total of $4,986,200,000")  # published, Census FT-900
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.census_exports").fetchone()[0] == 0


def test_countries_that_do_not_sum_to_the_world_are_refused(tmp_path):
    rows = list(month_rows("exports", JAN, 0))
    totals = [r for r in rows if r["COMM_LVL"] == "-"]
    header = ["CTY_CODE", "CTY_NAME", "SUMMARY_LVL", "ALL_VAL_MO", "VES_VAL_MO", "AIR_VAL_MO", "time"]
    table = [[r[name] for name in header[:-1]] + ["2017-01"] for r in totals]
    japan = next(row for row in table if row[0] == "5880")
    japan[3] = str(int(japan[3]) + 1)  # one dollar more than Census tabulated
    body = encode_table(header, table)

    def doctored_totals(index, seen):
        return None if seen.get("COMM_LVL") else Fault(status=200, body=body)

    with CensusTestServer([JAN], key=TEST_KEY, faults=doctored_totals) as server:
        with pytest.raises(CensusIncomplete, match="the countries' totals sum to .* but the world's total is"):
            ingest(server, tmp_path, [JAN], levels=("HS2",))


@pytest.mark.parametrize("workers", [1, 3])
def test_a_month_is_fetched_with_at_most_the_configured_requests_at_once(tmp_path, monkeypatch, workers):
    monkeypatch.setenv("CENSUS_MAX_CONCURRENCY", str(workers))
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        server.latency = 0.05  # every answer takes a while, as the live server's 1-12 s
        ingest(server, tmp_path, [JAN], levels=("HS6",))
    assert server.most_in_flight == workers
    assert cells(tmp_path / "warehouse.duckdb") == server_cells([JAN], "HS6")


def test_a_landing_of_the_older_plan_still_replays(tmp_path):
    """Before the plan fetched the finest level by chapter, a month was landed as HS2 in one
    request (or its first digits, where it was split), HS4 by first digit and HS6 by chapter,
    groupings included: such a landing replays with every level it holds."""
    store = LandingStore(tmp_path / "landing")
    rows = list(month_rows("exports", JAN, 0))
    hs2 = CensusRequest("exports", JAN, "detail", "HS2")  # too large: split into first digits
    store.record_split(hs2, hs2.parts(), url="older:detail-hs2", reason="the server gave up")
    older_plan = [
        CensusRequest("exports", JAN, "totals"),
        *hs2.parts(),
        *(CensusRequest("exports", JAN, "detail", "HS4", digit) for digit in "0123456789"),
        *(CensusRequest("exports", JAN, "detail", "HS6", chapter) for chapter in CHAPTERS),
        *(CensusRequest("exports", JAN, "names", level) for level in LEVELS),
    ]
    for request in older_plan:
        params = [param for param in request.params() if param[0] != "SUMMARY_LVL"]
        status, body = render(rows, flow="exports", month="2017-01", params=params)
        header, count = check_table(body) if status == 200 else ([], 0)
        url = f"older:{request.request_id}"
        store.land(request, url=url, status=status, body=body, header=header, rows=count, source="sample")
    ingest(None, tmp_path, [JAN], source="replay")
    everything = Counter(
        {
            (f"{JAN:%Y-%m}", r["COMM_LVL"], r["CTY_CODE"], r["E_COMMODITY"]): int(r["ALL_VAL_MO"])
            for r in rows
            if r["COMM_LVL"] != "HS10"  # never in this landing
        }
    )
    assert cells(tmp_path / "warehouse.duckdb") == everything


def test_a_finer_level_landed_answers_a_coarser_refresh_without_a_request(tmp_path):
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        ingest(server, tmp_path, [JAN], levels=("HS6",))
        asked = len(server.seen)
        ingest(server, tmp_path, [JAN], levels=("HS2", "HS4"))  # HS2 and HS4 are sums of the HS6 landed
        assert len(server.seen) == asked
    assert cells(tmp_path / "warehouse.duckdb") == server_cells([JAN], "HS6")


def test_a_coarser_level_from_an_older_print_is_left_out(tmp_path):
    """HS4 landed from the first print, then the revised month fetched at HS6: a refresh asking for
    HS4 loads the revised HS6 (HS4 is summed from it), never the first print's HS4 beside it."""
    from orchestration.census.vintages import latest_files

    with CensusTestServer([JAN], key=TEST_KEY) as server:
        server.revision = 1
        ingest(server, tmp_path, [JAN], levels=("HS4",))
        server.revision = 0
        ingest_flow(
            "exports", [JAN], source="api", levels=("HS6",), store=LandingStore(tmp_path / "landing"),
            warehouse_path=tmp_path / "warehouse.duckdb", refetch=True,
            client=CensusClient(server.base_url, TEST_KEY, backoff_factor=0),
        )  # fmt: skip
    ingest(None, tmp_path, [JAN], levels=("HS2", "HS4"), source="replay")
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        _, files = latest_files(con, "exports", JAN)
    assert any("/detail-hs6-" in file for file in files) and not any("/detail-hs4-" in file for file in files)


def test_a_refetch_that_failed_half_way_resumes_where_it_stopped(tmp_path):
    """A refetch (the June revision re-asks three years) whose step fails on one chapter is retried
    by Dagster: the retry asks only what this run has not fetched yet, not everything again."""
    from datetime import UTC, datetime

    from orchestration.census.ingest import land_months
    from orchestration.core.errors import CensusQueryError

    store = LandingStore(tmp_path / "landing")
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        client = CensusClient(server.base_url, TEST_KEY, backoff_factor=0)
        land_months("exports", [JAN], source="api", levels=("HS2",), store=store, client=client, concurrency=1)
        run_started = datetime.now(UTC)
        first = len(server.seen)
        server.faults = lambda index, seen: (
            Fault(status=400, body=b"error: error: bad") if seen.get("E_COMMODITY") == "50*" else None
        )
        with pytest.raises(CensusQueryError):
            land_months("exports", [JAN], source="api", levels=("HS2",), store=store, client=client, refetch=True,
                        concurrency=1, fresh_since=run_started)  # fmt: skip
        attempt = detail_queries(server.seen[first:], JAN)
        server.faults = None
        second = len(server.seen)
        land_months("exports", [JAN], source="api", levels=("HS2",), store=store, client=client, refetch=True,
                    concurrency=1, fresh_since=run_started)  # fmt: skip
        retry = detail_queries(server.seen[second:], JAN)
    answered = {query for query in attempt if query != "HS2 50"}
    assert "HS2 50" in attempt and "HS2 50" in retry and answered  # chapters before 50 were refetched
    assert not answered & set(retry)  # ... and are not asked again
    assert len(attempt) + len(retry) - 1 == 97  # every export chapter once, chapter 50 twice
