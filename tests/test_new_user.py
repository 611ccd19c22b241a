"""What a new user trips over (issue 17): status by data month (text, JSON, exit status, and the
UI's freshness check), exports from `sql`, CLI runs recorded in the project's Dagster instance,
and the sample's published figures told apart from its synthetic ones."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import ROOT

from orchestration.app.cli import OVERDUE, main
from orchestration.census.calendar import due_date
from orchestration.core.periods import add_months


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class _February2018(date):
    """A day when December 2017 (the demo's newest month) is the newest released month."""

    @classmethod
    def today(cls):
        return date(2018, 2, 1)


def _released_after(latest: date, today: date) -> int:
    count, month = 0, add_months(latest, 1)
    while due_date(month) < today:
        count, month = count + 1, add_months(month, 1)
    return count


# ---------------------------------------------------------------- status by data month


def test_status_json_says_how_far_behind_and_exits_overdue(capsys, demo_warehouse, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_PATH", str(demo_warehouse))
    code, out, err = run(capsys, "status", "--json")
    assert code == OVERDUE == 3 and err == ""
    document = json.loads(out)
    assert document["current"] is False and document["checked_on"] == date.today().isoformat()
    assert document["read_from"].endswith("serving.duckdb")
    behind = _released_after(date(2017, 12, 1), date.today())
    assert behind > 90  # the demo's data ends in 2017
    for flow, status in zip(("exports", "imports"), document["flows"], strict=True):
        assert status["flow"] == flow and status["latest_month"] == "2017-12" and status["next_month"] == "2018-01"
        assert status["overdue"] is True and status["months_behind"] == behind
        assert status["next_due"] == due_date(date(2018, 1, 1)).isoformat()
        assert status["source"] == "sample_synthetic"  # the world total: synthetic
    code, out, _ = run(capsys, "status")
    assert code == OVERDUE and f"OVERDUE ({behind} released month(s) not loaded)" in out


def test_status_exits_0_while_the_newest_month_is_the_newest_released(capsys, demo_warehouse, monkeypatch):
    import orchestration.app.cli as cli

    monkeypatch.setenv("WAREHOUSE_PATH", str(demo_warehouse))
    monkeypatch.setattr(cli, "date", _February2018)
    code, out, _ = run(capsys, "status", "--json")
    document = json.loads(out)
    assert code == 0 and document["current"] is True
    assert [(s["overdue"], s["months_behind"]) for s in document["flows"]] == [(False, 0), (False, 0)]


def _check_results(demo_warehouse: Path, monkeypatch, today: type[date] | None = None) -> dict[str, tuple]:
    import orchestration.defs.census.freshness as freshness
    from orchestration.app.runner import _resources, job_definition

    if today is not None:
        monkeypatch.setattr(freshness, "date", today)
    job = job_definition("census_freshness", _resources(demo_warehouse, None))
    result = job.execute_in_process(raise_on_error=False)
    assert result.success
    return {
        e.asset_key.path[-1]: (e.passed, e.severity.value, e.description, e.metadata)
        for e in result.get_asset_check_evaluations()
    }


def test_the_ui_freshness_check_follows_the_data_month(demo_warehouse, monkeypatch):
    """The same answer as `status`: the check on raw/census_* fails (a warning) while a released
    month is missing, whenever the last run was, and passes when the newest month is loaded."""
    behind = _released_after(date(2017, 12, 1), date.today())
    results = _check_results(demo_warehouse, monkeypatch)
    assert set(results) == {"census_exports", "census_imports"}
    for passed, severity, description, metadata in results.values():
        assert passed is False and severity == "WARN"
        assert description.startswith(f"data through 2017-12: {behind} released month(s) not loaded")
        assert metadata["latest_month"].value == "2017-12" and metadata["months_behind"].value == behind
    results = _check_results(demo_warehouse, monkeypatch, _February2018)
    assert [passed for passed, *_ in results.values()] == [True, True]


def test_the_freshness_check_runs_with_every_publish_and_each_morning():
    from orchestration.definitions import defs

    definitions = defs()
    publish = definitions.resolve_job_def("publish")
    checks = {key.name for key in publish.asset_layer.asset_graph.asset_check_keys}
    assert "data_month_is_current" in checks
    schedule = definitions.resolve_schedule_def("census_freshness_daily")
    assert schedule.job_name == "census_freshness" and schedule.default_status.value == "RUNNING"


def test_no_freshness_policy_measures_run_times_any_more():
    """A policy on the last run's time said "fresh" of a warehouse eight years behind."""
    from orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    assert [key for key in graph.get_all_asset_keys() if graph.get(key).freshness_policy] == []


# ---------------------------------------------------------------- exports


QUERY = (
    "select period, partner_code, exports_usd, imports_usd, balance_usd, source "
    "from marts.fct_bilateral_balance_monthly where partner_code in ('5880', '1220') order by partner_code, period"
)


@pytest.fixture
def demo_env(demo_warehouse, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_PATH", str(demo_warehouse))
    with duckdb.connect(str(demo_warehouse.parent / "serving.duckdb"), read_only=True) as con:
        return con.execute(QUERY).fetchall()


def test_sql_writes_csv_parquet_and_xlsx_with_every_row(capsys, demo_env, tmp_path):
    from openpyxl import load_workbook

    tmp_path = tmp_path / "exports"  # beside the test's own Dagster home
    tmp_path.mkdir()

    expected = demo_env
    assert len(expected) == 48
    for fmt in ("csv", "parquet", "xlsx"):
        out = tmp_path / f"balance.{fmt}"
        code, printed, err = run(capsys, "sql", QUERY, "--format", fmt, "--out", str(out))
        assert (code, err) == (0, "") and printed == f"wrote 48 rows to {out}\n"
        if fmt == "csv":
            with out.open(newline="") as handle:
                rows = list(csv.reader(handle))
            assert rows[0] == ["period", "partner_code", "exports_usd", "imports_usd", "balance_usd", "source"]
            got = [(date.fromisoformat(r[0]), r[1], int(r[2]), int(r[3]), int(r[4]), r[5]) for r in rows[1:]]
        elif fmt == "parquet":
            with duckdb.connect() as con:
                got = con.execute("select * from read_parquet(?)", [str(out)]).fetchall()
        else:
            sheet = load_workbook(out, read_only=True)["result"]
            rows = list(sheet.iter_rows(values_only=True))
            got = [(r[0].date(), r[1], int(r[2]), int(r[3]), int(r[4]), r[5]) for r in rows[1:]]
        assert got == expected, fmt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["balance.csv", "balance.parquet", "balance.xlsx"]


def test_an_export_replaces_a_file_only_when_asked_and_never_half_way(capsys, demo_env, tmp_path):
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    out = tmp_path / "result.csv"
    out.write_text("an earlier export\n")
    code, _, err = run(capsys, "sql", QUERY, "--format", "csv", "--out", str(out))
    assert code == 1 and err == f"error: --out {out} exists: add --force to replace it\n"
    code, _, err = run(capsys, "sql", "select no_such_column from marts.dim_country", "--format", "csv",
                       "--out", str(out), "--force")  # fmt: skip
    assert code == 1 and err.startswith("error: query failed: ") and err.count("\n") == 1
    assert out.read_text() == "an earlier export\n" and [p.name for p in tmp_path.iterdir()] == ["result.csv"]
    code, printed, _ = run(capsys, "sql", QUERY, "--format", "csv", "--out", str(out), "--force")
    assert code == 0 and printed.startswith("wrote 48 rows") and out.read_text().startswith("period,")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--max-rows", "-1"], "error: --max-rows -1: give 1 or more"),
        (["--format", "csv"], "error: --format and --out go together"),
        (["--out", "x.csv"], "error: --format and --out go together"),
        (["--format", "parquet", "--out", "x.csv"], "error: --out x.csv: the name ends in .csv, not .parquet"),
        (["--format", "csv", "--out", "no/such/folder/x.csv"], "error: --out "),
    ],
)
def test_bad_export_options_get_one_line(capsys, demo_env, monkeypatch, tmp_path, argv, message):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "sql", "select 1", *argv)
    assert code == 1 and out == "" and err.startswith(message) and err.count("\n") == 1


