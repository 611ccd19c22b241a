"""The report's safeguard chart: cumulative tonnes of U.S. beef to Japan since 1 April against
Japan's triggers, for the latest Japanese fiscal year with Census months."""

from __future__ import annotations

from datetime import timedelta

from orchestration.core.periods import month_key
from orchestration.publish.plotting import MISSING, Chart, Table, png, pyplot, tonnes

JAPAN = "5880"
COLORS = ("#b8312f", "#1f5a96", "#6b4c9a")


def safeguard_chart(con, partner: str, name: str) -> Chart | None:
    if partner != JAPAN:
        return None  # the only partner whose safeguards are seeded
    jfy = con.execute("select max(jfy) from marts.fct_safeguard_monitor where us_exports_t is not null").fetchone()[0]
    if jfy is None:
        return None
    rows = con.execute(
        """
        select condition_code, origin_scope, product_scope, period, japan_imports_cum_t, trigger_t,
            us_exports_cum_t, safeguard_in_force, regime_name
        from marts.fct_safeguard_monitor
        where jfy = $jfy
            -- the rule in force in the latest month with Census data (2020 and 2023 change it in January)
            and regime = (
                select arg_max(regime, period) from marts.fct_safeguard_monitor
                where jfy = $jfy and us_exports_t is not null
            )
        order by condition_code, period
        """,
        {"jfy": jfy},
    ).fetchall()
    from matplotlib.ticker import FuncFormatter

    figure, axis = pyplot().subplots(figsize=(10, 4.6))
    conditions = sorted({(r[0], r[1], r[2]) for r in rows})
    first = [r for r in rows if r[0] == conditions[0][0]]
    us = [(r[3] + timedelta(days=27), r[6]) for r in first if r[6] is not None]  # plotted at month end
    if us:
        label = f"U.S. {conditions[0][2]} beef exports to Japan since 1 April (Census, early indicator)"
        axis.plot([p for p, _ in us], [v for _, v in us], color="#8a8f98", linewidth=2.4, marker="o", label=label)
    for color, (code, origin, product) in zip(COLORS, conditions, strict=False):
        mine = [r for r in rows if r[0] == code]
        triggers = [(r[3], r[5]) for r in mine if r[5] is not None]
        if triggers:
            axis.step([p for p, _ in triggers] + [triggers[-1][0] + timedelta(days=30)],
                      [v for _, v in triggers] + [triggers[-1][1]], where="post", color=color, linestyle="--",
                      label=f"trigger: {_condition(origin, product)}")  # fmt: skip
        points = [(r[3] + timedelta(days=27), r[4]) for r in mine if r[4] is not None]
        if points:
            axis.scatter([p for p, _ in points], [v for _, v in points], color=color, zorder=3, marker="D",
                         label=f"Japan's reported imports, {origin.replace('non_epa', 'non-EPA')} origins")  # fmt: skip
    for period in sorted({r[3] for r in rows if r[7]}):
        axis.axvspan(period, period + timedelta(days=30), color="#f3d6d5", zorder=0)
    axis.set_ylabel("tonnes since 1 April")
    axis.set_ylim(bottom=0)
    axis.yaxis.set_major_formatter(FuncFormatter(_thousands))
    axis.legend(frameon=True, fontsize=8, loc="lower right", framealpha=0.9)
    axis.set_title(f"Japan's beef safeguard, fiscal year {jfy} (shaded: safeguard rate in force) - {rows[0][8]}",
                   fontsize=10)  # fmt: skip
    figure.autofmt_xdate()
    said = {True: "yes", False: "no"}
    table = Table(
        f"Japan's beef safeguard, fiscal year {jfy}: cumulative tonnes since 1 April by month and condition",
        ("month", "condition", "safeguard in force", "Japan's imports (t)", "trigger (t)", "U.S. exports (t)"),
        [
            (month_key(period), _condition(origin, product), said.get(on, MISSING), *map(tonnes, (japan, trigger, us)))
            for _, origin, product, period, japan, trigger, us, on, _ in sorted(rows, key=lambda r: (r[3], r[0]))
        ],
        text_columns=3,
    )
    return Chart(png(figure), table)


def _condition(origin: str, product: str) -> str:
    return f"{product} beef, {origin.replace('non_epa', 'non-EPA')} origins"


def _thousands(value, _position=None) -> str:
    return f"{value / 1000:,.0f}k t" if value else "0"
