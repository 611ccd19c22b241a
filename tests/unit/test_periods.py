from datetime import date

import pytest

from orchestration.core.errors import InputError
from orchestration.core.periods import add_months, month_range, parse_month, validate_range

TODAY = date(2026, 11, 28)


def test_parse_month_gives_first_day():
    assert parse_month("2017-01") == date(2017, 1, 1)


@pytest.mark.parametrize("text", ["2017-13", "2017-00", "2017-1", "17-01", "2017/01", "", "2017-01-01", "jan 2017"])
def test_malformed_months_are_refused(text):
    with pytest.raises(InputError, match="YYYY-MM"):
        parse_month(text)


def test_range_includes_both_ends():
    assert validate_range("2016-11", "2017-02", today=TODAY) == [
        date(2016, 11, 1),
        date(2016, 12, 1),
        date(2017, 1, 1),
        date(2017, 2, 1),
    ]


def test_end_before_start_is_refused():
    with pytest.raises(InputError, match="--end 2017-01 is before --start 2017-03"):
        validate_range("2017-03", "2017-01", today=TODAY)


def test_months_before_2010_are_refused():
    with pytest.raises(InputError, match="before 2010-01"):
        validate_range("2009-12", "2010-02", today=TODAY)


def test_current_and_future_months_are_refused():
    with pytest.raises(InputError, match="latest possible month is 2026-10"):
        validate_range("2026-10", "2026-11", today=TODAY)
    assert validate_range("2026-10", "2026-10", today=TODAY) == [date(2026, 10, 1)]


def test_add_months_crosses_years_both_ways():
    assert add_months(date(2017, 1, 1), -1) == date(2016, 12, 1)
    assert add_months(date(2016, 12, 1), 13) == date(2018, 1, 1)
    assert month_range(date(2017, 3, 1), date(2017, 2, 1)) == []
