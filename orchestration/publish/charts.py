"""The report's charts of one partner (balance, top products, tariff rates), each with the table of
the numbers it draws."""

from __future__ import annotations

import textwrap

from orchestration.core.periods import month_key
from orchestration.publish.plotting import (
    BLUE,
    GREY,
    ORANGE,
    RED,
    Chart,
    Table,
    billions,
    money,
    percent,
    png,
    pyplot,
)

TABLE_MONTHS = 24  # rows of the monthly tables: the latest two years


def _label(code: str, text: str | None) -> str:
    """`8703 Motor cars and vehicles ...` on at most two short lines."""
    words = (text or "").split(";")[0].split(",")[0].title()
    return f"{code} " + "\n".join(textwrap.wrap(words, 30)[:2])


def _short(text: str | None, width: int = 70) -> str:
    return textwrap.shorten(text or "", width, placeholder="…")


def balance_chart(con, partner: str, name: str) -> Chart | None:
    rows = con.execute(
        "select period, exports_usd, imports_usd, balance_usd, balance_12m_usd "
        "from marts.fct_bilateral_balance_monthly where partner_code = $p order by period",
        {"p": partner},
    ).fetchall()
    if not rows:
        return None
    from matplotlib.dates import DateFormatter
    from matplotlib.ticker import FuncFormatter

    periods = [r[0] for r in rows]
    figure, (monthly, rolling) = pyplot().subplots(2, 1, sharex=True, figsize=(10, 6.4), height_ratios=(3, 2))
    monthly.bar(periods, [r[3] for r in rows], width=20, color=[RED if r[3] < 0 else BLUE for r in rows])
    monthly.set_ylabel("monthly balance")
    monthly.set_title(f"U.S. goods trade balance with {name} (Census basis, not seasonally adjusted)")
    twelve = [(r[0], r[4]) for r in rows if r[4] is not None]
    if twelve:
        rolling.plot([p for p, _ in twelve], [v for _, v in twelve], color=ORANGE, linewidth=2.2)
    else:
        rolling.text(0.5, 0.5, "needs 12 months of data", transform=rolling.transAxes, ha="center", color=GREY)
    rolling.set_ylabel("12-month total")
    for axis in (monthly, rolling):
        axis.axhline(0, color=GREY, linewidth=0.8)  # also keeps zero in view
        axis.yaxis.set_major_formatter(FuncFormatter(billions))
    rolling.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    figure.autofmt_xdate()
    table = Table(
        f"The balance with {name} by month, latest first (last {TABLE_MONTHS} months)",
        ("month", "exports", "imports", "balance", "12-month total"),
        [(month_key(p), money(x), money(m), money(b), money(t)) for p, x, m, b, t in reversed(rows[-TABLE_MONTHS:])],
    )
    return Chart(png(figure), table)


def _top_products(con, partner: str, flow: str, year: int) -> list[tuple[str, str, float, float | None]]:
    return con.execute(
        """
        select commodity_code, any_value(commodity_description), sum(value_usd),
            100.0 * (sum(value_usd) - sum(prior_year_value_usd)) / nullif(sum(prior_year_value_usd), 0)
        from marts.fct_product_flows
        where partner_code = $p and flow = $f and hs_level = 4 and year(period) = $y
        group by commodity_code order by 3 desc, 1 limit 10
        """,
        {"p": partner, "f": flow, "y": year},
    ).fetchall()


def products_chart(con, partner: str, name: str) -> Chart | None:
    year = con.execute(
        "select max(year(period)) from marts.fct_product_flows where partner_code = $p", {"p": partner}
    ).fetchone()[0]
    if year is None:
        return None
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure, axes = pyplot().subplots(1, 2, figsize=(14, 6.4))
    table_rows = []
    for axis, flow, color in ((axes[0], "exports", BLUE), (axes[1], "imports", RED)):
        top = _top_products(con, partner, flow, year)
        table_rows += [(flow, code, _short(text), money(value), _change(change)) for code, text, value, change in top]
        rows = list(reversed(top))
        labels = [_label(code, text) for code, text, _, _ in rows]
        values = [value for _, _, value, _ in rows]
        axis.barh(labels, values, color=color)
        axis.xaxis.set_major_formatter(FuncFormatter(billions))
        axis.xaxis.set_major_locator(MaxNLocator(4))
        for index, (_, _, value, change) in enumerate(rows):
            note = "new" if change is None else f"{round(change):+d}% YoY"
            axis.text(value, index, f"  {note}", va="center", fontsize=8, color=GREY)
        axis.set_xlim(0, max(values or [1]) * 1.35)
        axis.set_title(f"U.S. {flow} {'to' if flow == 'exports' else 'from'} {name}, top HS4, {year}")
        axis.tick_params(axis="y", labelsize=8)
    table = Table(
        f"The top 10 HS4 products each way, {year}",
        ("flow", "HS4", "product", f"value {year}", f"change on {year - 1}"),
        table_rows,
        text_columns=3,
    )
    return Chart(png(figure), table)


def _change(change: float | None) -> str:
    return "new" if change is None else percent(change, signed=True)


def tariff_chart(con, partner: str, name: str) -> Chart | None:
    rows = con.execute(
        "select period, collected_rate_pct, statutory_rate_pct, statutory_coverage_pct "
        "from marts.fct_effective_tariff_monthly where partner_code = $p and aggregation = 'partner' "
        "order by period",
        {"p": partner},
    ).fetchall()
    if not rows:
        return None
    from matplotlib.dates import DateFormatter
    from matplotlib.ticker import FuncFormatter

    figure, axis = pyplot().subplots(figsize=(10, 4.2))
    axis.plot([r[0] for r in rows], [r[1] for r in rows], color=RED, linewidth=2.2, label="collected (duty / value)")
    axis.plot([r[0] for r in rows], [r[2] for r in rows], color=BLUE, linewidth=1.6, linestyle="--",
              label="statutory MFN rate, where the schedule is loaded")  # fmt: skip
    axis.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.1f}%"))
    axis.set_ylabel("duty, percent of value")
    axis.set_ylim(bottom=0)
    axis.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    figure.autofmt_xdate()
    axis.legend(frameon=False)
    coverage = rows[-1][3]
    known = f" (MFN known for {coverage:.0f}% of value)" if coverage else ""
    axis.set_title(f"Tariff rate on U.S. imports from {name}{known}")
    table = Table(
        f"Duty on U.S. imports from {name} by month, latest first (last {TABLE_MONTHS} months)",
        ("month", "collected rate", "statutory MFN rate", "MFN known for (share of value)"),
        [(month_key(p), percent(c), percent(s), percent(k)) for p, c, s, k in reversed(rows[-TABLE_MONTHS:])],
    )
    return Chart(png(figure), table)
