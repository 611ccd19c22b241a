"""The serving copy, its Parquet, the report, and reading it the way BI tools do."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT, TEST_KEY

from orchestration.app.bench import fingerprints
from orchestration.publish.serving import publish, state_path

COMPAT_PYTHON = ROOT / ".venv-duckdb14" / "bin" / "python"


@pytest.fixture(scope="module")
def serving(demo_warehouse) -> Path:
    return demo_warehouse.parent / "serving.duckdb"


def test_the_serving_copy_holds_the_marts_with_their_descriptions(serving, read_only):
    con = read_only(serving)
    schemas = {r[0] for r in con.execute("select schema_name from duckdb_schemas() where not internal").fetchall()}
    assert schemas - {"main"} == {"marts"}  # no raw, no staging
    tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert {"fct_bilateral_balance_monthly", "fct_trade_monthly", "dim_country", "fct_tariff_rates"} <= tables
    missing = con.execute(
        "select table_name, column_name from duckdb_columns() where schema_name = 'marts' and comment is null"
    ).fetchall()
    assert missing == []  # persist_docs: every column carries its dbt description
    comment = con.execute(
        "select comment from duckdb_columns() "
        "where table_name = 'fct_trade_monthly' and column_name = 'quantity_missing'"
    ).fetchone()[0]
    assert "missing" in comment
    japan = con.execute(
        "select exports_usd from marts.bilateral_balance_as_of(current_date) "
        "where partner_code = '5880' and period = date '2017-01-01'"
    ).fetchone()[0]
    assert japan == 4_986_200_000


def test_the_serving_copy_is_written_for_duckdb_1_4(serving, read_only):
    tags = read_only(serving).execute("select tags from duckdb_databases() where database_name = 'serving'").fetchone()
    assert tags[0]["storage_version"].startswith("v1.4.0")


@pytest.mark.skipif(not COMPAT_PYTHON.exists(), reason="DuckDB 1.4 venv missing: run the tests with `make test`")
def test_duckdb_1_4_opens_the_serving_copy(serving):
    script = (
        "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
        "print(duckdb.__version__, con.execute('select count(*) from marts.fct_trade_monthly').fetchone()[0], "
        "con.execute(\"select balance_usd from marts.fct_bilateral_balance_monthly where partner_code = '5880' "
        "and period = date '2017-01-01'\").fetchone()[0])"
    )
    result = subprocess.run([str(COMPAT_PYTHON), "-c", script, str(serving)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    version, rows, balance = result.stdout.split()
    assert version.startswith("1.4.") and int(rows) > 0 and int(balance) == -5_507_200_000


def test_the_marts_are_exported_as_parquet_by_year(serving):
    parquet = serving.parent / "parquet"
    years = sorted(p.name for p in (parquet / "fct_trade_monthly").iterdir())
    assert years == ["year=2016", "year=2017"]
    with duckdb.connect() as con:
        counted = con.execute(
            "select count(*) from read_parquet($glob, hive_partitioning = true)",
            {"glob": str(parquet / "fct_trade_monthly" / "*" / "*.parquet")},
        ).fetchone()[0]
        kept = con.execute("select count(*) from read_parquet($p)", {"p": str(parquet / "dim_country/data.parquet")})
        assert kept.fetchone()[0] > 40
    with duckdb.connect(str(serving), read_only=True) as con:
        assert counted == con.execute("select count(*) from marts.fct_trade_monthly").fetchone()[0]


def test_a_reader_of_the_old_copy_keeps_reading_while_a_new_one_is_swapped_in(demo_warehouse, tmp_path):
    target = tmp_path / "serving.duckdb"
    publish(demo_warehouse, target)
    old = duckdb.connect(str(target), read_only=True)
    before = old.execute("select count(*) from marts.dim_country").fetchone()[0]
    publish(demo_warehouse, target)  # the writer is never blocked by the open reader
    assert old.execute("select count(*) from marts.dim_country").fetchone()[0] == before
    old.close()
    # no half-written file left behind; the copy before the current one is kept as the spare
    assert [p.name for p in tmp_path.glob(".serving.duckdb.*")] == [".serving.duckdb.spare"]


def test_a_publish_replaces_only_the_months_dbt_rewrote(demo_warehouse, tmp_path):
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    shutil.copyfile(demo_warehouse, warehouse)
    assert not publish(warehouse, target).incremental  # the first copy is made whole
    # what a dbt run for March 2017 leaves behind: the month rewritten, and the ledger saying so
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.fct_trade_monthly set value_usd = value_usd + 7 "
            "where period = date '2017-03-01' and partner_code = '5880'"
        )
        con.execute(
            "insert into staging.mart_changes "
            "select nextval('staging.mart_change_id'), 'fct_trade_monthly', date '2017-03-01', now()"
        )
    parquet = tmp_path / "parquet" / "fct_trade_monthly"
    kept = (parquet / "year=2016" / "data_0.parquet").stat().st_ino
    second = publish(warehouse, target)
    assert second.incremental and second.replaced["fct_trade_monthly"] == [date(2017, 3, 1)]
    assert "fct_product_flows" not in second.replaced  # untouched: kept from the previous copy
    assert second.replaced["dim_country"] is None  # small marts are copied whole
    assert fingerprints(target) == fingerprints(warehouse)
    assert (parquet / "year=2016" / "data_0.parquet").stat().st_ino == kept  # linked, not written again
    with duckdb.connect() as con:
        japan = con.execute(
            "select sum(value_usd) from read_parquet($p) where partner_code = '5880' and period = date '2017-03-01'",
            {"p": str(parquet / "year=2017" / "*.parquet")},
        ).fetchone()[0]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert (
            japan
            == con.execute(
                "select sum(value_usd) from marts.fct_trade_monthly where partner_code = '5880' "
                "and period = date '2017-03-01'"
            ).fetchone()[0]
        )
    if COMPAT_PYTHON.exists():  # still a DuckDB 1.4 file after being written in place
        script = (
            "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
            "print(con.execute('select count(*) from marts.fct_trade_monthly').fetchone()[0])"
        )
        result = subprocess.run([str(COMPAT_PYTHON), "-c", script, str(target)], capture_output=True, text=True)
        assert result.returncode == 0 and int(result.stdout) == second.tables["fct_trade_monthly"], result.stderr
    # a state that does not match the warehouse's ledger (another warehouse, a lost ledger): whole again
    state = state_path(target)
    state.write_text(state.read_text().replace('"last_changed_at": "', '"last_changed_at": "1999'))
    third = publish(warehouse, target)
    assert not third.incremental and fingerprints(target) == fingerprints(warehouse)


def _change_a_month(warehouse: Path, month: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update marts.fct_trade_monthly set value_usd = value_usd + 1 where period = $m and partner_code = '5880'",
            {"m": month},
        )
        con.execute(
            "insert into staging.mart_changes "
            "select nextval('staging.mart_change_id'), 'fct_trade_monthly', cast($m as date), now()",
            {"m": month},
        )


def test_the_spare_copy_is_updated_in_place_only_when_nobody_reads_it(demo_warehouse, tmp_path):
    warehouse, target = tmp_path / "warehouse.duckdb", tmp_path / "serving.duckdb"
    shutil.copyfile(demo_warehouse, warehouse)
    spare = tmp_path / ".serving.duckdb.spare"
    publish(warehouse, target)  # the first copy: whole, no spare yet
    runs = []
    for month in ("2017-02-01", "2017-03-01", "2017-04-01"):
        _change_a_month(warehouse, month)
        runs.append(publish(warehouse, target))
        assert fingerprints(target) == fingerprints(warehouse)
    # 2nd publish: no spare yet, so a file copy; then the two copies take turns in place
    assert [(r.incremental, r.reused_spare) for r in runs] == [(True, False), (True, True), (True, True)]
    # a BI tool in another process keeps its connection open across publishes
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    before = reader.stdout.readline()
    _change_a_month(warehouse, "2017-05-01")
    assert publish(warehouse, target).reused_spare  # the spare is free: the reader holds the other file
    _change_a_month(warehouse, "2017-06-01")
    fifth = publish(warehouse, target)  # the spare is now the file the reader holds: leave it alone
    assert fifth.incremental and not fifth.reused_spare
    after, _ = reader.communicate("again\n", timeout=60)
    assert after == before  # it read the copy it opened, untouched
    assert fingerprints(target) == fingerprints(warehouse) and spare.exists()


READER = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
query = "select count(*), sum(value_usd) from marts.fct_trade_monthly"
print(con.execute(query).fetchone(), flush=True)
sys.stdin.readline()
print(con.execute(query).fetchone(), flush=True)
"""


