"""How the CLI runs Dagster in process without hanging: dead runs reaped, pool waits bounded,
stops honoured.

- Every run the CLI starts carries the process that runs it (host, pid, pid start time) as a tag.
  A run killed with SIGKILL stays STARTED and keeps its slots in the pools, and the next
  run would wait for that slot forever; so before each run, runs of this host whose process is gone
  are marked failed and their slots freed.
- A run whose steps wait on a pool (`census_api`, `warehouse`) longer than WAREHOUSE_POOL_WAIT
  ends with one line naming the pool and the run that holds the slot (Dagster's in-process
  executor would otherwise spin on it for ever).
- The run executes in a worker thread, so the main thread keeps the CLI's signal handlers (Dagster
  takes SIGINT and SIGTERM over when it runs on the main thread, and its in-process executor never
  looks at them): a first signal asks the steps to stop at their next safe point.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import dagster as dg

from orchestration.core.errors import WarehouseBusy
from orchestration.core.stopping import check_stop, request_stop
from orchestration.defs.tags import CLI_PROCESS_TAG

T = TypeVar("T")

PROCESS_TAG = CLI_PROCESS_TAG
INVOCATION_TAG = "trade_warehouse/invocation"
# the pools of the code location: census_api (landing) and warehouse (every writer)
POOLS = ("census_api", "warehouse")
UNFINISHED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (tells a reused pid apart); '' off Linux."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # the command name (field 2) may hold spaces: count fields after its closing parenthesis
    return stat.rsplit(")", 1)[1].split()[19]


def process_tags() -> dict[str, str]:
    """Tags naming this process and this invocation, for every run the CLI starts."""
    pid = os.getpid()
    return {
        PROCESS_TAG: f"{socket.gethostname()}:{pid}:{_start_time(pid)}",
        INVOCATION_TAG: uuid.uuid4().hex,
    }


def _process_gone(tag: str) -> bool:
    host, _, rest = tag.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine's (or container's) run: not ours to judge
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return bool(started) and _start_time(pid) != started


def reap_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark runs of this host whose process is gone as failed and free the pool slots of every
    finished run; returns the ids of the runs reaped."""
    storage = instance.event_log_storage
    reaped = []
    for run in instance.get_runs(dg.RunsFilter(statuses=UNFINISHED)):
        tag = run.tags.get(PROCESS_TAG)
        if tag and _process_gone(tag):
            pid = tag.split(":")[1]
            instance.report_run_failed(run, f"the process running it (pid {pid}) ended without finishing it")
            reaped.append(run.run_id)
    if storage.supports_global_concurrency_limits:
        for run_id in storage.get_concurrency_run_ids():
            run = instance.get_run_by_id(run_id)
            if run is None or run.is_finished:
                storage.free_concurrency_slots_for_run(run_id)
    return reaped


def _describe(instance: dg.DagsterInstance, run_id: str) -> str:
    run = instance.get_run_by_id(run_id)
    if run is None:
        return f"run {run_id}"
    holder = run.tags.get(PROCESS_TAG, "").split(":")
    process = f", pid {holder[1]} on {holder[0]}" if len(holder) > 1 else ""
    return f"run {run_id} ({run.job_name}, {run.status.value}{process})"


def pool_holders(instance: dg.DagsterInstance, pool: str, exclude: str | None = None) -> list[str]:
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    info = storage.get_concurrency_info(pool)
    if info.limit is None or len(info.claimed_slots) < info.limit:
        return []
    return sorted({slot.run_id for slot in info.claimed_slots if slot.run_id != exclude})


def _busy(instance: dg.DagsterInstance, pool: str, holders: list[str], waited: float) -> WarehouseBusy:
    named = "; ".join(_describe(instance, run_id) for run_id in holders)
    return WarehouseBusy(
        f"the Dagster pool '{pool}' is held by {named}; waited {waited:.0f} s (WAREHOUSE_POOL_WAIT): "
        "let that run finish, or cancel it in the Dagster UI"
    )


def wait_for_pool(instance: dg.DagsterInstance, limit: float, pools: set[str], poll: float = 1.0) -> None:
    """Before a run: wait up to `limit` seconds for a free slot in each pool its steps use."""
    started = time.monotonic()
    for pool in sorted(pools):
        while holders := pool_holders(instance, pool):
            check_stop("while waiting for the Dagster pool; nothing was written")
            waited = time.monotonic() - started
            if waited >= limit:
                raise _busy(instance, pool, holders, waited)
            time.sleep(poll)


def _own_run_id(instance: dg.DagsterInstance, invocation: str) -> str | None:
    runs = instance.get_runs(dg.RunsFilter(tags={INVOCATION_TAG: invocation}), limit=1)
    return runs[0].run_id if runs else None


def _pool_waited_on(instance: dg.DagsterInstance, run_id: str) -> str | None:
    storage = instance.event_log_storage
    return next((pool for pool in POOLS if run_id in storage.get_concurrency_info(pool).pending_run_ids), None)


def supervise(
    instance: dg.DagsterInstance, tags: dict[str, str], work: Callable[[], T], *, pool_wait: float, poll: float = 1.0
) -> T:
    """Run `work` (one in-process Dagster run tagged with `tags`) in a worker thread, the main
    thread watching that it does not wait on the pool longer than `pool_wait` seconds."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the main thread as is
            outcome["error"] = error

    # daemon: if the pool wait is given up on, the process may exit with the worker still waiting
    worker = threading.Thread(target=target, name="dagster-run", daemon=True)
    worker.start()
    watch_pool = instance.event_log_storage.supports_global_concurrency_limits
    run_id, waiting_since = None, None
    while worker.is_alive():
        worker.join(poll)
        if not watch_pool or not worker.is_alive():
            continue
        run_id = run_id or _own_run_id(instance, tags[INVOCATION_TAG])
        pool = _pool_waited_on(instance, run_id) if run_id else None
        if pool is None:
            waiting_since = None
            continue
        waiting_since = waiting_since or time.monotonic()
        waited = time.monotonic() - waiting_since
        if waited >= pool_wait:
            holders = pool_holders(instance, pool, exclude=run_id) or ["(unknown)"]
            error = _busy(instance, pool, holders, waited)
            run = instance.get_run_by_id(run_id)
            if run is not None and not run.is_finished:
                instance.report_run_failed(run, str(error))
            # a step that waits on the pool has written nothing: giving up here is safe, and the
            # stop makes the step stop at its first safe point should it get the slot after all
            request_stop(signal.SIGTERM)
            instance.event_log_storage.free_concurrency_slots_for_run(run_id)
            raise error
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
