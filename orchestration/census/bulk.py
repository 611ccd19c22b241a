"""The Census monthly bulk files (`IMDB<YY><MM>.ZIP`, `EXDB<YY><MM>.ZIP`): the fixed-width layout
of each member we read and the DuckDB query that cuts its lines, with no Python loop over rows.

A control member has the same shape as the detail: some key fields, then N measures of 15
characters for the month, then the same N for the year to date. Each monthly detail file is a
year-to-date union: a cell that traded earlier in the year is still there with every monthly
measure 0. Only the monthly measures are read, and only lines with one of them non-zero are kept;
year-to-date fields are never read, so they can never be added across months. A reference member
(the concordance, the lists of countries, districts, HS descriptions, NAICS, SITC, end-use and
high-tech codes) has no measures: one line per code, with its labels.

Imports detail and control layouts are Census's own (`Documentation/*.lay` in the ZIPs); the
exports detail and commodity layouts come from three readers that agree
(../shared/fixtures/census_bulk/layouts.csv); the exports country and district files and every
reference file from two independent public readers that agree with each other and with the
layouts above. Only the detail and the commodity file are required: another member that is
absent, or whose lines do not have its width or whose code fields do not look like codes
(`PLAUSIBLE`), is left out of the month's load, which says so.
"""

from __future__ import annotations

from dataclasses import dataclass

MEASURE_WIDTH = 15


@dataclass(frozen=True)
class Field:
    name: str
    start: int  # 1-based, as in the .lay files and DuckDB's substr
    length: int
    numeric: bool


@dataclass(frozen=True)
class Layout:
    member: str  # the member's name without extension, upper case (names change case by month)
    fields: tuple[Field, ...]  # the keys, then the month's measures (named <measure>_mo)
    width: int  # characters a line before CRLF: keys + month measures + year-to-date measures
    shortest: int  # the narrowest line that fits: the width, unless the readers found lines cut shorter

    @property
    def keys(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.numeric)

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.numeric)


def _layout(member: str, keys: tuple[tuple[str, int], ...], measures: str = "", *, shortest: int = 0) -> Layout:
    fields, start = [], 1
    for name, length in keys:
        fields.append(Field(name, start, length, numeric=False))
        start += length
    names = measures.split()  # none for a reference file
    for name in names:
        fields.append(Field(f"{name}_mo", start, MEASURE_WIDTH, numeric=True))
        start += MEASURE_WIDTH
    width = start - 1 + len(names) * MEASURE_WIDTH
    return Layout(member, tuple(fields), width, shortest or width)


_IMPORT_MEASURES = (
    "cards con_qy1 con_qy2 con_val dut_val cal_dut con_cha con_cif gen_qy1 gen_qy2 gen_val gen_cha gen_cif "
    "air_val air_wgt air_cha ves_val ves_wgt ves_cha cnt_val cnt_wgt cnt_cha"
)
_EXPORT_MEASURES = "cards qty_1 qty_2 all_val air_val air_wgt ves_val ves_wgt cnt_val cnt_wgt"
_PERIOD = (("year", 4), ("month", 2))

IMPORT_DETAIL = _layout(
    "IMP_DETL",
    (
        ("commodity", 10),  # HTS10
        ("cty_code", 4),  # Schedule C country of origin
        ("cty_subco", 2),  # special program claimed ('00' none)
        ("dist_entry", 2),  # Schedule D district of entry
        ("dist_unlad", 2),  # district of unlading
        ("rate_prov", 2),  # rate provision (duty-free, dutiable, Chapter 99 ...)
        *_PERIOD,
    ),
    _IMPORT_MEASURES,
)
IMPORT_COMMODITIES = _layout(
    "IMP_COMM",
    (("commodity", 10), ("comm_desc", 50), ("unit_qy1", 3), ("unit_qy2", 3), *_PERIOD),
    _IMPORT_MEASURES,
)
# no quantities by country or district
_IMPORT_VALUES = (
    "cards con_val dut_val cal_dut con_cha con_cif gen_val gen_cha gen_cif air_val air_wgt air_cha "
    "ves_val ves_wgt ves_cha cnt_val cnt_wgt cnt_cha"
)
IMPORT_COUNTRIES = _layout("IMP_CTY", (("cty_code", 4), ("cty_name", 30), *_PERIOD), _IMPORT_VALUES)
IMPORT_DISTRICTS = _layout("IMP_DE", (("dist_entry", 2), ("dist_name", 30), *_PERIOD), _IMPORT_VALUES)
EXPORT_DETAIL = _layout(
    "EXP_DETL",
    (("df", 1), ("commodity", 10), ("cty_code", 4), ("district", 2), *_PERIOD),  # df 1 domestic, 2 foreign
    _EXPORT_MEASURES,
)
EXPORT_COMMODITIES = _layout(
    "EXP_COMM",
    (("df", 1), ("commodity", 10), ("comm_desc", 50), ("unit_qy1", 3), ("unit_qy2", 3), *_PERIOD),
    _EXPORT_MEASURES,
)
# By country and by district of exportation, domestic and foreign together (no df field, unlike
# the detail and EXP_COMM), and no quantities: 280 and 278 characters (two readers agree).
_EXPORT_VALUES = "cards all_val air_val air_wgt ves_val ves_wgt cnt_val cnt_wgt"
EXPORT_COUNTRIES = _layout("EXP_CTY", (("cty_code", 4), ("cty_name", 30), *_PERIOD), _EXPORT_VALUES)
EXPORT_DISTRICTS = _layout("EXP_DIST", (("district", 2), ("dist_name", 30), *_PERIOD), _EXPORT_VALUES)

