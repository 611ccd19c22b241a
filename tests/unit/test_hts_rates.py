"""HTS rate texts to structure: the shapes the schedule prints, and its dirty variants."""

import pytest

from orchestration.hts.rates import chapter99_references, normalize, parse_rate, parse_special


def test_free_is_zero_not_unknown():
    rate = parse_rate("Free")
    assert (rate.kind, rate.ad_valorem_pct) == ("free", 0.0)


@pytest.mark.parametrize("text, pct", [("2.5%", 2.5), ("2.5% ", 2.5), ("26.4%", 26.4), ("200%", 200.0)])
def test_ad_valorem(text, pct):
    rate = parse_rate(text)
    assert (rate.status, rate.kind, rate.ad_valorem_pct) == ("parsed", "ad_valorem", pct)


@pytest.mark.parametrize(
    "text, dollars, unit",
    [
        ("4.4¢/kg", 0.044, "kg"),
        ("$1.035/kg", 1.035, "kg"),
        ("10.5¢/bbl", 0.105, "bbl"),
        ("$1.05/bbl", 1.05, "bbl"),
        ("19.3¢/liter", 0.193, "liter"),
        ("$1/head", 1.0, "head"),
        ("2.5¢/doz.", 0.025, "dozen"),
        ("4.9¢/m²", 0.049, "m2"),
        ("4.9¢/m<sup>2</sup>", 0.049, "m2"),
        ("14¢ each", 0.14, "each"),
        ("$3.50 each", 3.5, "each"),
    ],
)
def test_specific_rates_keep_amount_in_dollars_and_unit(text, dollars, unit):
    rate = parse_rate(text)
    assert rate.kind == "specific" and rate.specific.value == pytest.approx(dollars) and rate.specific.unit == unit
    assert rate.ad_valorem_pct == 0.0  # the ad valorem part of a purely specific rate


def test_compound_rate_is_split_in_its_two_parts():
    rate = parse_rate("26.4¢/kg + 10%")
    assert rate.kind == "compound"
    assert [(c.kind, c.value, c.unit) for c in rate.components] == [
        ("specific", 0.264, "kg"),
        ("ad_valorem", 10.0, None),
    ]
    assert rate.ad_valorem_pct == 10.0 and rate.specific.value == pytest.approx(0.264)


def test_parts_on_part_of_the_value_keep_their_basis():
    rate = parse_rate("4.7% on the value of the rifle + 20% on the value of the telescopic sight, if any")
    assert rate.kind == "compound" and rate.ad_valorem_pct is None
    assert [c.basis for c in rate.components] == [
        "on the value of the rifle",
        "on the value of the telescopic sight, if any",
    ]


def test_minimum_and_maximum_clauses():
    rate = parse_rate("1.5¢/kg, but not less than 2%")
    assert rate.minimum.value == 2.0 and rate.minimum.kind == "ad_valorem" and rate.maximum is None
    rate = parse_rate("5% but not more than 10¢/kg")
    assert rate.maximum.value == pytest.approx(0.10) and rate.maximum.unit == "kg"


@pytest.mark.parametrize(
    "text, kind, added",
    [
        ("The duty provided in the applicable subheading + 25%", "mfn_plus", 25.0),
        ("The duty provided in the applicable subheading + 50%.", "mfn_plus", 50.0),
        ("The duty provided inthe applicable subheading+ 25%", "mfn_plus", 25.0),
        ("The duty provided in the applicable subheading plus 25%", "mfn_plus", 25.0),
        ("The duty provided in the applicable subheading +10%", "mfn_plus", 10.0),
        ("The duty provided in the applicable subheading", "mfn", None),
        ("The duty provided for in the applicable subheading", "mfn", None),
        ("No change", "no_change", None),
        ("no change.", "no_change", None),
    ],
)
def test_chapter99_texts(text, kind, added):
    rate = parse_rate(text)
    assert rate.status == "parsed" and rate.kind == kind and rate.ad_valorem_pct == added


