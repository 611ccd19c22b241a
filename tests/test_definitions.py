"""The code location loads, with the graph, pools, checks and automation the UI relies on."""

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import pytest
from census_server import CensusTestServer
from conftest import ROOT, TEST_KEY

from orchestration.core.errors import CensusKeyError
from orchestration.core.periods import add_months
from orchestration.definitions import defs
from orchestration.defs.census.schedules import census_monthly_schedule
from orchestration.defs.census.sensors import census_release_sensor
from orchestration.defs.partitions import monthly_partitions
from orchestration.defs.resources import CensusApiResource


@pytest.fixture(scope="module")
def graph():
    return defs().resolve_asset_graph()


def test_ingest_dbt_and_marts_are_in_one_graph(graph):
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {
        "raw/census_exports",
        "raw/census_imports",
        "staging/stg_census__exports",
        "marts/fct_trade_monthly",
        "marts/fct_bilateral_balance_monthly",
        "marts/fct_product_flows",
        "marts/dim_country",
        "marts/dim_commodity",
    } <= keys
    parents = {key.to_user_string() for key in graph.get(dg.AssetKey(["staging", "stg_census__exports"])).parent_keys}
    # the month's latest vintage is chosen from the staged vintages of both flows
    assert parents == {"raw/census_exports", "staging/stg_census__vintages"}
    vintages = graph.get(dg.AssetKey(["staging", "stg_census__vintages"])).parent_keys
    assert {key.to_user_string() for key in vintages} == {"raw/census_exports_vintages", "raw/census_imports_vintages"}


def test_everything_that_writes_the_warehouse_is_in_one_pool(graph):
    for key in (["raw", "census_exports"], ["raw", "census_imports"], ["marts", "fct_trade_monthly"]):
        assert graph.get(dg.AssetKey(key)).pools == {"warehouse"}


def test_landing_waits_on_the_network_outside_the_warehouse_pool(graph):
    """The fetch is a step of its own, in its own pool: a month landing never holds the warehouse,
    and the load of another month can run meanwhile."""
    for flow in ("exports", "imports"):
        landing = dg.AssetKey(["landing", f"census_{flow}"])
        assert graph.get(landing).pools == {"census_api"}
        assert landing in graph.get(dg.AssetKey(["raw", f"census_{flow}"])).parent_keys


def test_a_backfill_is_one_run_per_month(graph):
    """Never one run of weeks: each month lands, loads and builds in a run of its own, so a month
    that fails holds up no other (one policy for all, or Dagster takes the smallest for the job)."""
    census = [key for key in graph.get_all_asset_keys() if graph.get(key).partitions_def == monthly_partitions]
    assert {"landing/census_exports", "raw/census_imports", "marts/fct_trade_monthly"} <= {
        key.to_user_string() for key in census
    }
    assert {graph.get(key).backfill_policy for key in census} == {dg.BackfillPolicy.multi_run(1)}


def test_assets_are_monthly_from_2010(graph):
    partitions = graph.get(dg.AssetKey(["raw", "census_imports"])).partitions_def
    assert partitions.get_first_partition_key() == "2010-01-01"
    assert graph.get(dg.AssetKey(["marts", "fct_trade_monthly"])).partitions_def == partitions


def test_raw_checks_and_dbt_tests_are_asset_checks(graph):
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert ("raw/census_exports", "countries_sum_to_world") in checks
    assert ("raw/census_imports", "world_row_present") in checks
    assert any(asset == "marts/fct_trade_monthly" and "assert_hs2_detail" in name for asset, name in checks)


def test_tariff_assets_are_partitioned_by_release_and_marts_follow(graph):
    lines = graph.get(dg.AssetKey(["raw", "hts_lines"]))
    assert lines.partitions_def.name == "hts_releases" and lines.pools == {"warehouse"}
    assert graph.get(dg.AssetKey(["raw", "hts_parsed_rates"])).partitions_def is None
    parents = {k.to_user_string() for k in graph.get(dg.AssetKey(["staging", "stg_hts__lines"])).parent_keys}
    assert parents == {"raw/hts_lines"}
    effective = graph.get(dg.AssetKey(["marts", "fct_effective_tariff_monthly"]))
    assert {"staging/int_hts__imports_rated", "marts/dim_country"} <= {
        k.to_user_string() for k in effective.parent_keys
    }
    rated = graph.get(dg.AssetKey(["staging", "int_hts__imports_rated"]))
    assert {"marts/fct_trade_monthly", "marts/fct_tariff_rates", "marts/fct_chapter99_measures"} <= {
        k.to_user_string() for k in rated.parent_keys
    }


