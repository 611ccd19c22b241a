"""The imports detail member of the Census bulk files, read by DuckDB from real lines
(../shared/fixtures/census_bulk: two months of IMP_DETL with the source project's own parse)."""

import json

import duckdb
import pytest

from orchestration.census.bulk import IMPORT_DETAIL, IMPORT_DETAIL_WIDTH, import_detail_sql

MONTHS = ("IMDB2501", "IMDB2606")


def detail_records(folder) -> list[dict]:
    """The source project's parse of the month's IMP_DETL lines, in file order."""
    records = json.loads((folder / "expected_values.json").read_text())
    return sorted((r for r in records if r["member_kind"] == "IMP_DETL"), key=lambda record: record["line"])


def test_the_layout_is_censuss_own():
    """Eight keys, then the month's 22 measures of 15 characters; the year-to-date copies (from
    position 359) are never read."""
    assert [f.name for f in IMPORT_DETAIL[:8]] == [
        "commodity", "cty_code", "cty_subco", "dist_entry", "dist_unlad", "rate_prov", "year", "month"
    ]  # fmt: skip
    last = IMPORT_DETAIL[-1]
    assert (last.name, last.start + last.length - 1) == ("cnt_cha_mo", 358)
    assert IMPORT_DETAIL_WIDTH == 2 * 358 - 28


@pytest.mark.parametrize("month", MONTHS)
def test_real_lines_parse_to_the_values_another_reader_found(shared, month):
    folder = shared / "fixtures/census_bulk/microcosm_imdb" / month
    expected = detail_records(folder)
    with duckdb.connect() as con:
        cursor = con.execute(import_detail_sql(only_active=False), {"path": str(folder / "IMP_DETL.sample.txt")})
        names = [column[0] for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert len(rows) == len(expected) == 6
    for row, record in zip(rows, expected, strict=True):
        fields = {("commodity" if name == "hts10" else name): value for name, value in record["fields"].items()}
        assert row == fields


@pytest.mark.parametrize("month", MONTHS)
def test_only_lines_with_activity_in_the_month_are_kept(shared, month):
    folder = shared / "fixtures/census_bulk/microcosm_imdb" / month
    expected = detail_records(folder)
    active = [
        record for record in expected
        if any(value for name, value in record["fields"].items() if name.endswith("_mo"))
    ]  # fmt: skip
    with duckdb.connect() as con:
        kept = con.execute(
            f"select count(*) from ({import_detail_sql()})", {"path": str(folder / "IMP_DETL.sample.txt")}
        ).fetchone()[0]
    assert kept == len(active)
