"""The whole pipeline (Dagster assets + dbt) on temporary warehouses; slow, run by `make test`."""

import csv
import json
import shutil
import subprocess
from datetime import date

import dagster as dg
import duckdb
import pytest
from census_server import CensusTestServer
from conftest import DEMO_MONTHS, TEST_KEY
from helpers import snapshot

from orchestration.app.bench import fingerprints
from orchestration.app.runner import SAMPLE_LEVELS, RefreshRequest, job_definition, refresh, refresh_selection
from orchestration.census.landing import LandingStore
from orchestration.core.errors import WarehouseError
from orchestration.defs.census.jobs import INGEST_OPS
from orchestration.defs.dbt.project import DBT_PROJECT_DIR, dbt_executable
from orchestration.defs.resources import CensusApiResource, LandingResource, WarehouseResource, default_resources
from orchestration.devdata.catalog import CHAPTERS, HEADINGS, PARTNERS, SUBHEADINGS
from orchestration.devdata.published import PUBLISHED_2017
from orchestration.devdata.sample import month_rows, write_sample_landing

pytestmark = pytest.mark.slow
JAN, FEB = date(2017, 1, 1), date(2017, 2, 1)


def test_marts_reproduce_the_published_2017_totals(demo_warehouse, read_only, shared):
    con = read_only(demo_warehouse)
    ours = {
        (code, period.month): (exports, imports, balance)
        for code, period, exports, imports, balance in con.execute(
            "select partner_code, period, exports_usd, imports_usd, balance_usd "
            "from marts.fct_bilateral_balance_monthly "
            "where year(period) = 2017"
        ).fetchall()
    }
    compared = 0
    with open(shared / "facts/published_bilateral_totals_2017.csv") as handle:
        for row in csv.DictReader(handle):
            exports, imports, balance = ours[(row["cty_code"], int(row["month"]))]
            for value, published in zip(
                (exports, imports, balance),
                (row["exports_usd_millions"], row["imports_usd_millions"], row["balance_usd_millions"]),
                strict=True,
            ):
                assert abs(value / 1e6 - float(published)) <= 0.05 + 1e-9
                compared += 1
    assert compared == 6 * 12 * 3


def test_marts_reproduce_the_published_figures_bundled_with_the_sample(demo_warehouse, read_only):
    # The bundled figures equal ../shared/facts (test_real_fixtures); this runs without ../shared.
    con = read_only(demo_warehouse)
    rows = con.execute(
        "select partner_code, month(period), exports_usd, imports_usd from marts.fct_bilateral_balance_monthly "
        "where year(period) = 2017 and partner_code in (select unnest($codes::varchar[]))",
        {"codes": list(PUBLISHED_2017)},
    ).fetchall()
    assert len(rows) == 72
    for code, month, exports, imports in rows:
        assert (round(exports / 1e5) / 10, round(imports / 1e5) / 10) == PUBLISHED_2017[code][1][month - 1]


def test_japan_2017_balance_sums_to_the_published_months(demo_warehouse, read_only):
    con = read_only(demo_warehouse)
    total, months, ytd = con.execute(
        "select sum(balance_usd), count(*), max(balance_ytd_usd) filter (where month(period) = 12) "
        "from marts.fct_bilateral_balance_monthly where partner_code = '5880' and year(period) = 2017"
    ).fetchone()
    assert (total, months, ytd) == (-68_807_800_000, 12, -68_807_800_000)
    published = sum(round((e - i) * 10) for e, i in PUBLISHED_2017["5880"][1]) / 10
    assert published == -68_807.8


def test_groupings_are_flagged_and_countries_add_up_to_the_world(demo_warehouse, read_only):
    con = read_only(demo_warehouse)
    flags = dict(con.execute("select partner_code, is_aggregate from marts.dim_country").fetchall())
    assert flags["-"] and flags["0003"] and flags["5XXX"] and not flags["5880"]
    mismatched = con.execute(
        """
        select count(*) from (
            select period,
                sum(exports_usd) filter (where not is_aggregate) as countries,
                sum(exports_usd) filter (where partner_code = '-') as world
            from marts.fct_bilateral_balance_monthly group by period
        ) where countries <> world
        """
    ).fetchone()[0]
    assert mismatched == 0
    assert (
        con.execute(
            "select count(*) from marts.fct_trade_monthly where partner_code in ('-', '0003', '5XXX')"
        ).fetchone()[0]
        == 0
    )


