"""Wall time of a 24-month backfill into a DuckLake through the deployment's queue, at 1, 2 and 4
parallel writers: one queued census_monthly run per month of the demo sample (2016-2017), started
by the daemon as the queue's limit on warehouse-writing runs and the `warehouse` pool allow
(docs/deploy.md). The catalog is in a throwaway PostgreSQL, the data files in a local folder.

    make .venv-lake/.installed && .venv-lake/bin/python tests/bench_writers.py

A benchmark, not a test: it prints the times, their ratios and whether every run's marts match
(row count and content hash of every mart) across the three (BENCHMARKS.md)."""

import dataclasses
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from conftest import DEMO_MONTHS, TEST_KEY  # noqa: E402
from deployment import deployment, failures, step_intervals, wait_for_runs  # noqa: E402
from helpers import lake_marts, offline_env, open_lake  # noqa: E402
from postgres import postgres_bin, running_postgres  # noqa: E402

WRITERS = (1, 4, 2)  # 4 before 2: the widest gap first


def createdb(postgres, name: str) -> None:
    subprocess.run(
        [str(postgres_bin() / "createdb"), "-h", postgres.host, "-p", str(postgres.port), "-U", postgres.user, name],
        check=True, capture_output=True,
    )  # fmt: skip


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot (/proc/stat; idle and iowait are not busy)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


def backfill(postgres, folder: Path, landing: Path, writers: int) -> dict:
    """The wall seconds from the first run's start to the last run's end, the share of the
    machine's cores busy meanwhile, the Census dbt steps' seconds in all, and the marts."""
    import dagster as dg

    from orchestration.app.runner import SAMPLE_LEVELS

    name = f"lake_{writers}"
    createdb(postgres, name)
    history = f"dagster_{writers}"  # each configuration's runs in a database of their own
    createdb(postgres, history)
    postgres = dataclasses.replace(postgres, database=history)
    os.environ.update(postgres.env())  # this process reads the same instance
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
        cpu_before = cpu_times()
        with deployed.daemon(), dg.DagsterInstance.from_config(str(deployed.home)) as instance:
            runs = wait_for_runs(instance, "census_monthly", len(DEMO_MONTHS), 3600)
            cpu_after = cpu_times()
            assert len(runs) == len(DEMO_MONTHS), len(runs)
            assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs), failures(instance, runs)
            records = instance.get_run_records(dg.RunsFilter(run_ids=[r.run_id for r in runs]))
            wall = max(r.end_time for r in records) - min(r.start_time for r in records)
            steps = step_intervals(instance, [r.run_id for r in runs])
    busy = (cpu_after[0] - cpu_before[0]) / (cpu_after[1] - cpu_before[1])
    seconds = {key: sum(end - start for start, end, _, k in steps if k == key) for _, _, _, key in steps}
    with open_lake(lake) as con:
        built = lake_marts(con)
    return {"wall": wall, "busy": busy, "steps": seconds, "marts": built}


if __name__ == "__main__":
    from orchestration.app.runner import ensure_sample_landing

    with tempfile.TemporaryDirectory() as tmp, running_postgres() as postgres:
        folder = Path(tmp)
        landing = folder / "landing"
        ensure_sample_landing(landing, DEMO_MONTHS)
        results = {}
        for writers in WRITERS:
            result = results[writers] = backfill(postgres, folder, landing, writers)
            steps = ", ".join(f"{key} {seconds:.0f} s" for key, seconds in sorted(result["steps"].items()))
            print(
                f"{writers} writer(s): {result['wall']:.1f} s from the first run's start to the last one's end, "
                f"cores busy {100 * result['busy']:.0f} %; the steps in all (waits for the build lock included): "
                f"{steps}",
                flush=True,
            )
        serial = results[1]
        for writers, result in results.items():
            same = "the same marts" if result["marts"] == serial["marts"] else "MARTS DIFFER from 1 writer's"
            print(f"speed-up at {writers}: {serial['wall'] / result['wall']:.2f} ({same})")