def test_a_query_still_cannot_touch_other_files_while_exporting(capsys, demo_env, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    code, _, err = run(capsys, "sql", f"select * from read_csv('{secret}')", "--format", "csv",
                       "--out", str(tmp_path / "out.csv"))  # fmt: skip
    assert code == 1 and "Permission Error" in err and not (tmp_path / "out.csv").exists()


# ---------------------------------------------------------------- the project's Dagster instance


def test_cli_runs_are_recorded_in_the_checkout_instance_without_dagster_home(capsys, demo_warehouse, monkeypatch,
                                                                              tmp_path):  # fmt: skip
    import dagster as dg

    import orchestration.app.home as home

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_warehouse, warehouse)
    monkeypatch.setenv("WAREHOUSE_PATH", str(warehouse))
    monkeypatch.delenv("DAGSTER_HOME")
    monkeypatch.setattr(home, "PROJECT_HOME", tmp_path / "checkout" / ".dagster")
    code, out, err = run(capsys, "publish")
    assert code == 0, err
    instance_dir = tmp_path / "checkout" / ".dagster"
    assert out.splitlines()[-1] == f"Dagster runs: recorded in {instance_dir} (`make dev` shows them)"
    assert (instance_dir / "dagster.yaml").read_text() == (ROOT / "deploy/local/dagster.yaml").read_text()
    with dg.DagsterInstance.from_config(str(instance_dir)) as instance:
        runs = instance.get_runs()
    assert [(r.job_name, r.status.value) for r in runs] == [("publish", "SUCCESS")]