def test_partner_tariffs_are_partitioned_by_partner_and_year_and_feed_the_tariff_models(graph):
    node = graph.get(dg.AssetKey(["raw", "partner_wits_tariffs"]))
    partitions = node.partitions_def
    assert isinstance(partitions, dg.MultiPartitionsDefinition)
    dimensions = {d.name: d.partitions_def.get_partition_keys() for d in partitions.partitions_defs}
    assert dimensions["partner"][:5] == ["392", "124", "484", "156", "410"] and len(dimensions["partner"]) == 9
    assert dimensions["year"][0] == "2010" and dimensions["year"][-1] == str(date.today().year)
    assert node.pools == {"warehouse"} and node.group_name == "tariffs"
    assert dg.AssetKey(["staging", "stg_partners__wits_tariffs"]) in node.child_keys
    job = defs().resolve_job_def("partner_tariffs_job")
    assert job.partitions_def == partitions
    assert {"raw/partner_wits_tariffs", "marts/fct_tariff_rates"} <= {
        key.to_user_string() for key in job.asset_layer.executable_asset_keys
    }


def test_every_partner_partition_is_a_country_of_the_partner_seed():
    import csv

    from orchestration.defs.partitions import PARTNER_REPORTERS

    with (ROOT / "dbt_project/seeds/partners/partner_codes.csv").open() as seed:
        m49 = {row["m49_code"] for row in csv.DictReader(seed)}
    assert set(PARTNER_REPORTERS) == m49


def test_a_partner_year_is_retried_only_for_what_a_retry_can_mend():
    from orchestration.core.errors import WitsApiError, WitsRequestRefused
    from orchestration.defs.partners.assets import PERMANENT, partner_wits_tariffs

    policy = partner_wits_tariffs.op.retry_policy
    assert (policy.max_retries, policy.delay, policy.backoff) == (2, 30, dg.Backoff.EXPONENTIAL)
    # an outage page or a 503 the client gave up on is retried; a year never landed is not
    # (tests/test_partner_cli.py runs that failure)
    assert not issubclass(WitsApiError, PERMANENT)
    assert issubclass(WitsRequestRefused, PERMANENT)  # a 400 or a redirect: asking again cannot help


def _schedule_tick(served: list[date]):
    with CensusTestServer(served, key=TEST_KEY) as server:
        context = dg.build_schedule_context(
            scheduled_execution_time=datetime(2026, 11, 10, 14),
            resources={"census": CensusApiResource(base_url=server.base_url, backoff_factor=0)},
        )
        return census_monthly_schedule(context)


def test_the_schedule_loads_the_month_before_last():
    assert _schedule_tick([date(2026, 9, 1)]).partition_key == "2026-09-01"


def test_a_late_release_is_a_skip_with_its_reason_not_a_failure():
    skip = _schedule_tick([date(2026, 8, 1)])  # September is late, as December 2025 was
    assert isinstance(skip, dg.SkipReason)
    assert skip.skip_message.startswith("Census has not published 2026-09 yet (expected about 2026-11-04)")


def test_the_sensor_and_the_schedule_refuse_to_start_without_a_key(monkeypatch):
    monkeypatch.delenv("CENSUS_API_KEY")
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources={"census": CensusApiResource()})
        with pytest.raises(CensusKeyError, match=r"^CENSUS_API_KEY is not set: .* get one at https://api.census.gov"):
            census_release_sensor(context)
    with pytest.raises(CensusKeyError, match="^CENSUS_API_KEY is not set"):
        _schedule_tick([date(2026, 9, 1)])


def test_the_release_sensor_requests_the_newest_published_month():
    this_month = date.today().replace(day=1)
    served = [add_months(this_month, -3), add_months(this_month, -2)]  # last month is not out yet
    with CensusTestServer(served, key=TEST_KEY) as server, dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, resources={"census": CensusApiResource(base_url=server.base_url)}
        )
        requests = census_release_sensor(context)
    assert [r.partition_key for r in requests] == [served[-1].isoformat()]
    # one attempt a day: a run that failed (a chapter dropped on release morning) is retried tomorrow
    assert requests[0].run_key == f"census-release-{served[-1]:%Y-%m}-{date.today():%Y%m%d}"


def test_the_release_sensor_leaves_a_month_whose_run_is_under_way():
    """The day's run may still be going when the next day's key would allow another."""
    import uuid

    this_month = date.today().replace(day=1)
    served = [add_months(this_month, -3), add_months(this_month, -2)]
    with CensusTestServer(served, key=TEST_KEY) as server, dg.instance_for_test() as instance:
        running = dg.DagsterRun(
            job_name="census_monthly", run_id=str(uuid.uuid4()), status=dg.DagsterRunStatus.STARTED,
            tags={"dagster/partition": served[-1].isoformat()},
        )  # fmt: skip
        instance.add_run(running)
        context = dg.build_sensor_context(
            instance=instance, resources={"census": CensusApiResource(base_url=server.base_url)}
        )
        result = census_release_sensor(context)
    assert isinstance(result, dg.SkipReason) and result.skip_message == "the newly published months are being loaded"


