"""Loading bulk ZIPs (generated with the real layouts, their lines summing to the sample's API
cells) as vintages: the year-to-date union, member names in any case, domestic + foreign exports,
low-value lines, and the checks against the control files and the API that fail a month."""

from datetime import date

import duckdb
import pytest

from orchestration.census.bulk import LAYOUTS, bulk_table
from orchestration.census.bulk_files import BulkStore, land_zip, zip_name
from orchestration.census.bulk_load import load_bulk_month
from orchestration.census.ingest import ingest_flow
from orchestration.census.landing import LandingStore
from orchestration.census.plan import HS_LEVELS
from orchestration.core.errors import CensusIncomplete, ParseError
from orchestration.devdata.bulk_files import bulk_zip, detail_cells, low_value_cells, sample_bulk_zip
from orchestration.devdata.sample import month_rows
from orchestration.store.duckdb import connect

JAN, FEB = date(2017, 1, 1), date(2017, 2, 1)


def land(tmp_path, flow: str, month: str, body: bytes):
    folder = tmp_path / "downloads"
    folder.mkdir(exist_ok=True)
    (folder / zip_name(flow, month)).write_bytes(body)
    store = BulkStore(tmp_path / "landing")
    entry, _ = land_zip(store, None, flow, month, from_dir=folder)
    return store, entry


def load(tmp_path, flow: str, month: str, body: bytes):
    store, entry = land(tmp_path, flow, month, body)
    with connect(tmp_path / "warehouse.duckdb") as con:
        return load_bulk_month(con, store, entry)


def cells(path, flow: str, month: date, source: str, file: str | None = None) -> dict[tuple[str, str, str], int]:
    value, commodity = ("gen_val_mo", "i_commodity") if flow == "imports" else ("all_val_mo", "e_commodity")
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            f"""select comm_lvl, cty_code, {commodity}, {value} from raw.census_{flow}
            where period = $month and _source = $source and summary_lvl = 'DET' and comm_lvl in ('HS10', '-')
            and _landed_file = coalesce($file, _landed_file)""",
            {"month": month, "source": source, "file": file},
        ).fetchall()
    return {row[:3]: row[3] for row in rows}


def api_cells(flow: str, month: date) -> dict[tuple[str, str, str], int]:
    commodity, value = ("I_COMMODITY", "GEN_VAL_MO") if flow == "imports" else ("E_COMMODITY", "ALL_VAL_MO")
    return {
        (row["COMM_LVL"], row["CTY_CODE"], row[commodity]): int(row[value])
        for row in month_rows(flow, month)
        if row["SUMMARY_LVL"] == "DET" and row["COMM_LVL"] in ("HS10", "-")
    }


@pytest.mark.parametrize("flow", ["imports", "exports"])
def test_a_bulk_month_holds_the_apis_cells(tmp_path, flow):
    """Summed over districts, rate provisions, subcodes and domestic/foreign, the lines are the
    API's HS10 x country cells, the world's, and every all-commodity total (groupings aside)."""
    result = load(tmp_path, flow, "2017-01", sample_bulk_zip(flow, "2017-01"))
    assert result.vintage == 1 and result.compared_with_api == 0
    expected = api_cells(flow, JAN)
    got = cells(tmp_path / "warehouse.duckdb", flow, JAN, "census_bulk")
    assert got == expected and len(got) > 1000
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        vintages = con.execute(f"select vintage, files, source from raw.census_{flow}_vintages").fetchall()
        lines = con.execute(f"select count(*) from raw.census_bulk_{flow}").fetchone()[0]
    assert vintages == [(1, [result.file], "census_bulk")]
    assert lines == result.rows[f"census_bulk_{flow}"] > len([key for key in got if key[0] == "HS10"]) / 2
    # every control and reference member of the ZIP is loaded beside the detail
    assert result.notes == []
    word = flow[:-1]
    tables = ("commodities", "countries", "districts", "concordance", "country_codes", "district_codes",
              "hs_descriptions", "naics_codes", "sitc_codes", "end_use_codes", "hitech_codes")  # fmt: skip
    assert all(result.rows[f"census_bulk_{word}_{table}"] > 0 for table in tables)