def test_a_dagster_home_that_does_not_exist_yet_is_made_not_a_traceback(capsys, demo_warehouse, monkeypatch,
                                                                         tmp_path):  # fmt: skip
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_warehouse, warehouse)
    monkeypatch.setenv("WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "new" / "home"))
    code, out, _ = run(capsys, "publish")
    assert code == 0 and (tmp_path / "new" / "home" / "dagster.yaml").exists()
    assert f"recorded in {tmp_path / 'new' / 'home'}" in out
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "a-file"))
    code, _, err = run(capsys, "publish")
    assert code == 1 and err == f"error: DAGSTER_HOME={tmp_path / 'a-file'} is a file, not a folder\n"


# ---------------------------------------------------------------- published vs synthetic sample rows


def test_the_sample_tells_its_published_totals_from_its_synthetic_numbers(demo_warehouse, read_only):
    from orchestration.devdata.published import PUBLISHED_2017

    con = read_only(demo_warehouse)
    by_partner = dict(
        con.execute(
            "select partner_code || ':' || year(period), list(distinct source) "
            "from marts.fct_bilateral_balance_monthly group by all"
        ).fetchall()
    )
    published = {key for key, sources in by_partner.items() if sources == ["sample_published"]}
    assert published == {f"{code}:2017" for code in PUBLISHED_2017}
    assert all(sources == ["sample_synthetic"] for key, sources in by_partner.items() if key not in published)
    # the published rows carry the published figures, in dollars
    exports, imports = con.execute(
        "select exports_usd, imports_usd from marts.fct_bilateral_balance_monthly "
        "where partner_code = '5880' and period = date '2017-03-01'"
    ).fetchone()
    assert (exports, imports) == tuple(int(Decimal(repr(v)) * 1_000_000) for v in PUBLISHED_2017["5880"][1][2])
    # below the country total every number is synthetic
    details = con.execute("select list(distinct source) from marts.fct_trade_monthly where hs_level > 0").fetchone()[0]
    assert details == ["sample_synthetic"]


def test_the_dbt_project_names_the_same_published_partners_as_the_sample():
    import yaml

    from orchestration.devdata.published import PUBLISHED_2017

    variables = yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text())["vars"]
    assert sorted(variables["sample_published_partners"]) == sorted(PUBLISHED_2017)
    assert variables["sample_published_year"] == 2017


