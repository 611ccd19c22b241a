"""Bad input, table-driven: each case gives the exact one-line error a user sees, and nothing
already stored is lost (January is loaded first; the bad input hits February or the command)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from census_server import CensusTestServer, Fault, Seen
from conftest import TEST_KEY
from helpers import snapshot

from orchestration.app.cli import main
from orchestration.census.client import CensusClient
from orchestration.census.ingest import ingest_flow
from orchestration.census.landing import LandingStore
from orchestration.core.errors import WarehouseError
from orchestration.devdata.sample import month_rows

JAN, FEB = date(2017, 1, 1), date(2017, 2, 1)
LEVELS = ("HS2",)
# The client's read timeout: short, yet long enough for the local server to answer while other test
# workers keep the CPU busy.
READ_TIMEOUT = 3.0


def table(header: list[str], rows: list[list[str]]) -> bytes:
    return json.dumps([header, *rows]).encode()


TOTALS_HEADER = ["CTY_CODE", "CTY_NAME", "SUMMARY_LVL", "ALL_VAL_MO", "VES_VAL_MO", "AIR_VAL_MO", "time"]


def totals(*rows: list[str]) -> bytes:
    return table(TOTALS_HEADER, [*rows])


WORLD = ["-", "TOTAL FOR ALL COUNTRIES", "DET", "100", "50", "20", "2017-02"]


def february_totals(extra: dict[str, str | None]) -> bytes:
    """The sample's February totals with extra columns: each a copy of another column, or "-"."""
    rows = [r for r in month_rows("exports", FEB) if r["COMM_LVL"] == "-"]
    cells = [
        [r[n] for n in TOTALS_HEADER[:-1]] + ["2017-02"] + [r[c] if c else "-" for c in extra.values()] for r in rows
    ]
    return table(TOTALS_HEADER + list(extra), cells)


@dataclass(frozen=True)
class Case:
    name: str
    fault: Fault | Callable[[], Fault]
    message: str
    request: str = "totals"  # which February request gets the fault (totals, or hs2 for the HS2 detail)
    loads: bool = False  # tolerated input: February loads


HS2_HEADER = ["CTY_CODE", "CTY_NAME", "SUMMARY_LVL", "E_COMMODITY", "ALL_VAL_MO", "VES_VAL_MO", "AIR_VAL_MO",
              "QTY_1_MO", "QTY_1_MO_FLAG", "UNIT_QY1", "time", "COMM_LVL"]  # fmt: skip
HTML = {"Content-Type": "text/html"}

