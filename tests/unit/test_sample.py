"""The synthetic sample: deterministic, published where published, additive everywhere."""

from collections import defaultdict
from datetime import date

import pytest

from orchestration.devdata.catalog import HEADINGS, PARTNERS, SUBHEADINGS
from orchestration.devdata.sample import allocate, month_rows, published_total

JAN = date(2017, 1, 1)


@pytest.fixture(scope="module", params=["exports", "imports"])
def rows(request):
    return request.param, list(month_rows(request.param, JAN))


def value_var(flow):
    return "ALL_VAL_MO" if flow == "exports" else "GEN_VAL_MO"


def test_allocation_is_exact():
    parts = allocate(123_456_789_011, [0.3, 0.0, 1.7, 2.2])
    assert sum(parts) == 123_456_789_011 and parts[1] == 0


def test_the_catalog_is_a_tree():
    assert all(sub[0][:4] in HEADINGS for sub in SUBHEADINGS)
    assert {sub[0][:4] for sub in SUBHEADINGS} == set(HEADINGS)


def test_published_partners_have_the_published_totals(rows):
    flow, table = rows
    japan = next(r for r in table if r["CTY_CODE"] == "5880" and r["COMM_LVL"] == "-")
    assert int(japan[value_var(flow)]) == published_total("5880", flow, JAN)
    assert published_total("5880", "exports", JAN) == 4_986_200_000


def test_each_level_adds_up_to_the_level_above(rows):
    flow, table = rows
    value = value_var(flow)
    for code, *_ in PARTNERS[:10]:
        mine = {
            r["E_COMMODITY" if flow == "exports" else "I_COMMODITY"]: int(r[value])
            for r in table
            if r["CTY_CODE"] == code
        }
        for width, parent_width in ((10, 6), (6, 4), (4, 2), (2, 0)):
            sums = defaultdict(int)
            for commodity, amount in mine.items():
                if len(commodity) == width:
                    sums[commodity[:parent_width] or "-"] += amount
            assert all(mine[parent] == total for parent, total in sums.items()), (code, width)


def test_countries_add_up_to_the_world_and_members_to_groupings(rows):
    flow, table = rows
    value = value_var(flow)
    totals = {r["CTY_CODE"]: int(r[value]) for r in table if r["COMM_LVL"] == "-"}
    countries = [code for code, *_ in PARTNERS]
    assert totals["-"] == sum(totals[c] for c in countries)
    assert totals["0020"] == totals["1220"] + totals["2010"]
    assert totals["1XXX"] == totals["1220"] + totals["2010"]  # Census puts Mexico in NORTH AMERICA
    assert totals["2XXX"] == totals["2050"] + totals["2230"]


def test_missing_quantities_are_flagged_zeros(rows):
    flow, table = rows
    quantity, flag = ("QTY_1_MO", "QTY_1_MO_FLAG") if flow == "exports" else ("GEN_QY1_MO", "GEN_QY1_MO_FLAG")
    flagged = [r for r in table if r["COMM_LVL"] == "HS6" and r[flag] == "M"]
    assert flagged and all(r[quantity] == "0" for r in flagged)


def test_the_sample_is_deterministic():
    month_rows.cache_clear()
    first = list(month_rows("imports", date(2017, 6, 1)))
    month_rows.cache_clear()
    assert list(month_rows("imports", date(2017, 6, 1))) == first