def test_partners_have_plain_names_and_countries_their_iso_codes(demo_warehouse, read_only):
    con = read_only(demo_warehouse)
    rows = {
        code: rest
        for code, *rest in con.execute(
            "select partner_code, display_name, iso2, iso3, is_aggregate from marts.dim_country"
        ).fetchall()
    }
    assert rows["5800"] == ["South Korea", "KR", "KOR", False]  # the API's KOREA, SOUTH
    assert rows["4280"] == ["Germany", "DE", "DEU", False]
    assert rows["0003"] == ["European Union", None, None, True]
    assert rows["-"] == ["World", None, None, True]
    # every country of the sample has ISO codes, no grouping has; no name is left in capitals
    assert {code for code, row in rows.items() if row[1]} == {code for code, *_ in PARTNERS}
    assert not [row[0] for row in rows.values() if not row[3] and row[0] == row[0].upper()]


def test_a_leaf_named_new_carries_the_names_of_its_ancestors(demo_warehouse, read_only):
    con = read_only(demo_warehouse)
    leaf = con.execute(
        "select description, description_path from marts.dim_commodity "
        "where flow = 'imports' and commodity_code = '8703800020'"
    ).fetchone()
    subheading = {code: name for code, name, *_ in SUBHEADINGS}["870380"]
    assert leaf == ("NEW", " › ".join((CHAPTERS["87"], HEADINGS["8703"], subheading, "NEW")))
    # every named code's path starts with its chapter's name and ends with its own
    unlike = con.execute(
        """
        select count(*) from marts.dim_commodity as code
        inner join marts.dim_commodity as chapter
            on chapter.flow = code.flow and chapter.commodity_code = code.hs2_code
        where code.description is not null
            and not (starts_with(code.description_path, chapter.description)
                and ends_with(code.description_path, code.description))
        """
    ).fetchone()[0]
    pathless = con.execute(
        "select count(*) from marts.dim_commodity where description is not null and description_path is null"
    ).fetchone()[0]
    assert (unlike, pathless) == (0, 0)


def test_every_level_of_detail_adds_up_to_the_partner_total(demo_warehouse, read_only):
    con = read_only(demo_warehouse)
    bad = con.execute(
        """
        with detail as (
            select period, partner_code, flow, hs_level, sum(value_usd) as total
            from marts.fct_trade_monthly group by all
        ),
        partner as (
            select period, partner_code, 'exports' as flow, exports_usd as total
            from marts.fct_bilateral_balance_monthly
            union all
            select period, partner_code, 'imports', imports_usd from marts.fct_bilateral_balance_monthly
        )
        select count(*) from detail join partner using (period, partner_code, flow)
        where detail.total <> partner.total
        """
    ).fetchone()[0]
    levels = con.execute("select list(distinct hs_level order by hs_level) from marts.fct_trade_monthly").fetchone()[0]
    assert bad == 0 and levels == [2, 4, 6, 10]


def test_product_flows_give_shares_unit_values_and_flag_missing_quantities(demo_warehouse, read_only):
    con = read_only(demo_warehouse)
    shares = con.execute(
        "select min(s), max(s) from (select sum(share_of_partner_flow_pct) as s from marts.fct_product_flows "
        "where hs_level = 2 group by period, partner_code, flow)"
    ).fetchone()
    assert shares[0] == pytest.approx(100) and shares[1] == pytest.approx(100)
    beef = con.execute(
        "select unit_value_usd, quantity_unit from marts.fct_product_flows where partner_code = '5880' "
        "and flow = 'exports' and commodity_code = '020130' and quantity is not null limit 1"
    ).fetchone()
    assert beef[1] == "KG" and 5 < beef[0] < 12
    missing = con.execute(
        "select count(*), count(quantity) from marts.fct_trade_monthly where quantity_missing"
    ).fetchone()
    assert missing[0] > 0 and missing[1] == 0  # flagged quantities are null, never a silent zero