# ---------------------------------------------------------------- docs and the dbt checks in the UI


@pytest.mark.process
def test_make_docs_serves_the_site_on_a_free_port_and_prints_its_url(demo_warehouse, tmp_path):
    import os
    import re
    import signal
    import subprocess
    import time
    import urllib.request

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_warehouse, warehouse)  # dbt docs generate opens it to read the catalog
    env = {**os.environ, "WAREHOUSE_PATH": str(warehouse)}
    before = _stamp(ROOT / "dbt_project" / "target" / "manifest.json")
    process = subprocess.Popen(
        ["make", "-s", "docs"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        url, deadline, seen = None, time.monotonic() + 240, []
        while url is None and time.monotonic() < deadline and (line := process.stdout.readline()):
            seen.append(line)
            if found := re.match(r"dbt docs: (http://127\.0\.0\.1:\d+) \(Ctrl-C stops the server\)", line):
                url = found.group(1)
        assert url, "".join(seen)
        for _ in range(60):  # the server starts a moment after the line
            try:
                with urllib.request.urlopen(f"{url}/catalog.json", timeout=5) as response:
                    catalog = json.load(response)
                break
            except OSError:
                time.sleep(0.5)
        with urllib.request.urlopen(f"{url}/index.html", timeout=5) as response:
            assert response.status == 200 and b"dbt" in response.read()
        balance = catalog["nodes"]["model.trade_warehouse.fct_bilateral_balance_monthly"]
        assert {"period", "partner_code", "balance_usd"} <= {c.lower() for c in balance["columns"]}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    # in a folder of its own: the pipeline's parse (target/manifest.json) is as the runs left it
    assert (ROOT / "dbt_project" / "target" / "docs-site" / "catalog.json").exists()
    assert _stamp(ROOT / "dbt_project" / "target" / "manifest.json") == before


def _stamp(path: Path) -> int | None:
    return path.stat().st_mtime_ns if path.exists() else None


def test_every_dbt_check_on_the_marts_says_what_it_asserts():
    from orchestration.definitions import defs

    graph = defs().resolve_asset_graph()
    specs = {key: graph.get_check_spec(key) for key in graph.asset_check_keys if key.asset_key.path[0] == "marts"}
    assert len(specs) > 50
    assert [key.name for key, spec in specs.items() if not spec.description] == []
    by_key = {(key.asset_key.path[-1], key.name): spec.description for key, spec in specs.items()}
    grain = [d for (model, _), d in by_key.items() if model == "fct_bilateral_balance_monthly" and "row per" in d]
    assert grain == ["one row per period, partner_code"]
    assert by_key[("fct_bilateral_balance_monthly", "not_null_fct_bilateral_balance_monthly_period")] == (
        "period is never null"
    )
    # names short enough to read in the UI's list
    assert [key.name for key in specs if len(key.name) > 64] == []
    # a singular test: the comment that opens its SQL
    assert by_key[("fct_tariff_rates", "assert_one_open_interval_per_line")].startswith(
        "Each HTS line has at most one version still in force"
    )


def test_the_readme_dates_the_sample_schedule_as_the_data_does(demo_warehouse, read_only):
    import re

    from orchestration.devdata.schedule import SAMPLE_RELEASE, SAMPLE_RELEASE_DATE

    said = re.search(rf"`{SAMPLE_RELEASE}`.*?applies from (\d{{4}}-\d{{2}}-\d{{2}})", (ROOT / "README.md").read_text(),
                     flags=re.S)  # fmt: skip
    valid_from = read_only(demo_warehouse).execute("select min(valid_from) from marts.fct_tariff_rates").fetchone()[0]
    assert said and said.group(1) == SAMPLE_RELEASE_DATE == valid_from.isoformat()


def test_make_dev_takes_the_port():
    import subprocess

    planned = subprocess.run(["make", "-n", "dev", "PORT=3456"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "dg dev --port 3456" in planned.stdout
