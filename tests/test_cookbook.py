"""Every query in docs/cookbook.md runs against the demo's serving copy and gives the right answer."""

from __future__ import annotations

import math

import pytest

from orchestration.publish.cookbook import recipes


@pytest.fixture(scope="module")
def run(demo_warehouse):
    import duckdb

    con = duckdb.connect(str(demo_warehouse.parent / "serving.duckdb"), read_only=True)
    queries = recipes()

    def run(name: str, sql: str | None = None) -> list[dict]:
        cursor = con.execute(sql or queries[name])
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    run.con = con
    yield run
    con.close()


def test_the_cookbook_has_every_recipe_under_test():
    assert sorted(recipes()) == sorted(
        [
            "japan_balance",
            "japan_top_exports",
            "japan_beef_lng",
            "japan_balance_movers",
            "largest_deficits",
            "japan_collected_vs_statutory",
            "japan_cars_statutory_vs_collected",
            "japan_export_tariffs",
            "beef_safeguard_this_year",
            "eu27_vs_eu28",
            # months from the bulk files: tested on a bulk backfill (test_backfill_bulk.py)
            "mexico_by_rate_provision",
            "japan_ports",
        ]
    )


def test_japan_balance_ends_2017_at_the_published_deficit(run):
    rows = run("japan_balance")
    assert len(rows) == 24  # the demo's two years
    december = rows[-1]
    # FT-900 2017 annual: U.S. balance with Japan -68,807.8 $M (../shared/facts)
    assert december["balance_ytd_musd"] == pytest.approx(-68_807.8, abs=0.05)
    assert december["balance_12m_musd"] == pytest.approx(-68_807.8, abs=0.05)
    assert [r["balance_12m_musd"] is None for r in rows[:11]] == [True] * 11  # fewer than 12 months yet
    assert sum(r["balance_musd"] for r in rows[12:]) == pytest.approx(-68_807.8, abs=1)


def test_top_exports_are_ten_products_largest_first(run):
    rows = run("japan_top_exports")
    assert len(rows) == 10
    values = [r["exports_musd"] for r in rows]
    assert values == sorted(values, reverse=True) and values[-1] > 0
    assert all(len(r["commodity_code"]) == 4 and r["product"] for r in rows)
    assert all(r["growth_pct"] is not None for r in rows)  # 2016 is loaded, so growth is known


def test_beef_and_lng_rows_carry_unit_values(run):
    rows = run("japan_beef_lng")
    codes = {r["commodity_code"] for r in rows}
    assert codes == {"0201", "0202", "271111"}
    priced = [r for r in rows if r["quantity"]]
    assert priced and all(r["usd_per_unit"] > 0 for r in priced)
    assert {r["quantity_unit"] for r in priced if r["commodity_code"] == "0201"} == {"KG"}
    # a month Census flags as "quantity missing" has no unit value rather than a made-up one
    unpriced = [r for r in rows if r["quantity"] is None]
    assert all(r["usd_per_unit"] is None and r["exports_musd"] > 0 for r in unpriced)


def test_the_movers_add_up_to_the_change_in_the_balance(run):
    top = run("japan_balance_movers")
    assert len(top) == 10
    assert [abs(r["contribution_musd"]) for r in top] == sorted(
        (abs(r["contribution_musd"]) for r in top), reverse=True
    )
    every_chapter = run("", recipes()["japan_balance_movers"].replace("limit 10", ""))
    change = run.con.execute(
        "select sum(case when year(period) = 2017 then balance_usd else -balance_usd end) / 1e6 "
        "from marts.fct_bilateral_balance_monthly where partner_code = '5880'"
    ).fetchone()[0]
    assert sum(r["contribution_musd"] for r in every_chapter) == pytest.approx(change, abs=0.1 * len(every_chapter))


def test_china_has_the_largest_deficit(run):
    rows = run("largest_deficits")
    assert len(rows) == 10
    # FT-900 2017 annual: U.S. balance with China -375,167.6 $M (../shared/facts)
    assert (rows[0]["partner_code"], rows[0]["balance_busd"]) == ("5700", pytest.approx(-375.17, abs=0.005))
    assert (rows[0]["partner"], rows[0]["iso3"]) == ("China", "CHN")
    assert all(r["partner"] != r["partner"].upper() and len(r["iso3"]) == 3 for r in rows)  # names, not capitals
    assert [r["balance_busd"] for r in rows] == sorted(r["balance_busd"] for r in rows)
    assert not {"-", "0003"} & {r["partner_code"] for r in rows}


def test_collected_and_statutory_rates_for_japan(run):
    rows = run("japan_collected_vs_statutory")
    assert len(rows) == 24
    assert all(0 < r["collected_pct"] < 10 for r in rows)
    assert all(0 < r["schedule_known_for_pct_of_value"] <= 100 for r in rows)


