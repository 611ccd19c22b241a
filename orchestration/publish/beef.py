"""U.S. beef exports to Japan by month with the tariff they faced and the safeguard's state: the
table `demo` prints after the balance table (read from the marts, read-only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

JAPAN = "5880"
ORIGINS = {"world": "all origins", "non_epa": "origins without an EPA (the U.S. among them)", "us": "the U.S."}


@dataclass(frozen=True)
class BeefMonth:
    period: date
    tonnes: float | None
    quantity_incomplete: bool  # some line's kilograms are missing: the tonnes are a floor
    value_usd: int
    chilled_pct: float | None
    frozen_pct: float | None
    safeguard: str
    source: str


def beef_months(con, year: int) -> tuple[list[BeefMonth], list[str]]:
    """The year's months, and one line per safeguard trigger seen in the year (Japan's figures)."""
    rows = con.execute(
        """
        with exposure as (
            select
                period,
                left(hs6_code, 4) as hs4_code,
                sum(quantity) filter (where quantity_unit = 'KG') / 1000.0 as tonnes,
                bool_or(quantity is null) as quantity_incomplete,
                sum(exports_usd) as value_usd,
                sum(exports_usd * applied_rate_pct)
                    / nullif(sum(exports_usd) filter (where applied_rate_pct is not null), 0) as rate_pct,
                any_value(source) as source
            from marts.fct_export_tariff_exposure_monthly
            where partner_code = $japan and left(hs6_code, 4) in ('0201', '0202') and year(period) = $year
            group by period, left(hs6_code, 4)
        ),
        monitor as (
            select
                period,
                bool_or(regime_triggered) as triggered,
                max(safeguard_rate_pct) as safeguard_rate_pct
            from marts.fct_safeguard_monitor
            where year(period) = $year
            group by period
        )
        select
            exposure.period,
            sum(exposure.tonnes),
            bool_or(exposure.quantity_incomplete),
            sum(exposure.value_usd),
            any_value(exposure.rate_pct) filter (where exposure.hs4_code = '0201'),
            any_value(exposure.rate_pct) filter (where exposure.hs4_code = '0202'),
            any_value(monitor.triggered),
            any_value(monitor.safeguard_rate_pct),
            any_value(exposure.source)
        from exposure
        left join monitor on monitor.period = exposure.period
        group by exposure.period
        order by exposure.period
        """,
        {"japan": JAPAN, "year": year},
    ).fetchall()
    months = [
        BeefMonth(
            period,
            tonnes,
            bool(incomplete),
            int(value or 0),
            chilled,
            frozen,
            f"in force: {rate:g} %" if rate is not None else ("triggered" if triggered else "-"),
            source,
        )
        for period, tonnes, incomplete, value, chilled, frozen, triggered, rate, source in rows
    ]
    triggers = con.execute(
        """
        select origin_scope, product_scope, japan_imports_cum_t, trigger_t, japan_figure_as_of
        from marts.fct_safeguard_monitor
        where regime_triggered and condition_met and year(period) = $year
        order by period, condition_code desc
        """,
        {"year": year},
    ).fetchall()
    notes = [
        f"{product} beef from {ORIGINS.get(origin, origin)}, to {as_of:%Y-%m-%d}: "
        f"{cumulative:,} t > trigger {trigger:,.0f} t"
        for origin, product, cumulative, trigger, as_of in triggers
    ]
    return months, notes


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} %"


def format_beef_table(year: int, months: list[BeefMonth], notes: list[str]) -> str:
    synthetic = any(m.source.startswith("sample") for m in months)
    lines = [
        f"U.S. beef exports to Japan, {year} (HS 0201 chilled + 0202 frozen), and Japan's tariff on them",
        f"{'month':<9}{'tonnes':>9}{'$ million':>11}  {'chilled':>8}  {'frozen':>8}  frozen-beef safeguard",
    ]
    for m in months:
        tonnes = "" if m.tonnes is None else f"{m.tonnes:,.0f}{'*' if m.quantity_incomplete else ' '}"
        lines.append(
            f"{m.period:%Y-%m}  {tonnes:>8}{m.value_usd / 1e6:>11,.1f}  "
            f"{_pct(m.chilled_pct):>8}  {_pct(m.frozen_pct):>8}  {m.safeguard}"
        )
    if any(m.quantity_incomplete for m in months):
        lines.append("* some lines' kilograms are missing (Census flag M): the tonnes are a floor")
    if notes:
        lines.append("Japan's safeguard was triggered on its own import figures (MOF, seeded with sources):")
        lines.extend(f"  {note}" for note in notes)
    trade = "the sample's synthetic Census exports" if synthetic else "Census exports (product weight)"
    lines.append(
        f"Tonnes and dollars are {trade}; the tariffs and the safeguard are Japan's real rates\n"
        "(marts.fct_export_tariff_exposure_monthly, marts.fct_safeguard_monitor)."
    )
    return "\n".join(lines)
