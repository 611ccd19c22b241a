"""`trade-warehouse partners refresh` and the partner_tariffs_job behind it, against a local
server with the WITS service's habits: a refresh lands and loads each year in a Dagster run of its
own, builds the tariff marts once, and replays with the service gone."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from wits_server import WitsTestServer, generated

from orchestration.app.cli import main
from orchestration.definitions import defs
from orchestration.defs.partners.assets import PARTNER_WITS_TARIFFS
from orchestration.partners.landing import PartnerLandingStore
from orchestration.partners.load import ingest_partner_year
from orchestration.partners.wits import WitsClient

JAPAN = "392"
# Japan's MFN schedule both years; its rates on U.S. goods in 2017 only (2018: "no records", as
# the live service answers for a year the partner has not notified)
DATA = {
    (JAPAN, "000", 2017): generated(JAPAN, "000", 2017),
    (JAPAN, "840", 2017): generated(JAPAN, "840", 2017, products=("020130", "020230", "870323")),
    (JAPAN, "000", 2018): generated(JAPAN, "000", 2018),
}
REFRESH = ["partners", "refresh", "--reporter", JAPAN, "--start-year", "2017", "--end-year", "2018", "--no-progress"]


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def rows_by_year(path: Path) -> list[tuple]:
    return query(
        path,
        "select year, partner_m49, tariff_type, count(*), round(sum(simple_average_pct), 3) "
        "from raw.partner_wits_tariffs group by all order by all",
    )


def materialized(instance: dg.DagsterInstance, run_id: str) -> set[str]:
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION).records
    return {record.event_log_entry.dagster_event.asset_key.to_user_string() for record in records}


@pytest.fixture
def census_marts(isolated_env) -> Path:
    """A fresh warehouse: partner tariffs may be loaded before any Census month (the tariff marts
    that read Census marts then have no exports to join)."""
    return isolated_env / "warehouse.duckdb"


@pytest.fixture
def wits(monkeypatch):
    with WitsTestServer(DATA) as server:
        monkeypatch.setenv("WITS_API_BASE_URL", server.base_url)
        yield server


def test_a_refresh_lands_and_loads_each_year_in_a_run_of_its_own_and_builds_the_marts_once(wits, census_marts, capsys):
    warehouse = census_marts
    assert main(REFRESH) == 0, capsys.readouterr().err
    *summary, where = capsys.readouterr().out.splitlines()
    assert summary == [
        "WITS tariffs of Japan (392) 2017: 9 rows, 2 requests made, no records: none",
        "WITS tariffs of Japan (392) 2018: 6 rows, 2 requests made, no records: 840-reported",
    ]
    assert where.startswith("Dagster runs: recorded in ")
    asked = sorted(path.split("/reporter/")[1].split("/product/")[0] for path in wits.seen)
    assert asked == ["392/partner/000", "392/partner/000", "392/partner/840", "392/partner/840"]
    assert [row[:4] for row in rows_by_year(warehouse)] == [
        (2017, "000", "MFN", 6),
        (2017, "840", "PREF", 3),
        (2018, "000", "MFN", 6),
    ]
    [(_, [served])] = [s for s in DATA[(JAPAN, "840", 2017)] if s[0]["PRODUCTCODE"] == "870323"]
    cars = "select simple_average_pct, min_rate_pct, max_rate_pct, total_lines from raw.partner_wits_tariffs"
    expected = (*(float(served[name]) for name in ("OBS_VALUE", "MIN_RATE", "MAX_RATE")), int(served["TOTALNOOFLINES"]))
    assert query(warehouse, f"{cars} where partner_m49 = '840' and product_hs6 = '870323'") == [expected]
    assert query(warehouse, "select year, partner_m49, status from raw.partner_wits_requests order by all") == [
        (2017, "000", 200),
        (2017, "840", 200),
        (2018, "000", 200),
        (2018, "840", 404),
    ]
    # the tariff models read both years: dbt ran after the last year was loaded
    staged = "select partner_code, year, count(*) from staging.stg_partners__wits_tariffs group by all order by all"
    assert query(warehouse, staged) == [("5880", 2017, 9), ("5880", 2018, 6)]
    # U.S. cars in 2017: the lower of WITS's preferential and MFN averages; 2018 has only the MFN rate
    mfn = {
        y: float(s[1][0]["OBS_VALUE"])
        for y in (2017, 2018)
        for s in DATA[(JAPAN, "000", y)]
        if s[0]["PRODUCTCODE"] == "870323"
    }
    rates = (
        "select year(valid_from), us_rate_basis, us_rate_pct, mfn_applied_pct from marts.fct_partner_tariff_rates "
        "where source = 'wits' and hs6_code = '870323' order by 1"
    )
    assert query(warehouse, rates) == [
        (2017, "preferential", min(expected[0], mfn[2017]), mfn[2017]),
        (2018, "mfn_no_us_rate_in_wits", mfn[2018], mfn[2018]),
    ]

    # one run per partition in the instance users get (DAGSTER_HOME); only the last builds the marts
    instance = dg.DagsterInstance.get()
    runs = instance.get_runs(dg.RunsFilter(job_name="partner_tariffs_job"))[::-1]  # oldest first
    assert [run.tags["dagster/partition"] for run in runs] == ["392|2017", "392|2018"]
    assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
    first, last = (materialized(instance, run.run_id) for run in runs)
    assert first == {"raw/partner_wits_tariffs"}
    assert {"raw/partner_wits_tariffs", "staging/stg_partners__wits_tariffs", "marts/fct_tariff_rates"} <= last
    assert instance.get_runs_count(dg.RunsFilter(job_name="publish")) == 1


def test_a_replay_reads_the_landing_zone_with_the_service_gone(census_marts, isolated_env, monkeypatch, capsys):
    with WitsTestServer(DATA) as server:
        for year in (2017, 2018):
            ingest_partner_year(
                JAPAN, year, source="api", store=PartnerLandingStore(isolated_env / "landing"),
                warehouse_path=census_marts, client=WitsClient(server.base_url, backoff_factor=0),
            )  # fmt: skip
    landed = rows_by_year(census_marts)
    # the service is gone (nothing listens at its address): a request would fail the refresh
    monkeypatch.setenv("WITS_API_BASE_URL", server.base_url)
    assert main([*REFRESH, "--source", "replay"]) == 0, capsys.readouterr().err
    *summary, where = capsys.readouterr().out.splitlines()
    assert summary == [
        "WITS tariffs of Japan (392) 2017: 9 rows, 0 requests made, no records: none",
        "WITS tariffs of Japan (392) 2018: 6 rows, 0 requests made, no records: 840-reported",
    ]
    assert where.startswith("Dagster runs: recorded in ")
    assert rows_by_year(census_marts) == landed
    staged = query(census_marts, "select year, count(*) from staging.stg_partners__wits_tariffs group by all")
    assert sorted(staged) == [(2017, 9), (2018, 6)]

    # a year never landed cannot be replayed: one line naming the year and what to do
    assert main([*REFRESH[:4], "--start-year", "2019", "--end-year", "2019", "--source", "replay"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: partner 392 2019: WITS tariffs of reporter 392 on partner 000 for 2019")
    assert "fetch them with --source api" in err and err.count("\n") == 1


def _job_run(partition: str, source: str) -> dg.ExecuteInProcessResult:
    """The job as the code location defines it (resources from the environment), on the instance
    `make dev` installs, without the dbt step."""
    job = defs().resolve_job_def("partner_tariffs_job")
    return job.execute_in_process(
        partition_key=partition,
        run_config={"ops": {"partner_wits_tariffs": {"config": {"source": source, "refetch": False}}}},
        instance=dg.DagsterInstance.get(),
        asset_selection=[PARTNER_WITS_TARIFFS],
        raise_on_error=False,
    )


def test_the_asset_materializes_a_partition_with_its_counts_and_fails_for_good_on_nothing_landed(wits):
    result = _job_run("392|2018", "api")
    assert result.success
    [event] = result.get_asset_materialization_events()
    metadata = {name: value.value for name, value in event.materialization.metadata.items()}
    assert event.partition == "392|2018"
    assert metadata == {
        "dagster/row_count": 6,
        "dagster/table_name": "warehouse.raw.partner_wits_tariffs",
        "requests_made": 2,
        "bytes_landed": metadata["bytes_landed"],
        "no_records": "840-reported",
    }
    assert metadata["bytes_landed"] > 1000

    failed = _job_run("124|2018", "replay")  # Canada was never landed
    assert not failed.success
    [failure] = [e for e in failed.all_events if e.is_step_failure]
    assert failure.step_failure_data.user_failure_data.description.startswith(
        "WITS tariffs of reporter 124 on partner 000 for 2018 (reported) are not landed"
    )
    # a permanent error: no retry (the asset's RetryPolicy would try twice more for a transient one)
    assert not [e for e in failed.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
