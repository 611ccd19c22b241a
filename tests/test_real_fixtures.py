"""Real Census responses and published figures from ../shared (skipped when it is absent)."""

import csv
import io
import json
from datetime import date

import duckdb
import pytest
import responses

from orchestration.census.client import CensusClient, check_table
from orchestration.census.landing import LandingStore
from orchestration.census.load import MonthLoad, load_entries
from orchestration.census.parse import Column, TableSpec, table_spec
from orchestration.census.plan import CensusRequest
from orchestration.core.errors import CensusQueryError, ParseError
from orchestration.devdata.catalog import PARTNERS
from orchestration.devdata.census_dialect import render
from orchestration.devdata.published import PUBLISHED_2017
from orchestration.devdata.sample import month_rows

IMPORTS_2017_01 = "fixtures/census/api_rows/imports_hs_CTY_CAL_DUT_MO_CON_VAL_MO_2017-01.api_shape.json"


def load_fixture(tmp_path, body: bytes, spec: TableSpec, month: date, flow="imports"):
    """Land a response body and load it with `spec` into an in-memory raw table: (connection, load report)."""
    store = LandingStore(tmp_path / "landing")
    header, rows = check_table(body)
    entry = store.land(
        CensusRequest(flow, month, "totals"),
        url="fixture",
        status=200,
        body=body,
        header=header,
        rows=rows,
        source="census_api",
    )
    con = duckdb.connect()
    con.execute("create schema raw")
    columns = ", ".join(f"{c.name} {c.sql_type}" for c in spec.columns)
    con.execute(
        f"create table raw.{spec.table} (period date, {columns}, _source varchar, _landed_file varchar, "
        "_vintage timestamp, _loaded_at timestamp)"
    )
    load = MonthLoad(flow, entry.month)
    load_entries(con, store, [(spec, [entry])], load)
    return con, load


def imports_2017_spec() -> TableSpec:
    return TableSpec(
        "fixture_imports",
        (
            Column("cty_code", "VARCHAR", "CTY_CODE"),
            Column("cty_name", "VARCHAR", "CTY_NAME"),
            Column("cal_dut_mo", "BIGINT", "CAL_DUT_MO"),
            Column("con_val_mo", "BIGINT", "CON_VAL_MO"),
        ),
    )


def test_real_2017_rows_parse_with_codes_kept_and_countries_summing_to_the_world(shared, tmp_path):
    body = (shared / IMPORTS_2017_01).read_bytes()
    con, load = load_fixture(tmp_path, body, imports_2017_spec(), date(2017, 1, 1))
    assert con.execute("select count(*), min(period), max(period) from raw.fixture_imports").fetchone() == (
        250,
        date(2017, 1, 1),
        date(2017, 1, 1),
    )
    world, countries = con.execute(
        """
        select
            sum(con_val_mo) filter (where cty_code = '-'),
            sum(con_val_mo) filter (where not (cty_code = '-' or cty_code like '0%' or cty_code like '%X%'))
        from raw.fixture_imports
        """
    ).fetchone()
    assert world == countries == 183_368_260_693  # the fixture README's verified total
    assert (
        con.execute("select con_val_mo from raw.fixture_imports where cty_code = '5880'").fetchone()[0]
        == 10_535_826_202
    )
    assert con.execute("select cty_name from raw.fixture_imports where cty_code = '0001'").fetchone()[0] == "OPEC"
    assert (
        dict(con.execute("select column_name, column_type from (describe raw.fixture_imports)").fetchall())[
            "con_val_mo"
        ]
        == "BIGINT"
    )


def test_real_rows_without_the_measures_we_need_fail_naming_them(shared, tmp_path):
    body = (shared / IMPORTS_2017_01).read_bytes()
    with pytest.raises(ParseError, match="lacks required columns SUMMARY_LVL, GEN_VAL_MO, DUT_VAL_MO"):
        load_fixture(tmp_path, body, table_spec("imports", "totals"), date(2017, 1, 1))


def test_year_and_month_columns_give_the_period(shared, tmp_path):
    body = (
        shared / "fixtures/census/guide_examples/PARTIAL_exports_hs_CTY_CODE_CTY_NAME_2017-04_YEAR_MONTH.json"
    ).read_bytes()
    spec = TableSpec("guide", (Column("cty_code", "VARCHAR", "CTY_CODE"), Column("all_val_mo", "BIGINT", "ALL_VAL_MO")))
    con, load = load_fixture(tmp_path, body, spec, date(2017, 4, 1), flow="exports")
    assert con.execute("select distinct period from raw.guide").fetchall() == [(date(2017, 4, 1),)]
    assert con.execute("select all_val_mo from raw.guide where cty_code = '-'").fetchone()[0] == 123_722_329_072


