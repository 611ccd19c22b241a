"""Does a bulk month add up? Checked inside its load transaction, before anything is visible:
the detail lines against Census's own control files (by commodity, by country, by district of
exportation), and the cells made from them against the API's cells when the month's latest
vintage came from the API."""

from __future__ import annotations

from datetime import date

from orchestration.census.bulk import (
    EXPORT_COUNTRIES,
    EXPORT_DISTRICTS,
    IMPORT_COUNTRIES,
    MEMBERS,
    Layout,
    bulk_table,
)
from orchestration.census.plan import COMMODITY_VAR, MEASURES
from orchestration.core.errors import CensusIncomplete


def _difference_sql(left: str, right: str, keys: list[str], measures: tuple[str, ...]) -> str:
    """Rows of `left` and `right` (same keys, same measures) that differ, with the first measure
    that does, as (count, example key, measure, left value, right value)."""
    differs = " or ".join(f"coalesce(l.{m}, 0) <> coalesce(r.{m}, 0)" for m in measures)
    which = " ".join(f"when coalesce(l.{m}, 0) <> coalesce(r.{m}, 0) then '{m}'" for m in measures)
    picked = lambda side: " ".join(  # noqa: E731
        f"when coalesce(l.{m}, 0) <> coalesce(r.{m}, 0) then coalesce({side}.{m}, 0)" for m in measures
    )
    key = " || ' ' || ".join(f"coalesce({k}, '-')" for k in keys)
    return f"""
        with compared as (
            select {key} as key, case {which} end as measure,
                case {picked("l")} end as left_value, case {picked("r")} end as right_value
            from ({left}) as l full join ({right}) as r using ({", ".join(keys)})
            where {differs}
        )
        select count(*), arg_min(key, key), arg_min(measure, key), arg_min(left_value, key),
            arg_min(right_value, key)
        from compared"""


def _sums(table: str, keys: list[str], measures: tuple[str, ...]) -> str:
    sums = ", ".join(f"sum({m}) as {m}" for m in measures)
    where = "period = $period and _landed_file = $file"
    return f"select {', '.join(keys)}, {sums} from raw.{table} where {where} group by all"


def _check(con, sql: str, parameters: dict, what: str) -> None:
    count, key, measure, left, right = con.execute(sql, parameters).fetchone()
    if count:
        raise CensusIncomplete(
            f"{what} for {count} {'cell' if count == 1 else 'cells'} (e.g. {key}: {measure} {left:,} vs {right:,}); "
            "the file is damaged or Census published it inconsistently, and the month was not loaded"
        )


# The control files the detail is summed to besides the commodity file, with the key of each:
# both without df (domestic and foreign exports together). IMP_DE is not among them: nothing has
# checked yet that Census's district totals of imports add up from the detail.
_BY_KEY = {
    "imports": ((IMPORT_COUNTRIES, "cty_code"),),
    "exports": ((EXPORT_COUNTRIES, "cty_code"), (EXPORT_DISTRICTS, "district")),
}


def reconcile_with_controls(con, flow: str, month: str, period: date, file: str) -> None:
    """The detail by commodity (and domestic/foreign) must equal the commodity control file on
    every measure, and by country (and by district of exportation) the country (district)
    control file on the measures it has."""
    detail, commodities, _ = MEMBERS[flow]
    parameters = {"period": period, "file": file}
    by_df = ["df"] if flow == "exports" else []
    _check(
        con,
        _difference_sql(
            _sums(bulk_table(flow, detail), ["commodity", *by_df], detail.measures),
            _sums(bulk_table(flow, commodities), ["commodity", *by_df], detail.measures),
            ["commodity", *by_df],
            detail.measures,
        ),
        parameters,
        f"{flow} {month}: the detail does not add up to {commodities.member} (detail vs control)",
    )
    for layout, key in _BY_KEY[flow]:
        control = bulk_table(flow, layout)
        present = con.execute(
            f"select count(*) from raw.{control} where period = $period and _landed_file = $file", parameters
        ).fetchone()[0]
        if not present:
            continue  # absent from the ZIP, or left out as not fitting its layout (the load's notes say which)
        shared = _shared(detail, layout)
        _check(
            con,
            _difference_sql(
                _sums(bulk_table(flow, detail), [key], shared), _sums(control, [key], shared), [key], shared
            ),
            parameters,
            f"{flow} {month}: the detail does not add up to {layout.member} (detail vs control)",
        )


def _shared(detail: Layout, control: Layout) -> tuple[str, ...]:
    return tuple(name for name in detail.measures if name in control.measures)


def compare_with_api(con, flow: str, month: str, period: date, file: str, api_files: list[str]) -> int:
    """The bulk month's cells against the API vintage's, on every value measure the API gives:
    all-commodity totals always, HS10 cells when the API vintage has HS10. Returns cells compared."""
    commodity = COMMODITY_VAR[flow].lower()
    measures = tuple(m.lower() for m in MEASURES[flow])
    parameters = {"period": period, "file": file, "files": api_files}
    api_only = {"period": period, "files": api_files}
    has_hs10 = con.execute(
        f"""select count(*) > 0 from raw.census_{flow} where period = $period and comm_lvl = 'HS10'
        and _landed_file in (select unnest($files::varchar[]))""",
        api_only,
    ).fetchone()[0]
    levels = "('HS10', '-')" if has_hs10 else "('-')"
    cells = ", ".join(measures)

    def side(files: str) -> str:
        return (
            f"select comm_lvl, cty_code, {commodity}, {cells} from raw.census_{flow} "
            f"where period = $period and summary_lvl = 'DET' and comm_lvl in {levels} and {files}"
        )

    api = side("_landed_file in (select unnest($files::varchar[]))")
    bulk = side("_landed_file = $file")
    compared = con.execute(f"select count(*) from ({api})", {"period": period, "files": api_files}).fetchone()[0]
    _check(
        con,
        _difference_sql(bulk, api, ["comm_lvl", "cty_code", commodity], measures),
        parameters,
        f"{flow} {month}: the bulk file and the API's latest vintage disagree (bulk vs API; if Census revised "
        "the month since the API pull, refresh it from the API with --refetch first)",
    )
    return compared
