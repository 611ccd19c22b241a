"""`trade-warehouse backfill --source bulk` end to end: ZIPs from a local downloads site, the API
for a month whose ZIP the site does not have, the marts built, and one line when that fallback
cannot run."""

from datetime import date

import duckdb
import pytest
from bulk_server import BulkServer
from census_server import CensusTestServer
from conftest import TEST_KEY
from helpers import balances, truth

from orchestration.app.cli import main
from orchestration.census.bulk_files import PREFIX, zip_name
from orchestration.devdata.bulk_files import sample_bulk_zip
from orchestration.devdata.schedule import SAMPLE_RELEASE_DATE, sample_body
from orchestration.publish.cookbook import recipes

JAN, FEB = date(2017, 1, 1), date(2017, 2, 1)


def publish(server: BulkServer, flow: str, month: str) -> None:
    server.put(f"{month[:4]}/Merch/{PREFIX[flow][1]}/{zip_name(flow, month)}", sample_bulk_zip(flow, month))


def test_a_bulk_backfill_loads_history_and_asks_the_api_only_for_a_month_without_a_zip(
    capsys, monkeypatch, isolated_env
):
    with BulkServer() as site, CensusTestServer([FEB], key=TEST_KEY) as api:
        for flow, month in (("imports", "2017-01"), ("imports", "2017-02"), ("exports", "2017-01")):
            publish(site, flow, month)  # exports 2017-02 is not on the site (yet)
        monkeypatch.setenv("CENSUS_BULK_BASE_URL", site.base_url)
        monkeypatch.setenv("CENSUS_API_BASE_URL", api.base_url)
        code = main(["backfill", "--source", "bulk", "--start", "2017-01", "--end", "2017-02", "--no-progress"])
        out, err = capsys.readouterr()
        asked_api = {(seen.path.rsplit("/", 2)[-2], seen.get("time")) for seen in api.data_requests()}
    assert code == 0, err
    assert "loaded 2 month(s), 2017-01 .. 2017-02" in out
    assert asked_api == {("exports", "2017-02")}
    warehouse = isolated_env / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sources = con.execute(
            "select flow, strftime(period, '%Y-%m'), source from raw.census_vintages order by all"
        ).fetchall()
        months = con.execute(
            "select strftime(period, '%Y-%m'), source from marts.fct_bilateral_balance_monthly "
            "where partner_code = '-' order by 1"
        ).fetchall()
        districts = con.execute(
            "select flow, count(distinct district_code), count(*) = count(district_name) "
            "from marts.fct_trade_by_district_monthly group by flow order by flow"
        ).fetchall()
        classified = con.execute(
            "select hs_level, count(*) = count(end_use_code) and count(*) = count(naics_code) "
            "from marts.dim_commodity group by hs_level order by hs_level"
        ).fetchall()
        # labels from the bulk files' code lists, HS2-HS6 descriptions from their HS lists (the
        # imports months came from bulk files only: the API named none of those codes)
        labelled = con.execute(
            "select count(*), count(end_use_description), count(naics_description), count(sitc_description), "
            "count(hitech_description) from marts.dim_commodity where hs_level = 10 and flow = 'imports'"
        ).fetchone()
        described = con.execute(
            "select hs_level, count(*) = count(description) from marts.dim_commodity where flow = 'imports' "
            "group by hs_level order by hs_level"
        ).fetchall()
        # every leaf's path has the names of its ancestors (a level repeating the one above is left
        # out): without the HS lists, a bulk-only leaf's path was its own name alone
        steps = con.execute(
            "select min(len(string_split(description_path, ' › '))) from marts.dim_commodity "
            "where flow = 'imports' and hs_level = 10 and commodity_code not like '99%'"
        ).fetchone()[0]
        by_provision = con.execute(
            "select count(distinct rate_provision_group) from marts.fct_imports_by_rate_provision_monthly"
        ).fetchone()[0]
    assert sources == [
        ("exports", "2017-01", "census_bulk"), ("exports", "2017-02", "census_api"),
        ("imports", "2017-01", "census_bulk"), ("imports", "2017-02", "census_bulk"),
    ]  # fmt: skip
    assert months == [("2017-01", "census_bulk"), ("2017-02", "census_api+census_bulk")]
    assert [flow for flow, _, _ in districts] == ["exports", "imports"]
    assert all(count > 3 and named for _, count, named in districts)  # export districts named too
    assert classified == [(2, False), (4, False), (6, False), (10, True)]  # codes of 10 digits only
    assert labelled[0] > 50 and set(labelled[1:]) == {labelled[0]}
    assert described == [(2, True), (4, True), (6, True), (10, True)]
    assert steps >= 3
    assert by_provision >= 4
    # the cookbook's bulk recipes, on the serving copy the backfill published
    with duckdb.connect(str(isolated_env / "serving.duckdb"), read_only=True) as serving:
        recipe = recipes()
        by_provision = serving.execute(recipe["mexico_by_rate_provision"]).fetchall()
        ports = serving.execute(recipe["japan_ports"]).fetchall()
    for month in ("2017-01", "2017-02"):
        shares = [row[3] for row in by_provision if f"{row[0]:%Y-%m}" == month]
        assert len(shares) >= 4 and sum(shares) == pytest.approx(100, abs=0.5)
    assert 0 < len(ports) <= 10 and all(name for _, name, _, _ in ports)
    assert [row[3] for row in ports] == sorted((row[3] for row in ports), reverse=True)
    # every country's and the world's totals are the published ones (groupings come from the API only)
    loaded = balances(warehouse)
    expected = {key: value for key, value in truth([JAN, FEB]).items() if key[1] == "-" or key[1][0] != "0"}
    expected = {key: value for key, value in expected.items() if "X" not in key[1]}
    assert {key: loaded.get(key) for key in expected} == expected
    # With a tariff schedule loaded, the effective tariff mart splits a bulk month's consumption
    # value by rate provision: Mexico's duty-free-under-a-program value is the bulk mart's.
    schedule = isolated_env / "hts_2016_basic.json"
    schedule.write_bytes(sample_body())
    tariffs = ["tariffs", "refresh", "--file", str(schedule), "--release-date", SAMPLE_RELEASE_DATE, "--no-progress"]
    assert main(tariffs) == 0, capsys.readouterr().err
    with duckdb.connect(str(warehouse), read_only=True) as con:
        effective = con.execute(
            "select strftime(period, '%Y-%m'), consumption_usd, free_mfn_usd, free_under_program_usd, "
            "dutiable_provision_usd, chapter99_provision_usd from marts.fct_effective_tariff_monthly "
            "where partner_code = '2010' and aggregation = 'partner' order by 1"
        ).fetchall()
        program = dict(
            con.execute(
                "select strftime(period, '%Y-%m'), sum(consumption_usd) "
                "from marts.fct_imports_by_rate_provision_monthly where partner_code = '2010' and hs_level = 10 "
                "and rate_provision_group = 'free_under_program' group by 1"
            ).fetchall()
        )
    assert [row[0] for row in effective] == ["2017-01", "2017-02"]
    for month, consumption, free_mfn, free_program, dutiable, chapter99 in effective:
        assert free_program == program[month] > 0
        assert 0 < free_mfn + free_program + dutiable + chapter99 <= consumption


