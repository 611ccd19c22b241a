"""WAREHOUSE_TARGET: the settings of each target, their one-line errors, and the dbt profile."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from orchestration.core.errors import InputError, WarehouseError
from orchestration.store.targets import DUCKLAKE_ALIAS, WarehouseTarget

ROOT = Path(__file__).resolve().parents[2]
FILE = Path("/srv/warehouse.duckdb")
DUCKLAKE = {
    "WAREHOUSE_TARGET": "ducklake",
    "DUCKLAKE_CATALOG": "dbname=ducklake host=pg",
    "DUCKLAKE_DATA_PATH": "s3://b/t/",
}


def test_local_is_the_default_and_opens_the_file():
    target = WarehouseTarget.from_env(FILE, {})
    assert target.kind == "local" and target.database() == str(FILE) and target.describe() == str(FILE)


def test_motherduck_needs_a_token_and_never_shows_it():
    with pytest.raises(InputError, match="needs MOTHERDUCK_TOKEN"):
        WarehouseTarget.from_env(FILE, {"WAREHOUSE_TARGET": "motherduck"})
    env = {"WAREHOUSE_TARGET": "MotherDuck", "MOTHERDUCK_TOKEN": "tok-secret", "MOTHERDUCK_DATABASE": "trade"}
    target = WarehouseTarget.from_env(FILE, env)
    assert target.database() == "md:trade"
    assert "tok-secret" not in repr(target) + target.describe() + target.database()


def test_a_motherduck_database_name_is_an_identifier():
    env = {"WAREHOUSE_TARGET": "motherduck", "MOTHERDUCK_TOKEN": "t", "MOTHERDUCK_DATABASE": "x?token=y"}
    with pytest.raises(InputError, match="MOTHERDUCK_DATABASE"):
        WarehouseTarget.from_env(FILE, env)


def test_ducklake_attaches_the_postgres_catalog_with_its_data_path():
    target = WarehouseTarget.from_env(FILE, DUCKLAKE)
    assert target.database() == ":memory:"
    assert target.attach_sql() == (
        f"attach 'ducklake:postgres:dbname=ducklake host=pg' as {DUCKLAKE_ALIAS} (data_path 's3://b/t/')"
    )
    # a reader (sql --warehouse, status) cannot change the lake: not even a catalog-only DROP TABLE
    assert target.attach_sql(read_only=True).endswith("(data_path 's3://b/t/', read_only)")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"DUCKLAKE_DATA_PATH": ""}, "needs DUCKLAKE_CATALOG and DUCKLAKE_DATA_PATH"),
        ({"DUCKLAKE_CATALOG": "dbname=x password=hunter2"}, "must not hold the password"),
        ({"DUCKLAKE_DATA_PATH": "s3://b/') ; drop table x; --"}, "must not contain quotes"),
        ({"WAREHOUSE_TARGET": "snowflake"}, "choose one of local, motherduck, ducklake"),
    ],
)
def test_bad_target_settings_get_one_line_errors(change, message):
    with pytest.raises(InputError, match=message) as error:
        WarehouseTarget.from_env(FILE, {**DUCKLAKE, **change})
    assert "\n" not in str(error.value) and "hunter2" not in str(error.value)


def test_a_ducklake_that_cannot_be_opened_is_a_one_line_error():
    # Without the extension (never downloaded at connect time) the message names it; with it, the
    # catalog host "pg" does not resolve. Either way: one line, naming the target.
    with pytest.raises(WarehouseError, match="ducklake") as error:
        WarehouseTarget.from_env(FILE, DUCKLAKE).open()
    assert "\n" not in str(error.value)


def _dbt_parse(target: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **DUCKLAKE, "WAREHOUSE_TARGET": target, "MOTHERDUCK_TOKEN": "t"}
    env["WAREHOUSE_PATH"] = str(tmp_path / "w.duckdb")
    # `dbt parse` renders the chosen output of the profile without connecting to it
    return subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "parse", "--no-partial-parse", "--target-path", str(tmp_path)]
        + ["--log-path", str(tmp_path)],
        cwd=ROOT / "dbt_project", env=env, capture_output=True, text=True,
    )  # fmt: skip


@pytest.mark.parametrize("target", ["local", "motherduck", "ducklake"])
def test_the_dbt_profile_has_an_output_per_target_chosen_by_the_same_setting(target, tmp_path):
    profile = yaml.safe_load((ROOT / "dbt_project" / "profiles.yml").read_text())["trade_warehouse"]
    assert set(profile["outputs"]) == {"local", "motherduck", "ducklake"}
    parsed = _dbt_parse(target, tmp_path)
    assert parsed.returncode == 0, parsed.stdout[-2000:]


def test_dbt_refuses_a_target_the_profile_does_not_have(tmp_path):
    parsed = _dbt_parse("snowflake", tmp_path)
    assert parsed.returncode != 0 and "snowflake" in parsed.stdout


def test_the_object_store_settings_come_from_the_aws_sdk_variables():
    from orchestration.store.targets.ducklake import object_store_settings, on_object_store

    assert on_object_store("s3://trade-lake/warehouse/") and not on_object_store("/data/lake/")
    env = {
        "AWS_ACCESS_KEY_ID": "key",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "http://minio.internal:9000/",
    }
    assert object_store_settings(env) == {
        "key_id": "key",
        "secret": "secret",
        "region": "eu-west-1",
        "endpoint": "minio.internal:9000",
        "use_ssl": False,
        "url_style": "path",
    }
    # AWS S3 itself: no endpoint, DuckDB's defaults (virtual-host style, TLS); the S3-only variable wins
    assert object_store_settings({"AWS_REGION": "us-east-1"}) == {"region": "us-east-1"}
    tls = object_store_settings({"AWS_ENDPOINT_URL": "http://x:1", "AWS_ENDPOINT_URL_S3": "https://r2.example"})
    assert tls["endpoint"] == "r2.example" and tls["use_ssl"] is True
    with pytest.raises(InputError, match="AWS_ENDPOINT_URL"):
        object_store_settings({"AWS_ENDPOINT_URL": "minio.internal:9000"})


def test_a_write_that_lost_a_commit_race_runs_again_and_other_errors_pass_through(monkeypatch):
    import duckdb

    from orchestration.store import duckdb as store

    monkeypatch.setattr(store, "CONFLICT_PAUSE_S", 0)
    attempts = []

    def loses_twice() -> str:
        attempts.append(1)
        if len(attempts) <= 2:
            raise duckdb.TransactionException(
                "Failed to commit DuckLake transaction. Transaction conflict - attempting to insert into table with "
                'index "1" - but another transaction has deleted from it'
            )
        return "loaded"

    assert store.retry_write_conflicts(loses_twice, "loading exports 2017-01") == "loaded" and len(attempts) == 3

    def created_meanwhile() -> None:  # two first loads of an empty lake, both creating the raw schema
        raise duckdb.CatalogException('Catalog Error: Table with name "census_exports" already exists!')

    with pytest.raises(WarehouseError, match=r"^loading imports 2017-01: another writer .*\(6 attempts\)"):
        store.retry_write_conflicts(created_meanwhile, "loading imports 2017-01")

    def broken() -> None:
        attempts.append(1)
        raise duckdb.ConversionException("Could not convert string 'x' to INT64")

    attempts.clear()
    with pytest.raises(duckdb.ConversionException):
        store.retry_write_conflicts(broken, "loading exports 2017-02")
    assert len(attempts) == 1  # not a race: not run again
