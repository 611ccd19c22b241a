"""`trade-warehouse find`: commodities and partners by name or code, over the demo's serving copy."""

import re

import pytest

from orchestration.app.cli import main
from orchestration.devdata.catalog import CHAPTERS, HEADINGS, SUBHEADINGS
from orchestration.devdata.sample import hs10_children

BEEF_HS6 = ("020120", "020130", "020220", "020230")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def columns(line: str) -> list[str]:
    return re.split(r"\s{2,}", line)


@pytest.fixture
def demo(demo_warehouse, monkeypatch):
    """The demo warehouse (its serving copy beside it) as the user's warehouse."""
    monkeypatch.setenv("WAREHOUSE_PATH", str(demo_warehouse))
    return demo_warehouse


@pytest.mark.parametrize("limit", ["0", "-3"])
def test_a_limit_below_one_is_a_one_line_error(capsys, limit):
    code, out, err = run(capsys, "find", "beef", "--limit", limit)
    assert (code, out) == (1, "")
    assert err == f"error: --limit {limit}: give a positive number of rows to show per section\n"


def test_blank_text_is_a_one_line_error(capsys):
    code, out, err = run(capsys, "find", "  ")
    assert code == 1 and out == "" and err.startswith("error: find: give a word or a code") and err.count("\n") == 1


def test_find_beef_lists_the_bovine_meat_codes_with_their_paths(capsys, demo):
    code, out, err = run(capsys, "find", "beef")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    # HS4 and HS6 codes are alike in both flows (one line each); HS10 codes differ by flow
    hs10 = [(flow, c) for flow in ("exports", "imports") for hs6 in BEEF_HS6 for c in hs10_children(flow, hs6)]
    assert lines[0] == f"commodities matching 'beef': {2 + len(BEEF_HS6) + len(hs10)}"
    assert columns(lines[1]) == ["flow", "code", "level", "description"]
    rows = [columns(line) for line in lines[2:]]
    assert len(rows) == 2 + len(BEEF_HS6) + len(hs10)  # and no partner matches
    assert rows[0] == ["exports/imports", "0201", "HS4", f"{CHAPTERS['02']} › {HEADINGS['0201']}"]
    assert [row[1] for row in rows[2:6]] == list(BEEF_HS6)
    assert {(row[0], row[1]) for row in rows if row[2] == "HS10"} == set(hs10)
    subheading = dict((code, name) for code, name, *_ in SUBHEADINGS)["020230"]
    assert ["imports", "0202305025", "HS10", f"{CHAPTERS['02']} › {HEADINGS['0202']} › {subheading} › RIB CUTS"] in rows


def test_find_japan_prints_its_code_name_and_iso_codes(capsys, demo):
    code, out, err = run(capsys, "find", "japan")
    assert (code, err) == (0, "")
    assert out == "partners matching 'japan': 1\ncode  name   iso2  iso3  type\n5880  Japan  JP    JPN   country\n"


def test_a_partner_is_found_by_its_census_spelling_or_iso_code(capsys, demo):
    for text in ("korea, south", "KR", "kor", "5800"):
        code, out, _ = run(capsys, "find", text)
        assert code == 0 and columns(out.splitlines()[2]) == ["5800", "South Korea", "KR", "KOR", "country"], text


def test_a_grouping_has_a_title_case_name_and_no_iso_code(capsys, demo):
    code, out, _ = run(capsys, "find", "european", "--warehouse")
    assert code == 0 and columns(out.splitlines()[2]) == ["0003", "European Union", "economic_grouping"]


def test_a_code_finds_its_descendants_and_a_leaf_shows_its_path(capsys, demo):
    code, out, _ = run(capsys, "find", "8703.80", "--limit", "2")
    assert code == 0
    lines = out.splitlines()
    # 870380 in both flows, one HS10 code under it in each
    assert lines[0] == "commodities matching '8703.80': 3, the first 2 (--limit to see more)"
    assert [columns(line)[:3] for line in lines[2:]] == [
        ["exports/imports", "870380", "HS6"],
        ["exports", "8703800000", "HS10"],
    ]  # noqa: E501
    code, out, _ = run(capsys, "find", "8703800020")
    assert columns(out.splitlines()[2])[3] == (
        "VEHICLES, OTHER THAN RAILWAY OR TRAMWAY ROLLING STOCK, AND PARTS › MOTOR CARS AND VEHICLES PRINCIPALLY "
        "DESIGNED TO TRANSPORT PERSONS › PASSENGER VEHICLES WITH ONLY ELECTRIC MOTOR FOR PROPULSION › NEW"
    )


def test_no_match_says_so_on_stderr_and_exits_1(capsys, demo):
    code, out, err = run(capsys, "find", "unobtainium")
    assert (code, out) == (1, "")
    assert err == (
        "nothing matches 'unobtainium': no commodity description or code, no partner name, code or ISO code\n"
    )