def test_a_month_without_a_zip_and_no_key_for_the_api_is_one_line(capsys, monkeypatch, isolated_env):
    with BulkServer() as site:
        publish(site, "imports", "2017-01")
        monkeypatch.setenv("CENSUS_BULK_BASE_URL", site.base_url)
        monkeypatch.delenv("CENSUS_API_KEY")
        code = main(["backfill", "--source", "bulk", "--start", "2017-01", "--end", "2017-01", "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("error: exports 2017-01: no bulk file EXDB1701.ZIP at http://127.0.0.1:")
    assert err.rstrip().endswith("the API fallback needs CENSUS_API_KEY")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--source", "api", "--from-dir", "."], "error: --from-dir goes with --source bulk"),
        (["--source", "bulk", "--from-dir", "no-such-folder"], "error: --from-dir no-such-folder: no such folder"),
    ],
)
def test_bad_backfill_options_get_one_line(capsys, argv, message):
    code = main(["backfill", "--start", "2017-01", "--end", "2017-01", *argv])
    out, err = capsys.readouterr()
    assert code == 1 and err == message + "\n"


def test_the_plan_says_which_months_come_from_the_api_before_anything_is_fetched(capsys, monkeypatch, isolated_env):
    with BulkServer() as site:
        for month in ("2017-01", "2017-02", "2017-03"):
            publish(site, "imports", month)
        publish(site, "exports", "2017-03")
        monkeypatch.setenv("CENSUS_BULK_BASE_URL", site.base_url)
        code = main(["plan", "--source", "bulk", "--start", "2017-01", "--end", "2017-03"])
        out, err = capsys.readouterr()
        methods = {seen.method for seen in site.seen}
    assert code == 0, err
    size = sum(len(body) for body in site.files.values())
    lines = out.splitlines()
    assert lines[0] == f"plan for 2017-01 to 2017-03, source bulk ({site.base_url}), exports and imports:"
    assert lines[1] == "  bulk files       4 of 6 flow-months"
    assert lines[2] == f"  to download      {size / 1e6:,.1f} MB"
    assert lines[3] == "  from the API     exports 2017-01..2017-02 (no ZIP)"
    assert lines[4].startswith("  API requests     204 (")  # exports: 102 a month, none landed
    assert methods == {"HEAD"}  # nothing fetched
    assert not (isolated_env / "landing").exists() or not list((isolated_env / "landing").rglob("*.ZIP"))


