"""The fixed-width lines of generated bulk ZIPs (devdata/bulk_files.py) and their reference
files: the concordance, countries, districts, HS descriptions and the NAICS, SITC, end-use and
high-tech code lists, with the real layouts. Classifications and labels are synthetic: stable
per code, every code the concordance gives is listed with a label, and so are a few shorter
aggregates (as the real lists hold codes of 1 to 6 digits)."""

from __future__ import annotations

import random

from orchestration.census.bulk import (
    CONCORDANCE,
    COUNTRY_CODES,
    DISTRICT_CODES,
    END_USE_CODES,
    HITECH_CODES,
    HS_DESCRIPTIONS,
    MEASURE_WIDTH,
    NAICS_CODES,
    SITC_CODES,
    Layout,
)


def stable_rng(*parts: object) -> random.Random:
    """The same numbers for the same parts, in every run."""
    return random.Random("|".join(["trade-warehouse-bulk-v1", *map(str, parts)]))


def _text(value: str, length: int) -> str:
    return value[:length].ljust(length)


def _number(value: int) -> str:
    return str(value).rjust(MEASURE_WIDTH)


def line(layout: Layout, keys: dict[str, str], month_values: dict[str, int], ytd: dict[str, int]) -> str:
    """One fixed-width line: the keys (text left-aligned), the month's measures, the year to date."""
    text = "".join(_text(keys[f.name], f.length) for f in layout.keys)
    names = [name[:-3] for name in layout.measures]
    text += "".join(_number(month_values.get(name, 0)) for name in names)
    text += "".join(_number(ytd.get(name, 0)) for name in names)
    if len(text) != layout.width:
        raise AssertionError(f"{layout.member} line of {len(text)} characters, not {layout.width}")
    return text


# Real Schedule D districts (names as IMP_DE spells them); 70 holds the low-value estimate.
DISTRICT_NAMES = {
    "01": "Portland, ME", "13": "Baltimore, MD", "20": "New Orleans, LA", "30": "Seattle, WA",
    "39": "Chicago, IL", "52": "Miami, FL", "70": "Low Value",
}  # fmt: skip


def _classification(code: str) -> dict[str, str]:
    """A 10-digit code's synthetic SITC, end-use, NAICS and high-tech codes (stable per code)."""
    rng = stable_rng("concord", code)
    return {
        "sitc": f"{rng.randint(0, 99999):05d}", "end_use": f"{rng.randint(0, 5)}{rng.randint(0, 9999):04d}",
        "naics": f"{rng.randint(11, 99)}{rng.randint(0, 9999):04d}", "usda": rng.choice("01"),
        "hitech": rng.choice(("00", "00", "03", "10")),
    }  # fmt: skip


def concordance_lines(codes: list[str], descriptions: dict[str, str], units: dict[str, str]) -> dict[str, list[str]]:
    """The concordance (CONCORD) of these 10-digit codes."""
    lines = []
    for code in codes:
        description = descriptions.get(code, f"COMMODITY {code}")
        fields = {"commodity": code, "descrip_1": description, "descrip_2": description[:50],
                  "unit_qy1": units.get(code, "KG"), "unit_qy2": "", **_classification(code)}  # fmt: skip
        lines.append(line(CONCORDANCE, fields, {}, {}))
    return {CONCORDANCE.member: lines}


def _labelled(layout: Layout, labels: dict[str, str]) -> list[str]:
    """A reference file's lines: the code (left-aligned, as the files write codes of 1 to 6
    digits), then its label in each text field."""
    code, *texts = (f.name for f in layout.keys)
    return [line(layout, {code: key, **dict.fromkeys(texts, label)}, {}, {}) for key, label in sorted(labels.items())]


def reference_members(codes: list[str], countries: dict[str, str], hs_names: dict[str, str]) -> dict:
    """The reference files for these 10-digit codes and countries: every code of the concordance
    labelled, with shorter aggregates (a NAICS subsector, an SITC section, an end-use category)."""
    classified = [_classification(code) for code in codes]
    naics = {c["naics"][:n]: f"NAICS {c['naics'][:n]}" for c in classified for n in (3, 6)}
    sitc = {c["sitc"][:n]: f"SITC {c['sitc'][:n]}" for c in classified for n in (1, 5)}
    end_use = {c["end_use"][:n]: f"END USE {c['end_use'][:n]}" for c in classified for n in (1, 5)}
    hitech = {c["hitech"]: "NOT ADVANCED TECHNOLOGY" if c["hitech"] == "00" else f"ADVANCED TECHNOLOGY {c['hitech']}"
              for c in classified}  # fmt: skip
    prefixes = {code[:n] for code in codes for n in (2, 4, 6)}
    country_lines = [
        line(COUNTRY_CODES, {"cty_code": code, "cty_desc": name[:2].upper(), "cty_name": name}, {}, {})
        for code, name in sorted(countries.items())
    ]  # the ISO code is synthetic: two letters of the name
    district_lines = [
        line(DISTRICT_CODES, {"dist_code": code, "dist_desc": name[:7].upper(), "dist_name": name}, {}, {})
        for code, name in sorted(DISTRICT_NAMES.items())
    ]
    return {
        COUNTRY_CODES.member: country_lines,
        DISTRICT_CODES.member: district_lines,
        HS_DESCRIPTIONS.member: _labelled(HS_DESCRIPTIONS, {c: hs_names.get(c, f"HS {c}") for c in prefixes}),
        NAICS_CODES.member: _labelled(NAICS_CODES, naics),
        SITC_CODES.member: _labelled(SITC_CODES, sitc),
        END_USE_CODES.member: _labelled(END_USE_CODES, end_use),
        HITECH_CODES.member: _labelled(HITECH_CODES, hitech),
    }
