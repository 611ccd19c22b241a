"""A deterministic sample of Census trade data, written as landing files in the API's shape.

For the six partners in `sample_published` the 2017 country totals are the published figures;
every other number is synthetic (landed and loaded with `source = 'sample'`; the marts call the
published totals `sample_published` and the rest `sample_synthetic`). Detail sums
exactly at every level: HS10 to HS6 to HS4 to HS2 to the country total, countries to groupings and to
the world row, as in real Census data.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import lru_cache
from urllib.parse import urlencode

from orchestration.census.client import check_table
from orchestration.census.landing import LandingStore
from orchestration.census.plan import (
    COMMODITY_VAR,
    DEFAULT_LEVELS,
    DESCRIPTION_VAR,
    FLOWS,
    MEASURES,
    QUANTITY,
    plan_month,
)
from orchestration.core.periods import month_key
from orchestration.devdata.catalog import (
    BOOSTS,
    CHAPTERS,
    EXPORT_PROFILE,
    GROUPINGS,
    HEADING_SCALE,
    HEADINGS,
    IMPORT_PROFILE,
    PARTNERS,
    SUBHEADINGS,
    TIME_VALID_GROUPINGS,
    region_members,
)
from orchestration.devdata.census_dialect import render
from orchestration.devdata.published import PUBLISHED_2017
from orchestration.devdata.schedule import HTS10_CHILDREN, hts10_descriptions
from orchestration.partners.seeds import members_as_of

SEED = "trade-warehouse-sample-v1"
# Bumped when the sample's answers change, so that a landing zone written before is written again
# (2: the EU and euro-area rows hold the members of the month).
SAMPLE_VERSION = "2"
WORLD = ("-", "TOTAL FOR ALL COUNTRIES")
QUANTITY_VARS = {flow: variables[:2] for flow, variables in QUANTITY.items()}  # (quantity, its flag)


def _rng(*parts: object) -> random.Random:
    return random.Random("|".join([SEED, *map(str, parts)]))


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split a whole-dollar total into whole-dollar parts that sum to it exactly."""
    scaled = [int(w * 1_000_000) for w in weights]
    denominator = sum(scaled)
    if denominator == 0:
        return [0] * len(weights)
    parts = [total * w // denominator for w in scaled]
    remainders = sorted(range(len(scaled)), key=lambda i: (total * scaled[i]) % denominator, reverse=True)
    for i in remainders[: total - sum(parts)]:
        parts[i] += 1
    return parts


def published_total(code: str, flow: str, month: date) -> int | None:
    if month.year != 2017 or code not in PUBLISHED_2017:
        return None
    millions = PUBLISHED_2017[code][1][month.month - 1][0 if flow == "exports" else 1]
    return int(Decimal(repr(millions)) * 1_000_000)


def country_total(code: str, flow: str, month: date, base_millions: float) -> int:
    published = published_total(code, flow, month)
    if published is not None:
        return published
    rng = _rng("total", code, flow, month_key(month))
    phase = _rng("phase", code).uniform(0, 2 * math.pi)
    seasonal = 1 + 0.06 * math.sin(2 * math.pi * month.month / 12 + phase) + rng.uniform(-0.04, 0.04)
    trend = 1 + 0.03 * (month.year - 2017)
    return int(base_millions * 1_000_000 * seasonal * trend)


_HTS10_NAMES = {code: name.upper() for code, name in hts10_descriptions().items()}
_CHILDREN_OF_CHAPTER = defaultdict(list)
for _heading in HEADINGS:
    _CHILDREN_OF_CHAPTER[_heading[:2]].append(_heading)
_CHILDREN_OF_HEADING = defaultdict(list)
for _sub in SUBHEADINGS:
    _CHILDREN_OF_HEADING[_sub[0][:4]].append(_sub)


def hs10_children(flow: str, hs6: str) -> tuple[str, ...]:
    """The 10-digit codes under an HS6 code: real HTS10 codes where the sample schedule has
    them (imports), otherwise one synthetic HS6 + "0000" code."""
    return HTS10_CHILDREN.get(hs6, (f"{hs6}0000",)) if flow == "imports" else (f"{hs6}0000",)


def _leaf_measures(flow: str, code: str, sub: tuple, hs10: str, value: int, month: date) -> dict[str, int | str]:
    _, _, unit, price = sub
    rng = _rng("leaf", code, flow, hs10, month_key(month))
    measures: dict[str, int | str] = {}
    if flow == "exports":
        measures["ALL_VAL_MO"] = value
        vessel = rng.uniform(0.3, 0.6)
        measures["VES_VAL_MO"] = int(value * vessel)
        measures["AIR_VAL_MO"] = int(value * rng.uniform(0.1, 0.95 - vessel))
    else:
        measures["GEN_VAL_MO"] = value
        consumption = int(value * rng.uniform(0.97, 1.03))
        dutiable = int(consumption * rng.uniform(0.2, 0.8))
        measures["CON_VAL_MO"] = consumption
        measures["DUT_VAL_MO"] = dutiable
        measures["CAL_DUT_MO"] = int(dutiable * rng.uniform(0.01, 0.08))
        measures["GEN_CIF_MO"] = int(value * rng.uniform(1.02, 1.06))
        vessel = rng.uniform(0.4, 0.75)
        measures["VES_VAL_MO"] = int(value * vessel)
        measures["AIR_VAL_MO"] = int(value * rng.uniform(0.05, 0.95 - vessel))
    quantity, flag = QUANTITY_VARS[flow]
    missing = rng.random() < 0.03  # Census flags some quantities as missing: 0 with flag M
    measures[quantity] = 0 if missing else round(value / price)
    measures[flag] = "M" if missing else ""
    measures["UNIT_QY1"] = unit
    return measures


def _country_detail(code: str, flow: str, month: date, total: int, big: bool) -> dict[str, dict]:
    """commodity code -> measures for one partner: HS6 leaves, then sums up to HS4 and HS2."""
    profile = EXPORT_PROFILE if flow == "exports" else IMPORT_PROFILE
    boosts = BOOSTS.get((code, flow), {})
    chapters = sorted(CHAPTERS)
    stable, monthly = (lambda *k: _rng("w", code, flow, *k)), (lambda *k: _rng("m", code, flow, month_key(month), *k))
    chapter_weights = [
        0.0
        if (not big and stable(ch, "zero").random() < 0.3)
        else profile[ch] * boosts.get(ch, 1) * stable(ch).uniform(0.3, 2.0) * monthly(ch).uniform(0.85, 1.15)
        for ch in chapters
    ]
    detail: dict[str, dict] = {}
    for chapter, chapter_value in zip(chapters, allocate(total, chapter_weights), strict=True):
        if chapter_value == 0:
            continue
        headings = _CHILDREN_OF_CHAPTER[chapter]
        weights = [
            HEADING_SCALE.get(h, 1) * stable(h).uniform(0.3, 1.5) * monthly(h).uniform(0.9, 1.1) for h in headings
        ]
        for heading, heading_value in zip(headings, allocate(chapter_value, weights), strict=True):
            if heading_value == 0:
                continue
            subs = _CHILDREN_OF_HEADING[heading]
            sub_weights = [stable(s[0]).uniform(0.3, 1.5) * monthly(s[0]).uniform(0.9, 1.1) for s in subs]
            for sub, value in zip(subs, allocate(heading_value, sub_weights), strict=True):
                children = hs10_children(flow, sub[0])
                weights = [stable(c).uniform(0.3, 1.5) for c in children]
                for hs10, leaf_value in zip(children, allocate(value, weights), strict=True):
                    if leaf_value:
                        detail[hs10] = _leaf_measures(flow, code, sub, hs10, leaf_value, month)
    return _roll_up(flow, detail)


def _sum_measures(flow: str, parts: list[dict]) -> dict[str, int | str]:
    quantity, flag = QUANTITY_VARS[flow]
    summed: dict[str, int | str] = {m: sum(p[m] for p in parts) for m in MEASURES[flow]}
    units = {p["UNIT_QY1"] for p in parts}
    if len(units) == 1 and not any(p[flag] == "M" for p in parts):
        summed[quantity], summed[flag], summed["UNIT_QY1"] = sum(p[quantity] for p in parts), "", units.pop()
    else:  # mixed units (or a missing part) cannot be added: Census reports 0 flagged as missing
        summed[quantity], summed[flag], summed["UNIT_QY1"] = 0, "M", ""
    return summed


def _roll_up(flow: str, leaves: dict[str, dict]) -> dict[str, dict]:
    detail = dict(leaves)
    for child_width, width in ((10, 6), (6, 4), (4, 2)):
        groups: dict[str, list[dict]] = defaultdict(list)
        for code, measures in list(detail.items()):
            if len(code) == child_width:
                groups[code[:width]].append(measures)
        detail.update({code: _sum_measures(flow, parts) for code, parts in groups.items()})
    detail["-"] = _sum_measures(flow, [m for c, m in detail.items() if len(c) == 2])
    return detail


def _describe(code: str) -> str:
    if code == "-":
        return "TOTAL FOR ALL COMMODITIES"
    if len(code) == 2:
        return CHAPTERS[code]
    if len(code) == 4:
        return HEADINGS[code]
    if len(code) == 10:
        return _HTS10_NAMES.get(code) or f"{_describe(code[:6])}, STATISTICAL LINE {code[6:]}"
    return next(s[1] for s in SUBHEADINGS if s[0] == code)


@lru_cache(maxsize=64)
def month_rows(flow: str, month: date, revision: int = 0) -> tuple[dict[str, str], ...]:
    """Every row Census would hold for one month of one flow: countries, groupings and the
    world, each for the all-commodity total and every HS2/HS4/HS6/HS10 code it trades.
    `revision` > 0 gives an earlier print of the month (the current one is 0)."""
    if flow not in FLOWS:
        raise ValueError(flow)
    by_country: dict[str, dict[str, dict]] = {}
    names = {}
    for code, name, exports, imports in PARTNERS:
        base = exports if flow == "exports" else imports
        names[code] = name
        total = country_total(code, flow, month, base)
        if revision:
            # An earlier print of the month (Census revises months after they first come out):
            # every total a little off the current figures, the detail following it.
            total = int(total * (1 + _rng("revision", revision, code, flow, month_key(month)).uniform(-0.02, 0.02)))
        by_country[code] = _country_detail(code, flow, month, total, big=base >= 3000)
    codes = list(by_country)
    aggregates = [(WORLD[0], WORLD[1], "DET", codes)]
    for code, name, members in GROUPINGS:
        if code in TIME_VALID_GROUPINGS:
            # as the API's own rows do: the members of the month (the UK is in the EU until 2020-02)
            current = members_as_of(TIME_VALID_GROUPINGS[code], month)
            members = tuple(c for c in codes if c in current)
        aggregates.append((code, name, "CGP", list(members) if members else region_members(code, codes)))

    commodity, description = COMMODITY_VAR[flow], DESCRIPTION_VAR[flow]
    level_of = {1: "-", 2: "HS2", 4: "HS4", 6: "HS6", 10: "HS10"}
    rows = []

    def emit(code: str, name: str, summary: str, detail: dict[str, dict]) -> None:
        for commodity_code, measures in detail.items():
            row = {"CTY_CODE": code, "CTY_NAME": name, "SUMMARY_LVL": summary}
            row["COMM_LVL"] = level_of[len(commodity_code)]
            row[commodity] = commodity_code
            row[description] = _describe(commodity_code)
            row.update({k: str(v) for k, v in measures.items()})
            rows.append(row)

    for code in codes:
        emit(code, names[code], "DET", by_country[code])
    for code, name, summary, members in aggregates:
        traded = sorted({c for m in members for c in by_country[m]}, key=lambda c: (len(c), c))
        combined = {
            c: _sum_measures(flow, [by_country[m][c] for m in members if c in by_country[m]])
            for c in traded
            if c != "-"
        }
        combined["-"] = _sum_measures(flow, [by_country[m]["-"] for m in members])
        emit(code, name, summary, combined)
    return tuple(rows)


def write_sample_landing(store: LandingStore, months: list[date], levels: tuple[str, ...] = DEFAULT_LEVELS) -> int:
    """Write every planned response for the months into the landing zone; returns files written."""
    written = 0
    for month in months:
        for flow in FLOWS:
            # Only rows of the requested level and commodity prefix can answer a request: handing
            # render() just those keeps the sample quick to write.
            candidates: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
            commodity = COMMODITY_VAR[flow]
            for row in month_rows(flow, month):
                code = row[commodity]
                for prefix in ("", code[:1], code[:2]):
                    candidates[(row["COMM_LVL"], prefix)].append(row)
            for request in plan_month(flow, month, levels):
                params = request.params()
                rows = candidates.get((request.level or "-", request.prefix or ""), [])
                status, body = render(rows, flow=flow, month=month_key(month), params=params) if rows else (204, b"")
                header, count = check_table(body) if status == 200 else ([], 0)
                store.land(
                    request,
                    url=f"sample:{request.path}?{urlencode(params)}",
                    status=status,
                    body=body,
                    header=header,
                    rows=count,
                    source="sample",
                )
                written += status == 200
    return written