def test_the_report_has_four_charts_and_a_page(demo_warehouse):
    reports = demo_warehouse.parent / "reports"
    pngs = sorted(p.name for p in reports.glob("*.png"))
    assert pngs == ["balance_5880.png", "products_5880.png", "safeguard_5880.png", "tariffs_5880.png"]
    assert all((reports / p).stat().st_size > 20_000 for p in pngs)
    page = (reports / "report_5880.html").read_text()
    assert page.count("data:image/png;base64,") == 4 and "U.S. trade with Japan" in page
    assert "Japan&#x27;s beef safeguard" in page or "Japan's beef safeguard" in page
    # each chart is followed by the table of its numbers, before the next chart
    sections = page.split('<section class="chart">')[1:]
    assert len(sections) == 4
    for section in sections:
        assert section.index("<img ") < section.index('<table class="data">') < section.index("</section>")
        assert section.count("<tbody>") == 1 and section.count("<tr>") >= 3  # header and two rows at least


POLL = """
import os, sys, time, sqlalchemy as sa
url = f"duckdb:///{sys.argv[1]}?access_mode=read_only"
polls, errors = 0, []
while not os.path.exists(sys.argv[2]):  # until the test says the refresh is over
    try:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as con:
            con.execute(sa.text("select count(*) from marts.fct_bilateral_balance_monthly")).scalar()
        polls += 1
    except Exception as error:  # every failure counts: a lock error is what this test looks for
        errors.append(str(error).splitlines()[0])
    time.sleep(0.05)
print(polls, len(errors), errors[:3])
"""