# The reference files of each ZIP (both flows): no measures, one line per code in force. Two
# independent public readers agree on every one of these layouts.
# The commodity concordance: descriptions, units, and the code's SITC, end-use, NAICS, USDA and
# high-tech (advanced technology) codes, 235 characters.
CONCORDANCE = _layout(
    "CONCORD",
    (
        ("commodity", 10),
        ("descrip_1", 150),
        ("descrip_2", 50),  # abbreviated
        ("unit_qy1", 3),
        ("unit_qy2", 3),
        ("sitc", 5),
        ("end_use", 5),
        ("naics", 6),
        ("usda", 1),
        ("hitech", 2),
    ),
)
# Schedule C: the code, its ISO code, the name (one reader found lines of 61 characters, the other
# of 60: the name is read to the end of the line)
COUNTRY_CODES = _layout("COUNTRY", (("cty_code", 4), ("cty_desc", 7), ("cty_name", 50)), shortest=60)
DISTRICT_CODES = _layout("DISTRICT", (("dist_code", 2), ("dist_desc", 7), ("dist_name", 50)))  # Schedule D
# HS chapters, headings and subheadings (2, 4 or 6 digits, left-aligned, blank padded)
HS_DESCRIPTIONS = _layout("HSDESC", (("commodity", 6), ("descrip_1", 150), ("descrip_2", 50)))
NAICS_CODES = _layout("NAICS", (("naics", 6), ("naics_desc", 50)))  # 2 to 6 digits
SITC_CODES = _layout("SITC", (("sitc", 5), ("sitc_desc", 150), ("sitc_abbrev", 50)))  # 1 to 5 digits
END_USE_CODES = _layout("ENDUSE", (("end_use", 5), ("end_use_desc", 100)))
HITECH_CODES = _layout("HITECH", (("hitech", 2), ("hitech_desc", 30)))
REFERENCE = (CONCORDANCE, COUNTRY_CODES, DISTRICT_CODES, HS_DESCRIPTIONS, NAICS_CODES, SITC_CODES,
             END_USE_CODES, HITECH_CODES)  # fmt: skip

# What the code fields of a member other than the detail and the commodity file must look like
# (regular expressions; blank allowed): a file whose codes are not codes is not the layout's.
_COUNTRY = "[0-9]{4}|[0-9]XXX"
PLAUSIBLE = {
    "CONCORD": {"commodity": "[0-9]{10}", "end_use": "[0-9]{5}", "naics": "[0-9]{2}[0-9X]{4}", "sitc": "[0-9]{5}"},
    "IMP_CTY": {"cty_code": _COUNTRY}, "EXP_CTY": {"cty_code": _COUNTRY}, "COUNTRY": {"cty_code": _COUNTRY},
    "IMP_DE": {"dist_entry": "[0-9]{2}"}, "EXP_DIST": {"district": "[0-9]{2}"}, "DISTRICT": {"dist_code": "[0-9]{2}"},
    "HSDESC": {"commodity": "[0-9]{2}|[0-9]{4}|[0-9]{6}"}, "NAICS": {"naics": "[0-9]{2}[0-9X]{0,4}"},
    "SITC": {"sitc": "[0-9]{1,5}"}, "ENDUSE": {"end_use": "[0-9]{1,5}"}, "HITECH": {"hitech": "[0-9]{1,2}"},
}  # fmt: skip

LAYOUTS = {
    layout.member: layout
    for layout in (
        IMPORT_DETAIL, IMPORT_COMMODITIES, IMPORT_COUNTRIES, IMPORT_DISTRICTS,
        EXPORT_DETAIL, EXPORT_COMMODITIES, EXPORT_COUNTRIES, EXPORT_DISTRICTS, *REFERENCE,
    )
}  # fmt: skip
# The detail, the commodity control file (both required) and the country control file, by flow.
MEMBERS = {
    "imports": (IMPORT_DETAIL, IMPORT_COMMODITIES, IMPORT_COUNTRIES),
    "exports": (EXPORT_DETAIL, EXPORT_COMMODITIES, EXPORT_COUNTRIES),
}
DISTRICTS = {"imports": IMPORT_DISTRICTS, "exports": EXPORT_DISTRICTS}
FLOW_WORD = {"imports": "import", "exports": "export"}
_TABLE_OF = {
    "DETL": "", "COMM": "_commodities", "CTY": "_countries", "DE": "_districts", "DIST": "_districts",
    "CONCORD": "_concordance", "COUNTRY": "_country_codes", "DISTRICT": "_district_codes",
    "HSDESC": "_hs_descriptions", "NAICS": "_naics_codes", "SITC": "_sitc_codes", "ENDUSE": "_end_use_codes",
    "HITECH": "_hitech_codes",
}  # fmt: skip


