"""The Census monthly bulk files (`IMDB<YY><MM>.ZIP`, `EXDB<YY><MM>.ZIP`): the fixed-width layout
of each member we read and the DuckDB query that cuts its lines, with no Python loop over rows.

Every member has the same shape: some key fields, then N measures of 15 characters for the month,
then the same N for the year to date. Each monthly detail file is a year-to-date union: a cell
that traded earlier in the year is still there with every monthly measure 0. Only the monthly
measures are read, and only lines with one of them non-zero are kept; year-to-date fields are
never read, so they can never be added across months.

Imports layouts are Census's own (`Documentation/*.lay` in the ZIPs); exports layouts come from
three readers that agree (../shared/fixtures/census_bulk/layouts.csv). EXP_CTY is the exception:
no reader of it was found, so its layout is assumed by analogy with IMP_CTY and EXP_COMM and is
only used when its lines have exactly the assumed width (`Layout.confirmed` is False).
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
    confirmed: bool = True

    @property
    def keys(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.numeric)

    @property
    def measures(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.numeric)


def _layout(member: str, keys: tuple[tuple[str, int], ...], measures: str, *, confirmed: bool = True) -> Layout:
    fields, start = [], 1
    for name, length in keys:
        fields.append(Field(name, start, length, numeric=False))
        start += length
    names = measures.split()  # none for a reference file
    for name in names:
        fields.append(Field(f"{name}_mo", start, MEASURE_WIDTH, numeric=True))
        start += MEASURE_WIDTH
    return Layout(member, tuple(fields), start - 1 + len(names) * MEASURE_WIDTH, confirmed)


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
EXPORT_COUNTRIES = _layout(
    "EXP_CTY",
    (("df", 1), ("cty_code", 4), ("cty_name", 30), *_PERIOD),
    "cards all_val air_val air_wgt ves_val ves_wgt cnt_val cnt_wgt",
    confirmed=False,
)

# The commodity concordance of each ZIP (both flows): no measures, one line per code in force.
# Another reader checks its lines are 235 characters with the code in 1-10 and the description in
# 11-160; the rest follows Census's concordance fields in their published order (description
# 2, the two units, SITC, end-use, NAICS, USDA, high-tech), which fill exactly 235. Unconfirmed
# by a layout file, so the loader checks the width and that the codes look like codes.
CONCORDANCE = _layout(
    "CONCORD",
    (
        ("commodity", 10),
        ("descrip_1", 150),
        ("descrip_2", 50),
        ("unit_qy1", 3),
        ("unit_qy2", 3),
        ("sitc", 5),
        ("end_use", 5),
        ("naics", 6),
        ("usda", 1),
        ("hitech", 2),
    ),
    "",
    confirmed=False,
)
# What an unconfirmed layout's fields must look like (regular expressions; blank allowed)
PLAUSIBLE = {
    "CONCORD": {"commodity": "[0-9]{10}", "end_use": "[0-9]{5}", "naics": "[0-9]{2}[0-9X]{4}", "sitc": "[0-9]{5}"},
    "EXP_CTY": {"cty_code": "[0-9]{4}|[0-9]XXX", "df": "[12]"},
}

LAYOUTS = {
    layout.member: layout
    for layout in (
        IMPORT_DETAIL, IMPORT_COMMODITIES, IMPORT_COUNTRIES, IMPORT_DISTRICTS,
        EXPORT_DETAIL, EXPORT_COMMODITIES, EXPORT_COUNTRIES, CONCORDANCE,
    )
}  # fmt: skip
# The members each flow's ZIP must hold (detail, by commodity, by country), by flow.
MEMBERS = {
    "imports": (IMPORT_DETAIL, IMPORT_COMMODITIES, IMPORT_COUNTRIES),
    "exports": (EXPORT_DETAIL, EXPORT_COMMODITIES, EXPORT_COUNTRIES),
}
FLOW_WORD = {"imports": "import", "exports": "export"}
_TABLE_OF = {"DETL": "", "COMM": "_commodities", "CTY": "_countries", "DE": "_districts", "CONCORD": "_concordance"}


def members(flow: str) -> tuple[Layout, ...]:
    """Every member of a flow's ZIP that is loaded: the three above, the imports districts and the
    concordance."""
    extra = (IMPORT_DISTRICTS,) if flow == "imports" else ()
    return (*MEMBERS[flow], *extra, CONCORDANCE)


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
    spaces of names and units trimmed), monthly measures as BIGINT. With only_active, lines whose monthly
    measures are all 0 (cells that traded only in earlier months of the year) are left out."""
    cells = []
    for f in layout.fields:
        cut = f"substr(line, {f.start}, {f.length})"
        if f.numeric:
            # DuckDB's cast skips the padding spaces itself (a trim first doubles the cost)
            cells.append(f"cast({cut} as bigint) as {f.name}")
        elif f.name.endswith(("_desc", "_name")) or f.name.startswith("unit_"):
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
    return statements