CASES = [
    Case("html key page", Fault(200, b"<html><body>Invalid Key</body></html>", HTML),
         "HTML page instead of data: the API key is missing or invalid"),
    Case("redirect to the key page", Fault(302, headers={"Location": "https://api.census.gov/data/missing_key.html"}),
         "redirected to api.census.gov/data/missing_key.html: the API key is missing or invalid"),
    Case("unknown variable", Fault(400, b"error: error: unknown variable 'ALL_VAL_MO'"),
         "Census rejected http://127.0.0.1"),
    Case("204 for a month that should exist", Fault(204), "Census has no exports data for 2017-02 yet (HTTP 204)"),
    Case("not JSON at all", Fault(200, b"Service temporarily unavailable"),
         "invalid or truncated JSON (Expecting value at byte 0)"),
    Case("truncated JSON", Fault(200, totals(WORLD)[:40]), "invalid or truncated JSON"),
    Case("empty body with status 200", Fault(200, b""), "Census API answered HTTP 200 with an empty body"),
    Case("JSON that is not a table", Fault(200, b'{"rows": []}'), "JSON that is not an array of rows with a header"),
    Case("JSON null", Fault(200, b"null"), "JSON that is not an array of rows with a header"),
    Case("row wider than the header", Fault(200, totals(WORLD + ["extra"])), "row whose width differs"),
    Case("header without a required column",
         Fault(200, table(TOTALS_HEADER[:3] + TOTALS_HEADER[4:], [WORLD[:3] + WORLD[4:]])),
         "exports 2017-02 totals: header lacks required column ALL_VAL_MO"),
    Case("non-numeric cell", Fault(200, totals(["-", "TOTAL FOR ALL COUNTRIES", "DET", "12x", "5", "2", "2017-02"])),
         "1 row with non-numeric value in ALL_VAL_MO (e.g. '12x')"),
    Case("negative cell", Fault(200, totals(["-", "TOTAL FOR ALL COUNTRIES", "DET", "-5", "5", "2", "2017-02"])),
         "1 row with negative value in ALL_VAL_MO (e.g. '-5')"),
    Case("unknown country code",
         Fault(200, totals(WORLD, ["58800", "JAPAN", "DET", "1", "1", "0", "2017-02"])),
         "1 row with a CTY_CODE that is no Census country code (e.g. '58800')"),
    Case("country code with a quote in it",
         Fault(200, totals(WORLD, ["58'0", "JAPAN", "DET", "1", "1", "0", "2017-02"])),
         "a CTY_CODE that is no Census country code (e.g. \"58'0\")"),
    Case("country code that lost its leading zero",
         Fault(200, totals(WORLD, ["3", "EUROPEAN UNION", "CGP", "1", "1", "0", "2017-02"])),
         "a CTY_CODE that is no Census country code (e.g. '3')"),
    Case("HS code that lost its leading zero",
         Fault(200, table(HS2_HEADER, [["5880", "JAPAN", "DET", "2", "10", "5", "1", "0", "M", "", "2017-02", "HS2"]])),
         "a E_COMMODITY that does not have the digits of its COMM_LVL (leading zeros lost?) (e.g. '2')",
         request="hs2"),
    Case("rows for another month", Fault(200, totals(WORLD[:-1] + ["2017-03"])),
         "rows for another month than 2017-02 (time column)"),
    Case("totals with a header only", Fault(200, totals()),
         "exports 2017-02: the totals response has no rows, so the month cannot be loaded"),
    Case("duplicated and echoed columns are fine",
         lambda: Fault(200, february_totals({"CTY_CODE": "CTY_CODE", "SUMMARY_LVL": "SUMMARY_LVL"})), "", loads=True),
    Case("unknown extra columns are fine", lambda: Fault(200, february_totals({"DISTRICT": None})), "", loads=True),
    Case("totals without the countries", Fault(200, totals(WORLD)),
         "exports 2017-02 does not add up, so it was not loaded: the countries' totals sum to $0 but the world's "
         "total is $100"),
    Case("persistent 503", Fault(503, b"Service Unavailable"), "Census API answered HTTP 503 for"),
    Case("persistent 429", Fault(429, b"Too Many Requests", {"Retry-After": "0"}), "Census API answered HTTP 429 for"),
    Case("answers slower than the read timeout", Fault(stall_seconds=READ_TIMEOUT + 2),
         f"the Census API did not answer within {READ_TIMEOUT:g} s for"),
]  # fmt: skip


def _is(seen: Seen, month: str, request: str) -> bool:
    params = dict(seen.params)
    if params.get("time") != month or not seen.path.endswith("/exports/hs"):
        return False
    return "COMM_LVL" not in params if request == "totals" else params.get("COMM_LVL") == "HS2"


def _ingest(server, tmp_path: Path, month: date):
    client = CensusClient(
        server.base_url, TEST_KEY, read_timeout=READ_TIMEOUT, max_retries=1, backoff_factor=0, body_attempts=2
    )
    return ingest_flow(
        "exports", [month], source="api", levels=LEVELS, store=LandingStore(tmp_path / "landing"),
        warehouse_path=tmp_path / "warehouse.duckdb", client=client,
    )  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def warm_sample():
    """Build the server's months before any request times out waiting for them."""
    for month in (JAN, FEB):
        month_rows("exports", month)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_census_answers(case: Case, tmp_path):
    with CensusTestServer([JAN, FEB], key=TEST_KEY) as server:
        _ingest(server, tmp_path, JAN)
        before = snapshot(tmp_path / "warehouse.duckdb")
        january = {k: v for k, v in before.items()}
        fault = case.fault() if callable(case.fault) else case.fault
        server.faults = lambda i, seen: fault if _is(seen, "2017-02", case.request) else None
        if case.loads:
            _ingest(server, tmp_path, FEB)
            after = snapshot(tmp_path / "warehouse.duckdb")
            assert after != january  # February added, January kept (its vintage row is still there)
            return
        with pytest.raises(WarehouseError) as error:
            _ingest(server, tmp_path, FEB)
    message = str(error.value)
    assert case.message in message and "\n" not in message and TEST_KEY not in message
    assert snapshot(tmp_path / "warehouse.duckdb") == before


def test_unreachable_api(tmp_path):
    client = CensusClient("http://127.0.0.1:9/data", TEST_KEY, max_retries=0, backoff_factor=0, connect_timeout=1)
    with pytest.raises(WarehouseError, match="cannot reach 127.0.0.1:9: Connection refused"):
        ingest_flow("exports", [JAN], source="api", levels=LEVELS, store=LandingStore(tmp_path / "landing"),
                    warehouse_path=tmp_path / "warehouse.duckdb", client=client)  # fmt: skip
    assert not (tmp_path / "warehouse.duckdb").exists()


