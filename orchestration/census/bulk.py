"""The Census monthly bulk files (issue 15): the fixed-width layout of the imports detail member
(`IMP_DETL.TXT` in `IMDB<YY><MM>.ZIP`) and the DuckDB query that reads it, with no Python loop
over rows.

Layout (Census's own `IMP_DETL.lay`): eight key fields, then 22 measures of 15 characters for
the month, then the same 22 for the year to date. Each monthly file is a year-to-date union: a
cell that traded earlier in the year is still there with every monthly measure 0. Only the
monthly measures are read, and only lines with one of them non-zero are kept; year-to-date
fields are never read, so they can never be added across months.
"""

from __future__ import annotations

from dataclasses import dataclass

IMPORT_DETAIL_WIDTH = 688  # characters a line, before CRLF (the last field ends there)


@dataclass(frozen=True)
class Field:
    name: str
    start: int  # 1-based, as in the .lay files and DuckDB's substr
    length: int
    numeric: bool


_KEYS = (
    ("commodity", 10),  # HTS10
    ("cty_code", 4),  # Schedule C country of origin
    ("cty_subco", 2),  # special program claimed ('00' none)
    ("dist_entry", 2),  # Schedule D district of entry
    ("dist_unlad", 2),  # district of unlading
    ("rate_prov", 2),  # rate provision (duty-free, dutiable, Chapter 99 ...)
    ("year", 4),
    ("month", 2),
)
_MEASURES = (
    "cards", "con_qy1", "con_qy2", "con_val", "dut_val", "cal_dut", "con_cha", "con_cif", "gen_qy1", "gen_qy2",
    "gen_val", "gen_cha", "gen_cif", "air_val", "air_wgt", "air_cha", "ves_val", "ves_wgt", "ves_cha", "cnt_val",
    "cnt_wgt", "cnt_cha",
)  # fmt: skip
_MEASURE_WIDTH = 15
_MONTH_MEASURES_START = 29  # the year-to-date copies start at 359


def _import_detail_fields() -> tuple[Field, ...]:
    fields, start = [], 1
    for name, length in _KEYS:
        fields.append(Field(name, start, length, numeric=False))
        start += length
    if start != _MONTH_MEASURES_START:  # the layout table above is wrong
        raise ValueError(f"IMP_DETL keys end at {start - 1}, not {_MONTH_MEASURES_START - 1}")
    for name in _MEASURES:
        fields.append(Field(f"{name}_mo", start, _MEASURE_WIDTH, numeric=True))
        start += _MEASURE_WIDTH
    return tuple(fields)


IMPORT_DETAIL = _import_detail_fields()

# One VARCHAR column per line, nothing interpreted: the fields are cut by position below.
_LINES = (
    "read_csv($path, columns = {'line': 'VARCHAR'}, header = false, delim = '\\x01', quote = '', "
    "escape = '', auto_detect = false, encoding = 'latin-1')"
)


def import_detail_sql(*, only_active: bool = True) -> str:
    """The query over `$path` (an IMP_DETL member) giving one typed row per line: keys as text,
    monthly measures as BIGINT. With only_active, lines whose monthly measures are all 0 (cells
    that traded only in earlier months of the year) are left out."""
    cells = [
        f"cast(trim(substr(line, {f.start}, {f.length})) as bigint) as {f.name}"
        if f.numeric
        else f"substr(line, {f.start}, {f.length}) as {f.name}"
        for f in IMPORT_DETAIL
    ]
    measures = [f.name for f in IMPORT_DETAIL if f.numeric]
    where = f"\nwhere {' or '.join(f'{name} <> 0' for name in measures)}" if only_active else ""
    cut = ",\n        ".join(cells)
    return f"select * from (\n    select\n        {cut}\n    from {_LINES}\n){where}"
