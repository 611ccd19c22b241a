from datetime import date

import pytest

from orchestration.census.plan import CHAPTERS, CensusRequest, parse_levels, plan_month
from orchestration.core.errors import InputError

JAN = date(2017, 1, 1)


def test_default_plan_is_totals_then_hs10_by_chapter_then_names():
    plan = plan_month("exports", JAN)
    kinds = [r.kind for r in plan]
    assert kinds[0] == "totals" and kinds[-4:] == ["names"] * 4
    assert [r.level for r in plan if r.kind == "names"] == ["HS2", "HS4", "HS6", "HS10"]
    detail = [r for r in plan if r.kind == "detail"]
    # HS10 only (HS2, HS4 and HS6 are summed from it in dbt), chapter by chapter: 98 chapters (77
    # is unused), of which exports have no 99
    assert {r.level for r in detail} == {"HS10"} and len(CHAPTERS) == 98 and "77" not in CHAPTERS
    assert [r.prefix for r in detail] == [c for c in CHAPTERS if c != "99"]
    assert [r.prefix for r in plan_month("imports", JAN) if r.kind == "detail"] == list(CHAPTERS)
    assert len({r.request_id for r in plan}) == len(plan) == 1 + 97 + 4


def test_the_finest_level_decides_the_detail():
    assert {r.level for r in plan_month("imports", JAN, ("HS2", "HS4")) if r.kind == "detail"} == {"HS4"}
    assert len(plan_month("imports", JAN, ("HS2", "HS4", "HS6", "HS10"))) == 1 + 98 + 4
    assert len(plan_month("imports", JAN, ("HS2",))) == 1 + 98 + 1


def test_an_older_plans_wider_request_covers_a_chapter():
    chapter = CensusRequest("exports", JAN, "detail", "HS4", "84")
    assert [r.request_id for r in chapter.covering()] == ["detail-hs4-8", "detail-hs4"]


def test_totals_request_asks_partner_and_value_measures_only():
    totals = plan_month("imports", JAN)[0]
    params = dict(totals.params())
    assert params["get"].split(",") == [
        "CTY_CODE",
        "CTY_NAME",
        "SUMMARY_LVL",
        "GEN_VAL_MO",
        "CON_VAL_MO",
        "DUT_VAL_MO",
        "CAL_DUT_MO",
        "GEN_CIF_MO",
        "VES_VAL_MO",
        "AIR_VAL_MO",
    ]
    assert params["time"] == "2017-01" and "COMM_LVL" not in params


def test_chapter_requests_use_a_wildcard_and_ask_quantity_with_its_flag():
    request = next(r for r in plan_month("exports", JAN) if r.request_id == "detail-hs10-02")
    params = request.params()
    assert ("COMM_LVL", "HS10") in params and ("E_COMMODITY", "02*") in params and ("SUMMARY_LVL", "DET") in params
    requested = dict(params)["get"].split(",")
    assert {"E_COMMODITY", "QTY_1_MO", "QTY_1_MO_FLAG", "UNIT_QY1", "ALL_VAL_MO"} <= set(requested)
    assert not any(p[0] == "key" for p in params)


def test_narrower_levels_are_fetched_at_their_finest():
    assert not any(r.level == "HS10" for r in plan_month("imports", JAN, ("HS2", "HS4", "HS6")))
    assert sum(r.level == "HS10" for r in plan_month("imports", JAN)) == 99  # 98 chapters + names


def test_levels_are_parsed_ordered_and_deduplicated():
    assert parse_levels("hs6, HS2,HS6") == ("HS2", "HS6")


@pytest.mark.parametrize("text", ["HS3", "", "HS2,HS8", "naics"])
def test_unknown_levels_are_refused(text):
    with pytest.raises(InputError, match="choose from HS2,HS4,HS6,HS10"):
        parse_levels(text)
