"""The docker-compose deployment's Dagster setup, proven without Docker on a real PostgreSQL.

deploy/dagster.yaml is loaded as it ships (Postgres storage, queued runs, Docker run launcher,
pool limit, run monitoring and retries). Then the same instance, with the default run launcher,
serves a user-code gRPC server like the compose service; two partition runs are queued through
`dagster job launch`, and the daemon starts them: both succeed, their events are in Postgres, and
the steps that write the warehouse never overlap (pool `warehouse`, limit 1).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, TEST_KEY
from helpers import free_port, offline_env, stop
from postgres import postgres_bin, running_postgres

from orchestration.defs.tags import WRITES_WAREHOUSE

pytestmark = [
    pytest.mark.skipif(
        postgres_bin() is None, reason="PostgreSQL is not installed (.ci/run installs Debian's postgresql)"
    ),
    pytest.mark.process,
    pytest.mark.xdist_group("postgres"),  # one worker, one server for the module
]

BIN = Path(sys.executable).parent
MONTHS = (date(2017, 1, 1), date(2017, 2, 1))


@pytest.fixture(scope="module")
def postgres():
    with running_postgres() as server:
        yield server


def _write_home(home: Path, *, docker_launcher: bool) -> dict:
    config = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())
    if not docker_launcher:
        del config["run_launcher"]  # the default launcher: runs as processes of the gRPC server
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return config


def test_the_deploy_instance_config_loads_on_postgres(postgres, tmp_path, monkeypatch):
    import dagster as dg
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster_docker import DockerRunLauncher
    from dagster_postgres import PostgresEventLogStorage

    for name, value in {**postgres.env(), "DAGSTER_RUN_IMAGE": "trade-warehouse:test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DAGSTER_DOCKER_NETWORK", "trade_warehouse")
    home = tmp_path / "home"
    config = _write_home(home, docker_launcher=True)
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


def _wait_for_grpc(port: int, process: subprocess.Popen, log: Path) -> None:
    # the check `dagster api grpc-health-check` makes, from this process (not a new one per poll)
    from dagster._grpc.client import DagsterGrpcClient

    client = DagsterGrpcClient(port=port, host="127.0.0.1")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the gRPC server exited:\n{log.read_text()[-3000:]}")
        if client.health_check_query() == "SERVING":
            return
        time.sleep(0.5)
    pytest.fail(f"the gRPC server did not answer:\n{log.read_text()[-3000:]}")


def test_the_daemon_runs_queued_partitions_one_warehouse_writer_at_a_time(
    postgres, sample_landing, tmp_path, monkeypatch
):
    import dagster as dg
    import psycopg2
    from dagster._core.events import DagsterEventType

    from orchestration.app.runner import SAMPLE_LEVELS
    from orchestration.defs.census.jobs import INGEST_OPS

    home = tmp_path / "home"
    _write_home(home, docker_launcher=False)
    for name, value in postgres.env().items():
        monkeypatch.setenv(name, value)  # this process reads the same instance
    port = free_port()
    workspace = yaml.safe_load((ROOT / "deploy" / "workspace.yaml").read_text())
    workspace["load_from"][0]["grpc_server"].update(host="127.0.0.1", port=port)
    (tmp_path / "workspace.yaml").write_text(yaml.safe_dump(workspace))
    env = {
        **os.environ,
        **postgres.env(),
        "DAGSTER_HOME": str(home),
        **offline_env(tmp_path, sample_landing, TEST_KEY),
    }
    ingest = {"source": "replay", "levels": list(SAMPLE_LEVELS)}
    run_config = json.dumps({"ops": {op: {"config": ingest} for op in INGEST_OPS}})

    grpc_log = tmp_path / "grpc.log"
    with grpc_log.open("w") as out:
        grpc = subprocess.Popen(
            [str(BIN / "dagster"), "api", "grpc", "-h", "127.0.0.1", "-p", str(port)]
            + ["-m", "orchestration.definitions"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    daemon = None
    try:
        _wait_for_grpc(port, grpc, grpc_log)
        for month in MONTHS:
            launched = subprocess.run(
                [str(BIN / "dagster"), "job", "launch", "-w", str(tmp_path / "workspace.yaml"), "-j", "census_monthly"]
                + ["--tags", json.dumps({"dagster/partition": month.isoformat()}), "--config-json", run_config],
                cwd=ROOT, env=env, capture_output=True, text=True,
            )  # fmt: skip
            assert launched.returncode == 0, launched.stderr[-2000:]

        with dg.DagsterInstance.from_config(str(home)) as instance:
            runs = instance.get_runs()
            assert len(runs) == 2 and {r.status for r in runs} == {dg.DagsterRunStatus.QUEUED}

        daemon_log = tmp_path / "daemon.log"
        with daemon_log.open("w") as out:
            daemon = subprocess.Popen(
                [str(BIN / "dagster-daemon"), "run", "-w", str(tmp_path / "workspace.yaml")],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 900
        with dg.DagsterInstance.from_config(str(home)) as instance:

            def finished(job: str) -> list:
                found = [r for r in instance.get_runs() if r.job_name == job]
                return found if found and all(r.is_finished for r in found) else []

            # the two refreshes, then the publish that publish_after_refresh requests after them
            while time.monotonic() < deadline and not (len(finished("census_monthly")) == 2 and finished("publish")):
                time.sleep(1)
            runs = [r for r in instance.get_runs() if r.job_name == "census_monthly"]
            statuses = {r.tags.get("dagster/partition"): r.status for r in runs}
            assert statuses == {m.isoformat(): dg.DagsterRunStatus.SUCCESS for m in MONTHS}, (
                f"{statuses}\n{daemon_log.read_text()[-3000:]}"
            )
            publishes = finished("publish")
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
            intervals = []
            for run in runs:
                starts, ends = {}, {}
                for record in instance.all_logs(run.run_id):
                    event = record.dagster_event
                    if event is None or event.step_key is None:
                        continue
                    if event.event_type == DagsterEventType.STEP_START:
                        starts[event.step_key] = record.timestamp
                    elif event.event_type == DagsterEventType.STEP_SUCCESS:
                        ends[event.step_key] = record.timestamp
                intervals += [(starts[k], ends[k], run.run_id, k) for k in starts if k in ends]
            assert len(intervals) >= 4  # census_exports, census_imports, trade and tariff dbt (and landing), per run
            # no tariff schedule is loaded: the tariff step builds nothing, as a CLI refresh leaves it out
            assert instance.get_latest_materialization_event(dg.AssetKey(["marts", "fct_trade_monthly"]))
            assert instance.get_latest_materialization_event(dg.AssetKey(["marts", "fct_tariff_rates"])) is None
            intervals.sort()
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
        assert not list(home.glob("**/*.db"))
    finally:
        if daemon is not None:
            stop(daemon)
        stop(grpc)


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


def test_a_motherduck_warehouse(tmp_path, monkeypatch):
    if not os.environ.get("MOTHERDUCK_TOKEN"):
        pytest.skip("MOTHERDUCK_TOKEN is not set (a MotherDuck account is needed)")
    _extension_or_skip("motherduck")
    from orchestration.store.duckdb import connect

    monkeypatch.setenv("WAREHOUSE_TARGET", "motherduck")
    con = connect(tmp_path / "warehouse.duckdb")
    assert con.execute("select 1").fetchone() == (1,)
    con.close()