def test_exports_add_domestic_and_foreign(tmp_path):
    lines = {
        ("1201100000", "5880", "1", "13"): {"all_val": 700, "cards": 1},
        ("1201100000", "5880", "2", "13"): {"all_val": 55, "cards": 1},
        ("1201100000", "5880", "1", "30"): {"all_val": 245, "cards": 1},
    }
    load(tmp_path, "exports", "2017-01", bulk_zip("exports", "2017-01", lines))
    got = cells(tmp_path / "warehouse.duckdb", "exports", JAN, "census_bulk")
    assert got[("HS10", "5880", "1201100000")] == 1000 == got[("-", "-", "-")]
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        by_df = con.execute(
            "select df, sum(all_val_mo) from raw.census_bulk_exports group by df order by df"
        ).fetchall()
        # the country and district files have no df: the detail is summed over both to match them
        by_country = con.execute("select cty_code, all_val_mo from raw.census_bulk_export_countries").fetchall()
        by_district = con.execute(
            "select district, all_val_mo from raw.census_bulk_export_districts order by district"
        ).fetchall()
    assert by_df == [("1", 945), ("2", 55)]
    assert by_country == [("5880", 1000)] and by_district == [("13", 755), ("30", 245)]


def test_the_year_to_date_union_gives_only_the_months_own_activity(tmp_path):
    """February's file also holds January's cells (monthly measures 0, year-to-date filled):
    those lines are not loaded, and no year-to-date figure is."""
    january = {("0101210010", "1220", "00", "38", "38", "69"): {"gen_val": 5_000, "con_val": 5_000}}
    february = {("0201100000", "5880", "00", "27", "27", "10"): {"gen_val": 800, "con_val": 800}}
    result = load(tmp_path, "imports", "2017-02", bulk_zip("imports", "2017-02", february, earlier=[january]))
    assert result.rows["census_bulk_imports"] == 1
    got = cells(tmp_path / "warehouse.duckdb", "imports", FEB, "census_bulk")
    assert got == {("HS10", "5880", "0201100000"): 800, ("HS10", "-", "0201100000"): 800,
                   ("-", "5880", "-"): 800, ("-", "-", "-"): 800}  # fmt: skip


def test_member_names_in_any_case_load_alike(tmp_path):
    body = sample_bulk_zip("imports", "2017-01", member_case="mixed")  # IMP_DETL.txt, imp_CTY.txt
    result = load(tmp_path, "imports", "2017-01", body)
    assert result.rows["census_bulk_import_countries"] > 30
    assert cells(tmp_path / "warehouse.duckdb", "imports", JAN, "census_bulk") == api_cells("imports", JAN)


def test_low_value_estimates_are_kept_and_flagged(tmp_path):
    lines = detail_cells("imports", "2017-01", month_rows("imports", JAN))
    low = low_value_cells("imports", "2017-01", ["5880", "1220"])
    load(tmp_path, "imports", "2017-01", bulk_zip("imports", "2017-01", {**lines, **low}))
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        flagged = con.execute(
            """select commodity, cty_code, rate_prov, gen_val_mo from raw.census_bulk_imports
            where is_low_value_estimate order by cty_code"""
        ).fetchall()
        unflagged = con.execute(
            "select count(*) from raw.census_bulk_imports where not is_low_value_estimate"
        ).fetchone()[0]
    expected = sorted((key[0], key[1], key[5], value["gen_val"]) for key, value in low.items())
    assert flagged == sorted(expected, key=lambda row: row[1]) and unflagged == len(lines)


def test_a_detail_that_does_not_add_up_to_its_controls_fails_the_month(tmp_path):
    with pytest.raises(CensusIncomplete) as failure:
        load(tmp_path, "imports", "2017-01", sample_bulk_zip("imports", "2017-01", control_offset=1))
    message = str(failure.value)
    assert message.startswith("imports 2017-01: the detail does not add up to IMP_COMM") and "\n" not in message
    assert "gen_val_mo" in message and "for 1 cell" in message
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        kept = [
            con.execute(f"select count(*) from raw.{table}").fetchone()[0]
            for table in ("census_bulk_imports", "census_bulk_import_commodities", "census_imports",
                          "census_imports_vintages")
        ]  # fmt: skip
    assert kept == [0, 0, 0, 0]


