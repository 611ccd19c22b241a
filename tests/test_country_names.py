"""The census_countries seed (partner names and ISO codes) against Census Schedule C and ISO 3166."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pycountry
import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "dbt_project" / "seeds" / "census_countries.csv"
SCHEDULE_C = "fixtures/census/reference/schedule_c_country_codes_27JAN21.txt"
IMPORTS_2017_01 = "fixtures/census/api_rows/imports_hs_CTY_CAL_DUT_MO_CON_VAL_MO_2017-01.api_shape.json"
# Schedule C's codes for places ISO 3166 has no code of their own for, and what the seed uses
NOT_ISO = {"KV": ("XK", "XKX"), "GZ": ("PS", "PSE"), "WE": ("PS", "PSE")}


def seed() -> dict[str, dict[str, str]]:
    with SEED.open(newline="") as f:
        return {row["census_code"]: row for row in csv.DictReader(f)}


def schedule_c(path: Path) -> dict[str, tuple[str, str]]:
    """code -> (name, ISO code) from the fixed-width `Code | Name | ISO Code` list."""
    countries = {}
    for line in path.read_text().splitlines():
        if not (found := re.match(r"(\d{4})\s*\|(.*)\|(.*)$", line)):
            continue  # rules, header, footer
        code, name, iso = found[1], found[2].strip(), found[3].strip()
        if len(iso) > 2:  # the one name too long for its column runs over the bar: "...(formerly Za|rCD"
            iso = iso[-2:]
        countries[code] = (name, iso)
    return countries


def test_the_seed_holds_every_schedule_c_country_with_its_name_and_iso_code(shared):
    published = schedule_c(shared / SCHEDULE_C)
    rows = seed()
    assert len(published) == 240 and sorted(rows) == sorted(published)
    for code, (name, iso) in published.items():
        row = rows[code]
        # 7660's name is cut short in the file; the seed gives it whole
        assert row["census_name"] == name or (code == "7660" and row["census_name"].startswith(name)), code
        assert (row["iso2"], row["iso3"]) == NOT_ISO.get(iso, (iso, row["iso3"])), code


def test_every_country_code_in_real_api_rows_has_a_display_name(shared):
    """The 2017-01 imports rows name 229 countries (and the world and 20 groupings, which the seed
    leaves out to census_country_groupings)."""
    header, *rows = json.loads((shared / IMPORTS_2017_01).read_text())
    codes = {row[header.index("CTY_CODE")] for row in rows}
    countries = {code for code in codes if code[0] != "0" and "X" not in code and code != "-"}
    assert len(countries) == 229 and countries <= set(seed())


def test_iso_codes_are_iso_3166_and_agree_with_each_other():
    known = set()
    for code, row in seed().items():
        if row["iso2"] == "XK":  # Kosovo: a code the EU and the World Bank use, not assigned by ISO
            assert row["iso3"] == "XKX"
            continue
        country = pycountry.countries.get(alpha_2=row["iso2"])
        assert country is not None and country.alpha_3 == row["iso3"], code
        known.add(row["iso2"])
    # one ISO code per Schedule C country, but Kosovo's and Palestine's for the Gaza Strip and the West Bank
    assert len(known) == len(seed()) - 2


@pytest.mark.parametrize(
    "code, display",
    [
        ("5800", "South Korea"),
        ("5880", "Japan"),
        ("4280", "Germany"),
        ("5820", "Hong Kong"),
        ("7660", "Congo (Kinshasa)"),
        ("7630", "Congo (Brazzaville)"),
        ("1000", "United States"),
    ],
)
def test_display_names_are_plain_english(code, display):
    assert seed()[code]["display_name"] == display


def test_display_names_are_unique_and_plain():
    names = [row["display_name"] for row in seed().values()]
    assert len(set(names)) == len(names)
    assert not [name for name in names if name == name.upper()]  # no Census capitals
    # no long forms: "Syria (Syrian Arab Republic)", "Tanzania (United Republic of Tanzania)"
    assert not [name for name in names if re.search(r"\((Republic|Democratic|Federal|United|Syrian|Lao)", name)]
