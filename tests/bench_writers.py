"""Wall time of a 24-month backfill into a DuckLake through the deployment's queue, at 1, 2 and 4
parallel writers: one queued census_monthly run per month of the demo sample (2016-2017), started
by the daemon as the queue's limit on warehouse-writing runs and the `warehouse` pool allow
(docs/deploy.md). The catalog is in a throwaway PostgreSQL, the data files in a local folder.

    make .venv-lake/.installed && .venv-lake/bin/python tests/bench_writers.py

A benchmark, not a test: it prints the times, their ratios and whether every run's marts match
(row count and content hash of every mart) across the three (BENCHMARKS.md)."""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from conftest import DEMO_MONTHS, TEST_KEY  # noqa: E402
from deployment import deployment, failures, step_intervals, wait_for_runs  # noqa: E402
from helpers import offline_env  # noqa: E402
from postgres import postgres_bin, running_postgres  # noqa: E402

WRITERS = (1, 2, 4)


def marts(settings: dict[str, str]) -> dict[str, tuple]:
    from orchestration.store.targets import WarehouseTarget

    with WarehouseTarget.from_env(Path("unused.duckdb"), settings).open(read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where database_name = 'warehouse' and schema_name = 'marts'"
        ).fetchall()
        return {t: con.execute(f'select count(*), sum(hash(m)) from marts."{t}" as m').fetchone() for (t,) in tables}


def backfill(postgres, folder: Path, landing: Path, writers: int) -> tuple[float, dict, float]:
    """(wall seconds from the first run's start to the last run's end, the marts, the seconds the
    dbt builds ran in all)."""
    import dagster as dg

    from orchestration.app.runner import SAMPLE_LEVELS

    name = f"lake_{writers}"
    subprocess.run(
        [str(postgres_bin() / "createdb"), "-h", postgres.host, "-p", str(postgres.port), "-U", postgres.user, name],
        check=True, capture_output=True,
    )  # fmt: skip
    lake = {
        "WAREHOUSE_TARGET": "ducklake",
        "DUCKLAKE_CATALOG": f"dbname={name} host={postgres.host} port={postgres.port} user={postgres.user}",
        "DUCKLAKE_DATA_PATH": str(folder / name) + "/",
    }
    run_folder = folder / f"runs_{writers}"
    run_folder.mkdir()
    env = {**offline_env(run_folder, landing, TEST_KEY), **lake}
    with deployment(postgres, run_folder, env, writers=writers) as deployed:
        pool = deployed.dagster("instance", "concurrency", "set", "warehouse", str(writers))
        assert pool.returncode == 0, pool.stderr[-2000:]
        deployed.launch_census_months(DEMO_MONTHS, list(SAMPLE_LEVELS))
        with deployed.daemon(), dg.DagsterInstance.from_config(str(deployed.home)) as instance:
            runs = wait_for_runs(instance, "census_monthly", len(DEMO_MONTHS), 3600)
            assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs), failures(instance, runs)
            records = instance.get_run_records(dg.RunsFilter(run_ids=[r.run_id for r in runs]))
            wall = max(r.end_time for r in records) - min(r.start_time for r in records)
            steps = step_intervals(instance, [r.run_id for r in runs])
            dbt = sum(end - start for start, end, _, key in steps if key == "trade_dbt_models")
    return wall, marts(lake), dbt


if __name__ == "__main__":
    import os

    from orchestration.app.runner import ensure_sample_landing

    with tempfile.TemporaryDirectory() as tmp, running_postgres() as postgres:
        folder = Path(tmp)
        landing = folder / "landing"
        ensure_sample_landing(landing, DEMO_MONTHS)
        os.environ.update(postgres.env())
        results = {}
        for writers in WRITERS:
            started = time.perf_counter()
            wall, built, dbt = backfill(postgres, folder, landing, writers)
            results[writers] = (wall, built)
            print(
                f"{writers} writer(s): {wall:.1f} s from the first run's start to the last one's end "
                f"({time.perf_counter() - started:.0f} s with the servers' start; Census dbt steps {dbt:.0f} s "
                "in all, waits for the build lock included)",
                flush=True,
            )
        serial = results[1][0]
        for writers, (wall, built) in results.items():
            same = "the same marts" if built == results[1][1] else "MARTS DIFFER from 1 writer's"
            print(f"speed-up at {writers}: {serial / wall:.2f} ({same})")
