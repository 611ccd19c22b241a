"""The benchmark's data: synthetic Census-shaped landing files at scale (dev and tests only).

The data is synthetic and deterministic (numpy, fixed seed): every partner of the sample catalog
trades a fixed set of codes at the chosen level, values follow a heavy-tailed distribution, and
every total is the exact sum of its detail, as in Census data. The harness that times the
pipeline on it is app/bench.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

from orchestration.census.landing import LandingStore
from orchestration.census.plan import FLOWS, MEASURES, plan_month
from orchestration.core.periods import month_key
from orchestration.devdata.catalog import PARTNERS

SEED = 20_261_128
# Codes per chapter in the synthetic classification, by level; partners trade a share of them.
CODES_PER_CHAPTER = {"HS6": 40, "HS10": 110}
CHAPTERS = tuple(f"{c:02d}" for c in range(1, 98) if c != 77)


@dataclass(frozen=True)
class BenchShape:
    level: str  # HS6 (quick) or HS10
    traded_share: float  # share of the classification each partner trades

    def codes(self) -> list[str]:
        per = CODES_PER_CHAPTER[self.level]
        width = 4 if self.level == "HS6" else 8
        return [f"{chapter}{i * 7919 % 10**width:0{width}d}" for chapter in CHAPTERS for i in range(1, per + 1)]


def rows_per_flow_month(shape: BenchShape) -> int:
    return round(len(shape.codes()) * shape.traded_share) * len(PARTNERS)


def _flow_month(shape: BenchShape, flow: str, month: date, n_codes: int) -> dict:
    """Values of every (partner, code) pair a partner trades, for one month of one flow."""
    rng_static = np.random.default_rng([SEED, FLOWS.index(flow)])
    shape_ = (len(PARTNERS), n_codes)
    traded = rng_static.random(shape_) < shape.traded_share  # the same pairs every month
    scale = rng_static.pareto(1.2, shape_) * 20_000 + 1_000
    rng = np.random.default_rng([SEED, FLOWS.index(flow), month.year, month.month])
    value = np.where(traded, np.rint(scale * rng.uniform(0.6, 1.4, shape_)), 0).astype(np.int64)
    quantity = value // (2 + (np.arange(n_codes) % 97))
    return {"traded": traded, "measures": _measures(flow, value), "quantity": quantity}


# Each value measure as a fraction of the flow's main value (exports ALL_VAL_MO, imports GEN_VAL_MO).
_SHARES = {
    "ALL_VAL_MO": (1, 1),
    "GEN_VAL_MO": (1, 1),
    "CON_VAL_MO": (98, 100),
    "DUT_VAL_MO": (4, 10),
    "CAL_DUT_MO": (12, 1000),
    "GEN_CIF_MO": (103, 100),
    "VES_VAL_MO": (6, 10),
    "AIR_VAL_MO": (3, 10),
}


def _measures(flow: str, value: np.ndarray) -> dict[str, np.ndarray]:
    """The value measures of a flow, derived from its main value (exact integer shares)."""
    return {measure: value * _SHARES[measure][0] // _SHARES[measure][1] for measure in MEASURES[flow]}


def _encode(lines: list[str], header: list[str]) -> bytes:
    # Every cell is ASCII digits, codes or catalog names: no escaping needed beyond json.dumps of
    # the names (done once); the layout is the API's (one row per line).
    return ("[" + ",\n".join([json.dumps(header), *lines]) + "]").encode()


def write_bench_landing(root: Path, months: list[date], shape: BenchShape) -> dict[str, int]:
    """Land every planned response of the months (totals, detail by chapter, names)."""
    store = LandingStore(root)
    codes = np.array(shape.codes())
    chapter_columns = {c: np.flatnonzero(np.char.startswith(codes, c)) for c in CHAPTERS}
    partner_cells = np.array([f'{json.dumps(code)},{json.dumps(name)},"DET"' for code, name, *_ in PARTNERS])
    files = rows = 0
    for month in months:
        for flow in FLOWS:
            data = _flow_month(shape, flow, month, len(codes))
            for request in plan_month(flow, month, (shape.level,)):
                params = request.params()
                header = [*request.get_vars, "time", *(name for name, _ in params[2:])]
                lines = _lines(request, flow, month, data, codes, chapter_columns, partner_cells)
                body, status = (_encode(lines, header), 200) if lines else (b"", 204)
                store.land(
                    request,
                    url=f"bench:{request.path}?{urlencode(params)}",
                    status=status,
                    body=body,
                    header=header if lines else [],
                    rows=len(lines),
                    source="sample",  # synthetic, like the demo's sample (the accepted sources)
                )
                files += 1
                rows += len(lines)
    return {"files": files, "rows": rows}


def _lines(request, flow, month, data, codes, chapter_columns, partner_cells) -> list[str]:
    time_ = f'"{month_key(month)}"'
    measures, traded = data["measures"], data["traded"]
    if request.kind == "totals":
        sums = [m.sum(axis=1) for m in measures.values()]
        text = [[f'"{int(v[i])}"' for v in sums] for i in range(len(partner_cells))]
        lines = [f"[{partner_cells[i]},{','.join(cells)},{time_}]" for i, cells in enumerate(text)]
        world = ",".join(f'"{int(v.sum())}"' for v in sums)
        return [*lines, f'["-","TOTAL FOR ALL COUNTRIES","DET",{world},{time_}]']
    value = next(iter(measures.values()))
    if request.kind == "names":
        world: dict[str, int] = {}
        digits = int(request.level[2:])  # the HS2 names every plan has sum the bench's codes by chapter
        for code, total in zip(codes, value.sum(axis=0).tolist(), strict=True):
            world[code[:digits]] = world.get(code[:digits], 0) + int(total)
        level = f'"{request.level}"'
        return [
            f'["{code}","SYNTHETIC PRODUCT {code}","{total}",{time_},{level}]'
            for code, total in world.items()
            if total > 0
        ]
    columns = chapter_columns.get(request.prefix, np.array([], dtype=np.int64))  # 98, 99: none
    ii, jj = np.nonzero(traded[:, columns])
    jj = columns[jj]
    cells = [m[ii, jj].astype(str) for m in measures.values()] + [data["quantity"][ii, jj].astype(str)]
    unit = '"KG"' if flow == "exports" else '"NO"'
    tail = f'"",{unit},{time_},"{request.level}"'
    measure_text = ['","'.join(row) for row in zip(*cells, strict=True)]
    # the API echoes the predicates: COMM_LVL and the row's own commodity code
    lines = [
        f'[{partner_cells[i]},"{codes[j]}","{m}",{tail},"{codes[j]}"]'
        for i, j, m in zip(ii, jj, measure_text, strict=True)
    ]
    # and a world row per commodity, the sum of the countries (the month is reconciled against it)
    traded_columns = columns[traded[:, columns].any(axis=0)]
    world = [m[:, traded_columns].sum(axis=0).astype(str) for m in measures.values()]
    world.append(data["quantity"][:, traded_columns].sum(axis=0).astype(str))
    world_text = ['","'.join(row) for row in zip(*world, strict=True)]
    return lines + [
        f'["-","TOTAL FOR ALL COUNTRIES","DET","{codes[j]}","{m}",{tail},"{codes[j]}"]'
        for j, m in zip(traded_columns, world_text, strict=True)
    ]