def test_a_revised_zip_on_the_site_becomes_a_new_vintage_and_the_old_print_a_revision(
    capsys, monkeypatch, isolated_env
):
    """June revisions replace the files in place: the next backfill sees the new ETag, fetches the
    file again and loads it as vintage 2; the first print stays in raw and in fct_trade_revisions."""
    path = f"2017/Merch/im_m/{zip_name('imports', '2017-01')}"
    argv = ["backfill", "--source", "bulk", "--start", "2017-01", "--end", "2017-01", "--no-progress"]
    with BulkServer() as site:
        site.put(path, sample_bulk_zip("imports", "2017-01", revision=1))  # the first print
        publish(site, "exports", "2017-01")
        monkeypatch.setenv("CENSUS_BULK_BASE_URL", site.base_url)
        assert main(argv) == 0, capsys.readouterr().err
        site.put(path, sample_bulk_zip("imports", "2017-01"))  # revised in place
        assert main(argv) == 0, capsys.readouterr().err
        gets = [seen.path for seen in site.seen if seen.method == "GET"]
    assert gets.count(path) == 2 and len(gets) == 3  # the unchanged exports file is not fetched again
    with duckdb.connect(str(isolated_env / "warehouse.duckdb"), read_only=True) as con:
        vintages = con.execute(
            "select flow, vintage, source from raw.census_vintages order by flow, vintage"
        ).fetchall()
        japan = con.execute(
            "select imports_usd from marts.fct_bilateral_balance_monthly where partner_code = '5880'"
        ).fetchone()[0]
        revised = con.execute(
            "select count(*) from marts.fct_trade_revisions where flow = 'imports' and period = '2017-01-01'"
        ).fetchone()[0]
    assert vintages == [("exports", 1, "census_bulk"), ("imports", 1, "census_bulk"), ("imports", 2, "census_bulk")]
    assert japan == truth([JAN])[(JAN, "5880", "imports")]  # the latest print
    assert revised > 0
