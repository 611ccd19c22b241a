"""The raw schema is created once per version of its SQL: later loads check, and create nothing."""

from __future__ import annotations

import duckdb

from orchestration.census.load import ensure_raw_schema


class Recording:
    """A connection that records the statements run through it."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con, self.statements = con, []

    def execute(self, sql, parameters=None):
        self.statements.append(" ".join(sql.split()))
        return self.con.execute(sql, parameters)


def test_a_current_schema_is_checked_not_created_again(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        first = Recording(con)
        ensure_raw_schema(first)
        assert any(s.startswith("create table if not exists raw.census_exports ") for s in first.statements)
        again = Recording(con)
        ensure_raw_schema(again)
        assert again.statements and not any(s.startswith(("create", "insert")) for s in again.statements)


def test_a_missing_macro_or_an_older_schema_is_created_again(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_raw_schema(con)
        con.execute("drop macro marts.is_aggregate_partner")
        ensure_raw_schema(con)
        assert con.execute("select marts.is_aggregate_partner('0003')").fetchone() == (True,)
        # a warehouse from an earlier version of the schema: its fingerprint differs
        con.execute("update raw._schema set fingerprint = 'older'")
        con.execute("drop table raw.census_exports_commodity_names")
        ensure_raw_schema(con)
        assert con.execute("select count(*) from raw.census_exports_commodity_names").fetchone() == (0,)
        assert con.execute("select fingerprint <> 'older' from raw._schema").fetchone() == (True,)


def test_a_warehouse_whose_export_country_table_has_a_df_column_loses_it(tmp_path):
    """EXP_CTY was first read with a leading df field it does not have."""
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ensure_raw_schema(con)
        con.execute("alter table raw.census_bulk_export_countries add column df varchar")
        con.execute("update raw._schema set fingerprint = 'older'")
        ensure_raw_schema(con)
        columns = con.execute(
            "select column_name from duckdb_columns() where table_name = 'census_bulk_export_countries'"
        ).fetchall()
    assert ("df",) not in columns and ("cty_code",) in columns
