"""The command line: one-line errors, exit codes, and the read-only commands."""

import subprocess
import sys

import duckdb
import pytest

from orchestration.app.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["refresh", "--start", "2017-13", "--end", "2017-12"],
            "error: --start '2017-13' is not a month in YYYY-MM form",
        ),
        (["refresh", "--start", "2017-05", "--end", "2017-01"], "error: --end 2017-01 is before --start 2017-05"),
        (["refresh", "--start", "2009-01", "--end", "2010-01"], "error: --start 2009-01 is before 2010-01"),
        (["refresh", "--start", "2017-01", "--end", "2999-01"], "error: --end 2999-01 is not over yet"),
        (["refresh", "--start", "2017-01", "--end", "2017-01", "--levels", "HS5"], "error: --levels 'HS5'"),
    ],
)
def test_bad_input_gets_one_line_and_exit_1(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 1 and err.startswith(message) and err.count("\n") == 1 and out == ""


def test_a_refresh_from_the_api_without_a_key_says_where_to_get_one(capsys, monkeypatch, isolated_env):
    monkeypatch.delenv("CENSUS_API_KEY")
    code, out, err = run(capsys, "refresh", "--start", "2017-01", "--end", "2017-01", "--no-progress")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith("error: CENSUS_API_KEY is not set: the Census API needs a key on every query; get one at ")
    assert not (isolated_env / "warehouse.duckdb").exists() and not (isolated_env / "landing").exists()


def test_status_without_a_warehouse_says_what_to_do(capsys):
    code, _, err = run(capsys, "status", "--warehouse")
    assert code == 1 and "does not exist yet: run `trade-warehouse demo` or `refresh` first" in err


def test_status_reports_the_latest_month_and_whether_the_next_is_overdue(capsys, demo_warehouse, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_PATH", str(demo_warehouse))
    code, out, _ = run(capsys, "status")
    assert code == 3  # overdue
    lines = out.splitlines()
    assert lines[0].startswith("exports  latest 2017-12") and "UTC, sample_synthetic)" in lines[0]
    assert "next 2018-01 due 2018-03-07: OVERDUE" in lines[1]


def test_the_demo_never_overwrites_api_data(capsys, isolated_env):
    with duckdb.connect(str(isolated_env / "warehouse.duckdb")) as con:
        con.execute("create schema raw")
        con.execute("create table raw.census_exports (period date, _source varchar)")
        con.execute("insert into raw.census_exports values (date '2017-01-01', 'census_api')")
    code, _, err = run(capsys, "demo", "--no-progress")
    assert code == 1 and "holds Census API data" in err and "WAREHOUSE_PATH" in err


def test_a_busy_warehouse_is_reported_as_busy(capsys, monkeypatch, tmp_path):
    path = tmp_path / "locked.duckdb"
    monkeypatch.setenv("WAREHOUSE_PATH", str(path))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        code, _, err = run(capsys, "status", "--warehouse")
    finally:
        holder.communicate("release\n", timeout=30)
    assert code == 1 and "is busy: another process" in err and err.count("\n") == 1


HOLD_LOCK = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
sys.stdin.readline()
con.close()
"""


def test_a_bad_key_fails_the_refresh_at_once_in_one_line(capsys, monkeypatch):
    from datetime import date

    from census_server import CensusTestServer
    from conftest import TEST_KEY

    wrong = "wrong-key-that-must-not-be-printed-0000"
    with CensusTestServer([date(2017, 1, 1)], key=TEST_KEY) as server:
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        monkeypatch.setenv("CENSUS_API_KEY", wrong)
        code, out, err = run(capsys, "refresh", "--start", "2017-01", "--end", "2017-01", "--no-progress")
        asked = len(server.seen)
    assert code == 1 and asked == 1  # a key problem is not retried, and the run stops at it
    assert err == (
        "error: Census API answered HTTP 200 with an HTML page instead of data: the API key is missing or invalid "
        "(set CENSUS_API_KEY to an active key from https://api.census.gov/data/key_signup.html)\n"
    )
    assert wrong not in out + err
