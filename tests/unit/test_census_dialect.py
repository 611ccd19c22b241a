"""The emulated API dialect behind the sample and the local test server."""

import json
from datetime import date

from orchestration.devdata.census_dialect import render
from orchestration.devdata.sample import month_rows

ROWS = list(month_rows("exports", date(2017, 1, 1)))


def ask(*params):
    status, body = render(ROWS, flow="exports", month="2017-01", params=list(params))
    return status, json.loads(body) if status == 200 else body


def test_leaving_out_the_partner_gives_the_world_total_only():
    status, table = ask(("get", "ALL_VAL_MO"), ("time", "2017-01"))
    assert status == 200 and table[0] == ["ALL_VAL_MO", "time"] and len(table) == 2


def test_partners_in_get_bring_every_country_grouping_and_the_world():
    _, table = ask(("get", "CTY_CODE,CTY_NAME,SUMMARY_LVL,ALL_VAL_MO"), ("time", "2017-01"))
    codes = {row[0] for row in table[1:]}
    assert {"-", "0003", "5XXX", "5880"} <= codes


def test_a_predicate_is_echoed_and_repeated_when_also_requested():
    _, table = ask(
        ("get", "CTY_CODE,E_COMMODITY,ALL_VAL_MO"), ("time", "2017-01"), ("COMM_LVL", "HS4"), ("E_COMMODITY", "27*")
    )
    assert table[0] == ["CTY_CODE", "E_COMMODITY", "ALL_VAL_MO", "time", "COMM_LVL", "E_COMMODITY"]
    assert {row[1][:2] for row in table[1:]} == {"27"} and {row[4] for row in table[1:]} == {"HS4"}


def test_without_comm_lvl_all_levels_come_back_mixed():
    _, table = ask(("get", "E_COMMODITY,ALL_VAL_MO"), ("time", "2017-01"))
    assert {len(row[0]) for row in table[1:]} == {1, 2, 4, 6, 10}  # "-" total, HS2, HS4, HS6, HS10


def test_rows_are_not_sorted():
    _, table = ask(("get", "CTY_CODE,ALL_VAL_MO"), ("time", "2017-01"))
    codes = [row[0] for row in table[1:]]
    assert codes != sorted(codes)


def test_unknown_variables_get_census_error_text():
    assert ask(("get", "GEN_VAL_MO"), ("time", "2017-01")) == (400, b"error: error: unknown variable 'GEN_VAL_MO'")


def test_a_month_without_data_is_204():
    assert ask(("get", "ALL_VAL_MO"), ("time", "2018-01")) == (204, b"")