def test_only_raw_staging_and_marts_schemas_exist_and_mart_columns_are_described(demo_warehouse, read_only):
    con = read_only(demo_warehouse)
    schemas = {r[0] for r in con.execute("select schema_name from duckdb_schemas() where not internal").fetchall()}
    assert schemas - {"main"} == {"raw", "staging", "marts"}
    undocumented = con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name = 'marts' and comment is null"
    ).fetchall()
    assert undocumented == []


def test_every_dbt_unit_test_passes(demo_warehouse, tmp_path):
    """dbt's unit tests (SQL logic on fixed inputs), which refreshes leave out, run here: all of them."""
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "target"
    shutil.copy(demo_warehouse, warehouse)
    command = [dbt_executable(), "test", "--select", "test_type:unit", "--target-path", str(target)]
    command += ["--log-path", str(target), "--vars", json.dumps({"warehouse_path": str(warehouse)})]
    finished = subprocess.run(command, cwd=DBT_PROJECT_DIR, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout[-3000:]
    declared = set(json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())["unit_tests"])
    results = [
        r for r in json.loads((target / "run_results.json").read_text())["results"] if r["unique_id"] in declared
    ]
    assert len(declared) >= 3 and {r["unique_id"] for r in results} == declared
    assert {r["status"] for r in results} == {"pass"}


def test_the_demo_prints_japan_and_a_second_run_changes_nothing(
    demo_warehouse, sample_landing, tmp_path, monkeypatch, capsys
):
    from orchestration.app.cli import main

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_warehouse, warehouse)
    shutil.copytree(sample_landing, tmp_path / "landing" / "sample")
    before = snapshot(warehouse)
    assert main(["demo", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "U.S. goods trade with Japan, 2017" in printed
    assert "2017         67,603.5    136,411.3    -68,807.8" in printed
    # then U.S. beef to Japan with the tariff it faced: frozen beef under the safeguard from August
    beef = printed[printed.index("U.S. beef exports to Japan, 2017") :].splitlines()
    assert beef[8].startswith("2017-07") and beef[8].endswith("38.5 %    38.5 %  -")
    assert beef[9].startswith("2017-08") and beef[9].endswith("38.5 %    50.0 %  in force: 50 %")
    assert "37,823 t > trigger 35,468 t" in printed
    assert any(line.startswith("Tonnes and dollars are the sample's synthetic") for line in beef)
    # how to replay it names the sample's own landing folder, not the default one
    assert f"Replay it: LANDING_DIR={tmp_path / 'landing' / 'sample'} " in printed
    assert "refresh --source replay --start 2016-01 --end 2017-12" in printed
    assert snapshot(warehouse) == before


def test_one_partition_materializes_end_to_end_from_the_api(tmp_path):
    march = date(2017, 3, 1)
    resources = default_resources() | {
        "warehouse": WarehouseResource(path=str(tmp_path / "warehouse.duckdb")),
        "landing": LandingResource(dir=str(tmp_path / "landing")),
    }
    config = {"source": "api", "levels": ["HS2"], "refetch": False}
    with CensusTestServer([march], key=TEST_KEY) as server:
        resources["census"] = CensusApiResource(base_url=server.base_url, backoff_factor=0)
        result = job_definition("census_monthly", resources).execute_in_process(
            partition_key="2017-03-01",
            run_config={"ops": {op: {"config": config} for op in INGEST_OPS}},
        )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert checks and all(check.passed for check in checks)
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"raw/census_exports", "marts/fct_trade_monthly", "marts/fct_bilateral_balance_monthly"} <= materialized
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        japan = con.execute(
            "select exports_usd, imports_usd from marts.fct_bilateral_balance_monthly where partner_code = '5880'"
        ).fetchone()
    assert japan == (5_803_300_000, 13_019_000_000)
    # dbt ran on the project's saved parse (trade-warehouse-dbt): dagster-dbt copies the saved
    # parse into each build's folder, and a dbt that parsed again would have rewritten the copy
    saved = (DBT_PROJECT_DIR / "target" / "partial_parse.msgpack").read_bytes()
    copies = list((DBT_PROJECT_DIR / "target").glob(f"*-{result.run_id[:7]}-*/partial_parse.msgpack"))
    assert copies and all(copy.read_bytes() == saved for copy in copies)


def test_months_fetched_at_hs10_from_a_size_limited_server_have_every_level_to_the_dollar(tmp_path, monkeypatch):
    """A refresh that fetches HS10 only, from a server that gives up on big queries: the marts hold
    HS2, HS4 and HS6 as exact sums, equal to the server's own cells, quantities included."""
    months = [JAN, FEB]
    with CensusTestServer(months, key=TEST_KEY) as server:
        server.chapter_limit, server.row_limit, server.give_up_after = 5, 310, 0.05
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        monkeypatch.setenv("CENSUS_API_BACKOFF", "0")
        runs = refresh(
            RefreshRequest(months=months, source="api", levels=("HS10",), landing_dir=tmp_path / "landing"),
            show_progress=False,
        )
        gave_up = len(server.gave_up)
    result = runs.refresh
    assert result.success and gave_up
    expected = {
        (month, flow, row["CTY_CODE"], int(row["COMM_LVL"][2:]), row[commodity]): (
            int(row[value]),
            None if row[flag] == "M" else int(row[quantity]),
        )
        for month in months
        for flow, commodity, value, quantity, flag in (
            ("exports", "E_COMMODITY", "ALL_VAL_MO", "QTY_1_MO", "QTY_1_MO_FLAG"),
            ("imports", "I_COMMODITY", "GEN_VAL_MO", "GEN_QY1_MO", "GEN_QY1_MO_FLAG"),
        )
        for row in month_rows(flow, month)
        if row["COMM_LVL"] != "-" and row["SUMMARY_LVL"] == "DET" and row["CTY_CODE"] != "-"  # countries
    }
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select period, flow, partner_code, hs_level, commodity_code, value_usd, quantity "
            "from marts.fct_trade_monthly"
        ).fetchall()
    built = {(p, f, c, level, code): (v, q) for p, f, c, level, code, v, q in rows}
    assert {key[3] for key in built} == {2, 4, 6, 10}
    assert built == expected