def members(flow: str) -> tuple[Layout, ...]:
    """Every member of a flow's ZIP that is loaded: the three above, the district control file and
    the reference files."""
    return (*MEMBERS[flow], DISTRICTS[flow], *REFERENCE)


def required(flow: str) -> tuple[Layout, ...]:
    """The members without which a month is not loaded: the detail and the commodity file."""
    return MEMBERS[flow][:2]


def bulk_table(flow: str, layout: Layout) -> str:
    """The raw table of a member: census_bulk_imports (the detail), census_bulk_import_commodities, ..."""
    suffix = _TABLE_OF[layout.member.split("_", 1)[-1]]
    return f"census_bulk_{flow}" if not suffix else f"census_bulk_{FLOW_WORD[flow]}{suffix}"


# Census's estimates for shipments below the filing threshold: kept, and flagged.
LOW_VALUE_COMMODITIES = {
    "imports": ("9999950000",),
    "exports": ("9880002000", "9880004000", "9809005000"),
}

# One VARCHAR column per line, nothing interpreted: the fields are cut by position.
_LINES = (
    "read_csv({path}, columns = {{'line': 'VARCHAR'}}, header = false, delim = E'\\x01', quote = '', "
    "escape = '', auto_detect = false, encoding = 'latin-1')"
)


def lines_sql(path: str = "$path") -> str:
    """The member's lines as one VARCHAR column `line` (also the benchmark's floor)."""
    return _LINES.format(path=path)


def member_sql(layout: Layout, *, only_active: bool = True, path: str = "$path") -> str:
    """The query over `path` (one member) giving one typed row per line: keys as text (trailing
    spaces of names, descriptions and units trimmed), monthly measures as BIGINT. With
    only_active, lines whose monthly measures are all 0 (cells that traded only in earlier months
    of the year) are left out."""
    cells = []
    for f in layout.fields:
        cut = f"substr(line, {f.start}, {f.length})"
        if f.numeric:
            # DuckDB's cast skips the padding spaces itself (a trim first doubles the cost)
            cells.append(f"cast({cut} as bigint) as {f.name}")
        elif f.name.endswith(("_desc", "_name", "_abbrev")) or f.name.startswith(("unit_", "descrip_")):
            cells.append(f"rtrim({cut}) as {f.name}")
        else:
            cells.append(f"{cut} as {f.name}")
    active = only_active and layout.measures
    where = f"\nwhere {' or '.join(f'{name} <> 0' for name in layout.measures)}" if active else ""
    cut = ",\n        ".join(cells)
    if not active:
        return f"select\n        {cut}\n    from {lines_sql(path)}"
    # Most lines of a late-year file carry only earlier months: their monthly block is the
    # canonical zeros (right-aligned, space-padded). One string comparison drops them before
    # anything is cut or cast (materialized, or DuckDB folds the casts into the same filter and
    # casts every line); the exact test then decides for the lines left.
    first = next(f for f in layout.fields if f.numeric)
    zeros = "0".rjust(MEASURE_WIDTH) * len(layout.measures)
    return (
        f"with active as materialized (\n    select line from {lines_sql(path)}\n"
        f"    where substr(line, {first.start}, {len(zeros)}) <> '{zeros}'\n)\n"
        f"select * from (\n    select\n        {cut}\n    from active\n){where}"
    )


_META = "_landed_file VARCHAR NOT NULL, _vintage TIMESTAMP NOT NULL, _loaded_at TIMESTAMP NOT NULL"


def bulk_tables_sql() -> list[str]:
    """The raw tables of every member: created with the API's raw tables, so that the staging
    views over them exist before any bulk month is loaded."""
    statements = []
    for flow in MEMBERS:
        for layout in members(flow):
            columns = ["period DATE NOT NULL"]
            columns += [f"{f.name} VARCHAR" for f in layout.keys if f.name not in ("year", "month")]
            columns += [f"{name} BIGINT" for name in layout.measures]
            if layout is MEMBERS[flow][0]:
                columns.append("is_low_value_estimate BOOLEAN NOT NULL")
            statements.append(
                f"create table if not exists raw.{bulk_table(flow, layout)} ({', '.join(columns)}, {_META})"
            )
    # EXP_CTY was first read with a leading df field it does not have: a warehouse made then has it
    statements.append("alter table raw.census_bulk_export_countries drop column if exists df")
    return statements
