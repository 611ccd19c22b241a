"""A December imports ZIP at full scale for the benchmark: Census's real layouts, the
year-to-date union (3.5 M lines, 0.8 M of them active in the month), control files that add up.

DuckDB writes the lines (Python would take minutes for 2.4 GB of fixed-width text); the values
are deterministic functions of the line number. Codes: 96 chapters x 200 synthetic HTS10 codes,
230 countries, the real shape of keys (subcode, districts, rate provision).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb

from orchestration.census.bulk import CONCORDANCE, IMPORT_COMMODITIES, IMPORT_COUNTRIES, IMPORT_DETAIL, Layout

CODES = 96 * 200
COUNTRIES = 230


def _detail_sql(lines: int, active_every: int) -> str:
    """The detail table: keys from the line number i (commodity i % CODES, country i // CODES, so
    every key is unique), monthly measures on one line in `active_every`, year-to-date on all."""
    measures = [f.name[:-3] for f in IMPORT_DETAIL.fields if f.numeric]
    monthly = ", ".join(
        f"case when i % {active_every} = 0 then cast(hash(i, {n}) % 900000 as bigint) + 1000 else 0 end as {name}_mo"
        for n, name in enumerate(measures)
    )
    ytd = ", ".join(
        f"{name}_mo + cast(hash(i, {n}, 'ytd') % 4000000 as bigint) + 1 as {name}_yr" for n, name in enumerate(measures)
    )
    return f"""
        select
            lpad(cast(1010000000 + (i % {CODES}) * 4637 as varchar), 10, '0') as commodity,
            lpad(cast(1000 + (i // {CODES}) * 37 % 8000 as varchar), 4, '0') as cty_code,
            ['00', 'S ', 'A ', 'D '][1 + cast(hash(i, 'subco') % 4 as bigint)] as cty_subco,
            lpad(cast(1 + cast(hash(i, 'district') % 60 as bigint) as varchar), 2, '0') as dist_entry,
            lpad(cast(1 + cast(hash(i, 'district') % 60 as bigint) as varchar), 2, '0') as dist_unlad,
            ['00', '10', '18', '61', '62', '69', '79'][1 + cast(hash(i, 'prov') % 7 as bigint)] as rate_prov,
            {monthly}, {ytd}
        from range({lines}) as r(i)"""


def _line_sql(layout: Layout, relation: str, period: tuple[str, str], extra: dict[str, str] | None = None) -> str:
    """Each row of `relation` as one fixed-width line (CR added: COPY ends lines with LF)."""
    extra = extra or {}
    parts = []
    for f in layout.keys:
        if f.name == "year":
            parts.append(f"'{period[0]}'")
        elif f.name == "month":
            parts.append(f"'{period[1]}'")
        else:
            parts.append(f"rpad({extra.get(f.name, f.name)}, {f.length}, ' ')")
    names = [f.name[:-3] for f in layout.fields if f.numeric]
    parts += [f"lpad(cast({name}_mo as varchar), 15, ' ')" for name in names]
    parts += [f"lpad(cast({name}_yr as varchar), 15, ' ')" for name in names]
    return f"select {' || '.join(parts)} || chr(13) as line from {relation}"


def _copy(con, sql: str, path: Path) -> None:
    target = str(path).replace("'", "''")
    con.execute(f"copy ({sql}) to '{target}' (format csv, header false, quote '', escape '', delimiter E'\\x01')")


def write_december_zip(folder: Path, *, lines: int = 3_500_000, active_every: int = 4, year: str = "2025") -> Path:
    """IMDB<YY>12.ZIP in `folder`, built once (kept for later runs)."""
    target = folder / f"IMDB{year[2:]}12.ZIP"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    period = (year, "12")
    scratch = folder / "members"
    scratch.mkdir(exist_ok=True)
    with duckdb.connect(str(folder / "generate.duckdb")) as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"create or replace table detail as {_detail_sql(lines, active_every)}")
        _copy(con, _line_sql(IMPORT_DETAIL, "detail order by commodity, cty_code", period), scratch / "IMP_DETL.TXT")
        commodity_measures = [f.name for f in IMPORT_COMMODITIES.fields if f.numeric]
        sums = ", ".join(f"sum({m}) as {m}, sum({m[:-3]}_yr) as {m[:-3]}_yr" for m in commodity_measures)
        con.execute(f"create or replace table by_commodity as select commodity, {sums} from detail group by 1")
        described = {"comm_desc": "'SYNTHETIC COMMODITY ' || commodity", "unit_qy1": "'KG'", "unit_qy2": "''"}
        _copy(
            con, _line_sql(IMPORT_COMMODITIES, "by_commodity order by 1", period, described), scratch / "IMP_COMM.TXT"
        )
        country_measures = [f.name for f in IMPORT_COUNTRIES.fields if f.numeric]
        sums = ", ".join(f"sum({m}) as {m}, sum({m[:-3]}_yr) as {m[:-3]}_yr" for m in country_measures)
        con.execute(f"create or replace table by_country as select cty_code, {sums} from detail group by 1")
        named = {"cty_name": "'SYNTHETIC COUNTRY ' || cty_code"}
        _copy(con, _line_sql(IMPORT_COUNTRIES, "by_country order by 1", period, named), scratch / "IMP_CTY.TXT")
        concordance = {
            "descrip_1": "'SYNTHETIC COMMODITY ' || commodity", "descrip_2": "''", "unit_qy1": "'KG'",
            "unit_qy2": "''", "sitc": "'01234'", "end_use": "'00100'", "naics": "'111110'", "usda": "'0'",
            "hitech": "'00'",
        }  # fmt: skip
        _copy(con, _line_sql(CONCORDANCE, "by_commodity order by 1", period, concordance), scratch / "CONCORD.TXT")
    (folder / "generate.duckdb").unlink()
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for member in ("IMP_DETL.TXT", "IMP_COMM.TXT", "IMP_CTY.TXT", "CONCORD.TXT"):
            archive.write(scratch / member, member)
            (scratch / member).unlink()
    scratch.rmdir()
    partial.rename(target)
    return target