def test_a_dropped_chapter_fails_the_month_and_leaves_the_marts_and_the_serving_copy_as_they_were(
    tmp_path, monkeypatch
):
    with CensusTestServer([JAN, FEB], key=TEST_KEY) as server:
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        monkeypatch.setenv("CENSUS_API_BACKOFF", "0")
        request = {"source": "api", "levels": ("HS2", "HS6"), "landing_dir": tmp_path / "landing"}
        refresh(RefreshRequest(months=[JAN], **request), show_progress=False)
        serving = tmp_path / "serving.duckdb"
        before, served = snapshot(tmp_path / "warehouse.duckdb"), serving.read_bytes()
        server.empty_chapters = {"84"}  # the release-morning update: chapter 84 answers 204
        with pytest.raises(WarehouseError) as failure:
            refresh(RefreshRequest(months=[FEB], **request), show_progress=False)
    assert "exports 2017-02: HS6 detail for chapter 84 answered no rows (HTTP 204, 3 tries)" in str(failure.value)
    assert snapshot(tmp_path / "warehouse.duckdb") == before and serving.read_bytes() == served


def test_yoy_contributions_add_up_to_the_change_in_the_balance(tmp_path):
    months = [date(2016, 1, 1), date(2017, 1, 1)]
    write_sample_landing(LandingStore(tmp_path / "landing"), months, ("HS2",))
    refresh(
        RefreshRequest(months=[months[0]], source="replay", levels=("HS2",), landing_dir=tmp_path / "landing"),
        show_progress=False,
    )
    refresh(
        RefreshRequest(months=[months[1]], source="replay", levels=("HS2",), landing_dir=tmp_path / "landing"),
        show_progress=False,
    )
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        balance_now, balance_then, yoy = con.execute(
            """
            select b.balance_usd, p.balance_usd, b.exports_yoy_pct
            from marts.fct_bilateral_balance_monthly b
            join marts.fct_bilateral_balance_monthly p
                on p.partner_code = b.partner_code and p.period = date '2016-01-01'
            where b.partner_code = '5880' and b.period = date '2017-01-01'
            """
        ).fetchone()
        contributions = con.execute(
            "select sum(balance_contribution_usd), count(*) filter (where prior_year_value_usd is null) "
            "from marts.fct_product_flows where partner_code = '5880' and period = date '2017-01-01' and hs_level = 2"
        ).fetchone()
    assert contributions == (balance_now - balance_then, 0)
    assert yoy is not None


