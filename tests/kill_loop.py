"""Kill-then-refresh soak (run by hand, not by pytest): N rounds of a refresh SIGKILLed at a random
moment (fetch, load, dbt or publish), then refreshed again on the shipped Dagster instance config.
Each round must finish (no hang), and the totals must equal the server's.

    .venv/bin/python tests/kill_loop.py --rounds 10 [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from census_server import CensusTestServer, Fault  # noqa: E402
from conftest import ROOT, TEST_KEY, dagster_home  # noqa: E402
from helpers import balances, truth  # noqa: E402
from test_operable import MONTHS, REFRESH  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    failures = 0
    with CensusTestServer(MONTHS, key=TEST_KEY, faults=lambda i, s: Fault(stall_seconds=0.05)) as server:
        for round_ in range(1, args.rounds + 1):
            root = Path(tempfile.mkdtemp(prefix="kill-loop-"))
            env = {**os.environ, "WAREHOUSE_PATH": str(root / "warehouse.duckdb"), "LANDING_DIR": str(root / "landing"),
                   "DAGSTER_HOME": str(dagster_home(root / "dagster_home")), "CENSUS_API_KEY": TEST_KEY,
                   "CENSUS_API_BASE_URL": server.base_url}  # fmt: skip
            command = [sys.executable, "-m", "orchestration.app.cli", *REFRESH]
            moment = rng.uniform(0.5, 25.0)
            first = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)  # fmt: skip
            time.sleep(moment)
            finished_first = first.poll() is not None
            if not finished_first:
                os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            started = time.monotonic()
            try:
                second = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
                code, tail = second.returncode, second.stderr.strip()[-200:]
            except subprocess.TimeoutExpired:
                code, tail = "hang", "no answer within 300 s"
            took = time.monotonic() - started
            exact = code == 0 and all(balances(root / "warehouse.duckdb").get(k) == v for k, v in truth(MONTHS).items())
            failures += not exact
            killed = "finished before the kill" if finished_first else f"killed at {moment:4.1f} s"
            print(f"round {round_:2}: {killed}; next refresh exit {code} in {took:5.1f} s; totals exact: {exact}"
                  + ("" if exact else f" ({tail})"), flush=True)  # fmt: skip
            shutil.rmtree(root, ignore_errors=True)
    print(f"{args.rounds - failures} of {args.rounds} rounds recovered with exact totals")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
