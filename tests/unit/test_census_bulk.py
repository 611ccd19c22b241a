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
        "EXP_DETL": 323, "EXP_COMM": 373, "EXP_CTY": 280, "EXP_DIST": 278,
        "CONCORD": 235, "COUNTRY": 61, "DISTRICT": 59, "HSDESC": 206, "NAICS": 56, "SITC": 205, "ENDUSE": 105,
        "HITECH": 32,
    }  # fmt: skip
    assert [f.name for f in IMPORT_DETAIL.keys] == [
        "commodity", "cty_code", "cty_subco", "dist_entry", "dist_unlad", "rate_prov", "year", "month"
    ]  # fmt: skip
    assert (EXPORT_DETAIL.fields[9].name, EXPORT_DETAIL.fields[9].start) == ("all_val_mo", 69)
    assert LAYOUTS["CONCORD"].measures == () and LAYOUTS["COUNTRY"].shortest == 60
    assert all(layout.shortest == layout.width for name, layout in LAYOUTS.items() if name != "COUNTRY")


def _placed(width: int, fields: dict[tuple[int, int], str]) -> str:
    """A line with each value at its 1-based inclusive positions (text left-aligned, numbers right)."""
    line = [" "] * width
    for (start, end), value in fields.items():
        text = value.rjust(end - start + 1) if value.isdigit() and end - start == 14 else value.ljust(end - start + 1)
        line[start - 1 : end] = text
    return "".join(line)


# The positions the two public readers give (1-based, inclusive), and a value at each.
_EXPORT_MONTH = {name: (index, str(1000 * (index + 1))) for index, name in enumerate(
    ("cards", "all_val", "air_val", "air_wgt", "ves_val", "ves_wgt", "cnt_val", "cnt_wgt"))}  # fmt: skip
READERS = {
    "CONCORD": (235, {
        "commodity": (1, 10, "8703800020"), "descrip_1": (11, 160, "PASSENGER VEHICLES, ELECTRIC"),
        "descrip_2": (161, 210, "PASS VEH ELEC"), "unit_qy1": (211, 213, "NO"), "unit_qy2": (214, 216, "KG"),
        "sitc": (217, 221, "78120"), "end_use": (222, 226, "30000"), "naics": (227, 232, "336111"),
        "usda": (233, 233, "0"), "hitech": (234, 235, "03"),
    }),
    "EXP_CTY": (280, {
        "cty_code": (1, 4, "5880"), "cty_name": (5, 34, "JAPAN"), "year": (35, 38, "2017"), "month": (39, 40, "01"),
        **{f"{name}_mo": (41 + 15 * i, 55 + 15 * i, value) for name, (i, value) in _EXPORT_MONTH.items()},
    }),
    "EXP_DIST": (278, {
        "district": (1, 2, "13"), "dist_name": (3, 32, "BALTIMORE, MD"), "year": (33, 36, "2017"),
        "month": (37, 38, "01"),
        **{f"{name}_mo": (39 + 15 * i, 53 + 15 * i, value) for name, (i, value) in _EXPORT_MONTH.items()},
    }),
    "COUNTRY": (61, {"cty_code": (1, 4, "5880"), "cty_desc": (5, 11, "JP"), "cty_name": (12, 61, "Japan")}),
    "DISTRICT": (59, {"dist_code": (1, 2, "13"), "dist_desc": (3, 9, "BALT"), "dist_name": (10, 59, "Baltimore, MD")}),
    "HSDESC": (206, {
        "commodity": (1, 6, "870380"), "descrip_1": (7, 156, "VEHICLES WITH ONLY ELECTRIC MOTOR"),
        "descrip_2": (157, 206, "ELECTRIC VEHICLES"),
    }),
    "NAICS": (56, {"naics": (1, 6, "3361"), "naics_desc": (7, 56, "MOTOR VEHICLES")}),
    "SITC": (205, {
        "sitc": (1, 5, "781"), "sitc_desc": (6, 155, "PASSENGER MOTOR CARS"), "sitc_abbrev": (156, 205, "CARS"),
    }),
    "ENDUSE": (105, {"end_use": (1, 5, "30000"), "end_use_desc": (6, 105, "PASSENGER CARS, NEW AND USED")}),
    "HITECH": (32, {"hitech": (1, 2, "03"), "hitech_desc": (3, 32, "OPTO-ELECTRONICS")}),
}  # fmt: skip


@pytest.mark.parametrize("member", sorted(READERS))
def test_a_line_placed_where_the_readers_say_parses_to_its_values(tmp_path, member):
    """Every layout two public readers agree on: each field's value comes back from its
    positions (codes as written, names and descriptions without their padding, measures as numbers)."""
    width, fields = READERS[member]
    path = tmp_path / f"{member}.TXT"
    path.write_bytes(f"{_placed(width, {(start, end): value for start, end, value in fields.values()})}\r\n".encode())
    assert LAYOUTS[member].width == width
    (row,) = read(path, LAYOUTS[member])
    expected = {name: int(value) if name.endswith("_mo") else value for name, (_, _, value) in fields.items()}
    padded = {"commodity", "naics", "sitc", "end_use"}  # codes shorter than their field keep the blanks
    assert {name: value.rstrip() if name in padded else value for name, value in row.items()} == expected


def test_a_country_line_cut_after_the_name_reads_alike(tmp_path):
    """One reader found COUNTRY lines of 60 characters, the other of 61: the name runs to the end."""
    path = tmp_path / "COUNTRY.TXT"
    path.write_bytes(b"5880JP     JAPAN" + b" " * 44 + b"\r\n")  # 60 characters
    assert read(path, LAYOUTS["COUNTRY"]) == [{"cty_code": "5880", "cty_desc": "JP", "cty_name": "JAPAN"}]


def test_generated_reference_lines_have_the_real_layouts():
    """The test ZIPs' reference and control files (devdata) parse back to what was written."""
    import io
    import zipfile

    from orchestration.devdata.bulk_files import sample_bulk_zip

    archive = zipfile.ZipFile(io.BytesIO(sample_bulk_zip("exports", "2017-01")))
    widths = {name.removesuffix(".TXT"): {len(line) for line in archive.read(name).decode().splitlines()}
              for name in archive.namelist()}  # fmt: skip
    assert widths == {name: {layout.width} for name, layout in LAYOUTS.items() if not name.startswith("IMP_")}


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