def test_japan_cars_statutory_and_collected_recomputed_from_trade_and_schedule(run):
    rows = run("japan_cars_statutory_vs_collected")
    # recomputed without the mart: Census HTS10 imports of cars from Japan, each with the rate
    # line in force on the 15th (every car line of the sample schedule is ad valorem)
    lines = run(
        "",
        """
        select t.period, t.commodity_code, t.consumption_usd, t.calculated_duty_usd,
            r.general_kind, r.general_ad_valorem_pct, r.chapter99_refs
        from marts.fct_trade_monthly t
        left join marts.fct_tariff_rates r
            on r.hts_code = t.commodity_code and r.hts_digits = 10 and r.valid_from <= t.period + 14
            and (r.valid_to is null or r.valid_to > t.period + 14)
        where t.partner_code = '5880' and t.flow = 'imports' and t.hs_level = 10 and t.commodity_code like '8703%'
        """,
    )
    assert {line["general_kind"] for line in lines} <= {"ad_valorem", None}
    expected = {}
    for line in lines:
        month = expected.setdefault(
            line["period"], {"value": 0, "duty": 0, "statutory": 0, "covered": 0, "refs": set()}
        )
        month["value"] += line["consumption_usd"]
        month["duty"] += line["calculated_duty_usd"]
        if line["general_kind"] is not None:
            # whole dollars per line, halves up (as DuckDB rounds)
            month["statutory"] += math.floor(line["general_ad_valorem_pct"] * line["consumption_usd"] / 100.0 + 0.5)
            month["covered"] += line["consumption_usd"]
            month["refs"] |= set(line["chapter99_refs"])
    assert len(rows) == len(expected) == 24  # Japan sells the U.S. cars every month of the demo
    assert all(m["covered"] > 0 for m in expected.values())  # the sample schedule has car lines
    # the headings the car lines name (9903.88.01) are not in the sample schedule: listed as printed
    loaded = {h for (h,) in run.con.execute("select heading from marts.fct_chapter99_measures").fetchall()}
    for row in rows:
        month = expected[row["period"]]
        assert (row["partner_name"], row["partner_program"]) == ("Japan", None)  # JP applies from 2020
        assert row["commodity_description"]
        # the recipe rounds for display: within half its last digit
        assert row["imports_musd"] == pytest.approx(month["value"] / 1e6, abs=0.051)
        assert row["collected_duty_musd"] == pytest.approx(month["duty"] / 1e6, abs=0.0051)
        assert row["statutory_duty_musd"] == pytest.approx(month["statutory"] / 1e6, abs=0.0051)
        assert row["collected_pct"] == pytest.approx(100 * month["duty"] / month["value"], abs=0.0051)
        assert row["statutory_pct"] == pytest.approx(100 * month["statutory"] / month["covered"], abs=0.0051)
        known_pct = 100 * month["covered"] / month["value"]
        assert row["schedule_known_for_pct_of_value"] == pytest.approx(known_pct, abs=0.051)
        assert row["chapter99_measures"] == sorted(month["refs"]) and not month["refs"] & loaded
    # cars pay 2.5 % MFN: what the schedule implies on the known value is that rate
    assert {row["statutory_pct"] for row in rows} == {2.5}


def test_japan_export_tariffs_put_beef_under_the_safeguard_first(run):
    rows = run("japan_export_tariffs")
    by_code = {r["hs6_code"]: r for r in rows}
    # frozen beef: 38.5 % for seven months, 50 % from August (the safeguard), weighted by value
    frozen = by_code["020230"]
    assert 38.5 < frozen["tariff_faced_pct"] < 50 and frozen["under_safeguard"] and frozen["verified"]
    assert by_code["020130"]["tariff_faced_pct"] == 38.5 and not by_code["020130"]["under_safeguard"]
    assert rows[0]["hs6_code"][:4] in ("0201", "0202")  # the largest duty is on beef
    unknown = [r for r in rows if r["tariff_faced_pct"] is None]
    assert unknown and all(r["no_rate_reason"] and r["estimated_duty_musd"] is None for r in unknown)


def test_beef_safeguard_this_year_shows_the_2017_trigger(run):
    rows = run("beef_safeguard_this_year")
    june = {r["condition_code"]: r for r in rows if r["period"].month == 6 and r["regime"] == "WTO-SSG-2017"}
    assert june["world_frozen"]["japan_imports_cum_t"] == 89253 and june["world_frozen"]["trigger_t"] == 89140
    assert june["non_epa_frozen"]["pct_of_trigger"] == pytest.approx(100 * 37823 / 35468, abs=0.01)
    assert all(r["regime_triggered"] for r in june.values())
    assert {r["safeguard_rate_pct"] for r in rows if r["period"].month == 9} == {50.0}


def test_eu27_vs_eu28_follows_the_apis_eu_of_the_month(run):
    rows = run("eu27_vs_eu28")
    assert len(rows) == 24
    assert all(r["eu_of_the_month_musd"] == r["census_0003_musd"] for r in rows)
    assert {r["members_of_the_month"] for r in rows} == {28}  # 2016-2017: EU-28 with the UK
    # the UK is the whole difference between the EU of the month and today's 27
    uk = run(
        "japan_balance",
        "select period, round(balance_usd / 1e6, 1) as uk from marts.fct_bilateral_balance_monthly "
        "where partner_code = '4120' order by period",
    )
    for row, united_kingdom in zip(rows, uk, strict=True):
        assert row["eu_of_the_month_musd"] - row["eu27_musd"] == pytest.approx(united_kingdom["uk"], abs=0.11)