@pytest.fixture
def api_january(tmp_path, sample_landing):
    """The sample's January 2017 loaded from its API responses, as a refresh does."""
    for flow in ("imports", "exports"):
        ingest_flow(flow, [JAN], source="replay", levels=HS_LEVELS, store=LandingStore(sample_landing),
                    warehouse_path=tmp_path / "warehouse.duckdb")  # fmt: skip
    return tmp_path / "warehouse.duckdb"


def test_a_bulk_month_over_an_api_month_is_checked_against_it_and_becomes_the_latest(tmp_path, api_january):
    result = load(tmp_path, "imports", "2017-01", sample_bulk_zip("imports", "2017-01"))
    assert result.vintage == 2 and result.compared_with_api == len(api_cells("imports", JAN))
    with duckdb.connect(str(api_january), read_only=True) as con:
        latest = con.execute(
            "select source from marts.vintages_in_force('raw.census_vintages', 'infinity'::timestamp) "
            "where flow = 'imports' and period = $month",
            {"month": JAN},
        ).fetchall()
    assert latest == [("census_bulk",)]


def test_a_bulk_month_that_disagrees_with_the_api_fails(tmp_path, api_january):
    """An earlier print of the month (what a ZIP from before a revision holds) against the API's."""
    with pytest.raises(
        CensusIncomplete, match=r"^imports 2017-01: the bulk file and the API's latest vintage disagree"
    ):
        load(tmp_path, "imports", "2017-01", sample_bulk_zip("imports", "2017-01", revision=1))
    with duckdb.connect(str(api_january), read_only=True) as con:
        assert con.execute("select count(*) from raw.census_imports_vintages").fetchone()[0] == 1
        assert con.execute("select count(*) from raw.census_bulk_imports").fetchone()[0] == 0


def test_a_replaced_zip_is_a_new_vintage_and_the_older_stays(tmp_path):
    first = load(tmp_path, "imports", "2017-01", sample_bulk_zip("imports", "2017-01", revision=1))
    again = load(tmp_path, "imports", "2017-01", sample_bulk_zip("imports", "2017-01", revision=1))
    assert again.unchanged
    revised = load(tmp_path, "imports", "2017-01", sample_bulk_zip("imports", "2017-01"))
    assert revised.vintage == 2
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        prints = con.execute(
            "select count(distinct _landed_file) from raw.census_imports where period = $month", {"month": JAN}
        ).fetchone()[0]
    assert prints == 2
    warehouse = tmp_path / "warehouse.duckdb"
    assert cells(warehouse, "imports", JAN, "census_bulk", revised.file) == api_cells("imports", JAN)
    assert cells(warehouse, "imports", JAN, "census_bulk", first.file) != api_cells("imports", JAN)