def test_a_backfill_built_in_batches_gives_the_marts_of_one_build(
    demo_warehouse, sample_landing, tmp_path, monkeypatch
):
    # the demo's 24 months in dbt batches of 10 (Jan-Oct 2016, Nov 2016-Aug 2017, Sep-Dec 2017): YoY
    # and 12-month figures read months of earlier batches, and 2017's year-to-date spans two batches
    monkeypatch.setenv("DBT_BATCH_MONTHS", "10")
    path = tmp_path / "warehouse.duckdb"
    request = RefreshRequest(
        months=DEMO_MONTHS, source="replay", levels=SAMPLE_LEVELS, landing_dir=sample_landing, warehouse_path=path
    )
    refresh(request, show_progress=False)
    batched, whole = fingerprints(path), fingerprints(demo_warehouse)
    census_marts = {t for t in batched if "tariff" not in t and "chapter99" not in t}
    assert {"fct_trade_monthly", "fct_product_flows", "dim_commodity"} <= census_marts
    assert {t: batched[t] for t in census_marts} == {t: whole[t] for t in census_marts}
    with duckdb.connect(str(path), read_only=True) as con:
        recorded = con.execute(
            "select count(distinct period), count(*) from staging.mart_changes where relation = 'fct_trade_monthly'"
        ).fetchone()
    assert recorded == (24, 24)  # each month written by its own batch only


def test_a_month_loaded_without_its_build_reaches_the_balances_with_the_next_run(
    demo_warehouse, sample_landing, tmp_path
):
    """The balances read a table of each month's totals that a run rebuilds for its window: a
    month loaded whose build never ran (a stopped or failed run) is rebuilt by the next run of any
    month, because its vintage is not the one the table was built from."""
    from orchestration.census.ingest import ingest_flow

    path = tmp_path / "warehouse.duckdb"
    january, february, march = DEMO_MONTHS[:3]

    def run(months):
        request = RefreshRequest(
            months=months, source="replay", levels=SAMPLE_LEVELS, landing_dir=sample_landing, warehouse_path=path
        )
        refresh(request, show_progress=False, publish=False)

    def balances(database, month):
        with duckdb.connect(str(database), read_only=True) as con:
            return con.execute(
                "select * from marts.fct_bilateral_balance_monthly where period = $month order by partner_code",
                {"month": month},
            ).fetchall()

    run([january, february])
    for flow in ("exports", "imports"):  # March's load, without the dbt build that follows it
        ingest_flow(
            flow, [march], source="replay", levels=SAMPLE_LEVELS, store=LandingStore(sample_landing),
            warehouse_path=path,
        )  # fmt: skip
    assert balances(path, march) == []
    run([january])
    assert balances(path, march) == balances(demo_warehouse, march) != []


def test_cli_refresh_from_the_api_ends_with_a_summary(tmp_path, monkeypatch, capsys):
    from orchestration.app.cli import main

    months = [date(2017, 1, 1), date(2017, 2, 1)]
    with CensusTestServer(months, key=TEST_KEY) as server:
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        code = main(["refresh", "--start", "2017-01", "--end", "2017-02", "--levels", "HS2", "--no-progress"])
        asked = len(server.data_requests())
    out = capsys.readouterr().out.splitlines()
    # months x (totals, HS2 names, HS2 detail by chapter: 97 of exports, 98 of imports)
    assert code == 0 and asked == 2 * (2 * (1 + 1) + 97 + 98)
    assert out[0].startswith("loaded 2 month(s), 2017-01 .. 2017-02:")
    assert out[1] == "largest bilateral balances, 2017-02 ($ millions):"
    assert out[2].split()[:2] == ["5700", "CHINA"]


