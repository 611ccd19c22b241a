"""Japan's tariff rate texts to structure: the shapes the schedule prints (real texts), and garbage."""

import csv

import pytest

from orchestration.partners.japan_rates import RATE_COLUMNS, parse_japan_rate, parse_texts

FIXTURE = "fixtures/partner_tariffs/japan_tariff_lines_beef_pork.csv"
NUMBERS = (
    "ad_valorem_pct",
    "specific_jpy_per_kg",
    "gate_price_jpy_per_kg",
    "gate_base_jpy",
    "gate_factor",
    "ad_valorem_equivalent_pct",
)
POOLED = "For the Pooled Quota"  # the schedule's prefix of a rate within a quota


def _numbers(rate) -> dict:
    return {name: getattr(rate, name) for name in NUMBERS if getattr(rate, name) is not None}


def _fixture_rows(shared) -> list[dict]:
    with (shared / FIXTURE).open(newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def test_ad_valorem_rate_is_its_own_equivalent():
    rate = parse_japan_rate("38.5%")
    assert (rate.parsed, rate.kind, rate.applied, rate.ad_valorem_pct) == (True, "ad_valorem", True, 38.5)
    assert rate.ad_valorem_equivalent_pct == 38.5 and not rate.pooled_quota


def test_free_is_zero_percent_not_unknown():
    rate = parse_japan_rate("Free")
    assert (rate.kind, rate.applied, rate.ad_valorem_equivalent_pct) == ("free", True, 0.0)


@pytest.mark.parametrize("text", ["--", "", "  ", None])
def test_no_rate_is_none_and_no_number(text):
    rate = parse_japan_rate(text)
    assert (rate.parsed, rate.kind, rate.applied) == (True, "none", False) and _numbers(rate) == {}


@pytest.mark.parametrize(
    "text, kind, numbers",
    [
        ("(50%)", "ad_valorem", {"ad_valorem_pct": 50.0, "ad_valorem_equivalent_pct": 50.0}),
        ("(4.3%)", "ad_valorem", {"ad_valorem_pct": 4.3, "ad_valorem_equivalent_pct": 4.3}),
        ("(361 yen/kg)", "specific", {"specific_jpy_per_kg": 361.0}),
    ],
)
def test_a_bracketed_rate_is_printed_but_not_applied(text, kind, numbers):
    rate = parse_japan_rate(text)
    assert (rate.parsed, rate.kind, rate.applied) == (True, kind, False) and _numbers(rate) == numbers


def test_a_formula_that_opens_with_a_bracket_is_applied():
    rate = parse_japan_rate("(393 yen x 1.007 - the value for customs duty)/kg or 46.50 yen/kg whichever is the less")
    assert rate.kind == "gate_price" and rate.applied


@pytest.mark.parametrize(
    "text, pct, note",
    [
        (f"{POOLED} 30.8%", 30.8, None),
        (f"{POOLED} 7.6%", 7.6, None),
        (f"{POOLED} (excluding quarter) 34.6%", 34.6, "excluding quarter"),
    ],
)
def test_a_pooled_quota_rate_applies_within_the_quota(text, pct, note):
    rate = parse_japan_rate(text)
    assert (rate.kind, rate.pooled_quota, rate.quota_note, rate.ad_valorem_pct) == ("ad_valorem", True, note, pct)
    assert rate.ad_valorem_equivalent_pct == pct and rate.applied


def test_a_specific_rate_has_no_ad_valorem_equivalent():
    rate = parse_japan_rate("361 yen/kg")
    assert (rate.kind, rate.specific_jpy_per_kg, rate.ad_valorem_pct) == ("specific", 361.0, None)
    assert rate.ad_valorem_equivalent_pct is None  # it needs a price per kg to convert


@pytest.mark.parametrize(
    "text, pct, yen",
    [
        ("10% or 11 yen/kg whichever is the greater", 10.0, 11.0),
        ("5% or 5.50 yen/kg whichever is the greater", 5.0, 5.5),
    ],
)
def test_a_compound_rate_keeps_both_parts_and_which_is_charged(text, pct, yen):
    rate = parse_japan_rate(text)
    assert (rate.kind, rate.ad_valorem_pct, rate.specific_jpy_per_kg, rate.combine) == ("compound", pct, yen, "greater")
    assert rate.ad_valorem_equivalent_pct is None


@pytest.mark.parametrize(
    "text, pooled, combine, numbers",
    [
        (
            f"{POOLED} (535.53 yen/kg- the value for customs duty/kg) or 2.2% whichever is the greater",
            True,
            "greater",
            {"gate_price_jpy_per_kg": 535.53, "gate_base_jpy": 535.53, "ad_valorem_pct": 2.2},
        ),
        (
            f"{POOLED} (401.65 yen/kg- the value for customs duty/kg) or 361 yen/kg whichever is the less",
            True,
            "less",
            {"gate_price_jpy_per_kg": 401.65, "gate_base_jpy": 401.65, "specific_jpy_per_kg": 361.0},
        ),
        (
            "(393 yen x 1.007 - the value for customs duty)/kg or 46.50 yen/kg whichever is the less",
            False,
            "less",
            {
                "gate_price_jpy_per_kg": 395.751,
                "gate_base_jpy": 393.0,
                "gate_factor": 1.007,
                "specific_jpy_per_kg": 46.5,
            },
        ),
    ],
)
def test_a_gate_price_formula_keeps_the_gate_price_and_the_other_part(text, pooled, combine, numbers):
    rate = parse_japan_rate(text)
    assert (rate.parsed, rate.kind, rate.pooled_quota, rate.combine) == (True, "gate_price", pooled, combine)
    assert _numbers(rate) == pytest.approx(numbers)
    assert rate.quota_note is None  # the formula's bracket is not a note


@pytest.mark.parametrize(
    "text, column",
    [
        ("same as Australia", "australia_epa"),
        ("same as JP-US", "jp_us_trade_agreement"),
        ("same as Mongolia", "Mongolia"),  # an unknown name is kept as printed
    ],
)
def test_a_reference_names_the_other_column(text, column):
    rate = parse_japan_rate(text)
    assert (rate.parsed, rate.kind, rate.reference_column) == (True, "reference", column) and _numbers(rate) == {}


@pytest.mark.parametrize(
    "text",
    [
        "see note 3",
        "12 percent-ish",
        "(see note 3)",
        f"{POOLED} see note 3",
        "10% or 11% whichever is the greater",  # two parts of one kind
        "(393 yen x 1.007 - the value for customs duty) or 46.50 yen/kg whichever is the less",  # per what?
        "5 yen/l",
    ],
)
def test_what_is_not_understood_keeps_its_text_and_no_number(text):
    rate = parse_japan_rate(text)
    assert (rate.text, rate.parsed, rate.kind, rate.applied) == (text, False, "unparsed", False)
    assert _numbers(rate) == {} and rate.combine is None and rate.reference_column is None


def test_the_text_is_kept_verbatim():
    rate = parse_japan_rate(" 38.5%\u00a0")
    assert rate.text == " 38.5%\u00a0" and rate.ad_valorem_pct == 38.5


def test_each_distinct_text_is_parsed_once_in_order():
    rates = parse_texts(["38.5%", "(50%)", "38.5%", "--"])
    assert [(r.text, r.kind) for r in rates] == [("38.5%", "ad_valorem"), ("(50%)", "ad_valorem"), ("--", "none")]


def test_the_rate_columns_are_the_schedules_in_order(shared):
    with (shared / FIXTURE).open(newline="") as handle:
        header = next(csv.reader(line for line in handle if not line.startswith("#")))
    assert tuple(header[header.index("description") + 1 : header.index("unit")]) == RATE_COLUMNS


def test_every_rate_cell_of_the_schedule_parses(shared):
    texts = [row[column] for row in _fixture_rows(shared) for column in RATE_COLUMNS if row[column]]
    rates = parse_texts(texts)
    assert len(rates) > 20  # the fixture's variety is read, not an empty file
    assert [r.text for r in rates if not r.parsed] == []


def test_known_cells_of_the_schedule(shared):
    cells = {(row["edition"], row["stat_code"]): row for row in _fixture_rows(shared)}
    mexico = parse_japan_rate(cells[("2024-04-01", "0202.20.000")]["mexico_epa"])
    assert (mexico.kind, mexico.pooled_quota, mexico.ad_valorem_pct) == ("ad_valorem", True, 30.8)
    pork = parse_japan_rate(cells[("2024-04-01", "0203.21.020")]["jp_us_trade_agreement"])
    assert (pork.kind, pork.gate_base_jpy, pork.gate_factor, pork.combine) == ("gate_price", 393.0, 1.007, "less")
    assert pork.gate_price_jpy_per_kg == pytest.approx(393 * 1.007) and pork.specific_jpy_per_kg == 46.5
    general = parse_japan_rate(cells[("2017-era (pre-CPTPP)", "0201.10.000")]["general"])
    assert (general.ad_valorem_pct, general.applied) == (50.0, False)
    australia = parse_japan_rate(cells[("2024-04-01", "0203.19.022")]["mexico_epa"])
    assert australia.reference_column == "australia_epa"
