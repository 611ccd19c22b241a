"""The search behind `trade-warehouse find`, on a few rows of the two dimensions."""

import duckdb
import pytest

from orchestration.core.errors import InputError, WarehouseError
from orchestration.publish.find import FindQuery, format_found


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        """
        create table marts.dim_commodity as select * from (values
            ('exports', '0201', 4, 'MEAT OF BOVINE ANIMALS', '02 MEAT › MEAT OF BOVINE ANIMALS'),
            ('imports', '0201', 4, 'MEAT OF BOVINE ANIMALS', '02 MEAT › MEAT OF BOVINE ANIMALS'),
            ('imports', '0201208010', 10, 'BISON', '02 MEAT › MEAT OF BOVINE ANIMALS › BISON'),
            ('imports', '0203', 4, 'MEAT OF SWINE, FROZEN', null),
            ('imports', '5208', 4, '100% COTTON', '52 COTTON › 100% COTTON')
        ) t(flow, commodity_code, hs_level, description, description_path)
        """
    )
    con.execute(
        """
        create table marts.dim_country as select * from (values
            ('5880', 'JAPAN', 'Japan', 'JP', 'JPN', false, 'country'),
            ('5800', 'KOREA, SOUTH', 'South Korea', 'KR', 'KOR', false, 'country'),
            ('0003', 'EUROPEAN UNION', 'European Union', null, null, true, 'economic_grouping')
        ) t(partner_code, partner_name, display_name, iso2, iso3, is_aggregate, grouping_type)
        """
    )
    yield con
    con.close()


def codes(con, text, limit=25):
    found = FindQuery(text, limit).run(con)
    return [row[1] for row in found.commodities], [row[0] for row in found.countries]


def test_everyday_meat_words_also_find_the_census_words(con):
    assert codes(con, "beef") == (["0201", "0201208010"], [])
    assert codes(con, "PORK") == (["0203"], [])  # the description, where the code has no path


def test_every_word_must_match_somewhere_in_the_path(con):
    assert codes(con, "bovine bison") == (["0201208010"], [])
    assert codes(con, "bovine swine") == ([], [])


def test_like_wildcards_in_the_text_are_plain_characters(con):
    assert codes(con, "100%") == (["5208"], [])
    assert codes(con, "%") == (["5208"], [])
    assert codes(con, "_") == ([], [])
    assert codes(con, "' or 1=1 --") == ([], [])


def test_a_number_is_a_code_prefix_not_a_word(con):
    assert codes(con, "0201") == (["0201", "0201208010"], [])
    assert codes(con, "0201.20") == (["0201208010"], [])
    assert codes(con, "02") == (["0201", "0203", "0201208010"], [])  # broader codes first
    assert codes(con, "100") == ([], [])  # not 100% COTTON: a number is looked for as a code only
    assert codes(con, "5880") == ([], ["5880"])


def test_partners_by_either_name_census_code_or_iso_code(con):
    for text in ("south korea", "Korea, South", "kr", "KOR", "5800"):
        assert codes(con, text) == ([], ["5800"]), text
    assert codes(con, "0003") == ([], ["0003"])


def test_the_limit_applies_per_section_and_the_total_is_told(con):
    found = FindQuery("bovine", 1).run(con)
    assert (len(found.commodities), found.commodity_total) == (1, 2)
    assert format_found(found).splitlines()[0] == "commodities matching 'bovine': 2, the first 1 (--limit to see more)"


def test_flows_that_name_a_code_alike_share_a_line(con):
    text = format_found(FindQuery("0201", 25).run(con))
    assert text.splitlines()[1:] == [
        "flow             code        level  description",
        "exports/imports  0201        HS4    02 MEAT › MEAT OF BOVINE ANIMALS",
        "imports          0201208010  HS10   02 MEAT › MEAT OF BOVINE ANIMALS › BISON",
    ]


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_below_one_is_refused(limit):
    with pytest.raises(InputError, match=f"--limit {limit}: give a positive number"):
        FindQuery("beef", limit)


def test_marts_without_the_dimensions_say_so_in_one_line():
    with duckdb.connect() as empty, pytest.raises(WarehouseError, match="cannot search the marts") as raised:
        FindQuery("beef").run(empty)
    assert "\n" not in str(raised.value)
