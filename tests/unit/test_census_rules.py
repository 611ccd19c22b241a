"""The shared Census rules (census/rules.py) as the warehouse runs them."""

from datetime import date, datetime

import duckdb
import pytest

from orchestration.census.rules import LATEST, install_macros


@pytest.fixture
def con():
    with duckdb.connect() as con:
        install_macros(con)
        con.execute(
            """create table v as select * from (values
                ('exports', date '2018-01-01', 1, timestamp '2018-03-06 08:30'),
                ('exports', date '2018-01-01', 2, timestamp '2018-06-05 10:00'),
                ('imports', date '2018-01-01', 1, timestamp '2018-03-06 08:30')
            ) as t(flow, period, vintage, vintage_at)"""
        )
        yield con


def _in_force(con, as_of) -> list[tuple]:
    sql = "select flow, vintage from marts.vintages_in_force('v', $a) order by flow"
    return con.execute(sql, {"a": as_of}).fetchall()


def test_the_latest_vintage_is_chosen_per_flow_and_month(con):
    sql = f"select flow, vintage from marts.vintages_in_force('v', {LATEST}) order by flow"
    assert con.execute(sql).fetchall() == [("exports", 2), ("imports", 1)]


def test_a_date_means_the_end_of_that_day_a_timestamp_that_instant(con):
    rows = lambda as_of: _in_force(con, as_of)  # noqa: E731
    assert rows(date(2018, 6, 5)) == [("exports", 2), ("imports", 1)]
    assert rows(datetime(2018, 6, 5, 9, 59)) == [("exports", 1), ("imports", 1)]
    assert rows(date(2018, 3, 5)) == []  # nothing fetched yet


@pytest.mark.parametrize(
    ("code", "aggregate"),
    [("-", True), ("0003", True), ("0022", True), ("4XXX", True), ("5880", False), ("1220", False)],
)
def test_aggregate_partner_codes(con, code, aggregate):
    assert con.execute("select marts.is_aggregate_partner($c)", {"c": code}).fetchone()[0] is aggregate
