"""The docker-compose deployment's Dagster setup, proven without Docker on a real PostgreSQL.

deploy/dagster.yaml is loaded as it ships (Postgres storage, queued runs, Docker run launcher,
pool limit, run monitoring and retries). Then the same instance, with the default run launcher,
serves a user-code gRPC server like the compose service; two partition runs are queued through
`dagster job launch`, and the daemon starts them: both succeed, their events are in Postgres, and
the steps that write the warehouse never overlap (pool `warehouse`, limit 1).
"""

from __future__ import annotations

import os
import subprocess
from datetime import date

import pytest
import yaml
from conftest import ROOT, TEST_KEY
from deployment import deployment, failures, step_intervals, wait_for_runs, write_home
from helpers import balances_in, lake_marts, offline_env, open_lake, truth
from postgres import postgres_bin, running_postgres

from orchestration.defs.tags import WRITES_WAREHOUSE

pytestmark = [
    pytest.mark.skipif(
        postgres_bin() is None, reason="PostgreSQL is not installed (.ci/run installs Debian's postgresql)"
    ),
    pytest.mark.process,
    pytest.mark.xdist_group("postgres"),  # one worker, one server for the module
]

MONTHS = (date(2017, 1, 1), date(2017, 2, 1))


@pytest.fixture(scope="module")
def postgres():
    with running_postgres() as server:
        yield server


def test_the_deploy_instance_config_loads_on_postgres(postgres, tmp_path, monkeypatch):
    import dagster as dg
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster_docker import DockerRunLauncher
    from dagster_postgres import PostgresEventLogStorage

    for name, value in {**postgres.env(), "DAGSTER_RUN_IMAGE": "trade-warehouse:test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DAGSTER_DOCKER_NETWORK", "trade_warehouse")
    home = tmp_path / "home"
    config = write_home(home, docker_launcher=True)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        launcher = instance.run_launcher
        assert isinstance(launcher, DockerRunLauncher) and launcher.image == "trade-warehouse:test"
        assert launcher.networks == ["trade_warehouse"]
        assert instance.run_monitoring_enabled and instance.run_retries_enabled
        assert instance.run_retries_max_retries == 1
        concurrency = instance.get_concurrency_config()
        assert concurrency.pool_config.default_pool_limit == 1
        assert {"key": WRITES_WAREHOUSE, "limit": 1} in concurrency.run_queue_config.tag_concurrency_limits
    # every volume a run mounts is one of the compose file's named volumes
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    names = {v["name"] for v in compose["volumes"].values()}
    mounts = config["run_launcher"]["config"]["container_kwargs"]["volumes"]
    assert {m.split(":")[0] for m in mounts} <= names


def test_the_daemon_runs_queued_partitions_one_warehouse_writer_at_a_time(
    postgres, sample_landing, tmp_path, monkeypatch
):
    import dagster as dg
    import psycopg2

    from orchestration.app.runner import SAMPLE_LEVELS

    for name, value in postgres.env().items():
        monkeypatch.setenv(name, value)  # this process reads the same instance
    env = offline_env(tmp_path, sample_landing, TEST_KEY)
    with deployment(postgres, tmp_path, env) as deployed:
        deployed.launch_census_months(list(MONTHS), list(SAMPLE_LEVELS))
        with dg.DagsterInstance.from_config(str(deployed.home)) as instance:
            runs = instance.get_runs()
            assert len(runs) == 2 and {r.status for r in runs} == {dg.DagsterRunStatus.QUEUED}

        with deployed.daemon() as daemon_log, dg.DagsterInstance.from_config(str(deployed.home)) as instance:
            # the two refreshes, then the publish that publish_after_refresh requests after them
            runs = wait_for_runs(instance, "census_monthly", 2, 900)
            publishes = wait_for_runs(instance, "publish", 1, 300)
            statuses = {r.tags.get("dagster/partition"): r.status for r in runs}
            assert statuses == {m.isoformat(): dg.DagsterRunStatus.SUCCESS for m in MONTHS}, (
                f"{statuses}\n{daemon_log.read_text()[-3000:]}"
            )
            assert publishes and all(r.status == dg.DagsterRunStatus.SUCCESS for r in publishes)
            assert (tmp_path / "serving.duckdb").exists()

            # The queue started one warehouse-writing run at a time (tag limit): each run began
            # after the one before it had ended, so none waited for the pool inside Dagster.
            records = sorted(
                instance.get_run_records(dg.RunsFilter(run_ids=[r.run_id for r in [*runs, *publishes]])),
                key=lambda record: record.start_time,
            )
            for before, after in zip(records, records[1:], strict=False):
                assert before.end_time <= after.start_time, (before.dagster_run.job_name, after.dagster_run.job_name)

            # The warehouse-writing steps of both runs, as intervals: none overlaps another.
            intervals = step_intervals(instance, [r.run_id for r in runs])
            assert len(intervals) >= 4  # census_exports, census_imports, trade and tariff dbt (and landing), per run
            # no tariff schedule is loaded: the tariff step builds nothing, as a CLI refresh leaves it out
            assert instance.get_latest_materialization_event(dg.AssetKey(["marts", "fct_trade_monthly"]))
            assert instance.get_latest_materialization_event(dg.AssetKey(["marts", "fct_tariff_rates"])) is None
            for (_, end, *first), (start, _, *second) in zip(intervals, intervals[1:], strict=False):
                assert end <= start, f"{first} and {second} wrote the warehouse at the same time"

    # The events are in PostgreSQL, not in a local SQLite file.
    with psycopg2.connect(
        host=postgres.host, port=postgres.port, user=postgres.user, dbname=postgres.database
    ) as con, con.cursor() as cursor:  # fmt: skip
        cursor.execute("select count(distinct run_id), count(*) from event_logs where run_id = any(%s)",
                       ([r.run_id for r in runs],))  # fmt: skip
        run_count, event_count = cursor.fetchone()
    assert run_count == 2 and event_count > 20
    assert not list(deployed.home.glob("**/*.db"))