def _with_member(body: bytes, name: str, lines: list[str]) -> bytes:
    """The ZIP with one member's lines replaced."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(body)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info) if info.filename != name else "".join(f"{line}\r\n" for line in lines).encode()
            target.writestr(info.filename, data)
    return out.getvalue()


def test_the_concordance_gives_end_use_and_naics_codes(tmp_path):
    result = load(tmp_path, "imports", "2017-01", sample_bulk_zip("imports", "2017-01"))
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        codes = con.execute(
            "select count(*), count(distinct commodity), min(length(end_use)), max(length(naics)) "
            "from raw.census_bulk_import_concordance"
        ).fetchone()
    assert codes[0] == codes[1] == result.rows["census_bulk_import_concordance"] > 50 and codes[2:] == (5, 6)
    assert result.notes == []


def _lines(body: bytes, name: str) -> list[str]:
    import io
    import zipfile

    return zipfile.ZipFile(io.BytesIO(body)).read(name).decode().split("\r\n")[:-1]


@pytest.mark.parametrize(
    ("member", "change", "note"),
    [
        ("CONCORD", lambda line: line[:230], "CONCORD left out: its lines are 230-230 characters wide, not 235"),
        ("CONCORD", lambda line: line[:221] + "ABCDE" + line[226:], "CONCORD left out: its end_use field holds no"),
        ("NAICS", lambda line: line[3:] + "   ", "NAICS left out: its naics field holds no codes in 100%"),
        ("COUNTRY", lambda line: line + " ", "COUNTRY left out: its lines are 62-62 characters wide, not 60-61"),
    ],
)  # fmt: skip
def test_a_reference_file_that_does_not_fit_its_layout_is_left_out_and_said(tmp_path, member, change, note):
    body = sample_bulk_zip("imports", "2017-01")
    changed = [change(line) for line in _lines(body, f"{member}.TXT")]
    result = load(tmp_path, "imports", "2017-01", _with_member(body, f"{member}.TXT", changed))
    assert result.vintage == 1 and bulk_table("imports", LAYOUTS[member]) not in result.rows
    assert len(result.notes) == 1 and result.notes[0].startswith(note)


@pytest.mark.parametrize(
    ("flow", "without"),
    [("imports", ("HSDESC", "HITECH", "IMP_DE")), ("exports", ("COUNTRY", "CONCORD", "EXP_CTY", "EXP_DIST"))],
)
def test_a_zip_without_a_reference_or_control_member_loads_without_it_and_says_so(tmp_path, flow, without):
    """Only the detail and the commodity file are required; a month whose ZIP lacks another member
    (older ZIPs may) loads, its checks against that member skipped, and its notes name each one."""
    result = load(tmp_path, flow, "2017-01", sample_bulk_zip(flow, "2017-01", without=without))
    assert result.vintage == 1
    assert sorted(result.notes) == sorted(f"{member} left out: not in the ZIP" for member in without)
    assert not any(bulk_table(flow, LAYOUTS[member]) in result.rows for member in without)
    assert cells(tmp_path / "warehouse.duckdb", flow, JAN, "census_bulk") == api_cells(flow, JAN)


def test_a_control_file_that_does_not_fit_its_layout_fails_the_month(tmp_path):
    """A control file is what the month reconciles against: present but unreadable is no reason to
    load the month unchecked."""
    body = sample_bulk_zip("exports", "2017-01")
    widened = [line + " " for line in _lines(body, "EXP_DIST.TXT")]
    with pytest.raises(ParseError, match=r"^exports 2017-01: EXP_DIST in .* does not fit its layout: its lines are"):
        load(tmp_path, "exports", "2017-01", _with_member(body, "EXP_DIST.TXT", widened))
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.census_bulk_exports").fetchone() == (0,)


def test_a_country_file_of_60_character_lines_loads(tmp_path):
    """One reader found COUNTRY lines of 61 characters, the other of 60 (the name's last blank)."""
    body = sample_bulk_zip("imports", "2017-01")
    lines = [line[:60] for line in _lines(body, "COUNTRY.TXT")]
    result = load(tmp_path, "imports", "2017-01", _with_member(body, "COUNTRY.TXT", lines))
    assert result.notes == [] and result.rows["census_bulk_import_country_codes"] == len(lines)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        japan = con.execute("select cty_name from raw.census_bulk_import_country_codes where cty_code = '5880'")
        assert japan.fetchall() == [("JAPAN",)]


def test_exports_that_do_not_add_up_to_their_district_file_fail_the_month(tmp_path):
    body = sample_bulk_zip("exports", "2017-01")
    lines = _lines(body, "EXP_DIST.TXT")
    value = int(lines[0][53:68])  # all_val_mo, 54-68
    lines[0] = lines[0][:53] + str(value + 7).rjust(15) + lines[0][68:]
    with pytest.raises(CensusIncomplete) as failure:
        load(tmp_path, "exports", "2017-01", _with_member(body, "EXP_DIST.TXT", lines))
    message = str(failure.value)
    assert message.startswith("exports 2017-01: the detail does not add up to EXP_DIST") and "all_val_mo" in message
    assert f"{value:,} vs {value + 7:,}" in message
