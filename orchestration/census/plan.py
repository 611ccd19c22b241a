"""Which Census API requests make up one month of one flow.

A month of a flow is:
- `totals`: one all-commodity row per country, grouping and the world (`-`);
- `detail`: rows per country and commodity at the finest requested HS level only, one request
  per chapter, countries and the world only (`SUMMARY_LVL=DET`: grouping rows would multiply
  the rows by commodity and are never summed). The coarser levels are exact sums of it, made in
  dbt (`with_coarser_levels`). The live server's cost grows with the chapters a query spans: a
  chapter it cannot answer (a timeout, or its query-error 500) is split into its ten longer
  prefixes (`parts()`), down to HS6 prefixes;
- `names`: the commodity descriptions of every level up to the finest requested (world rows
  only, so small). HS2 is always among them: its world values per chapter tell a chapter the
  server dropped (a 204) from one without trade.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from orchestration.core.errors import InputError
from orchestration.core.periods import month_key

FLOWS = ("exports", "imports")
HS_LEVELS = ("HS2", "HS4", "HS6", "HS10")
# Every level: detail is fetched at HS10 by chapter and the coarser levels are summed from it, so
# HS10 costs one request a month more than HS6 (its names) and joins the tariff lines.
DEFAULT_LEVELS = HS_LEVELS

# HS chapters 01-97 (77 is reserved and never used) plus 98/99 (special classification provisions).
CHAPTERS = tuple(f"{c:02d}" for c in range(1, 100) if c != 77)
# Chapter 99 (temporary legislation, Section 232/301 measures) exists on imports only.
FLOW_CHAPTERS = {"exports": tuple(c for c in CHAPTERS if c != "99"), "imports": CHAPTERS}

COMMODITY_VAR = {"exports": "E_COMMODITY", "imports": "I_COMMODITY"}
DESCRIPTION_VAR = {"exports": "E_COMMODITY_LDESC", "imports": "I_COMMODITY_LDESC"}
VALUE_VAR = {"exports": "ALL_VAL_MO", "imports": "GEN_VAL_MO"}

# Value measures on every totals and detail request.
MEASURES = {
    "exports": ("ALL_VAL_MO", "VES_VAL_MO", "AIR_VAL_MO"),
    "imports": ("GEN_VAL_MO", "CON_VAL_MO", "DUT_VAL_MO", "CAL_DUT_MO", "GEN_CIF_MO", "VES_VAL_MO", "AIR_VAL_MO"),
}
# Quantities exist only per commodity; the flag says whether a 0 is a true zero or missing.
QUANTITY = {
    "exports": ("QTY_1_MO", "QTY_1_MO_FLAG", "UNIT_QY1"),
    "imports": ("GEN_QY1_MO", "GEN_QY1_MO_FLAG", "UNIT_QY1"),
}
PARTNER = ("CTY_CODE", "CTY_NAME", "SUMMARY_LVL")
# A split stops at HS6 prefixes: a query for one HS6 code is as small as the API answers.
MAX_SPLIT_DIGITS = 6


def parse_levels(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """`HS2,HS4` -> ("HS2", "HS4"), ordered and de-duplicated; InputError on anything else."""
    items = text.split(",") if isinstance(text, str) else list(text)
    levels = {item.strip().upper() for item in items if item.strip()}
    unknown = sorted(levels - set(HS_LEVELS))
    if unknown or not levels:
        raise InputError(f"--levels {','.join(items)!r}: choose from {','.join(HS_LEVELS)} (e.g. HS2,HS4,HS6)")
    return tuple(level for level in HS_LEVELS if level in levels)


@dataclass(frozen=True)
class CensusRequest:
    flow: str
    month: date
    kind: str  # totals | detail | names
    level: str | None = None
    prefix: str | None = None

    @property
    def request_id(self) -> str:
        if self.kind == "totals":
            return "totals"
        base = f"{self.kind}-{self.level.lower()}"
        return f"{base}-{self.prefix}" if self.prefix else base

    @property
    def path(self) -> str:
        return f"/{self.flow}/hs"

    @property
    def get_vars(self) -> tuple[str, ...]:
        commodity = COMMODITY_VAR[self.flow]
        if self.kind == "totals":
            return PARTNER + MEASURES[self.flow]
        if self.kind == "names":
            return (commodity, DESCRIPTION_VAR[self.flow], VALUE_VAR[self.flow])
        return PARTNER + (commodity,) + MEASURES[self.flow] + QUANTITY[self.flow]

    @property
    def splittable(self) -> bool:
        """A detail request whose commodity prefix can still be made longer."""
        return self.kind == "detail" and len(self.prefix or "") < min(MAX_SPLIT_DIGITS, int(self.level[2:]))

    def parts(self) -> list[CensusRequest]:
        """The ten requests that together answer this one: its prefix with one more digit (a
        part with no such codes, e.g. chapter 77, answers 204)."""
        if not self.splittable:
            raise ValueError(f"{self.request_id} cannot be split further")
        prefix = self.prefix or ""
        return [CensusRequest(self.flow, self.month, "detail", self.level, f"{prefix}{d}") for d in "0123456789"]

    def params(self) -> list[tuple[str, str]]:
        """Query parameters in API order, without the key."""
        params = [("get", ",".join(self.get_vars)), ("time", month_key(self.month))]
        if self.level:
            params.append(("COMM_LVL", self.level))
        if self.prefix:
            params.append((COMMODITY_VAR[self.flow], f"{self.prefix}*"))
        if self.kind == "detail":
            params.append(("SUMMARY_LVL", "DET"))
        return params

    def covering(self) -> list[CensusRequest]:
        """The requests for shorter prefixes of the same level, longest first: what an older
        plan may have landed instead of this one (HS2 in one request, HS4 by first digit)."""
        prefix = self.prefix or ""
        return [
            CensusRequest(self.flow, self.month, "detail", self.level, prefix[:length] or None)
            for length in range(len(prefix) - 1, -1, -1)
        ]


def finest_level(levels: tuple[str, ...]) -> str:
    return max(levels, key=HS_LEVELS.index) if levels else "HS2"


def detail_requests(flow: str, month: date, level: str) -> list[CensusRequest]:
    """One request per chapter of the flow at one HS level."""
    return [CensusRequest(flow, month, "detail", level, chapter) for chapter in FLOW_CHAPTERS[flow]]


def plan_month(flow: str, month: date, levels: tuple[str, ...] = DEFAULT_LEVELS) -> list[CensusRequest]:
    """Every request that makes up one month of one flow, totals first. Detail is fetched at the
    finest of the levels only; the coarser ones are summed from it."""
    if flow not in FLOWS:
        raise InputError(f"flow {flow!r}: choose exports or imports")
    finest = finest_level(levels)
    # descriptions of every level up to the finest: the rows summed in dbt need names too
    names = [CensusRequest(flow, month, "names", level) for level in HS_LEVELS[: HS_LEVELS.index(finest) + 1]]
    return [CensusRequest(flow, month, "totals"), *detail_requests(flow, month, finest), *names]