def test_missing_quantities_keep_their_flag(shared, tmp_path):
    body = (shared / "fixtures/census/guide_examples/PARTIAL_exports_hs_QTY_1_MO_FLAG_HS2_2013-01.json").read_bytes()
    spec = TableSpec(
        "qty",
        (
            Column("e_commodity", "VARCHAR", "E_COMMODITY"),
            Column("qty_1_mo", "BIGINT", "QTY_1_MO"),
            Column("qty_1_mo_flag", "VARCHAR", "QTY_1_MO_FLAG"),
        ),
        requested_not_stored=("ALL_VAL_YR",),
    )
    con, load = load_fixture(tmp_path, body, spec, date(2013, 1, 1), flow="exports")
    assert con.execute("select distinct qty_1_mo, qty_1_mo_flag from raw.qty").fetchall() == [(0, "M")]
    assert con.execute("select min(e_commodity) from raw.qty").fetchone()[0] == "01"


def test_district_rows_report_their_extra_columns_and_keep_ten_digit_codes(shared, tmp_path):
    text = (
        shared / "fixtures/census/api_rows/exports_hs10_2710191106_district_country_2024-12_excerpt.csv"
    ).read_text()
    table = list(csv.reader(io.StringIO(text)))
    body = json.dumps(table).encode()
    spec = TableSpec(
        "distillates",
        (
            Column("cty_code", "VARCHAR", "CTY_CODE"),
            Column("summary_lvl", "VARCHAR", "SUMMARY_LVL"),
            Column("e_commodity", "VARCHAR", "E_COMMODITY"),
            Column("qty_1_yr", "BIGINT", "QTY_1_YR"),
            Column("unit_qy1", "VARCHAR", "UNIT_QY1"),
        ),
    )
    con, load = load_fixture(tmp_path, body, spec, date(2024, 12, 1), flow="exports")
    assert set(load.unknown_columns) == {
        "DISTRICT",
        "DIST_NAME",
        "CTY_NAME",
        "E_COMMODITY_SDESC",
        "ALL_VAL_YR",
        "VES_VAL_YR",
        "VES_WGT_YR",
    }
    assert con.execute("select count(*) from raw.distillates").fetchone()[0] == 69
    assert con.execute("select distinct e_commodity, unit_qy1 from raw.distillates").fetchall() == [
        ("2710191106", "BBL")
    ]
    assert con.execute("select count(*) from raw.distillates where cty_code = '5880'").fetchone()[0] >= 1


@responses.activate
def test_census_error_text_is_quoted(shared):
    body = (shared / "fixtures/census/guide_examples/error_unknown_variable.txt").read_text()
    responses.get("https://api.example.test/exports/sitc", status=400, body=body)
    with pytest.raises(CensusQueryError, match="error: error: unknown variable 'GEN_VAL_MO'"):
        CensusClient("https://api.example.test", "0123456789abcdef0123", backoff_factor=0).get(
            "/exports/sitc", [("get", "GEN_VAL_MO")]
        )


def test_a_name_without_its_code_gives_only_the_total_as_in_the_guide(shared):
    guide = json.loads(
        (shared / "fixtures/census/guide_examples/exports_hs_CTY_NAME_without_CTY_CODE_2017-04.json").read_text()
    )
    status, body = render(
        list(month_rows("exports", date(2017, 4, 1))),
        flow="exports",
        month="2017-04",
        params=[("get", "CTY_NAME,ALL_VAL_MO"), ("time", "2017-04")],
    )
    ours = json.loads(body)
    assert status == 200 and len(ours) == len(guide) == 2
    assert ours[1][0] == guide[1][0] == "TOTAL FOR ALL COUNTRIES"


def test_sample_partners_are_real_schedule_c_codes(shared):
    lines = (shared / "fixtures/census/reference/schedule_c_country_codes_27JAN21.txt").read_text().splitlines()
    codes = {line.split("|")[0].strip(): line.split("|")[1].strip() for line in lines if line[:4].isdigit()}
    assert len(codes) == 240
    assert all(code in codes for code, *_ in PARTNERS)
    assert codes["5800"] == "South Korea (Republic of Korea)"  # the API says KOREA, SOUTH: join on codes


def test_embedded_published_figures_equal_the_shared_facts(shared):
    with open(shared / "facts/published_bilateral_totals_2017.csv") as handle:
        for row in csv.DictReader(handle):
            exports, imports = PUBLISHED_2017[row["cty_code"]][1][int(row["month"]) - 1]
            assert (exports, imports) == (float(row["exports_usd_millions"]), float(row["imports_usd_millions"]))
