import pytest

from orchestration.census.parse import map_header, table_spec
from orchestration.core.errors import ParseError


def test_echoed_predicates_are_known_and_duplicates_keep_the_first():
    header = ["CTY_CODE", "E_COMMODITY", "ALL_VAL_MO", "time", "COMM_LVL", "E_COMMODITY"]
    mapped = map_header(header, ("CTY_CODE", "E_COMMODITY", "ALL_VAL_MO", "COMM_LVL"))
    assert mapped.positions["E_COMMODITY"] == 2
    assert mapped.duplicates == ("E_COMMODITY",) and mapped.unknown == ()


def test_extra_columns_are_tolerated_and_reported():
    mapped = map_header(["CTY_CODE", "DISTRICT", "ALL_VAL_MO", "time"], ("CTY_CODE", "ALL_VAL_MO"))
    assert mapped.unknown == ("DISTRICT",)


def test_missing_columns_are_named():
    with pytest.raises(ParseError, match="lacks required columns GEN_VAL_MO, time"):
        map_header(["CTY_CODE", "CTY_NAME"], ("CTY_CODE", "GEN_VAL_MO"), where="imports 2017-01 totals")


def test_year_and_month_can_stand_in_for_time():
    assert map_header(["CTY_CODE", "YEAR", "MONTH"], ("CTY_CODE",)).positions["MONTH"] == 3


def test_import_detail_keeps_general_and_consumption_apart():
    columns = {c.name: c for c in table_spec("imports", "detail").columns}
    assert columns["gen_val_mo"].source == "GEN_VAL_MO" and columns["con_val_mo"].source == "CON_VAL_MO"
    assert columns["i_commodity"].sql_type == "VARCHAR" and columns["gen_val_mo"].sql_type == "BIGINT"


def test_totals_have_no_commodity_and_no_quantity():
    columns = {c.name: c for c in table_spec("exports", "totals").columns}
    assert columns["e_commodity"].constant == "-" and columns["comm_lvl"].constant == "-"
    assert columns["qty_1_mo"].source is None and "QTY_1_MO" not in table_spec("exports", "totals").required
