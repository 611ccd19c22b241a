"""`trade-warehouse plan` and `doctor`, against the local Census and HTS servers."""

import re
from datetime import date

from census_server import CensusTestServer
from conftest import TEST_KEY
from hts_server import HtsTestServer

from orchestration.app.cli import main
from orchestration.census.client import CensusClient
from orchestration.census.ingest import ingest_flow
from orchestration.census.landing import LandingStore
from orchestration.census.plan import DEFAULT_LEVELS
from orchestration.core.periods import add_months

JAN, FEB = date(2017, 1, 1), date(2017, 2, 1)
LEVELS = DEFAULT_LEVELS  # what `plan` counts without --levels


def ingest(server, root, month):
    for flow in ("exports", "imports"):
        ingest_flow(
            flow,
            [month],
            source="api",
            levels=LEVELS,
            store=LandingStore(root / "landing"),
            warehouse_path=root / "warehouse.duckdb",
            client=CensusClient(server.base_url, TEST_KEY, backoff_factor=0),
        )


def data_requests(server, month: date) -> int:
    return sum(seen.get("time") == f"{month:%Y-%m}" for seen in server.data_requests())


def test_plan_counts_the_requests_a_refresh_makes_splits_included(isolated_env, capsys):
    with CensusTestServer([JAN, FEB], key=TEST_KEY) as server:
        server.row_limit = 200  # January's largest chapters are split, in both flows
        ingest(server, isolated_env, JAN)
        assert {seen.get("COMM_LVL") + " " + seen.path.split("/")[-2] for seen in server.gave_up} == {
            "HS10 exports",
            "HS10 imports",
        }
        january = data_requests(server, JAN) - len(server.gave_up)
        assert main(["plan", "--start", "2017-01", "--end", "2017-02"]) == 0
        out = capsys.readouterr().out
        planned = {name: int(value.replace(",", "")) for name, value in re.findall(r"  (\w[\w ]+?) +([\d,]+)", out)}
        ingest(server, isolated_env, FEB)
        february = data_requests(server, FEB)
    assert out.startswith("plan for 2017-01 to 2017-02, levels HS2,HS4,HS6,HS10 (detail fetched at HS10 by chapter)")
    assert planned["already landed"] == january and "(2 of 4 flow-months complete)" in out
    assert planned["to fetch"] == february  # February is asked in January's parts, as planned
    assert planned["requests"] == january + february
    assert re.search(r"estimate +\d+ s at \d+\.\d s per request \(median of \d+ on the last run\), 4 at a time", out)


def test_plan_without_measurements_uses_the_live_servers_latency(capsys):
    assert main(["plan", "--start", "2024-01", "--end", "2024-12", "--levels", "HS2,HS4,HS6"]) == 0
    out = capsys.readouterr().out
    # a month: the totals, HS6 by chapter (97 chapters of exports, 98 of imports), 3 descriptions
    assert "requests         2,436 (per month: 101 of exports, 102 of imports)" in out
    assert "to fetch         2,436" in out
    assert "estimate         10 min to 2 h 02 min at the live server's 1-12 s per request, 4 at a time" in out


def _hts(shared):
    folder = shared / "fixtures/tariffs/usitc_hts"
    files = {"2025HTSRev18": folder / "hts_2025_rev_18_ch02_27_87_93_9903_9904.json"}
    return HtsTestServer(files, {"2025HTSRev18": "08/07/2025"}, current="2025HTSRev18")


def test_doctor_says_in_plain_words_what_works(shared, monkeypatch, capsys):
    this_month = date.today().replace(day=1)
    served = [add_months(this_month, -3), add_months(this_month, -2)]
    with CensusTestServer(served, key=TEST_KEY) as census, _hts(shared) as hts:
        monkeypatch.setenv("CENSUS_API_BASE_URL", census.base_url)
        monkeypatch.setenv("HTS_API_BASE_URL", hts.base_url)
        code = main(["doctor"])
        calls = len(census.seen) + len(hts.seen)
        sent = [seen.raw_query for seen in census.seen]
    out = capsys.readouterr().out.splitlines()
    world = [query for query in sent if "CTY_CODE=-" in query]  # the two wildcard probes ask the world only
    assert sum("E_COMMODITY=84%2A" in query for query in world) == 1
    assert sum("E_COMMODITY=84*" in query for query in world) == 1
    assert code == 0 and calls <= 7
    assert out[0] == f"ok    Census key: accepted; the newest published month is {served[-1]:%Y-%m}"
    assert out[1].startswith("ok    wildcard sent as E_COMMODITY=84*: understood (")
    assert out[2].startswith("ok    wildcard sent as E_COMMODITY=84%2A: understood (")
    assert re.fullmatch(
        r"ok    one chapter \(exports HS10 84, all partners, \d{4}-\d\d\): [\d,]+ rows in \d+\.\d s", out[3]
    )
    assert out[4:] == ["ok    HTS release list: answered; the current release is 2025HTSRev18",
                       "everything answered as expected"]  # fmt: skip


def test_doctor_without_a_key_says_so_and_still_checks_the_hts_service(shared, monkeypatch, capsys):
    monkeypatch.delenv("CENSUS_API_KEY")
    with _hts(shared) as hts:
        monkeypatch.setenv("HTS_API_BASE_URL", hts.base_url)
        code = main(["doctor"])
    out, err = capsys.readouterr()
    assert code == 1 and out.splitlines()[0].startswith("FAIL  Census key: CENSUS_API_KEY is not set")
    assert "ok    HTS release list: answered" in out and err.startswith("error: the live services did not all")
