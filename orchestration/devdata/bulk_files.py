"""Census bulk ZIPs with the real layouts, made from API-dialect rows (tests and the benchmark).

Each HS10 x country cell of the rows is split over a few lines (districts, rate provisions and
program subcodes for imports; districts and domestic/foreign for exports), so that the lines sum
back exactly to the API's cells. The files have the real shape: a year-to-date union (cells of
earlier months of the year stay, with monthly measures 0), year-to-date fields after the month's,
control files by commodity, by country and by district, the reference files (concordance,
countries, districts, HS descriptions, NAICS, SITC, end-use and high-tech codes, with synthetic
classifications and labels), and member names in the case asked for.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable

from orchestration.census.bulk import DISTRICTS, LOW_VALUE_COMMODITIES, MEMBERS, Layout
from orchestration.census.plan import COMMODITY_VAR
from orchestration.devdata.bulk_reference import (
    DISTRICT_NAMES,
    concordance_lines,
    line,
    reference_members,
    stable_rng,
)
from orchestration.devdata.sample import allocate

_DISTRICTS = ("01", "13", "20", "30", "39", "52")
_RATE_PROVISIONS = ("00", "10", "18", "61", "69", "79")


_LINE_KEYS = {"imports": ("cty_subco", "dist_entry", "dist_unlad", "rate_prov"), "exports": ("df", "district")}


def _line_keys(flow: str, commodity: str, country: str) -> list[tuple[str, ...]]:
    """The keys (besides commodity and country) of the lines one cell is split over: stable
    across months, so year-to-date fields add up per line."""
    rng = stable_rng("keys", flow, commodity, country)
    keys = set()
    for _ in range(rng.randint(1, 3)):
        district = rng.choice(_DISTRICTS)
        if flow == "exports":
            keys.add((rng.choice("12"), district))
        else:
            keys.add((rng.choice(("00", "S ", "A ")), district, district, rng.choice(_RATE_PROVISIONS)))
    ordered = sorted(keys)
    if flow == "imports" and not any(_dutiable(key) for key in ordered):
        # the cell's duty must sit on a dutiable line: make the last one dutiable at column 1
        ordered[-1] = (*ordered[-1][:3], "61")
    return ordered


def _dutiable(key: tuple[str, ...]) -> bool:
    return key[3] not in ("00",) and not key[3].startswith("1")


def _cell_measures(flow: str, row: dict[str, str]) -> dict[str, int]:
    """All monthly measures of the layout from an API row's few (the rest made to keep the
    rules Census's own keep: CIF = value + charges, containerized within vessel)."""
    number = lambda name: int(row.get(name) or 0)  # noqa: E731
    if flow == "exports":
        value = number("ALL_VAL_MO")
        vessel = number("VES_VAL_MO")
        return {
            "cards": max(1, value // 40_000), "qty_1": number("QTY_1_MO"), "qty_2": 0, "all_val": value,
            "air_val": number("AIR_VAL_MO"), "air_wgt": number("AIR_VAL_MO") // 90, "ves_val": vessel,
            "ves_wgt": vessel // 3, "cnt_val": vessel // 2, "cnt_wgt": vessel // 7,
        }  # fmt: skip
    value, consumption, cif = number("GEN_VAL_MO"), number("CON_VAL_MO"), number("GEN_CIF_MO")
    vessel, air = number("VES_VAL_MO"), number("AIR_VAL_MO")
    charges = cif - value
    consumption_charges = charges * consumption // value if value else 0
    return {
        "cards": max(1, value // 50_000), "con_qy1": number("GEN_QY1_MO"), "con_qy2": 0, "con_val": consumption,
        "dut_val": number("DUT_VAL_MO"), "cal_dut": number("CAL_DUT_MO"), "con_cha": consumption_charges,
        "con_cif": consumption + consumption_charges, "gen_qy1": number("GEN_QY1_MO"), "gen_qy2": 0,
        "gen_val": value, "gen_cha": charges, "gen_cif": cif, "air_val": air, "air_wgt": air // 90,
        "air_cha": air // 40, "ves_val": vessel, "ves_wgt": vessel // 3, "ves_cha": vessel // 30,
        "cnt_val": vessel // 2, "cnt_wgt": vessel // 7, "cnt_cha": vessel // 60,
    }  # fmt: skip


def detail_cells(flow: str, month: str, rows: Iterable[dict[str, str]]) -> dict[tuple[str, ...], dict[str, int]]:
    """(commodity, country, *line keys) -> monthly measures: the month's lines, from the API's
    HS10 x country rows (the world and groupings are sums, not lines)."""
    commodity_var = COMMODITY_VAR[flow]
    lines: dict[tuple[str, ...], dict[str, int]] = {}
    for row in rows:
        if row.get("COMM_LVL") != "HS10" or row["SUMMARY_LVL"] != "DET" or row["CTY_CODE"] == "-":
            continue
        commodity, country = row[commodity_var], row["CTY_CODE"]
        keys = _line_keys(flow, commodity, country)
        weights = [stable_rng("split", flow, month, commodity, country, *key).uniform(0.2, 1) for key in keys]
        measures = _cell_measures(flow, row)
        parts = {name: allocate(total, weights) for name, total in measures.items()}
        if flow == "imports":  # duty-free and bonded lines carry no dutiable value and no duty
            duty_weights = [w if _dutiable(key) else 0 for w, key in zip(weights, keys, strict=True)]
            parts |= {name: allocate(measures[name], duty_weights) for name in ("dut_val", "cal_dut")}
            # and a line's consumption value covers its dutiable value
            rest = allocate(measures["con_val"] - measures["dut_val"], weights)
            parts["con_val"] = [dutiable + other for dutiable, other in zip(parts["dut_val"], rest, strict=True)]
        for index, key in enumerate(keys):
            lines[(commodity, country, *key)] = {name: split[index] for name, split in parts.items()}
    return lines


def low_value_cells(flow: str, month: str, countries: Iterable[str]) -> dict[tuple[str, ...], dict[str, int]]:
    """Census's low-value estimate lines: one per country, in the reserved commodity."""
    commodity = LOW_VALUE_COMMODITIES[flow][0]
    layout = MEMBERS[flow][0]
    cells = {}
    for country in countries:
        value = stable_rng("low", flow, month, country).randint(10_000, 900_000)
        key = ("1", "70") if flow == "exports" else ("00", "70", "70", "70")
        measures = dict.fromkeys((name[:-3] for name in layout.measures), 0)
        measures["all_val" if flow == "exports" else "gen_val"] = value
        if flow == "imports":
            measures.update(con_val=value, gen_cif=value, con_cif=value)
        cells[(commodity, country, *key)] = measures
    return cells


def _grouped(layout: Layout, lines: dict[tuple[str, ...], dict[str, int]], by: tuple[int, ...]) -> dict:
    totals: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, measures in lines.items():
        group = totals[tuple(key[i] for i in by)]
        for name, value in measures.items():
            group[name] += value
    return totals


def _district_lines(flow: str, lines, ytd, period: dict[str, str]) -> list[str]:
    """The control file by district (IMP_DE by district of entry, EXP_DIST of exportation)."""
    layout = DISTRICTS[flow]
    by_district = (3,)  # the district's place in a line's key: after commodity, country and one more
    month_totals = _grouped(layout, lines, by_district)
    ytd_totals = _grouped(layout, ytd, by_district)
    return [
        line(
            layout,
            {layout.keys[0].name: group[0], "dist_name": DISTRICT_NAMES.get(group[0], ""), **period},
            month_totals.get(group, {}),
            ytd_totals[group],
        )  # fmt: skip
        for group in sorted(ytd_totals)
    ]


def bulk_zip(
    flow: str,
    month: str,
    lines: dict[tuple[str, ...], dict[str, int]],
    *,
    earlier: Iterable[dict[tuple[str, ...], dict[str, int]]] = (),
    names: dict[str, str] | None = None,
    descriptions: dict[str, str] | None = None,
    hs_descriptions: dict[str, str] | None = None,
    units: dict[str, str] | None = None,
    member_case: str = "upper",
    control_offset: int = 0,
    without: tuple[str, ...] = (),
) -> bytes:
    """One month's ZIP. `earlier` holds the lines of the year's earlier months (for the
    year-to-date union); `control_offset` is added to the first commodity control line's value
    (a file whose detail does not sum to its controls); the members named in `without` are left
    out."""
    year, number = month.split("-")
    ytd: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for month_lines in [*earlier, lines]:
        for key, measures in month_lines.items():
            for name, value in measures.items():
                ytd[key][name] += value
    detail_layout, commodity_layout, country_layout = MEMBERS[flow]
    period = {"year": year, "month": number}
    # the order of a line's key tuple: commodity, country, then the rest (see _line_keys)
    key_names = ["commodity", "cty_code", *_LINE_KEYS[flow]]
    members: dict[str, list[str]] = {}
    members[detail_layout.member] = [
        line(detail_layout, {**dict(zip(key_names, key, strict=True)), **period}, lines.get(key, {}), ytd[key])
        for key in sorted(ytd)
    ]
    exports = flow == "exports"
    # commodity totals by df for exports; country totals over both
    by_commodity = (0, 2) if exports else (0,)
    month_totals = _grouped(commodity_layout, lines, by_commodity)
    ytd_totals = _grouped(commodity_layout, ytd, by_commodity)
    commodity_lines = []
    for index, group in enumerate(sorted(ytd_totals)):
        commodity = group[0]
        keys = {"commodity": commodity, "comm_desc": (descriptions or {}).get(commodity, f"COMMODITY {commodity}")}
        keys |= {"unit_qy1": (units or {}).get(commodity, "KG"), "unit_qy2": "", **period}
        if exports:
            keys["df"] = group[1]
        values = dict(month_totals.get(group, {}))
        if index == 0 and control_offset:
            value = "all_val" if exports else "gen_val"
            values[value] = values.get(value, 0) + control_offset
        commodity_lines.append(line(commodity_layout, keys, values, ytd_totals[group]))
    members[commodity_layout.member] = commodity_lines
    month_totals = _grouped(country_layout, lines, (1,))
    ytd_totals = _grouped(country_layout, ytd, (1,))
    country_names = {group[0]: (names or {}).get(group[0], f"COUNTRY {group[0]}") for group in ytd_totals}
    members[country_layout.member] = [
        line(
            country_layout,
            {"cty_code": group[0], "cty_name": country_names[group[0]], **period},
            month_totals.get(group, {}),
            ytd_totals[group],
        )  # fmt: skip
        for group in sorted(ytd_totals)
    ]
    members[DISTRICTS[flow].member] = _district_lines(flow, lines, ytd, period)
    codes = sorted({key[0] for key in ytd})
    members |= concordance_lines(codes, descriptions or {}, units or {})
    members |= reference_members(codes, country_names, hs_descriptions or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for member, member_lines in members.items():
            if member in without:
                continue
            name = f"{member}.TXT" if member_case == "upper" else f"{member}.txt"
            if member_case == "mixed" and member.endswith("CTY"):
                name = f"{member[:4].lower()}{member[4:]}.txt"  # as in IMDB2501: `imp_CTY.txt`
            # a fixed time stamp: the same lines always make the same bytes (and sha256)
            info = zipfile.ZipInfo(name, date_time=(int(year), int(number), 5, 8, 30, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, "".join(f"{text}\r\n" for text in member_lines).encode("latin-1"))
    return buffer.getvalue()


def sample_bulk_zip(flow: str, month: str, *, revision: int = 0, **options) -> bytes:
    """The ZIP of a month of the sample: its lines sum to the sample's API cells exactly, and the
    year's earlier months are in it as a year-to-date union."""
    from datetime import date

    from orchestration.devdata.sample import month_rows

    year, number = (int(part) for part in month.split("-"))
    rows = month_rows(flow, date(year, number, 1), revision)
    earlier = [detail_cells(flow, f"{year}-{m:02d}", month_rows(flow, date(year, m, 1))) for m in range(1, number)]
    commodity = COMMODITY_VAR[flow]
    defaults = {
        "names": {row["CTY_CODE"]: row["CTY_NAME"] for row in rows},
        "units": {row[commodity]: row["UNIT_QY1"] for row in rows if row.get("COMM_LVL") == "HS10"},
        "hs_descriptions": {
            row[commodity]: row[f"{commodity}_LDESC"] for row in rows if row.get("COMM_LVL") in ("HS2", "HS4", "HS6")
        },
    }
    return bulk_zip(flow, month, detail_cells(flow, month, rows), earlier=earlier, **{**defaults, **options})