@pytest.fixture
def landed(tmp_path) -> Path:
    """January landed and loaded (exports, HS2) through the local server."""
    with CensusTestServer([JAN], key=TEST_KEY) as server:
        _ingest(server, tmp_path, JAN)
    return tmp_path


def _replay(root: Path, month: date = JAN):
    return ingest_flow("exports", [month], source="replay", levels=LEVELS, store=LandingStore(root / "landing"),
                       warehouse_path=root / "warehouse.duckdb")  # fmt: skip


def _raw_rows(root: Path) -> int:
    import duckdb

    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        return con.execute("select count(*) from raw.census_exports").fetchone()[0]


def test_a_landing_file_that_does_not_match_its_manifest(landed):
    # a different but valid table where the manifest expects another: a rebuild must not trust it
    path = next((landed / "landing/census/exports/2017-01").glob("totals-*.json.gz"))
    path.write_bytes(gzip.compress(totals(WORLD)))
    (landed / "warehouse.duckdb").unlink()
    with pytest.raises(WarehouseError, match="totals-.* does not match its manifest .*; fetch the month again"):
        _replay(landed)
    assert _raw_rows(landed) == 0


def test_a_landing_file_that_is_gone(landed):
    next((landed / "landing/census/exports/2017-01").glob("detail-hs2-*.json.gz")).unlink()
    (landed / "warehouse.duckdb").unlink()
    with pytest.raises(WarehouseError, match="detail-hs2-.* listed in the manifest is missing"):
        _replay(landed)
    assert _raw_rows(landed) == 0


def test_replaying_a_month_never_landed(landed):
    before = snapshot(landed / "warehouse.duckdb")
    with pytest.raises(WarehouseError, match="exports 2017-02 is not fully landed .* fetch it with --source api"):
        _replay(landed, FEB)
    assert snapshot(landed / "warehouse.duckdb") == before


@dataclass(frozen=True)
class CliCase:
    name: str
    argv: list[str]
    message: str
    env: dict[str, str] = field(default_factory=dict)
    code: int = 1


PARTNERS = ["partners", "refresh", "--source", "replay", "--reporter"]
CLI_CASES = [
    CliCase("end before start", ["refresh", "--start", "2017-05", "--end", "2017-01"],
            "error: --end 2017-01 is before --start 2017-05"),
    CliCase("before 2010", ["refresh", "--start", "2009-12", "--end", "2010-01"],
            "error: --start 2009-12 is before 2010-01, the first month the Census API serves"),
    CliCase("in the future", ["refresh", "--start", "2017-01", "--end", "2099-01"],
            "error: --end 2099-01 is not over yet"),
    CliCase("malformed month", ["refresh", "--start", "Jan 2017", "--end", "2017-02"],
            "error: --start 'Jan 2017' is not a month in YYYY-MM form (e.g. 2017-01)"),
    CliCase("unknown level", ["refresh", "--start", "2017-01", "--end", "2017-01", "--levels", "HS3"],
            "error: --levels 'HS3': choose from HS2,HS4,HS6,HS10"),
    CliCase("bad setting", ["refresh", "--start", "2017-01", "--end", "2017-01"],
            "error: CENSUS_API_READ_TIMEOUT='soon' is not a non-negative number", {"CENSUS_API_READ_TIMEOUT": "soon"}),
    CliCase("bad report partners", ["publish"],
            "error: REPORT_PARTNERS='5880;1220' is not a comma-separated list of Census partner codes such as "
            "5880,1220 ('5880;1220' is not one)", {"REPORT_PARTNERS": "5880;1220"}),
    CliCase("report without a serving copy", ["report", "--partner", "1220"],
            "error: no serving copy at {tmp}/serving.duckdb yet: run `trade-warehouse demo`"),
    CliCase("no warehouse yet", ["status", "--warehouse"],
            "does not exist yet: run `trade-warehouse demo` or `refresh` first"),
    CliCase("no serving copy yet", ["status"],
            "error: no serving copy at {tmp}/serving.duckdb yet: run `trade-warehouse demo`"),
    CliCase("bad SQL", ["sql", "--warehouse", "select * from nowhere"], "error: query failed: Catalog Error"),
    CliCase("release name with a quote", ["tariffs", "refresh", "--release", "2025HTS'Rev7", "--source", "replay"],
            "error: release \"2025HTS'Rev7\" is not a release name such as 2025HTSRev7"),
    CliCase("tariff file that is not JSON", ["tariffs", "refresh", "--file", "{tmp}/hts_2025_rev_7.json",
                                             "--source", "replay"],
            "error: --file {tmp}/hts_2025_rev_7.json is invalid or truncated JSON"),
    CliCase("partner code not of three digits", [*PARTNERS, "39", "--start-year", "2017", "--end-year", "2018"],
            "error: --reporter '39' is not a UN M49 country code of three digits such as 392"),
    CliCase("partner not among the partitions", [*PARTNERS, "250", "--start-year", "2017", "--end-year", "2018"],
            "error: --reporter 250 is not one of the partners loaded from WITS: 392 Japan, 124 Canada,"),
    CliCase("partner years reversed", [*PARTNERS, "392", "--start-year", "2018", "--end-year", "2017"],
            "error: --end-year 2017 is before --start-year 2018"),
    CliCase("partner year before 2010", [*PARTNERS, "392", "--start-year", "2009", "--end-year", "2010"],
            "error: --start-year 2009 is before 2010, the first year of the partner tariffs"),
    CliCase("partner year in the future", [*PARTNERS, "392", "--start-year", "2017", "--end-year", "2099"],
            f"error: --end-year 2099 is after {date.today().year}, the current year"),
    CliCase("partner year not a year", [*PARTNERS, "392", "--start-year", "'17", "--end-year", "2018"],
            "error: --start-year \"'17\" is not a year of four digits such as 2018"),
]  # fmt: skip


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.name for c in CLI_CASES])
def test_bad_command_lines(case: CliCase, isolated_env, monkeypatch, capsys):
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    (isolated_env / "hts_2025_rev_7.json").write_text("not json")
    if case.name == "bad SQL":
        import duckdb

        duckdb.connect(str(isolated_env / "warehouse.duckdb")).close()
    code = main([arg.replace("{tmp}", str(isolated_env)) for arg in case.argv])
    err = capsys.readouterr().err
    assert code == case.code
    assert err.startswith(case.message.replace("{tmp}", str(isolated_env))) or case.message in err
    assert err.count("\n") == 1


