"""Every query in docs/cookbook.md runs against the demo's serving copy and gives the right answer."""

from __future__ import annotations

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
    assert [r["balance_busd"] for r in rows] == sorted(r["balance_busd"] for r in rows)
    assert not {"-", "0003"} & {r["partner_code"] for r in rows}


def test_collected_and_statutory_rates_for_japan(run):
    rows = run("japan_collected_vs_statutory")
    assert len(rows) == 24
    assert all(0 < r["collected_pct"] < 10 for r in rows)
    assert all(0 < r["schedule_known_for_pct_of_value"] <= 100 for r in rows)
