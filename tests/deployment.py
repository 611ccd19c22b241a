"""The docker-compose deployment's Dagster, without Docker: deploy/dagster.yaml as it ships (runs,
events and the queue in PostgreSQL) with the default run launcher, a user-code gRPC server and the
daemon as processes, as the compose services run them. Used by the deployment tests and by
tests/bench_writers.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from helpers import free_port, stop
from postgres import Postgres

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def write_home(home: Path, *, docker_launcher: bool, writers: int = 1) -> dict:
    """deploy/dagster.yaml in `home`. `writers` > 1 is what docs/deploy.md tells a DuckLake
    deployment to change: the queue's limit on warehouse-writing runs."""
    from orchestration.defs.tags import WRITES_WAREHOUSE

    config = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text())
    if not docker_launcher:
        del config["run_launcher"]  # the default launcher: runs as processes of the gRPC server
    for limit in config["concurrency"]["runs"]["tag_concurrency_limits"]:
        if limit["key"] == WRITES_WAREHOUSE:
            limit["limit"] = writers
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return config


def wait_for_grpc(port: int, process: subprocess.Popen, log: Path) -> None:
    # the check `dagster api grpc-health-check` makes, from this process (not a new one per poll)
    from dagster._grpc.client import DagsterGrpcClient

    client = DagsterGrpcClient(port=port, host="127.0.0.1")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the gRPC server exited:\n{log.read_text()[-3000:]}")
        if client.health_check_query() == "SERVING":
            return
        time.sleep(0.5)
    raise AssertionError(f"the gRPC server did not answer:\n{log.read_text()[-3000:]}")


@dataclass
class Deployment:
    home: Path
    workspace: Path
    env: dict[str, str]
    logs: Path

    def dagster(self, *args: str) -> subprocess.CompletedProcess:
        """A `dagster` command against this instance (what an operator types)."""
        return subprocess.run([str(BIN / "dagster"), *args], cwd=ROOT, env=self.env, capture_output=True, text=True)

    def launch_census_months(self, months: list[date], levels: list[str]) -> None:
        """One queued census_monthly run per month, replaying the landing zone (`dagster job launch`)."""
        from orchestration.defs.census.jobs import INGEST_OPS

        ingest = {"source": "replay", "levels": levels}
        run_config = json.dumps({"ops": {op: {"config": ingest} for op in INGEST_OPS}})
        for month in months:
            launched = self.dagster(
                "job", "launch", "-w", str(self.workspace), "-j", "census_monthly",
                "--tags", json.dumps({"dagster/partition": month.isoformat()}), "--config-json", run_config,
            )  # fmt: skip
            assert launched.returncode == 0, launched.stderr[-2000:]

    @contextmanager
    def daemon(self) -> Iterator[Path]:
        """The daemon (it starts queued runs and runs the sensors) while the block runs; its log."""
        log = self.logs / "daemon.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace)],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            yield log
        finally:
            stop(process)


@contextmanager
def deployment(postgres: Postgres, folder: Path, env: dict[str, str], *, writers: int = 1) -> Iterator[Deployment]:
    """The instance in `folder`/home on `postgres`, its gRPC server running with `env` (the run
    settings); the daemon is started by Deployment.daemon()."""
    home = folder / "home"
    write_home(home, docker_launcher=False, writers=writers)
    port = free_port()
    workspace = yaml.safe_load((ROOT / "deploy" / "workspace.yaml").read_text())
    workspace["load_from"][0]["grpc_server"].update(host="127.0.0.1", port=port)
    (folder / "workspace.yaml").write_text(yaml.safe_dump(workspace))
    full_env = {**os.environ, **postgres.env(), "DAGSTER_HOME": str(home), **env}
    log = folder / "grpc.log"
    with log.open("w") as out:
        grpc = subprocess.Popen(
            [str(BIN / "dagster"), "api", "grpc", "-h", "127.0.0.1", "-p", str(port)]
            + ["-m", "orchestration.definitions"],
            cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for_grpc(port, grpc, log)
        yield Deployment(home, folder / "workspace.yaml", full_env, folder)
    finally:
        stop(grpc)


def step_intervals(instance, run_ids: list[str]) -> list[tuple[float, float, str, str]]:
    """(start, end, run id, step key) of every step that succeeded in the runs."""
    from dagster._core.events import DagsterEventType

    intervals = []
    for run_id in run_ids:
        starts, ends = {}, {}
        for record in instance.all_logs(run_id):
            event = record.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type == DagsterEventType.STEP_START:
                starts[event.step_key] = record.timestamp
            elif event.event_type == DagsterEventType.STEP_SUCCESS:
                ends[event.step_key] = record.timestamp
        intervals += [(starts[k], ends[k], run_id, k) for k in starts if k in ends]
    return sorted(intervals)


def wait_for_runs(instance, job: str, count: int, timeout: float) -> list:
    """The job's runs once `count` of them have finished (or the timeout passed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = [r for r in instance.get_runs() if r.job_name == job]
        if len(runs) >= count and all(r.is_finished for r in runs):
            return runs
        time.sleep(1)
    return [r for r in instance.get_runs() if r.job_name == job]


def failures(instance, runs) -> list[str]:
    """The first line of every step failure of the runs, for an assertion's message."""
    from dagster._core.events import DagsterEventType

    found = []
    for run in runs:
        for record in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_FAILURE):
            error = record.dagster_event.event_specific_data.error
            while error.cause is not None:  # the step's own error, not Dagster's wrapper
                error = error.cause
            found.append(f"{run.tags.get('dagster/partition')} {record.step_key}: {error.message.strip()[:400]}")
    return found
