"""The local instance's event log (deploy/local/dagster.yaml): Dagster's SQLite files, with their
connections kept open."""

import dagster as dg
import pytest
from conftest import dagster_home
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from orchestration.defs.instance import OPEN_DATABASES, PooledSqliteEventLogStorage

months = dg.MonthlyPartitionsDefinition(start_date="2017-01-01", end_date="2018-01-01")


@dg.asset(partitions_def=months)
def flows() -> None: ...


@dg.asset(partitions_def=months, deps=[flows])
def balances() -> None: ...


@dg.asset_check(asset=balances)
def balances_add_up() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


@pytest.fixture
def home(tmp_path, monkeypatch):
    folder = dagster_home(tmp_path / "dagster_home")
    monkeypatch.setenv("DAGSTER_HOME", str(folder))
    return folder


def _range_run(instance: dg.DagsterInstance) -> str:
    code = dg.Definitions(assets=[flows, balances], asset_checks=[balances_add_up])
    job = code.resolve_implicit_global_asset_job_def()
    tags = {"dagster/asset_partition_range_start": "2017-01-01", "dagster/asset_partition_range_end": "2017-12-01"}
    result = job.execute_in_process(instance=instance, tags=tags)
    assert result.success
    return result.run_id


def test_the_shipped_instance_stores_events_where_dagster_reads_them(home):
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
        run_id = _range_run(instance)
        written = instance.get_records_for_run(run_id).records
    assert (home / "history" / "runs" / "index.db").exists() and (home / "history" / "runs" / f"{run_id}.db").exists()

    # Dagster's own storage, on the same folder, reads the same run and the same asset history
    plain = SqliteEventLogStorage(str(home / "history" / "runs"))
    try:
        assert [r.storage_id for r in plain.get_records_for_run(run_id).records] == [r.storage_id for r in written]
        for key in (flows.key, balances.key):
            materialized = plain.get_materialized_partitions(key)
            assert materialized == {f"2017-{m:02d}-01" for m in range(1, 13)}
        assert plain.get_latest_asset_check_execution_by_key([balances_add_up.check_key])
    finally:
        plain.dispose()


def test_only_the_newest_databases_stay_open(home):
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        runs = [_range_run(instance) for _ in range(OPEN_DATABASES + 2)]
        assert len(storage._engines) == OPEN_DATABASES
        assert runs[-1] in storage._engines and runs[0] not in storage._engines
        # a run whose database was closed reads as before
        assert instance.get_records_for_run(runs[0]).records
    assert not storage._engines  # closing the instance closes them