def test_a_duty_on_the_metal_content_is_additional_with_its_basis():
    rate = parse_rate(
        "The duty provided in the applicable subheading + a duty of 50% upon the value of the steel content."
    )
    assert rate.kind == "mfn_plus" and rate.components[0].basis == "upon the value of the steel content"
    assert rate.ad_valorem_pct is None  # it is not 50% of the whole value


def test_duty_of_named_subheadings_keeps_them():
    rate = parse_rate("The duty provided in subheadings 8716.39.00, 8716.90.30 or 8716.90.50 + 100%")
    assert rate.references == ("8716.39.00", "8716.90.30", "8716.90.50") and rate.ad_valorem_pct == 100.0


@pytest.mark.parametrize("text", ["", " ", "\n", None])
def test_blank_is_empty_not_zero(text):
    rate = parse_rate(text)
    assert rate.status == "empty" and rate.ad_valorem_pct is None


@pytest.mark.parametrize(
    "text",
    [
        "The rate applicable to each garment in the ensemble if separately entered",
        "37.2¢/kg less 0.020668¢/kg for each degree under 100 degrees",
        "See heading 9902",
    ],
)
def test_what_is_not_understood_keeps_its_text_and_no_number(text):
    rate = parse_rate(text)
    assert rate.status == "unparsed" and rate.text == text and rate.ad_valorem_pct is None and rate.specific is None


def test_special_column_segments_by_program():
    special = parse_special(
        "Free (BH,CL,CO,JO,MA,OM,P,PE,S,SG) 1.7% (KR) See 9822.04.01-9822.04.03 (AU) See 9919.02.01-9919.02.02 (PA)"
    )
    assert special.status == "parsed"
    assert special.for_program("KR").ad_valorem_pct == 1.7
    assert special.for_program("SG").kind == "free"
    assert special.for_program("AU").references == ("9822.04.01-9822.04.03",)
    assert special.for_program("JP") is None


def test_special_column_with_the_japan_agreement_and_messy_spacing():
    special = parse_special("Free (A+,AU,BH,CL,CO,D,E,IL, JO,KR,MA, OM,P,PA,PE,S,SG)3% (JP)")
    assert special.for_program("JP").ad_valorem_pct == 3.0 and "JO" in special.segments[0].programs


def test_chapter99_special_column_without_programs():
    special = parse_special("The duty provided in the applicable subheading + 25%")
    assert special.segments[0].programs == () and special.segments[0].rate.kind == "mfn_plus"


def test_footnotes_point_to_chapter99():
    footnotes = [
        {"columns": ["general"], "value": "See 9903.88.15. ", "type": "endnote"},
        {"columns": ["desc"], "value": "See subheadings 9904.02.01-9904.02.37. ", "type": "endnote"},
        {"columns": ["stat", "units"], "value": " See chapter 99 statistical note 1. ", "type": "footnote"},
    ]
    assert chapter99_references(footnotes) == ["9903.88.15"]
    assert chapter99_references(footnotes, columns=("desc",)) == ["9904.02.01-9904.02.37"]
    assert chapter99_references(None) == []


def test_normalize_mends_typos():
    assert normalize("The duty provided inthe applicable subheading+ 25%.") == (
        "The duty provided in the applicable subheading + 25%"
    )


def test_footnotes_of_another_shape_name_no_heading():
    assert chapter99_references({"value": "See 9903.88.15."}) == []
    assert chapter99_references(["See 9903.88.15."]) == []
    assert chapter99_references([{"columns": ["general"], "value": "See 9903.88.15."}, "x"]) == ["9903.88.15"]


def test_a_warehouse_loaded_before_the_footnote_table_gets_it_filled():
    import duckdb

    from orchestration.hts.load import DDL, ensure_hts_schema

    with duckdb.connect() as con:
        con.execute("create schema raw")
        con.execute(DDL[0])  # raw.hts_lines as an older version created it
        note = '[{"columns": ["general"], "value": "See 9903.88.15."}]'
        con.execute(
            "insert into raw.hts_lines (release, ordinal, htsno, footnotes) values ('R', 1, '0201', $f)", {"f": note}
        )
        ensure_hts_schema(con)
        assert con.execute("select chapter99_refs from raw.hts_parsed_footnotes").fetchall() == [(["9903.88.15"],)]
