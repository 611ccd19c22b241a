"""`trade-warehouse find TEXT`: the commodities and partners whose names or codes match, from
`marts.dim_commodity` and `marts.dim_country` (the serving copy or the warehouse)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from orchestration.core.errors import InputError, WarehouseError

DEFAULT_LIMIT = 25
# Census describes meat by the animal's Latin-rooted name: a search for the everyday word also
# looks for the word the descriptions use.
ALSO_SEARCHED = {"beef": ("bovine",), "veal": ("bovine",), "pork": ("swine",), "lamb": ("sheep",), "mutton": ("sheep",)}

# Every word of the text (or a word searched for it) is in the name: contains() takes the word as
# a value, so % and _ in the user's text are plain characters.
_WORDS_MATCH = "list_bool_and(list_transform($words, lambda alts: list_bool_or(list_transform(alts, lambda w: contains({haystack}, w)))))"  # noqa: E501

COMMODITIES_SQL = f"""
with matched as (
    select flow, commodity_code, hs_level, coalesce(description_path, description, '') as path
    from marts.dim_commodity
    where starts_with(commodity_code, $code)
        or {_WORDS_MATCH.format(haystack="lower(coalesce(description_path, description, ''))")}
),
-- HS2 to HS6 codes are the same in both classifications: one line when both flows name a code alike
merged as (
    select string_agg(flow, '/' order by flow) as flows, commodity_code, hs_level, path
    from matched
    group by commodity_code, hs_level, path
)
select flows, commodity_code, hs_level, path, count(*) over () as total
from merged
order by hs_level, commodity_code, flows
limit $limit
"""

COUNTRIES_SQL = f"""
select partner_code, display_name, iso2, iso3, grouping_type, count(*) over () as total
from marts.dim_country
where partner_code = upper($text)
    or lower(iso2) = lower($text)
    or lower(iso3) = lower($text)
    or {_WORDS_MATCH.format(haystack="lower(concat_ws(' ', display_name, partner_name))")}
order by is_aggregate, display_name
limit $limit
"""


@dataclass(frozen=True)
class Found:
    text: str
    commodities: list[tuple]  # (flows, code, hs_level, path)
    commodity_total: int
    countries: list[tuple]  # (code, display name, iso2, iso3, grouping type)
    country_total: int

    @property
    def empty(self) -> bool:
        return not self.commodities and not self.countries


@dataclass(frozen=True)
class FindQuery:
    text: str
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise InputError("find: give a word or a code to look for, e.g. `find beef` or `find 8703`")
        if self.limit < 1:
            raise InputError(f"--limit {self.limit}: give a positive number of rows to show per section")

    @property
    def code(self) -> str | None:
        """The text as a commodity code prefix (8703, 8703.80, 0201 30), or None."""
        digits = re.sub(r"[.\s]", "", self.text)
        return digits if digits.isdigit() else None

    @property
    def words(self) -> list[list[str]]:
        """Each word of the text with the words searched for it as well."""
        return [[word, *ALSO_SEARCHED.get(word, ())] for word in self.text.lower().split()]

    def run(self, con: duckdb.DuckDBPyConnection) -> Found:
        text = self.text.strip()
        # a code is matched as a code only: "8703" is not looked for inside descriptions
        words = [] if self.code else self.words
        try:
            commodities = con.execute(
                COMMODITIES_SQL, {"code": self.code, "words": words or [[]], "limit": self.limit}
            ).fetchall()
            countries = con.execute(
                COUNTRIES_SQL, {"text": text, "words": words or [[]], "limit": self.limit}
            ).fetchall()
        except duckdb.Error as error:
            raise WarehouseError(
                f"cannot search the marts (built by an older version? run `trade-warehouse publish`): "
                f"{str(error).splitlines()[0]}"
            ) from None
        return Found(
            text,
            [row[:4] for row in commodities],
            commodities[0][4] if commodities else 0,
            [row[:5] for row in countries],
            countries[0][5] if countries else 0,
        )


def _table(header: tuple[str, ...], rows: list[tuple]) -> list[str]:
    """Rows aligned under the header (the last column unpadded: no trailing blanks)."""
    cells = [header, *[tuple("" if v is None else str(v) for v in row) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]
    return ["  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]) for row in cells]


def _title(what: str, text: str, shown: int, total: int) -> str:
    more = f", the first {shown} (--limit to see more)" if total > shown else ""
    return f"{what} matching {text!r}: {total}{more}"


def format_found(found: Found) -> str:
    lines: list[str] = []
    if found.commodities:
        lines.append(_title("commodities", found.text, len(found.commodities), found.commodity_total))
        rows = [(flows, code, f"HS{level}", path) for flows, code, level, path in found.commodities]
        lines += _table(("flow", "code", "level", "description"), rows)
    if found.countries:
        if lines:
            lines.append("")
        lines.append(_title("partners", found.text, len(found.countries), found.country_total))
        lines += _table(("code", "name", "iso2", "iso3", "type"), found.countries)
    return "\n".join(lines)


def no_match_line(text: str) -> str:
    return f"nothing matches {text!r}: no commodity description or code, no partner name, code or ISO code"