def _extension_or_skip(*names: str) -> None:
    import duckdb

    with duckdb.connect() as con:
        for name in names:
            try:
                con.execute(f"install {name}")
                con.execute(f"load {name}")
            except duckdb.Error as error:
                pytest.skip(f"DuckDB's {name} extension cannot be installed here: {str(error).splitlines()[0]}")


def _ducklake_or_skip() -> None:
    """The ducklake and postgres extensions, from the PyPI packages where installed (DuckDB 1.5.5)."""
    import duckdb

    from orchestration.store.targets.ducklake import load_extensions

    with duckdb.connect() as con:
        try:
            load_extensions(con)
        except duckdb.Error as error:
            reason = f"DuckDB's ducklake extension cannot be installed here: {str(error).splitlines()[0]}"
            if os.environ.get("TRADE_REQUIRE_DUCKLAKE"):  # make test-ducklake: must run, not skip
                pytest.fail(reason)
            pytest.skip(reason)


def test_a_ducklake_warehouse_with_its_catalog_in_postgres(postgres, tmp_path, monkeypatch):
    _ducklake_or_skip()
    import duckdb

    from orchestration.census.load import ensure_raw_schema
    from orchestration.store.duckdb import connect

    catalog = f"dbname={postgres.database} host={postgres.host} port={postgres.port} user={postgres.user}"
    monkeypatch.setenv("WAREHOUSE_TARGET", "ducklake")
    monkeypatch.setenv("DUCKLAKE_CATALOG", catalog)
    monkeypatch.setenv("DUCKLAKE_DATA_PATH", str(tmp_path / "lake") + "/")
    con = connect(tmp_path / "warehouse.duckdb")
    ensure_raw_schema(con)
    # a thousand rows: DuckLake keeps a few rows of an insert in the catalog itself (data inlining)
    con.execute(
        "insert into raw.census_exports (period, cty_code, all_val_mo) "
        "select date '2017-01-01', '5880', 5 from range(1000)"
    )
    con.close()
    reader = connect(tmp_path / "warehouse.duckdb", read_only=True)
    rows = reader.execute("select cty_code, count(*), sum(all_val_mo) from raw.census_exports group by 1").fetchall()
    assert rows == [("5880", 1000, 5000)]
    with pytest.raises(duckdb.Error, match="read-only"):
        reader.execute("drop table raw.census_exports")  # a reader cannot change the lake, not even its catalog
    reader.close()
    assert list((tmp_path / "lake").rglob("*.parquet"))  # the data is Parquet files, the catalog in Postgres


LAKE_MONTHS = [date(2017, month, 1) for month in (1, 2, 3, 4)]
LAKE_WRITERS = 4


