"""The bulk-file case of the benchmark (`trade-warehouse bench --bulk`): one December imports ZIP
at full scale (devdata/bench_bulk.py), parsed and loaded as `backfill --source bulk` does, against
the floor: one DuckDB scan of the same member (unzipped where the loader unzips it) into a single
VARCHAR column, written to disk.

Each load runs in a child process with a fresh warehouse, so its peak memory is its own; load and
floor alternate, median of three. The history estimate scales the December load by the size of
the other months (a detail file grows from ~0.73 M lines in January to ~3.5 M in December).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from queue import Empty

import duckdb

from orchestration.census.bulk import lines_sql
from orchestration.census.bulk_load import extract_members, scratch_for
from orchestration.devdata.bench_bulk import write_december_zip

FULL_LINES = 3_500_000
# Months of imports 2015-01 .. 2026-05 known to be on the site, and the mean size of a month's
# file relative to December's ((0.73 + 3.5) / 2 / 3.5: lines grow about linearly through the year).
HISTORY_MONTHS = 137
MEAN_MONTH_SHARE = (0.73 + 3.5) / 2 / 3.5


def _load(archive: str, folder: str, queue) -> None:
    """In a child process: land the ZIP from its folder and load it into a fresh warehouse."""
    from orchestration.census.bulk_files import BulkStore, land_zip
    from orchestration.census.bulk_load import load_bulk_month
    from orchestration.store.duckdb import connect

    root = Path(folder)
    store = BulkStore(root / "landing")
    entry, _ = land_zip(store, None, "imports", "2025-12", from_dir=Path(archive).parent)
    # the copy into the landing zone is the landing step's (untimed): its writes are flushed
    # first, or they drain to disk during the timed load
    os.sync()
    started = time.perf_counter()
    with connect(root / "warehouse.duckdb") as con:
        load = load_bulk_month(con, store, entry)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"seconds": seconds, "rows": load.rows, "peak_mb": peak})


def _load_in_child(archive: Path, scratch: Path) -> dict:
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_load, args=(str(archive), str(scratch), queue))
    child.start()
    while True:
        try:
            result = queue.get(timeout=5)
            break
        except Empty:
            if not child.is_alive():
                raise RuntimeError(
                    f"the bulk load process ended without a result (exit code {child.exitcode})"
                ) from None
    child.join()
    shutil.rmtree(scratch, ignore_errors=True)
    return result


def _floor(member: Path, database: Path) -> float:
    database.unlink(missing_ok=True)
    os.sync()
    started = time.perf_counter()
    with duckdb.connect(str(database)) as con:
        con.execute(f"create table floor as select line from {lines_sql()}", {"path": str(member)})
    seconds = time.perf_counter() - started
    database.unlink(missing_ok=True)
    return seconds


def run_bulk_bench(workdir: Path, *, lines: int = FULL_LINES, log=print) -> dict:
    started = time.perf_counter()
    archive = write_december_zip(workdir / "bulk", lines=lines)
    log(f"December imports ZIP: {archive.stat().st_size / 1e6:,.0f} MB ({lines:,} lines), "
        f"ready in {time.perf_counter() - started:.0f} s")  # fmt: skip
    # the floor reads the member from where the loader unzips it (memory when it has room)
    scratch = scratch_for(archive, "imports", workdir)
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        unzip_started = time.perf_counter()
        member = extract_members(archive, "imports", Path(folder))["IMP_DETL"]
        unzip = time.perf_counter() - unzip_started
        member_bytes = member.stat().st_size
        loads, floors = [], []
        for _ in range(3):
            floors.append(_floor(member, workdir / "bulk-floor.duckdb"))
            loads.append(_load_in_child(archive, workdir / "bulk-load"))
            log(f"bulk load {loads[-1]['seconds']:.1f} s, floor {floors[-1]:.1f} s")
    load = statistics.median(run["seconds"] for run in loads)
    floor = statistics.median(floors)
    result = {
        "lines": lines,
        "scratch": str(scratch),
        "member_mb": member_bytes / 1e6,
        "zip_mb": archive.stat().st_size / 1e6,
        "active_lines": loads[0]["rows"]["census_bulk_imports"],
        "unzip_s": unzip,
        "load_s": load,
        "load_runs_s": [run["seconds"] for run in loads],
        "floor_s": floor,
        "floor_runs_s": floors,
        "load_vs_floor": load / floor,
        "peak_rss_mb": max(run["peak_mb"] for run in loads),
        "history_estimate_s": HISTORY_MONTHS * MEAN_MONTH_SHARE * load * (FULL_LINES / lines),
    }
    return result


def format_bulk_result(result: dict) -> str:
    rows = [
        ("December imports detail (lines)", f"{result['lines']:,}"),
        ("  of which active in the month", f"{result['active_lines']:,}"),
        ("member unzipped (MB) / ZIP (MB)", f"{result['member_mb']:,.0f} / {result['zip_mb']:,.0f}"),
        ("unzip of the member alone (s; overlaps the load)", f"{result['unzip_s']:.1f}"),
        ("  unzipped into", result["scratch"]),
        ("parse + load, whole month (s)", f"{result['load_s']:.1f}"),
        ("floor: one scan into one VARCHAR column (s)", f"{result['floor_s']:.1f}"),
        ("load / floor", f"{result['load_vs_floor']:.2f}"),
        ("peak RSS of the load (MB)", f"{result['peak_rss_mb']:,.0f}"),
        ("2015-2026 imports history, estimated (min)", f"{result['history_estimate_s'] / 60:.0f}"),
    ]
    return "\n".join(f"{label:<46}{value:>16}" for label, value in rows)
