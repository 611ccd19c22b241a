"""The Census load's INSERT, rendered for each flow and request kind, against reviewed snapshots.

A change to the SQL shows up here as a diff to read. To accept one on purpose:
    UPDATE_SNAPSHOTS=1 python -m pytest tests/unit/test_census_insert.py
"""

import gzip
import json
import os
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.census.load import ensure_raw_schema, insert_sql
from orchestration.census.parse import map_header, table_spec
from orchestration.census.plan import FLOWS, CensusRequest

SNAPSHOTS = Path(__file__).parent / "snapshots"
MONTH = date(2017, 3, 1)


def _request(flow: str, kind: str) -> CensusRequest:
    return CensusRequest(flow, MONTH, kind, None if kind == "totals" else "HS4", "84" if kind == "detail" else None)


def _header(request: CensusRequest) -> list[str]:
    """What the API answers: the `get` list, then `time`, then each predicate echoed."""
    return [*request.get_vars, *(name for name, _ in request.params()[1:])]


@pytest.mark.parametrize("kind", ["totals", "detail", "names"])
@pytest.mark.parametrize("flow", FLOWS)
def test_the_insert_reads_as_reviewed(flow, kind):
    request = _request(flow, kind)
    spec = table_spec(flow, kind)
    positions = map_header(_header(request), spec.required, also_known=spec.requested_not_stored).positions
    rendered = insert_sql([(spec, positions)], "2017-03") + "\n"
    snapshot = SNAPSHOTS / f"census_insert_{flow}_{kind}.sql"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snapshot.write_text(rendered)
    assert rendered == snapshot.read_text()


def test_cells_follow_the_header_not_a_fixed_order():
    spec = table_spec("exports", "totals")
    header = _header(_request("exports", "totals"))
    moved = [header[-1], *header[:-1]]  # the same columns, `time` first
    positions = map_header(moved, spec.required).positions
    sql = insert_sql([(spec, positions)], "2017-03")
    assert "json[1] = $month" in sql and f"json[{moved.index('CTY_CODE') + 1}]," in sql


@pytest.mark.parametrize("flow", FLOWS)
def test_the_totals_and_the_detail_of_a_flow_are_one_insert(flow):
    """One statement per table, a SELECT per header: the totals' rows do not follow the detail's
    in a second insert (which would send the detail's rows through the WAL)."""
    parts = []
    for kind in ("detail", "totals"):
        spec = table_spec(flow, kind)
        parts.append((spec, map_header(_header(_request(flow, kind)), spec.required).positions))
    rendered = insert_sql(parts, "2017-03") + "\n"
    snapshot = SNAPSHOTS / f"census_insert_{flow}_detail_and_totals.sql"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snapshot.write_text(rendered)
    assert rendered == snapshot.read_text()
    assert rendered.count("insert into") == 1 and rendered.count("union all") == 1
    assert "$files_2" in rendered and "$header_2" in rendered


def test_one_insert_fills_one_table():
    detail, names = table_spec("exports", "detail"), table_spec("exports", "names")
    positions = {name: i for i, name in enumerate(_header(_request("exports", "detail")), start=1)}
    with pytest.raises(ValueError, match="one table"):
        insert_sql([(detail, positions), (names, positions)], "2017-03")


def _run_insert(tmp_path: Path, flow: str, value_cells: dict[str, str]) -> int:
    """The detail insert over one response of one row, its value cells as given: rows inserted."""
    request = _request(flow, "detail")
    spec = table_spec(flow, "detail")
    header = _header(request)
    commodity = next(c.source for c in spec.columns if c.name.endswith("commodity"))
    row = {name: "0" for name in header} | {"CTY_CODE": "5880", "CTY_NAME": "JAPAN", "SUMMARY_LVL": "DET"}
    row |= {"COMM_LVL": "HS4", "time": "2017-03", commodity: "8401"} | value_cells
    response = tmp_path / "detail.json.gz"
    response.write_bytes(gzip.compress(json.dumps([header, [row[name] for name in header]]).encode()))
    positions = map_header(header, spec.required, also_known=spec.requested_not_stored).positions
    with duckdb.connect() as con:
        ensure_raw_schema(con)
        con.execute(
            "create temp table _files as select $file as filename, 'f' as landed_file, 'census' as source, "
            "now()::timestamp as vintage",
            {"file": str(response)},
        )
        parameters = {"files_1": [str(response)], "header_1": header, "month": "2017-03", "period": MONTH}
        sql = insert_sql([(spec, positions)], "2017-03")
        return con.execute(sql, parameters | {"loaded_at": None}).fetchone()[0]


@pytest.mark.parametrize("flow", FLOWS)
def test_a_negative_value_in_any_value_cell_stops_the_insert(tmp_path, flow):
    """The load tests all value cells for a '-' at once and casts them again only then: each cell
    is still checked, and a signless row goes in."""
    spec = table_spec(flow, "detail")
    values = [c.source for c in spec.columns if c.sql_type == "BIGINT"]
    assert _run_insert(tmp_path, flow, {}) == 1
    for source in values:
        with pytest.raises(duckdb.InvalidInputException, match="rejected"):
            _run_insert(tmp_path, flow, {source: "-7"})
    # a '-' that is no negative number (minus zero; the world's code beside an empty cell) is not one
    assert _run_insert(tmp_path, flow, {values[0]: "-0"}) == 1
    assert _run_insert(tmp_path, flow, {values[-1]: "", "CTY_CODE": "-"}) == 1
