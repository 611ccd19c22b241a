"""A small sample tariff schedule for the demo, in the HTS JSON row format.

Rate texts are those printed in the 2025 Basic edition of the HTSUS for these lines (beef,
LNG, passenger cars, tanks, military weapons, and the Chapter 99 heading 9903.88.03 that the LNG
line's footnote names); the aircraft line's rates are made up. The demo applies them to 2017
and 2016, which no published schedule here confirms, so every row is loaded with
`source = 'sample'` (`sample_synthetic` in the marts).
"""

from __future__ import annotations

import json

SAMPLE_RELEASE = "HTSSample"
SAMPLE_RELEASE_DATE = "2016-01-01"

_BEEF_SPECIAL = (
    "Free (BH,CL,CO,JO,MA,OM,P,PE,S,SG) 1.7% (KR) See 9822.04.01-9822.04.03 (AU) See 9919.02.01-9919.02.02 (PA)"
)
_FROZEN_SPECIAL = "Free (A+,AU,BH,CL,CO,D,E*,IL,JO,KR,MA,OM,P,PA,PE,S,SG)"
_CAR_SPECIAL = "Free (A+,AU,B,BH,CL,CO,D,E,IL,JO,KR,MA,OM,P,PA,PE,S,SG)"

# htsno, indent, description, general, special, other, unit, chapter 99 footnote
_LINES = (
    ("0201", 0, "Meat of bovine animals, fresh or chilled:", "", "", "", None, None),
    ("0201.20", 1, "Other cuts with bone in:", "", "", "", None, None),
    ("0201.20.80", 2, "Other", "26.4%", _BEEF_SPECIAL, "31.1%", None, "9903.88.15"),
    ("0201.20.80.10", 3, "Bison", "", "", "", "kg", None),
    ("0201.20.80.90", 3, "Other", "", "", "", "kg", None),
    ("0201.30", 1, "Boneless:", "", "", "", None, None),
    ("0201.30.80", 2, "Other", "26.4%", _BEEF_SPECIAL, "31.1%", None, "9903.88.15"),
    ("0201.30.80.10", 3, "Bison", "", "", "", "kg", None),
    ("0201.30.80.90", 3, "Other", "", "", "", "kg", None),
    ("0202", 0, "Meat of bovine animals, frozen:", "", "", "", None, None),
    ("0202.20", 1, "Other cuts with bone in:", "", "", "", None, None),
    ("0202.20.80.00", 2, "Other", "26.4%", _BEEF_SPECIAL, "31.1%", "kg", "9903.88.15"),
    ("0202.30", 1, "Boneless:", "", "", "", None, None),
    ("", 2, "Other:", "", "", "", None, None),
    ("0202.30.50", 3, "Other", "4.4¢/kg", _FROZEN_SPECIAL, "13.2¢/kg", None, "9903.88.15"),
    ("0202.30.50.25", 4, "Rib cuts", "", "", "", "kg", None),
    ("0202.30.50.35", 4, "Chuck cuts", "", "", "", "kg", None),
    ("0202.30.50.85", 4, "Other", "", "", "", "kg", None),
    ("0202.30.80.00", 2, "Other", "26.4%", _BEEF_SPECIAL, "31.1%", "kg", "9903.88.15"),
    ("2711", 0, "Petroleum gases and other gaseous hydrocarbons:", "", "", "", None, None),
    ("", 1, "Liquefied:", "", "", "", None, None),
    ("2711.11.00.00", 2, "Natural gas", "Free", "", "Free", "m3", "9903.88.03"),
    (
        "8703",
        0,
        "Motor cars and other motor vehicles principally designed for the transport of persons:",
        "",
        "",
        "",
        None,
        None,
    ),  # noqa: E501
    (
        "8703.23.01",
        2,
        "Of a cylinder capacity exceeding 1,500 cc but not exceeding 3,000 cc",
        "2.5%",
        _CAR_SPECIAL,
        "10%",
        None,
        "9903.88.01",
    ),  # noqa: E501
    ("8703.23.01.40", 3, "New, having engines with not more than 4 cylinders", "", "", "", "No.", None),
    (
        "8703.23.01.60",
        3,
        "New, having engines with more than 4 cylinders but not more than 6 cylinders",
        "",
        "",
        "",
        "No.",
        None,
    ),  # noqa: E501
    ("8703.23.01.90", 3, "Used", "", "", "", "No.", None),
    ("8703.24.01", 2, "Of a cylinder capacity exceeding 3,000 cc", "2.5%", _CAR_SPECIAL, "10%", None, "9903.88.01"),
    ("8703.24.01.40", 3, "New, having engines with not more than 4 cylinders", "", "", "", "No.", None),
    (
        "8703.24.01.50",
        3,
        "New, having engines with more than 4 cylinders but not more than 6 cylinders",
        "",
        "",
        "",
        "No.",
        None,
    ),  # noqa: E501
    ("8703.24.01.60", 3, "New, having engines with more than 6 cylinders", "", "", "", "No.", None),
    (
        "8703.80.00",
        1,
        "Other vehicles, with only electric motors for propulsion",
        "2.5%",
        _CAR_SPECIAL,
        "10%",
        None,
        None,
    ),
    ("8703.80.00.20", 2, "New", "", "", "", "No.", None),
    (
        "8710.00.00",
        0,
        "Tanks and other armored fighting vehicles, motorized, and parts of such vehicles",
        "Free",
        "",
        "35%",
        None,
        "9903.88.15",
    ),  # noqa: E501
    ("8710.00.00.30", 2, "Tracked (including half-tracked)", "", "", "", "No.", None),
    (
        "8802",
        0,
        "Other aircraft (for example, helicopters, airplanes); spacecraft and launch vehicles:",
        "",
        "",
        "",
        None,
        None,
    ),  # noqa: E501
    (
        "8802.40.00",
        1,
        "Airplanes and other aircraft, of an unladen weight exceeding 15,000 kg",
        "Free",
        "",
        "30%",
        None,
        None,
    ),
    ("8802.40.00.60", 2, "Passenger transports (sample line)", "", "", "", "No.", None),
    (
        "9301",
        0,
        "Military weapons, other than revolvers, pistols and the arms of heading 9307:",
        "",
        "",
        "",
        None,
        None,
    ),
    ("9301.90", 1, "Other:", "", "", "", None, None),
    ("9301.90.90", 2, "Other", "Free", "", "27.5%", None, "9903.88.15"),
    ("9301.90.90.30", 3, "Machine guns", "", "", "", "No.", None),
    ("9301.90.90.90", 3, "Other", "", "", "", "No.", None),
    (
        "9903.88.03",
        0,
        "Articles the product of China, as provided for in U.S. note 20(f) to this subchapter (sample text)",
        "The duty provided in the applicable subheading + 25%",
        "",
        "",
        None,
        None,
    ),  # noqa: E501
)

