"""WAREHOUSE_TARGET=ducklake for real: the catalog in a throwaway PostgreSQL, the data files in a
local folder standing in for object storage, the refresh a user runs.

DuckDB's ducklake and postgres extensions exist as PyPI packages for DuckDB 1.5.5 only, so these
tests run in the second environment `make test-ducklake` builds (.venv-lake: DuckDB 1.5.5 and the
`ducklake` extra). In the house environment (DuckDB 2.0) they are skipped, with the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT
from helpers import balances_in, lake_marts, truth
from postgres import postgres_bin, running_postgres

pytestmark = [
    pytest.mark.process,
    pytest.mark.xdist_group("ducklake"),  # one worker, one PostgreSQL for the module
]

JAN, FEB, MAR = date(2017, 1, 1), date(2017, 2, 1), date(2017, 3, 1)


def _cannot_run(reason: str) -> None:
    """Skipped in the house venv; a failure where the DuckLake suite must run (make test-ducklake
    sets TRADE_REQUIRE_DUCKLAKE), so that CI cannot pass it by skipping every test."""
    if os.environ.get("TRADE_REQUIRE_DUCKLAKE"):
        pytest.fail(f"the DuckLake suite cannot run: {reason}")
    pytest.skip(reason)


def _extensions_or_skip() -> None:
    import duckdb

    from orchestration.store.targets.ducklake import load_extensions, packaged_extension

    if postgres_bin() is None:
        _cannot_run("PostgreSQL is not installed (.ci/run installs Debian's postgresql)")
    if packaged_extension("ducklake") is None:
        _cannot_run(
            f"DuckDB {duckdb.__version__} has no ducklake extension package here: `make test-ducklake` runs these"
        )
    with duckdb.connect() as con:
        load_extensions(con)


@pytest.fixture(scope="module")
def postgres():
    _extensions_or_skip()
    with running_postgres() as server:
        yield server


@pytest.fixture
def lake(postgres, isolated_env, sample_landing, monkeypatch) -> dict[str, str]:
    """The settings of a fresh lake (its own database in the server) over the sample landing zone."""
    database = f"lake_{isolated_env.name[-40:]}".lower().replace("-", "_")
    subprocess.run(
        [str(postgres_bin() / "createdb"), "-h", postgres.host, "-p", str(postgres.port), "-U", postgres.user,
         database],
        check=True, capture_output=True,
    )  # fmt: skip
    settings = {
        "WAREHOUSE_TARGET": "ducklake",
        "DUCKLAKE_CATALOG": f"dbname={database} host={postgres.host} port={postgres.port} user={postgres.user}",
        "DUCKLAKE_DATA_PATH": str(isolated_env / "lake") + "/",
        "LANDING_DIR": str(sample_landing),
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return settings


def _refresh(first: date, last: date) -> list[str]:
    return ["refresh", "--source", "replay", "--start", f"{first:%Y-%m}", "--end", f"{last:%Y-%m}", "--no-progress"]


def _marts(isolated_env: Path) -> dict[str, tuple]:
    from orchestration.store.duckdb import connect

    with connect(isolated_env / "warehouse.duckdb", read_only=True) as con:
        return lake_marts(con)


def _balances(isolated_env: Path) -> dict[tuple, int]:
    from orchestration.store.duckdb import connect

    with connect(isolated_env / "warehouse.duckdb", read_only=True) as con:
        return balances_in(con)


def test_a_refresh_loads_and_builds_the_lake_and_the_same_refresh_again_changes_nothing(lake, isolated_env, capsys):
    from orchestration.app.cli import main

    assert main(_refresh(JAN, FEB)) == 0, capsys.readouterr().err
    assert _balances(isolated_env) == truth([JAN, FEB])  # every partner's published total, to the dollar
    first = _marts(isolated_env)
    built = ("fct_trade_monthly", "fct_bilateral_balance_monthly", "fct_product_flows", "dim_commodity", "dim_country")
    assert all(first[table][0] > 0 for table in built)  # (the bulk marts stay empty: no bulk month)
    # the data are Parquet files in the data path, the catalog in PostgreSQL; no local file, no copy
    assert list((isolated_env / "lake").rglob("*.parquet"))
    assert not (isolated_env / "warehouse.duckdb").exists() and not (isolated_env / "serving.duckdb").exists()

    assert main(_refresh(JAN, FEB)) == 0, capsys.readouterr().err  # the incremental models' path
    assert _marts(isolated_env) == first

    # the maintenance calls docs/deploy.md gives (with a cutoff that reaches this test's
    # snapshots): the lake reads the same after them
    from orchestration.store.duckdb import connect

    with connect(isolated_env / "warehouse.duckdb") as con:
        before = con.execute("select count(*) from warehouse.snapshots()").fetchone()[0]
        con.execute("call ducklake_expire_snapshots('warehouse', older_than => now() + interval 1 day)")
        con.execute("call ducklake_cleanup_old_files('warehouse', older_than => now() + interval 1 day)")
        con.execute("call ducklake_merge_adjacent_files('warehouse')")
        after = con.execute("select count(*) from warehouse.snapshots()").fetchone()[0]
    assert after < before
    assert _marts(isolated_env) == first


def test_a_reader_queries_the_lake_while_a_refresh_writes_it(lake, isolated_env, capsys):
    """A BI reader attaches the catalog read-only and queries on while another process refreshes:
    no lock errors, and it sees the months before, then the month the refresh added."""
    from orchestration.app.cli import main
    from orchestration.store.duckdb import connect

    assert main(_refresh(JAN, JAN)) == 0, capsys.readouterr().err
    log = isolated_env / "refresh.log"
    with log.open("w") as out:
        writer = subprocess.Popen(
            [sys.executable, "-m", "orchestration.app.cli", *_refresh(FEB, FEB)],
            cwd=ROOT, env=os.environ.copy(), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    seen, reads, deadline = set(), 0, time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            done = writer.poll() is not None
            # a new connection each time, as a BI tool's refresh of a dashboard would open one
            with connect(isolated_env / "warehouse.duckdb", read_only=True) as con:
                months = con.execute(
                    "select distinct period from marts.fct_bilateral_balance_monthly order by 1"
                ).fetchall()
            seen.add(tuple(m for (m,) in months))
            reads += 1
            if done:
                break
            time.sleep(0.2)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.wait() == 0, log.read_text()[-3000:]
    assert reads >= 5  # it read throughout the refresh, not just once before and after
    assert seen <= {(JAN,), (JAN, FEB)} and (JAN, FEB) in seen


def test_a_lake_with_its_data_files_on_an_s3_compatible_store(lake, isolated_env, monkeypatch, capsys):
    """DUCKLAKE_DATA_PATH=s3://...: the data files go to an S3-compatible store (moto's server on
    127.0.0.1, as MinIO would be), with the AWS SDK's variables; the secret key appears in no
    output and nowhere in the run history."""
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ModuleNotFoundError:
        _cannot_run("moto's S3 server is not installed (the ducklake-test extra)")
    from helpers import free_port

    from orchestration.app.cli import main

    port, secret = free_port(), "s3-secret-that-must-stay-hidden"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        settings = {
            "AWS_ACCESS_KEY_ID": "trade-warehouse",
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        store = boto3.client("s3", endpoint_url=settings["AWS_ENDPOINT_URL"], region_name="us-east-1")
        store.create_bucket(Bucket="trade-lake")
        monkeypatch.setenv("DUCKLAKE_DATA_PATH", "s3://trade-lake/warehouse/")

        assert main(_refresh(JAN, JAN)) == 0, capsys.readouterr().err
        assert _balances(isolated_env) == truth([JAN])  # read back through the store
        keys = [item["Key"] for item in store.list_objects_v2(Bucket="trade-lake").get("Contents", [])]
        assert any(key.startswith("warehouse/") and key.endswith(".parquet") for key in keys), keys
        assert not list(isolated_env.rglob("*.parquet"))  # nothing written locally
        # an analyst's query on the lake cannot read the key back: a secret (redacted), not a setting
        from orchestration.store.duckdb import connect

        with connect(isolated_env / "warehouse.duckdb", read_only=True) as con:
            shown = con.execute(
                "select list(value::varchar) from duckdb_settings() where name like 's3%' "
                "union all select list(secret_string) from duckdb_secrets()"
            ).fetchall()
        assert "redacted" in str(shown) and secret not in str(shown)
    finally:
        server.stop()
    output = capsys.readouterr()
    assert secret not in output.out + output.err
    history = [p for p in Path(os.environ["DAGSTER_HOME"]).rglob("*") if p.is_file()]
    assert history and not [p for p in history if secret.encode() in p.read_bytes()]
