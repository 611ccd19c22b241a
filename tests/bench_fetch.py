"""Wall time of a 12-month refresh's fetch against the local Census server with the live server's
latency (1-12 s per request, scaled down 200 times), at CENSUS_MAX_CONCURRENCY 1 and 4.

    .venv/bin/python tests/bench_fetch.py

A benchmark, not a test: it prints the times and their ratio (BENCHMARKS.md)."""

import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from census_server import CensusTestServer  # noqa: E402
from conftest import TEST_KEY  # noqa: E402

from orchestration.census.client import CensusClient  # noqa: E402
from orchestration.census.ingest import ingest_flow  # noqa: E402
from orchestration.census.landing import LandingStore  # noqa: E402
from orchestration.core.periods import month_range  # noqa: E402
from orchestration.devdata.sample import month_rows  # noqa: E402

MONTHS = month_range(date(2017, 1, 1), date(2017, 12, 1))
SCALE = 200
LEVELS = ("HS2", "HS4", "HS6")


def latency(seen) -> float:
    """1-12 s per request (uniform, the same for the same query), scaled down."""
    return random.Random(seen.raw_query).uniform(1, 12) / SCALE


def run(workers: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as folder, CensusTestServer(MONTHS, key=TEST_KEY) as server:
        server.latency = latency
        client = CensusClient(server.base_url, TEST_KEY, backoff_factor=0)
        started = time.perf_counter()
        store, warehouse = LandingStore(Path(folder)), Path(folder) / "warehouse.duckdb"
        for flow in ("exports", "imports"):
            ingest_flow(flow, MONTHS, source="api", levels=LEVELS, store=store, warehouse_path=warehouse, client=client,
                        concurrency=workers)  # fmt: skip
        return time.perf_counter() - started, len(server.data_requests())


if __name__ == "__main__":
    for month in MONTHS:  # the server's months, built before the clock starts
        month_rows("exports", month), month_rows("imports", month)
    serial, requests = run(1)
    parallel, _ = run(4)
    print(f"{requests} requests; concurrency 1: {serial:.1f} s, concurrency 4: {parallel:.1f} s, "
          f"ratio {serial / parallel:.2f}")  # fmt: skip
