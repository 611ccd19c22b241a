"""What U.S. exports face abroad: the seeds as real data checks them, and the partner marts the
demo builds (the 2017 beef safeguard, the tariff U.S. beef faced, the EU of the month)."""

from __future__ import annotations

import csv
import json
from datetime import date

import pytest

from orchestration.partners.seeds import JAPAN_LINES, SEEDS_DIR, members_as_of
from orchestration.publish.beef import beef_months, format_beef_table

IMPORTS_2017_01 = "fixtures/census/api_rows/imports_hs_CTY_CAL_DUT_MO_CON_VAL_MO_2017-01.api_shape.json"


def _seed(name: str) -> list[dict]:
    with open(SEEDS_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _fixture_rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


@pytest.mark.parametrize(("group", "census_code"), [("EU", "0003"), ("EURO_AREA", "0025")])
def test_the_members_of_january_2017_sum_to_the_apis_real_grouping_row(shared, group, census_code):
    header, *rows = json.loads((shared / IMPORTS_2017_01).read_text())
    values = {row[0]: int(row[header.index("CON_VAL_MO")]) for row in rows}
    members = members_as_of(group, date(2017, 1, 1))
    assert sum(values[code] for code in members) == values[census_code]
    assert ("4120" in members) == (group == "EU")  # the UK in the EU, and never in the euro area
    assert "4791" not in members or group == "EU"  # Croatia: EU since 2013-07, euro area only from 2023


def test_the_uk_leaves_the_eu_after_january_2020():
    assert "4120" in members_as_of("EU", date(2020, 1, 1))
    assert "4120" not in members_as_of("EU", date(2020, 2, 1))
    assert len(members_as_of("EU", date(2020, 2, 1))) == 27
    assert "4791" not in members_as_of("EU", date(2013, 6, 1)) and "4791" in members_as_of("EU", date(2013, 7, 1))


def test_the_membership_seed_carries_the_shared_rows_with_their_evidence(shared):
    fixture = _fixture_rows(shared / "fixtures/partner_tariffs/country_group_membership_time_valid.csv")
    seeded = {(r["group_code"], r["cty_code"], r["valid_from"]): r for r in _seed("country_group_membership.csv")}
    assert len(seeded) == len(fixture)
    for row in fixture:
        ours = seeded[(row["group_code"], row["cty_code"], row["valid_from"])]
        assert ours["valid_to"] == row["valid_to"]
        # believed treaty dates are never presented as verified facts
        assert ours["verified"] == ("false" if row["evidence"] == "R" else "true")


def test_the_schedule_seed_keeps_every_printed_cell_of_the_shared_rows(shared):
    fixture = _fixture_rows(shared / "fixtures/partner_tariffs/japan_tariff_lines_beef_pork.csv")
    with open(JAPAN_LINES, newline="", encoding="utf-8") as handle:
        seeded = {(r["stat_code"], r["valid_from"][:4]): r for r in csv.DictReader(handle)}
    assert len(seeded) == len(fixture) == 17
    for row in fixture:
        year = "2024" if row["edition"].startswith("2024") else "2017"
        ours = seeded[(row["stat_code"], year)]
        for column in ("general", "temporary", "wto", "jp_us_trade_agreement", "australia_epa", "mexico_epa"):
            assert ours[column] == row[column], (row["stat_code"], column)


def test_beef_rate_history_is_contiguous_per_product_except_the_unseeded_years():
    rows = sorted(_seed("partners/japan_beef_rates_us_origin.csv"), key=lambda r: (r["hs4_code"], r["valid_from"]))
    gaps = []
    for before, after in zip(rows, rows[1:], strict=False):
        if before["hs4_code"] != after["hs4_code"]:
            continue
        if date.fromordinal(date.fromisoformat(before["valid_to"]).toordinal() + 1) != date.fromisoformat(
            after["valid_from"]
        ):
            gaps.append((after["hs4_code"], before["valid_to"], after["valid_from"]))
    assert gaps == [("0201", "2027-03-31", "2033-04-01"), ("0202", "2027-03-31", "2033-04-01")]
    assert {r["verified"] for r in rows if r["evidence"] == "R"} == {"false"}


@pytest.fixture(scope="module")
def serving(demo_warehouse):
    import duckdb

    con = duckdb.connect(str(demo_warehouse.parent / "serving.duckdb"), read_only=True)
    yield con
    con.close()


def test_believed_rates_reach_the_mart_as_unverified_and_sourced_ones_as_verified(serving):
    rows = dict(
        serving.execute(
            """
            select strftime(valid_from, '%Y-%m-%d') || ' ' || hs6_code, verified
            from marts.fct_partner_tariff_rates
            where source = 'us_origin_history' and hs6_code = '020230'
                and valid_from in (date '2017-08-01', date '2022-04-01', date '2024-04-01', date '2003-08-01')
            """
        ).fetchall()
    )
    assert rows == {
        "2003-08-01 020230": False,  # the 2003 safeguard: believed, not in a stored source
        "2017-08-01 020230": True,
        "2022-04-01 020230": False,  # JFY2022 staging rate: to verify in Japan's schedule
        "2024-04-01 020230": True,
    }
    # a yen-per-kg or gate-price rate keeps its text and no percent: never a zero
    pork = serving.execute(
        """
        select mfn_applied_pct, us_applied_pct, no_rate_reason from marts.fct_partner_tariff_rates
        where national_line = '0203.21.020'
        """
    ).fetchall()
    assert pork == [
        (None, None, "not a percent of value: (393 yen x 1.007 - the value for customs duty)/kg or 46.50 yen/kg "
         "whichever is the less")
    ]  # fmt: skip


def test_the_monitor_reproduces_the_2017_trigger_from_japans_figures(serving):
    rows = serving.execute(
        """
        select condition_code, japan_imports_cum_t, trigger_t, condition_met, regime_triggered, trigger_verified
        from marts.fct_safeguard_monitor
        where regime = 'WTO-SSG-2017' and period = date '2017-06-01'
        order by condition_code
        """
    ).fetchall()
    # MOF press release 2017-07-28: frozen beef April-June 2017
    assert rows == [
        ("non_epa_frozen", 37823, 35468.0, True, True, True),
        ("world_frozen", 89253, 89140.0, True, True, True),
    ]
    before = serving.execute(
        "select bool_or(regime_triggered) from marts.fct_safeguard_monitor where period < date '2017-06-01'"
    ).fetchone()[0]
    assert before is None  # Japan's figures before June are not seeded: unknown, not "not triggered"


def test_the_monitor_counts_us_exports_from_april_as_an_early_indicator(serving):
    rows = serving.execute(
        """
        select period, us_exports_t, us_exports_cum_t, us_series_label, safeguard_rate_pct
        from marts.fct_safeguard_monitor
        where regime = 'WTO-SSG-2017' and condition_code = 'world_frozen' and jfy = 2017 and period <= date '2017-12-01'
        order by period
        """
    ).fetchall()
    assert [r[0].month for r in rows] == list(range(4, 13))
    running = 0.0
    for period, month_t, cumulative_t, label, safeguard in rows:
        running += month_t
        assert cumulative_t == pytest.approx(running, abs=0.2)
        assert label.startswith("early indicator")
        assert safeguard == (50.0 if period >= date(2017, 8, 1) else None)
    frozen_kg = serving.execute(
        """
        select sum(quantity) from marts.fct_trade_monthly
        where partner_code = '5880' and flow = 'exports' and hs_level = 10 and commodity_code like '0202%'
            and period = date '2017-04-01' and quantity_unit = 'KG'
        """
    ).fetchone()[0]
    assert rows[0][1] == pytest.approx(frozen_kg / 1000, abs=0.1)


def test_us_frozen_beef_faced_50_percent_under_the_safeguard_and_chilled_did_not(serving):
    rates = dict(
        serving.execute(
            """
            select hs6_code || ' ' || strftime(period, '%Y-%m'), applied_rate_pct
            from marts.fct_export_tariff_exposure_monthly
            where partner_code = '5880' and hs6_code in ('020130', '020230')
                and period in (date '2017-07-01', date '2017-08-01')
            """
        ).fetchall()
    )
    assert rates == {"020130 2017-07": 38.5, "020130 2017-08": 38.5, "020230 2017-07": 38.5, "020230 2017-08": 50.0}


def test_exports_without_a_known_rate_say_why_and_carry_no_duty(serving):
    rows = serving.execute(
        """
        select distinct no_rate_reason from marts.fct_export_tariff_exposure_monthly
        where applied_rate_pct is null
        """
    ).fetchall()
    assert {r[0] for r in rows} == {"no rate known for this product and month"}
    partners = serving.execute("select distinct partner_code from marts.fct_export_tariff_exposure_monthly").fetchall()
    assert {p[0] for p in partners} <= {"5880", "1220", "2010", "5700", "5800", "4120", "6021", "5330", "5520"}
    duties = serving.execute(
        "select count(*) from marts.fct_export_tariff_exposure_monthly "
        "where applied_rate_pct is null and estimated_duty_usd is not null"
    ).fetchone()[0]
    assert duties == 0


def test_the_demo_beef_table_shows_the_safeguard_year(serving):
    months, notes = beef_months(serving, 2017)
    assert [m.period.month for m in months] == list(range(1, 13))
    assert [m.frozen_pct for m in months] == [38.5] * 7 + [50.0] * 5
    assert {m.chilled_pct for m in months} == {38.5}
    assert months[5].safeguard == "triggered" and months[7].safeguard == "in force: 50 %"
    assert notes == [
        "frozen beef from all origins, to 2017-06-30: 89,253 t > trigger 89,140 t",
        "frozen beef from origins without an EPA (the U.S. among them), to 2017-06-30: 37,823 t > trigger 35,468 t",
    ]
    text = format_beef_table(2017, months, notes)
    assert "synthetic" in text and "2017-08" in text
