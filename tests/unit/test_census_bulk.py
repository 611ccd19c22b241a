"""The members of the Census bulk files, read by DuckDB from real lines
(../shared/fixtures/census_bulk: two months of imports members with the source project's own
parse, and real lines of the December 2009 exports commodity file)."""

import json

import duckdb
import pytest

from orchestration.census.bulk import (
    EXPORT_COMMODITIES,
    EXPORT_DETAIL,
    IMPORT_COMMODITIES,
    IMPORT_COUNTRIES,
    IMPORT_DETAIL,
    IMPORT_DISTRICTS,
    LAYOUTS,
    member_sql,
)

MONTHS = ("IMDB2501", "IMDB2606")
IMPORT_MEMBERS = {"IMP_DETL": IMPORT_DETAIL, "IMP_COMM": IMPORT_COMMODITIES, "IMP_CTY": IMPORT_COUNTRIES}
IMPORT_MEMBERS["IMP_DE"] = IMPORT_DISTRICTS


def records(folder, member: str) -> list[dict]:
    """The source project's parse of the month's lines of one member, in file order."""
    found = json.loads((folder / "expected_values.json").read_text())
    return sorted((r for r in found if r["member_kind"] == member), key=lambda record: record["line"])


def read(path, layout, *, only_active=False) -> list[dict]:
    with duckdb.connect() as con:
        cursor = con.execute(member_sql(layout, only_active=only_active), {"path": str(path)})
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_the_widths_are_the_documented_line_lengths():
    """Keys, the month's measures, and as many year-to-date measures (never read)."""
    widths = {name: layout.width for name, layout in LAYOUTS.items()}
    assert widths == {
        "IMP_DETL": 688, "IMP_COMM": 732, "IMP_CTY": 580, "IMP_DE": 578,
        "EXP_DETL": 323, "EXP_COMM": 373, "EXP_CTY": 281, "CONCORD": 235,
    }  # fmt: skip
    assert [f.name for f in IMPORT_DETAIL.keys] == [
        "commodity", "cty_code", "cty_subco", "dist_entry", "dist_unlad", "rate_prov", "year", "month"
    ]  # fmt: skip
    assert (EXPORT_DETAIL.fields[9].name, EXPORT_DETAIL.fields[9].start) == ("all_val_mo", 69)
    assert not LAYOUTS["EXP_CTY"].confirmed and LAYOUTS["EXP_DETL"].confirmed
    assert not LAYOUTS["CONCORD"].confirmed and LAYOUTS["CONCORD"].measures == ()


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("member", sorted(IMPORT_MEMBERS))
def test_real_lines_parse_to_the_values_another_reader_found(shared, month, member):
    folder = shared / "fixtures/census_bulk/microcosm_imdb" / month
    expected = records(folder, member)
    rows = read(folder / f"{member}.sample.txt", IMPORT_MEMBERS[member])
    assert len(rows) == len(expected) > 0
    for row, record in zip(rows, expected, strict=True):
        fields = {("commodity" if name == "hts10" else name): value for name, value in record["fields"].items()}
        # the other reader kept no names or descriptions of countries and commodities
        assert {name: value for name, value in row.items() if name in fields} == fields
        assert set(fields) <= set(row)


@pytest.mark.parametrize(("month", "active_lines"), [("IMDB2501", 6), ("IMDB2606", 4)])
def test_only_detail_lines_with_activity_in_the_month_are_kept(shared, month, active_lines):
    """January's file holds only January; June's also holds cells that traded earlier in the year."""
    folder = shared / "fixtures/census_bulk/microcosm_imdb" / month
    active = [
        record for record in records(folder, "IMP_DETL")
        if any(value for name, value in record["fields"].items() if name.endswith("_mo"))
    ]  # fmt: skip
    kept = read(folder / "IMP_DETL.sample.txt", IMPORT_DETAIL, only_active=True)
    assert len(kept) == len(active) == active_lines


def test_real_export_commodity_lines_hold_together(shared):
    """December 2009 EXP_COMM lines: codes, units and the month, and the rules the measures keep
    (air and vessel are parts of the total, containerized a part of vessel)."""
    rows = read(shared / "fixtures/census_bulk/koren_exdb0912/EXP_COMM.sample.txt", EXPORT_COMMODITIES)
    assert len(rows) == 5
    first = rows[0]
    assert (first["df"], first["commodity"], first["year"], first["month"]) == ("1", "0101100000", "2009", "12")
    assert first["comm_desc"] == "HORSES AND ASSES, PUREBRED BREEDING, LIVE" and first["unit_qy1"] == "NO"
    for row in rows:
        assert row["df"] in ("1", "2") and row["all_val_mo"] > 0
        assert row["air_val_mo"] + row["ves_val_mo"] <= row["all_val_mo"]
        assert row["cnt_val_mo"] <= row["ves_val_mo"]