def test_a_bad_source_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["refresh", "--start", "2017-01", "--end", "2017-01", "--source", "web"])
    assert exit_.value.code == 2 and "invalid choice: 'web'" in capsys.readouterr().err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_warehouse_folder(isolated_env, monkeypatch, capsys):
    folder = isolated_env / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    monkeypatch.setenv("WAREHOUSE_PATH", str(folder / "sub" / "warehouse.duckdb"))
    assert main(["refresh", "--start", "2017-01", "--end", "2017-01", "--source", "replay"]) == 1
    assert "cannot create the warehouse folder" in capsys.readouterr().err


def test_a_warehouse_path_that_is_a_file_not_a_folder(isolated_env, monkeypatch, capsys):
    (isolated_env / "plain-file").write_text("x")
    monkeypatch.setenv("WAREHOUSE_PATH", str(isolated_env / "plain-file" / "warehouse.duckdb"))
    assert main(["refresh", "--start", "2017-01", "--end", "2017-01", "--source", "replay"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot create the warehouse folder") and err.count("\n") == 1


HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.readline()
"""


def test_a_warehouse_locked_by_another_process(landed, monkeypatch, capsys):
    path = landed / "warehouse.duckdb"
    before = snapshot(path)
    monkeypatch.setenv("WAREHOUSE_PATH", str(path))
    monkeypatch.setenv("LANDING_DIR", str(landed / "landing"))
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        code = main(["sql", "--warehouse", "select 1"])
    finally:
        holder.communicate("\n", timeout=30)
    err = capsys.readouterr().err
    assert code == 1 and f"warehouse {path} is busy: another process (process {holder.pid})" in err
    assert snapshot(path) == before


def test_a_second_refresh_while_one_is_running(landed, monkeypatch, capsys):
    from orchestration.core.lock import writer_lock

    path = landed / "warehouse.duckdb"
    monkeypatch.setenv("WAREHOUSE_PATH", str(path))
    before = snapshot(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from orchestration.core.lock import writer_lock\n"
         "with writer_lock(Path(sys.argv[1])):\n    print('locked', flush=True); sys.stdin.readline()", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        code = main(["refresh", "--start", "2017-01", "--end", "2017-01", "--source", "replay"])
    finally:
        holder.communicate("\n", timeout=30)
    err = capsys.readouterr().err
    assert code == 1 and f"busy: another refresh (process {holder.pid}) is writing it; try again" in err
    assert snapshot(path) == before
    with writer_lock(path):  # released by the holder: free again
        pass