@pytest.mark.slow
@pytest.mark.process
def test_bi_reads_through_sqlalchemy_while_a_refresh_runs(isolated_env, monkeypatch):
    from census_server import CensusTestServer

    from orchestration.app.cli import main

    with CensusTestServer([date(2017, 1, 1), date(2017, 2, 1)], key=TEST_KEY) as server:
        monkeypatch.setenv("CENSUS_API_BASE_URL", server.base_url)
        assert main(["refresh", "--start", "2017-01", "--end", "2017-01", "--levels", "HS2", "--no-progress"]) == 0
        serving = isolated_env / "serving.duckdb"
        assert serving.exists()
        env = {**os.environ}
        refresh = subprocess.Popen(
            [sys.executable, "-m", "orchestration.app.cli", "refresh", "--start", "2017-01", "--end", "2017-02",
             "--levels", "HS2", "--no-progress"],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        stop = isolated_env / "refresh-finished"
        poller = subprocess.Popen(
            [sys.executable, "-c", POLL, str(serving), str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = refresh.communicate(timeout=600)
        stop.touch()
        polled, poll_err = poller.communicate(timeout=60)
    assert refresh.returncode == 0, err
    polls, errors, examples = polled.split(maxsplit=2)
    print(f"{polls} reads during the refresh, {errors} errors")
    assert int(polls) > 100 and int(errors) == 0, examples + poll_err[-500:]
    with duckdb.connect(str(serving), read_only=True) as con:
        months = con.execute("select count(distinct period) from marts.fct_bilateral_balance_monthly").fetchone()[0]
    assert months == 2  # the refresh published the new month


def test_a_shared_warehouse_target_is_read_in_place_not_copied(isolated_env, monkeypatch):
    import dagster as dg

    from orchestration.app.runner import PUBLISH_ASSETS, _resources

    monkeypatch.setenv("WAREHOUSE_TARGET", "motherduck")
    monkeypatch.setenv("MOTHERDUCK_TOKEN", "not-a-real-token")
    result = dg.materialize(PUBLISH_ASSETS, resources=_resources(isolated_env / "warehouse.duckdb", None))
    assert result.success
    copy, charts = (
        result.asset_materializations_for_node(n)[0].metadata for n in ("serving__warehouse_copy", "serving__report")
    )
    assert copy["read_from"].value == "md:trade_warehouse" and "not-a-real-token" not in str(copy)
    assert "no serving copy" in charts["skipped"].value
    assert not list(isolated_env.glob("serving*")) and not (isolated_env / "parquet").exists()
