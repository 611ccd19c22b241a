"""Operable under stop, crash and hostile servers (slow): real CLI processes on the shipped
Dagster instance config (pools included), real signals, servers that drip, stall and go down."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from census_server import CensusTestServer, Fault
from conftest import ROOT, TEST_KEY
from helpers import balances, prints_and_duplicates, run_cli_in_own_group, truth

from orchestration.census.client import CensusClient
from orchestration.census.landing import LandingStore
from orchestration.census.plan import FLOWS
from orchestration.core.errors import CensusApiError, CensusKeyError
from orchestration.core.periods import month_range

pytestmark = pytest.mark.slow

MONTHS = month_range(date(2017, 1, 1), date(2017, 2, 1))
REFRESH = ["refresh", "--start", "2017-01", "--end", "2017-02", "--levels", "HS2", "--no-progress"]
PARAMS = [("get", "CTY_CODE,ALL_VAL_MO"), ("time", "2017-01")]


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.app.cli", *args],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _landed(landing: Path) -> int:
    return sum(1 for _ in landing.rglob("*.json.gz")) if landing.exists() else 0


def _wait_landed(landing: Path, count: int, process: subprocess.Popen, limit: float = 120) -> None:
    started = time.monotonic()
    while _landed(landing) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() - started < limit, "nothing landed"
        time.sleep(0.05)


def _runs() -> list[dg.DagsterRun]:
    return list(dg.DagsterInstance.get().get_runs())


def _slow(seconds: float):
    return lambda index, seen: Fault(stall_seconds=seconds)


# 1. A refresh after a SIGKILL must not wait for the dead run's pool slot.


@pytest.mark.process
def test_a_refresh_after_sigkill_reaps_the_dead_run_and_completes(isolated_env):
    # killed while fetching, with responses landed and more under way (killed while loading or
    # in dbt: test_reliability.py's failpoints)
    with CensusTestServer(MONTHS, key=TEST_KEY, faults=_slow(0.1)) as server:
        env = {**os.environ, "CENSUS_API_BASE_URL": server.base_url}
        first = _start(REFRESH, env)
        _wait_landed(isolated_env / "landing", 5, first)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        server.faults = None
        # the dead run still holds the pool slot here; the next refresh must free it, not spin
        second = subprocess.run(
            [sys.executable, "-m", "orchestration.app.cli", *REFRESH], env=env, cwd=ROOT, capture_output=True,
            text=True, timeout=300,
        )  # fmt: skip
    assert second.returncode == 0, second.stderr[-2000:]
    refreshes = [run for run in _runs() if run.job_name == "census_monthly"]
    assert sorted(run.status.value for run in refreshes) == ["FAILURE", "SUCCESS"]
    totals = balances(isolated_env / "warehouse.duckdb")
    assert all(totals[key] == value for key, value in truth(MONTHS).items())
    # the responses landed before the kill were loaded once, in the one print of each month
    assert prints_and_duplicates(isolated_env / "warehouse.duckdb") == ([(month, 1) for month in MONTHS], 0)


@pytest.mark.process
def test_a_pool_held_by_a_live_run_is_named_after_the_wait_limit(isolated_env, tmp_path):
    """A long refresh of another warehouse holds a pool of the shared instance (census_api while it
    fetches); a second one waits WAREHOUSE_POOL_WAIT, then says which run holds the slot."""
    with CensusTestServer(MONTHS, key=TEST_KEY, faults=_slow(1.0)) as server:
        env = {**os.environ, "CENSUS_API_BASE_URL": server.base_url}
        holder = _start(REFRESH, env)
        try:
            _wait_landed(isolated_env / "landing", 1, holder)
            other = {**env, "WAREHOUSE_PATH": str(tmp_path / "other" / "w.duckdb"), "WAREHOUSE_POOL_WAIT": "2",
                     "LANDING_DIR": str(tmp_path / "other" / "landing")}  # fmt: skip
            waiting = subprocess.run(
                [sys.executable, "-m", "orchestration.app.cli", *REFRESH], env=other, cwd=ROOT, capture_output=True,
                text=True, timeout=120,
            )  # fmt: skip
        finally:
            holder.send_signal(signal.SIGTERM)
            holder.communicate(timeout=120)
    assert waiting.returncode == 1 and waiting.stderr.count("\n") == 1, waiting.stderr
    assert waiting.stderr.startswith("error: the Dagster pool 'census_api' is held by run ")
    assert f"pid {holder.pid} on {socket.gethostname()}" in waiting.stderr and "waited 2 s" in waiting.stderr


# 2. SIGINT and SIGTERM stop a refresh at the next safe point.


@pytest.mark.process
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_refresh_at_a_safe_point(signum, isolated_env):
    with CensusTestServer(MONTHS, key=TEST_KEY, faults=_slow(0.05)) as server:
        process = _start(REFRESH, {**os.environ, "CENSUS_API_BASE_URL": server.base_url})
        _wait_landed(isolated_env / "landing", 110, process)  # a month is 99 or 100 responses
        process.send_signal(signum)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 128 + signum
    last = err.strip().splitlines()[-1]
    name = signal.Signals(signum).name
    assert last.startswith(f"error: stopped by {name} while fetching ") and last.endswith("marked CANCELED"), err
    assert "the responses landed so far are kept for the next refresh, and nothing of the month was loaded" in last
    assert [run.status.value for run in _runs()] == ["CANCELED"]
    assert not (isolated_env / "serving.duckdb").exists()
    # stopped while landing: the warehouse was never opened, and every landed response is whole
    # (the responses under way when the signal came were landed before the step stopped)
    assert not (isolated_env / "warehouse.duckdb").exists()
    store = LandingStore(isolated_env / "landing")
    landed = [e for flow in FLOWS for m in MONTHS for e in store.entries(flow, m).values() if e.file]
    assert len(landed) >= 110 and all(store.verify(entry).exists() for entry in landed)


@pytest.mark.process
def test_a_second_sigint_aborts_at_once_and_the_next_refresh_recovers(isolated_env):
    with CensusTestServer(MONTHS, key=TEST_KEY, faults=_slow(0.2)) as server:
        env = {**os.environ, "CENSUS_API_BASE_URL": server.base_url}
        process = _start(REFRESH, env)
        _wait_landed(isolated_env / "landing", 3, process)
        server.faults = _slow(30)  # the request in flight now takes long: only an abort ends it soon
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
        assert process.returncode == 130 and "error: aborted at once by a second SIGINT" in err
        server.faults = None
        again = subprocess.run([sys.executable, "-m", "orchestration.app.cli", *REFRESH], env=env, cwd=ROOT,
                               capture_output=True, text=True, timeout=300)  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    totals = balances(isolated_env / "warehouse.duckdb")
    assert all(totals[key] == value for key, value in truth(MONTHS).items())


# 3. A body that drips a byte at a time is cut at the request's deadline.


class DripServer:
    """Answers every request with headers at once and then one byte of body per `pace` seconds."""

    def __init__(self, pace: float = 0.05):
        self.pace, self.connections = pace, 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.stopping = threading.Event()
        self.serving = threading.Thread(target=self._serve, daemon=True)
        self.serving.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/data"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            body = b'[["CTY_CODE","ALL_VAL_MO"],' + b" " * 5000 + b'["-","1"]]'
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body))
            for byte in body:
                if self.stopping.is_set():
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(self.pace)

    def close(self) -> None:
        self.stopping.set()
        self.serving.join()  # out of accept() within its timeout: closing under it would be EBADF
        self.sock.close()


def test_a_drip_fed_body_is_cut_at_the_deadline_and_counts_as_transient():
    server = DripServer()
    outcome: dict[str, BaseException] = {}
    client = CensusClient(server.base_url, TEST_KEY, read_timeout=1, deadline=1, backoff_factor=0)

    def call() -> None:
        try:
            client.get("/exports/hs", PARAMS)
        except BaseException as error:
            outcome["error"] = error

    worker = threading.Thread(target=call, daemon=True)
    worker.start()
    worker.join(60)  # on a client without a deadline this request would run for minutes
    server.close()
    assert not worker.is_alive(), "the request did not end at its deadline"
    error = outcome["error"]
    assert isinstance(error, CensusApiError) and "not complete within the 1 s deadline" in str(error)
    assert "after 3 attempts" in str(error) and server.connections == 3 and TEST_KEY not in str(error)


# 4. An outage page is an outage, not a key problem.

MAINTENANCE = b"<html><head><title>Service Unavailable</title></head><body>Down for maintenance</body></html>"


@pytest.mark.parametrize("status", [503, 200])
def test_an_outage_page_is_reported_as_an_outage_after_retries(status):
    fault = Fault(status=status, body=MAINTENANCE, headers={"Content-Type": "text/html"})
    with CensusTestServer(MONTHS, key=TEST_KEY, faults=lambda i, s: fault) as server:
        client = CensusClient(server.base_url, TEST_KEY, max_retries=2, backoff_factor=0)
        with pytest.raises(CensusApiError) as error:
            client.get("/exports/hs", PARAMS)
    assert not isinstance(error.value, CensusKeyError)
    assert f"the Census API is unavailable (HTTP {status}, page 'Service Unavailable')" in str(error.value)
    assert len(server.seen) == 3  # retried: urllib3's two retries of a 503, or three reads of a 200 page


def test_the_key_error_header_is_a_key_problem():
    fault = Fault(status=200, body=MAINTENANCE, headers={"Content-Type": "text/html", "X-DataWebAPI-KeyError": "1"})
    with CensusTestServer(MONTHS, key=TEST_KEY, faults=lambda i, s: fault) as server:
        with pytest.raises(CensusKeyError, match="X-DataWebAPI-KeyError"):
            CensusClient(server.base_url, TEST_KEY, backoff_factor=0).get("/exports/hs", PARAMS)
        assert len(server.seen) == 1


# 9. Offline: a fast, clear failure; the writer lock is not held meanwhile.


def test_an_unreachable_api_fails_at_once_without_retries(isolated_env, capsys):
    from orchestration.app.cli import main

    code = main(["refresh", "--start", "2017-01", "--end", "2017-01", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("error: cannot reach 127.0.0.1:9: Connection refused (check the network, a proxy, or ")
    # one failed attempt per flow, no Dagster retries: both runs' steps failed once each
    events = dg.DagsterInstance.get().get_records_for_run(_runs()[0].run_id).records
    retries = [
        r for r in events if r.event_log_entry.dagster_event and r.event_log_entry.dagster_event.is_step_up_for_retry
    ]
    assert retries == []


# 5. A small revision file does not end the schedule; --release-date wins over the calendar.


def _schedule_file(folder: Path, name: str, rows: list[dict]) -> Path:
    import json

    path = folder / name
    path.write_text(json.dumps(rows))
    return path


def test_a_release_that_drops_most_lines_is_refused_and_release_date_wins(isolated_env, capsys):
    from helpers import snapshot

    from orchestration.app.cli import main
    from orchestration.devdata.schedule import sample_rows

    rows = [row for row in sample_rows() if row["htsno"]]
    full = _schedule_file(isolated_env, "hts_2025_rev_4.json", rows)
    tariffs = ["tariffs", "refresh", "--source", "replay", "--no-progress"]
    # Rev 4 is in the bundled calendar (effective 2025-03-07): the date given here must win
    assert main([*tariffs, "--file", str(full), "--release-date", "2025-08-01"]) == 0
    warehouse = isolated_env / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        valid_from = con.execute("select distinct valid_from::varchar from marts.fct_tariff_rates").fetchall()
    assert valid_from == [("2025-08-01",)]
    capsys.readouterr()

    before = snapshot(warehouse)
    small = _schedule_file(isolated_env, "hts_2025_rev_5.json", rows[:4])
    assert main([*tariffs, "--file", str(small), "--release-date", "2025-09-01"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(
        f"error: HTS release 2025HTSRev5 has 4 lines, 90% fewer than the {len(rows)} of 2025HTSRev4 in force"
    )
    assert "--allow-shrink" in err and snapshot(warehouse) == before

    assert main([*tariffs, "--file", str(small), "--release-date", "2025-09-01", "--allow-shrink"]) == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        in_force = con.execute("select count(*) from marts.fct_tariff_rates where valid_to is null").fetchone()[0]
    assert in_force == 4


# 6. `sql` reads the warehouse and nothing else.


@pytest.mark.parametrize(
    "query",
    [
        "copy (select 1) to '{tmp}/out.csv'",
        "select * from read_text('/etc/hostname')",
        "attach '{tmp}/copy.duckdb' as other",
        "set enable_external_access = true",
        "install httpfs",
    ],
)
def test_sql_cannot_touch_files_or_other_databases(query, demo_warehouse, monkeypatch, tmp_path, capsys):
    import shutil

    from orchestration.app.cli import main

    shutil.copyfile(demo_warehouse.parent / "serving.duckdb", tmp_path / "copy.duckdb")
    monkeypatch.setenv("WAREHOUSE_PATH", str(demo_warehouse))
    for extra in ([], ["--warehouse"]):
        assert main(["sql", *extra, query.replace("{tmp}", str(tmp_path))]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: query failed: ") and err.count("\n") == 1
    assert not (tmp_path / "out.csv").exists()
    assert main(["sql", "select count(*) from marts.fct_bilateral_balance_monthly"]) == 0  # the copy itself reads


# 8. A scratch warehouse publishes beside itself, never over another warehouse's copy.


def test_a_scratch_warehouse_never_replaces_the_shared_serving_copy(demo_warehouse, isolated_env, monkeypatch, capsys):
    import shutil

    from orchestration.app.cli import main
    from orchestration.publish.serving import publish

    shared = isolated_env / "shared"
    shared.mkdir()
    publish(demo_warehouse, shared / "serving.duckdb")  # the copy BI tools read, from the demo warehouse
    before = (shared / "serving.duckdb").stat().st_mtime_ns
    scratch = isolated_env / "scratch" / "warehouse.duckdb"
    scratch.parent.mkdir()
    shutil.copyfile(demo_warehouse, scratch)
    monkeypatch.setenv("WAREHOUSE_PATH", str(scratch))
    assert main(["publish"]) == 0  # unset SERVING_PATH: beside the scratch warehouse
    assert (scratch.parent / "serving.duckdb").exists() and (scratch.parent / "reports").is_dir()
    assert (scratch.parent / "parquet").is_dir()

    monkeypatch.setenv("SERVING_PATH", str(shared / "serving.duckdb"))
    assert main(["publish"]) == 1
    err = capsys.readouterr().err
    assert f"the serving copy {shared / 'serving.duckdb'} was published from warehouse {demo_warehouse}" in err
    assert err.count("\n") == 1 and (shared / "serving.duckdb").stat().st_mtime_ns == before
    assert main(["publish", "--replace-other"]) == 0


# 7 and 10. A full disk is named with its stage, path and remedy; a dbt build that did not finish
# is reported to whoever reads the warehouse, and the serving copy keeps the last whole build.


@pytest.fixture
def tiny_disk(tmp_path):
    """A small tmpfs (root only): a real full disk, not a simulated one."""
    folder = tmp_path / "tiny"
    folder.mkdir()

    def mount(size: str) -> Path:
        subprocess.run(["umount", str(folder)], capture_output=True)
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                                capture_output=True, text=True)  # fmt: skip
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        return folder

    yield mount
    subprocess.run(["umount", str(folder)], capture_output=True)


def test_a_full_disk_while_landing_names_the_stage_path_and_remedy(tiny_disk, isolated_env, monkeypatch, capsys):
    from orchestration.app.cli import main

    disk = tiny_disk("64k")
    monkeypatch.setenv("LANDING_DIR", str(disk / "landing"))
    with CensusTestServer(MONTHS, key=TEST_KEY) as server:
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        assert main(["refresh", "--start", "2017-01", "--end", "2017-01", "--levels", "HS2,HS4", "--no-progress"]) == 1
    err = capsys.readouterr().err
    # the disk fills writing a response, or the manifest line after it (a torn line is skipped on read)
    stages = ("landing a response", "recording a landed response")
    assert err.count("\n") == 1 and err.startswith(tuple(f"error: {s}: the disk is full writing " for s in stages))
    assert f"free space in {disk / 'landing' / 'census'}" in err and "and run it again" in err
    assert not list(disk.rglob(".*.tmp"))  # no half-written file left behind


def test_a_full_disk_while_loading_keeps_the_months_before(
    tiny_disk, sample_landing, isolated_env, monkeypatch, capsys
):
    from orchestration.app.cli import main

    disk = tiny_disk("1200k")
    monkeypatch.setenv("WAREHOUSE_PATH", str(disk / "warehouse.duckdb"))
    monkeypatch.setenv("LANDING_DIR", str(sample_landing))
    replay = ["refresh", "--source", "replay", "--start", "2017-01", "--end", "2017-06", "--levels", "HS2"]
    assert main([*replay, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and " (rolled back; the months before it are kept): the disk is full writing " in err
    assert err.startswith("error: loading ") and f"free space in {disk} and run it again" in err


@pytest.mark.process
def test_an_unfinished_dbt_build_is_reported_until_a_refresh_succeeds(isolated_env, monkeypatch, capsys):
    from orchestration.app.cli import OVERDUE, main

    one_month = ["refresh", "--start", "2017-01", "--end", "2017-01", "--levels", "HS2", "--no-progress"]
    with CensusTestServer(MONTHS, key=TEST_KEY) as server:
        env = {**os.environ, "CENSUS_API_BASE_URL": server.base_url, "TRADE_WAREHOUSE_FAILPOINT": "dbt:20"}
        killed = run_cli_in_own_group(one_month, env, ROOT)
        assert killed.returncode == -9
        assert main(["status", "--warehouse"]) == OVERDUE  # 2017 data: later months are released
        out = capsys.readouterr().out
        assert "marts    the dbt build of the marts for 2017-01 to 2017-01 started " in out
        assert "did not finish: the warehouse's marts may be out of step" in out
        assert main(["sql", "--warehouse", "select 1"]) == 0
        assert capsys.readouterr().err.startswith("warning: the dbt build of the marts for 2017-01 to 2017-01")
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        assert main(one_month) == 0
    capsys.readouterr()
    assert main(["status"]) == OVERDUE
    assert "marts " not in capsys.readouterr().out  # the next whole build cleared it


def test_a_damaged_manifest_is_named_not_mistaken_for_data(sample_landing, isolated_env, monkeypatch, capsys, tmp_path):
    import json
    import shutil

    from orchestration.app.cli import main

    landing = tmp_path / "copy"
    shutil.copytree(sample_landing / "census" / "exports" / "2017-01", landing / "census" / "exports" / "2017-01")
    shutil.copytree(sample_landing / "census" / "imports" / "2017-01", landing / "census" / "imports" / "2017-01")
    manifest = landing / "census" / "exports" / "2017-01" / "manifest.jsonl"
    lines = manifest.read_bytes().splitlines(keepends=True)
    first = json.loads(lines[0])
    first["header"] = first["header"][1:] + first["header"][:1]  # columns swapped in the manifest only
    damaged = [json.dumps(first).encode() + b"\n", b"\xff\xfe not utf-8\n", *lines[1:]]
    manifest.write_bytes(b"".join(damaged))
    monkeypatch.setenv("LANDING_DIR", str(landing))
    code = main(["refresh", "--source", "replay", "--start", "2017-01", "--end", "2017-01", "--levels", "HS2",
                 "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1, err
    assert f"the manifest's header for exports 2017-01 {first['request_id']} is not the landed file's own" in err
    assert "--refetch" in err


@pytest.mark.process
def test_status_and_sql_answer_during_a_refresh(isolated_env, monkeypatch, capsys):
    from orchestration.app.cli import OVERDUE, main

    with CensusTestServer(MONTHS, key=TEST_KEY) as server:
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        assert main(["refresh", "--start", "2017-01", "--end", "2017-01", "--levels", "HS2", "--no-progress"]) == 0
        server.faults = _slow(0.3)
        running = _start(REFRESH, dict(os.environ))
        try:
            _wait_landed(isolated_env / "landing", _landed(isolated_env / "landing") + 2, running)
            capsys.readouterr()
            assert main(["status"]) == OVERDUE and capsys.readouterr().out.startswith("exports  latest 2017-01")
            assert main(["sql", "select count(*) from marts.fct_bilateral_balance_monthly"]) == 0
            assert running.poll() is None  # both answered while the refresh was still running
        finally:
            running.send_signal(signal.SIGTERM)
            running.communicate(timeout=120)


def test_a_read_only_folder_is_not_called_missing(tmp_path, sample_landing, monkeypatch, capsys):
    from orchestration.app.cli import main

    folder = tmp_path / "ro"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a read-only tmpfs here")
    try:
        monkeypatch.setenv("WAREHOUSE_PATH", str(folder / "warehouse.duckdb"))
        monkeypatch.setenv("LANDING_DIR", str(sample_landing))
        code = main(["refresh", "--source", "replay", "--start", "2017-01", "--end", "2017-01", "--no-progress"])
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "cannot create the warehouse folder" not in err
    assert err == (
        f"error: taking the writer lock: cannot write {folder / 'warehouse.duckdb.lock'}: Read-only file system: "
        f"make {folder} writable\n"
    )


def test_a_typed_release_date_survives_the_next_release_list(tmp_path):
    import json

    from orchestration.hts.landing import FILE_PART, RELEASE_LIST, HtsLandingStore
    from orchestration.hts.load import ensure_hts_schema, load_release_list, register_release

    store = HtsLandingStore(tmp_path / "landing")
    typed = store.land("2025HTSRev4", FILE_PART, url="file:x", body=b"[]", rows=0, source="hts_file",
                       release_date="2025-08-01")  # fmt: skip
    listed = [
        {"name": "2025HTSRev4", "description": "Rev 4", "status": "archived", "releaseStartDate": "03/04/2025"},
        {"name": "2025HTSRev5", "description": "Rev 5", "status": "current", "releaseStartDate": "03/12/2025"},
    ]
    answer = store.land(RELEASE_LIST, "releases", url="u", body=json.dumps(listed).encode(), rows=2, source="hts_api")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_hts_schema(con)
        register_release(con, typed, "2025-08-01", given=True)
        load_release_list(con, store, answer)  # what every later tariff refresh does
        rows = con.execute("select name, release_start_date::varchar, date_given from raw.hts_releases order by 1")
        assert rows.fetchall() == [("2025HTSRev4", "2025-08-01", True), ("2025HTSRev5", "2025-03-12", None)]


def test_each_dbt_build_clears_only_its_own_marker(tmp_path):
    from orchestration.store import marts_state

    warehouse = tmp_path / "warehouse.duckdb"
    marts_state.begin(warehouse, "census", "the marts for 2017-01 to 2017-03")
    marts_state.begin(warehouse, "tariff", "the tariff marts")
    marts_state.finish(warehouse, "tariff")  # a tariff load succeeds after a failed Census build
    assert marts_state.unfinished(warehouse).startswith("the dbt build of the marts for 2017-01 to 2017-03 started")
    marts_state.finish(warehouse, "census")
    assert marts_state.unfinished(warehouse) is None


def test_a_landed_body_that_is_not_json_is_named_with_the_remedy(sample_landing, isolated_env, monkeypatch, capsys):
    import shutil

    from orchestration.app.cli import main
    from orchestration.census.landing import LandingStore
    from orchestration.census.plan import CensusRequest

    landing = isolated_env / "copy"
    for flow in ("exports", "imports"):
        shutil.copytree(sample_landing / "census" / flow / "2017-01", landing / "census" / flow / "2017-01")
    store = LandingStore(landing)
    request = CensusRequest("exports", date(2017, 1, 1), "detail", "HS10", "02")  # HS2 is summed from HS10
    header = store.entries("exports", "2017-01")[request.request_id].header
    # a CSV body recorded with its own hashes: only reading it shows what it is
    store.land(request, url="x", status=200, body=b"CTY_CODE,ALL_VAL_MO\n5880,1\n", header=header, rows=1,
               source="census_api")  # fmt: skip
    monkeypatch.setenv("LANDING_DIR", str(landing))
    code = main(["refresh", "--source", "replay", "--start", "2017-01", "--end", "2017-01", "--levels", "HS2",
                 "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"error: the landed response exports 2017-01 {request.request_id}")
    assert "cannot be read as a gzip JSON table (Expected top-level JSON array" in err
    assert err.rstrip().endswith("fetch the month again with --refetch")