def test_the_hts_sensor_adds_new_releases_and_asks_for_the_current_one(shared):
    from hts_server import HtsTestServer

    from orchestration.defs.hts.sensors import hts_release_sensor
    from orchestration.defs.resources import HtsApiResource

    folder = shared / "fixtures/tariffs/usitc_hts"
    files = {"2025HTSRev7": folder / "hts_2025_rev_7_ch02_27_87_93_9903_9904.json",
             "2025HTSRev18": folder / "hts_2025_rev_18_ch02_27_87_93_9903_9904.json"}  # fmt: skip
    dates = {"2025HTSRev7": "04/02/2025", "2025HTSRev18": "08/07/2025"}
    with HtsTestServer(files, dates, current="2025HTSRev18") as server, dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("hts_releases", ["2025HTSRev7"])
        resources = {"hts": HtsApiResource(base_url=server.base_url)}
        context = dg.build_sensor_context(instance=instance, resources=resources)
        result = hts_release_sensor(context)
    assert [r.partition_key for r in result.run_requests] == ["2025HTSRev18"]
    assert [list(r.partition_keys) for r in result.dynamic_partitions_requests] == [["2025HTSRev18"]]


@pytest.mark.slow
@pytest.mark.process
def test_dg_check_defs_passes():
    dg_cli = Path(sys.executable).with_name("dg")
    result = subprocess.run([str(dg_cli), "check", "defs"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_run_steps_fork_from_a_server_that_has_imported_the_code_location():
    from orchestration.defs.executor import PRELOAD_MODULES

    code = defs()
    for name in ("census_monthly", "census_bulk_backfill", "hts_release_job", "partner_tariffs_job", "publish"):
        executor = code.resolve_job_def(name).executor_def
        assert executor.name == "forkserver_multiprocess", name
    # A step process starts from the preloaded modules: loading the code location and its jobs after
    # them imports nothing of dbt or dagster-dbt (a missing module is skipped silently by Python's
    # forkserver, so the list is checked here).
    probe = (
        "import importlib, sys\n"
        f"for name in {PRELOAD_MODULES!r}: importlib.import_module(name)\n"
        "before = set(sys.modules)\n"
        "from orchestration.definitions import defs\n"
        "defs().resolve_job_def('census_monthly')\n"
        "print(sorted(m for m in set(sys.modules) - before if m.split('.')[0] in ('dbt', 'dagster_dbt')))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


def test_the_bulk_backfill_job_is_the_refresh_over_the_bulk_files():
    """Same steps and assets as census_monthly, with source bulk unless the launchpad says otherwise."""
    code = defs()
    bulk, monthly = code.resolve_job_def("census_bulk_backfill"), code.resolve_job_def("census_monthly")
    assert bulk.asset_layer.executable_asset_keys == monthly.asset_layer.executable_asset_keys
    assert {dg.AssetKey(["raw", "census_bulk_imports"]), dg.AssetKey(["marts", "fct_trade_by_district_monthly"])} <= (
        bulk.asset_layer.executable_asset_keys
    )
    # a partition run (a UI backfill is one run per month) gets source bulk
    ops = bulk.partitioned_config.get_run_config_for_partition_key("2017-01-01")["ops"]
    assert {op: config["config"]["source"] for op, config in ops.items()} == dict.fromkeys(
        ("census_landing", "census_exports", "census_imports"), "bulk"
    )


def test_every_bulk_reference_table_is_an_asset_that_dbt_reads():
    """The loader's tables beside the detail and its commodity and country files (the district file,
    the concordance, the code lists) are raw assets of the census step, each a dbt source."""
    import yaml

    from orchestration.census.bulk import MEMBERS, bulk_table, members

    sources = yaml.safe_load((ROOT / "dbt_project/models/census/staging/_census__sources.yml").read_text())
    source_tables = {table["name"] for table in sources["sources"][0]["tables"]}
    keys = defs().resolve_asset_graph().get_all_asset_keys()
    for flow in MEMBERS:
        reference = {bulk_table(flow, layout) for layout in members(flow)[len(MEMBERS[flow]) :]}
        assert len(reference) == 9 and reference <= source_tables
        assert {dg.AssetKey(["raw", table]) for table in reference} <= keys


def test_the_census_jobs_the_tariff_step_knows_are_the_census_jobs():
    from orchestration.defs.census.jobs import census_bulk_backfill_job, census_monthly_job
    from orchestration.defs.dbt.assets import CENSUS_JOBS

    assert set(CENSUS_JOBS) == {census_monthly_job.name, census_bulk_backfill_job.name}