def _new_lake(postgres, tmp_path, name: str) -> dict[str, str]:
    """The settings of a fresh lake: its own catalog database in the server, its own data folder."""
    subprocess.run(
        [str(postgres_bin() / "createdb"), "-h", postgres.host, "-p", str(postgres.port), "-U", postgres.user, name],
        check=True, capture_output=True,
    )  # fmt: skip
    return {
        "WAREHOUSE_TARGET": "ducklake",
        "DUCKLAKE_CATALOG": f"dbname={name} host={postgres.host} port={postgres.port} user={postgres.user}",
        "DUCKLAKE_DATA_PATH": str(tmp_path / name) + "/",
    }


def test_four_partition_runs_write_a_ducklake_at_once_and_build_what_one_refresh_builds(
    postgres, sample_landing, isolated_env, monkeypatch, capsys
):
    """Parallel writers: with the queue's limit raised to four and the `warehouse` pool set to four
    (docs/deploy.md), four queued partition runs start together on a DuckLake; their loads write at
    the same time, their dbt builds take turns (the lake's build lock), and the marts equal, by
    content hash, those of one serial refresh of the same months into another lake."""
    _ducklake_or_skip()
    import dagster as dg

    from orchestration.app.cli import main
    from orchestration.app.runner import SAMPLE_LEVELS

    serial = _new_lake(postgres, isolated_env, "lake_serial")
    for name, value in {**serial, "LANDING_DIR": str(sample_landing)}.items():
        monkeypatch.setenv(name, value)
    first, last = LAKE_MONTHS[0], LAKE_MONTHS[-1]
    refresh = ["refresh", "--source", "replay", "--start", f"{first:%Y-%m}", "--end", f"{last:%Y-%m}", "--no-progress"]
    assert main(refresh) == 0, capsys.readouterr().err
    with open_lake(serial) as con:
        expected = lake_marts(con)
    assert expected["fct_trade_monthly"][0] > 0

    parallel = _new_lake(postgres, isolated_env, "lake_parallel")
    for name, value in postgres.env().items():
        monkeypatch.setenv(name, value)  # this process reads the deployment's instance
    env = {**offline_env(isolated_env / "runs", sample_landing, TEST_KEY), **parallel}
    with deployment(postgres, isolated_env, env, writers=LAKE_WRITERS) as deployed:
        pool = deployed.dagster("instance", "concurrency", "set", "warehouse", str(LAKE_WRITERS))
        assert pool.returncode == 0, pool.stderr[-2000:]
        deployed.launch_census_months(LAKE_MONTHS, list(SAMPLE_LEVELS))
        with deployed.daemon() as daemon_log, dg.DagsterInstance.from_config(str(deployed.home)) as instance:
            runs = wait_for_runs(instance, "census_monthly", len(LAKE_MONTHS), 900)
            statuses = {r.tags.get("dagster/partition"): r.status for r in runs}
            assert statuses == {m.isoformat(): dg.DagsterRunStatus.SUCCESS for m in LAKE_MONTHS}, (
                f"{statuses}\n" + "\n".join(failures(instance, runs)) + daemon_log.read_text()[-1000:]
            )
            steps = step_intervals(instance, [r.run_id for r in runs])
            messages = [record.user_message for r in runs for record in instance.all_logs(r.run_id)]

    # the runs wrote the lake at the same time: a run's loads while another run's dbt build ran
    loads = [step for step in steps if step[3] in ("census_exports", "census_imports")]
    builds = [step for step in steps if step[3] == "trade_dbt_models"]
    assert any(
        load[2] != build[2] and load[0] < build[1] and build[0] < load[1] for load in loads for build in builds
    ), "no run loaded while another built:\n" + "\n".join(
        f"{a - steps[0][0]:6.1f} {b - steps[0][0]:6.1f} {r[:8]} {k}" for a, b, r, k in steps
    )
    # ... and their dbt builds, which delete before they insert, took turns: a build found the
    # lock held and waited (without the lock, the builds' commits conflict and runs fail)
    assert any("waiting for another run's dbt build" in message for message in messages), messages

    with open_lake(parallel) as con:
        assert lake_marts(con) == expected
        assert truth(LAKE_MONTHS) == balances_in(con)


def test_a_motherduck_warehouse(tmp_path, monkeypatch):
    if not os.environ.get("MOTHERDUCK_TOKEN"):
        pytest.skip("MOTHERDUCK_TOKEN is not set (a MotherDuck account is needed)")
    _extension_or_skip("motherduck")
    from orchestration.store.duckdb import connect

    monkeypatch.setenv("WAREHOUSE_TARGET", "motherduck")
    con = connect(tmp_path / "warehouse.duckdb")
    assert con.execute("select 1").fetchone() == (1,)
    con.close()