def test_the_readme_queries_run_on_the_demo_warehouse(demo_warehouse, read_only):
    import re

    from conftest import ROOT

    con = read_only(demo_warehouse)
    blocks = re.findall(r"```sql\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    statements = [s.strip() for block in blocks for s in block.split(";") if s.strip()]
    assert len(statements) >= 4
    for statement in statements:
        rows = con.execute(statement).fetchall()
        assert rows or "may be empty" in statement, statement


def test_the_demo_has_a_tariff_schedule_and_compares_statutory_with_collected(demo_warehouse, read_only):
    con = read_only(demo_warehouse)
    lines, sources = con.execute("select count(*), list(distinct source) from marts.fct_tariff_rates").fetchone()
    assert lines > 30 and sources == ["sample_synthetic"]
    surcharge = con.execute(
        "select duty_type, additional_duty_pct, legal_family from marts.fct_chapter99_measures "
        "where heading = '9903.88.03'"
    ).fetchone()
    assert surcharge == ("additional", 25.0, "section_301")
    frozen_beef = con.execute(
        """
        select t.value_usd, t.quantity, e.statutory_rate_pct, e.statutory_basis, e.collected_rate_pct,
            100.0 * t.calculated_duty_usd / t.consumption_usd
        from marts.fct_effective_tariff_monthly e
        join marts.fct_trade_monthly t
            on t.period = e.period and t.partner_code = e.partner_code and t.flow = 'imports'
            and t.hs_level = 10 and t.commodity_code = e.commodity_code
        where e.partner_code = '5880' and e.period = date '2017-03-01' and e.commodity_code = '0202305025'
            and not t.quantity_missing
        """
    ).fetchone()
    value, quantity, statutory, basis, collected, expected_collected = frozen_beef
    # 4.4 cents per kg as a percent of the month's unit value
    assert basis == "specific_ave" and statutory == pytest.approx(100 * 0.044 * quantity / value)
    assert collected == pytest.approx(expected_collected)
    reasons = dict(
        con.execute(
            "select statutory_missing_reason, count(*) from marts.fct_effective_tariff_monthly "
            "where aggregation = 'hts10' group by 1"
        ).fetchall()
    )
    assert reasons[None] > 0 and reasons["no_hts_line_in_force"] > 0


def test_the_effective_tariff_takes_each_partners_agreement_rate_from_its_special_column(demo_warehouse, read_only):
    """The sample schedule prints the 2025 special column (KORUS `KR` and Australia's `AU`
    listed, Japan's `JP` not on these lines, in force from 2020 anyway): each HTS10 row's agreement
    rate is the Python parser's reading of the line's printed special text for the partner's code."""
    from orchestration.hts.rates import parse_special

    con = read_only(demo_warehouse)
    rows = con.execute(
        """
        select e.partner_code, e.commodity_code, e.partner_program, e.agreement_program, e.agreement_rate_pct,
            e.agreement_missing_reason, r.special_text
        from marts.fct_effective_tariff_monthly e
        join marts.fct_tariff_rates r
            on r.hts_code = e.commodity_code and r.valid_from <= e.period + 14
            and (r.valid_to is null or r.valid_to > e.period + 14)
        where e.aggregation = 'hts10' and e.partner_code in ('5800', '6021', '5880') and year(e.period) = 2017
        """
    ).fetchall()
    checked = {"5800": 0, "6021": 0}
    for partner, code, program, listed, rate, reason, special_text in rows:
        if partner == "5880":  # the U.S.-Japan Trade Agreement applies from 2020
            assert (program, listed, rate, reason) == (None, None, None, "no_agreement_in_force"), code
            continue
        expected_program = {"5800": "KR", "6021": "AU"}[partner]
        printed = parse_special(special_text).for_program(expected_program)
        assert program == expected_program
        if printed is None:
            assert (listed, rate, reason) == (None, None, "line_not_in_program"), code
        elif printed.kind == "reference":  # "See 9822.04.01-9822.04.03 (AU)": no rate of its own
            assert (listed, rate, reason) == (expected_program, None, "rate_by_reference"), code
        else:
            assert listed == expected_program and reason is None
            assert rate == pytest.approx(printed.ad_valorem_pct), code
            checked[partner] += 1
    assert all(checked.values()), checked
    # KORUS: cars free, chilled beef 1.7 %
    korea = dict(
        con.execute(
            "select left(commodity_code, 4), max(agreement_rate_pct) from marts.fct_effective_tariff_monthly "
            "where partner_code = '5800' and aggregation = 'hts10' and left(commodity_code, 4) in ('8703', '0201') "
            "group by 1"
        ).fetchall()
    )
    assert korea == {"8703": 0.0, "0201": 1.7}


def test_the_effective_tariff_levels_name_partners_and_products(demo_warehouse, read_only):
    con = read_only(demo_warehouse)
    levels = dict(
        con.execute(
            "select aggregation, count(*) from marts.fct_effective_tariff_monthly "
            "where partner_code = '5880' and period = date '2017-03-01' group by 1"
        ).fetchall()
    )
    assert levels.keys() == {"hts10", "hs6", "hs4", "hs2", "partner"}
    assert levels["hts10"] > levels["hs6"] >= levels["hs4"] >= levels["hs2"] > levels["partner"] == 1
    unnamed = con.execute(
        "select count(*) filter (where partner_name is null), "
        "count(*) filter (where commodity_description is null and commodity_code <> '-') "
        "from marts.fct_effective_tariff_monthly"
    ).fetchone()
    assert unnamed == (0, 0)
    # an HTS10 line of the schedule reads with its outline parent
    assert con.execute(
        "select distinct hts_description from marts.fct_effective_tariff_monthly where commodity_code = '8703240160'"
    ).fetchall() == [("Of a cylinder capacity exceeding 3,000 cc: New, having engines with more than 6 cylinders",)]


TARIFF_MODELS = {"stg_hts__lines", "stg_hts__releases", "int_hts__lines_resolved", "fct_tariff_rates",
                 "fct_chapter99_measures", "int_hts__special_program_rates", "int_hts__imports_rated",
                 "fct_effective_tariff_monthly", "hts_release_dates", "hts_chapter99_families", "hts_census_units",
                 "hts_partner_programs"}  # with their seeds  # fmt: skip
# the partner tariff models and seeds are built with them (tag tariffs)
PARTNER_MODELS = {"stg_partners__wits_tariffs", "stg_partners__japan_lines", "stg_partners__beef_rates",
                  "int_partners__rates_unioned", "fct_partner_tariff_rates", "fct_export_tariff_exposure_monthly",
                  "fct_safeguard_monitor", "partner_codes", "japan_tariff_lines", "japan_beef_rates_us_origin",
                  "safeguard_regimes", "safeguard_conditions", "safeguard_facts", "safeguard_events"}  # fmt: skip


def test_the_cli_runs_the_ui_jobs_with_the_same_assets(demo_warehouse, isolated_env, sample_landing):
    """A CLI refresh is the census_monthly run the UI's schedule would make (its whole selection
    once a tariff schedule is loaded), then the publish run the UI's sensor would make."""
    import shutil

    warehouse = isolated_env / "warehouse.duckdb"
    shutil.copy(demo_warehouse, warehouse)
    refresh(
        RefreshRequest(months=[date(2017, 5, 1)], source="replay", levels=SAMPLE_LEVELS, landing_dir=sample_landing,
                       warehouse_path=warehouse),
        show_progress=False,
    )  # fmt: skip
    runs = list(reversed(dg.DagsterInstance.get().get_runs()))  # newest first: oldest first
    assert [run.job_name for run in runs] == ["census_monthly", "publish"]
    assert not runs[0].asset_selection and not runs[1].asset_selection  # each job whole, not a subset
    assert runs[0].tags["dagster/partition"] == "2017-05-01"
    # without a tariff schedule the one difference: the tariff marts are left out
    ui_job = job_definition("census_monthly", default_resources())
    tariff_names = TARIFF_MODELS | PARTNER_MODELS
    tariff_keys = {key for key in ui_job.asset_layer.executable_asset_keys if key.path[-1] in tariff_names}
    assert tariff_keys and set(refresh_selection(ui_job, isolated_env / "none.duckdb")) == (
        ui_job.asset_layer.executable_asset_keys - tariff_keys
    )