# Census import codes (HTS10) under the sample's HS6 codes; any other HS6 code gets a
# synthetic HS6 + "0000" child.
HTS10_CHILDREN = {
    "020120": ("0201208010", "0201208090"),
    "020130": ("0201308010", "0201308090"),
    "020220": ("0202208000",),
    "020230": ("0202305025", "0202305035", "0202305085", "0202308000"),
    "271111": ("2711110000",),
    "870323": ("8703230140", "8703230160", "8703230190"),
    "870324": ("8703240140", "8703240150", "8703240160"),
    "870380": ("8703800020",),
    "871000": ("8710000030",),
    "880240": ("8802400060",),
    "930190": ("9301909030", "9301909090"),
}


def hts10_descriptions() -> dict[str, str]:
    return {line[0].replace(".", ""): line[2] for line in _LINES if len(line[0]) == 13}


def sample_rows() -> list[dict]:
    rows = []
    for htsno, indent, description, general, special, other, unit, chapter99 in _LINES:
        footnotes = [{"columns": ["general"], "value": f"See {chapter99}. ", "type": "endnote"}] if chapter99 else []
        rows.append(
            {
                "htsno": htsno,
                "indent": str(indent),
                "description": description,
                "superior": "true" if not htsno else None,
                "units": [unit] if unit else [],
                "general": general,
                "special": special,
                "other": other,
                "footnotes": footnotes,
                "quotaQuantity": None,
                "additionalDuties": None,
            }
        )
    return rows


def sample_body() -> bytes:
    return json.dumps(sample_rows(), ensure_ascii=False).encode()
