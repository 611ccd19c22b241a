"""Charts of the story for one partner (default Japan), as PNGs and one self-contained HTML page.

Read from the serving copy, so that making the report never blocks a refresh.
"""

from __future__ import annotations

import base64
import html
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.publish.plotting import BLUE, GREY, ORANGE, RED, billions, pyplot, save_figure
from orchestration.publish.safeguard_chart import safeguard_chart


@dataclass
class Report:
    partner_name: str
    charts: dict[str, Path] = field(default_factory=dict)  # title -> PNG
    page: Path | None = None
    notes: list[str] = field(default_factory=list)


def _label(code: str, text: str | None) -> str:
    """`8703 Motor cars and vehicles ...` on at most two short lines."""
    words = (text or "").split(";")[0].split(",")[0].title()
    return f"{code} " + "\n".join(textwrap.wrap(words, 30)[:2])


def balance_chart(con, partner: str, name: str, path: Path) -> Path | None:
    rows = con.execute(
        "select period, balance_usd, balance_12m_usd from marts.fct_bilateral_balance_monthly "
        "where partner_code = $p order by period",
        {"p": partner},
    ).fetchall()
    if not rows:
        return None
    from matplotlib.dates import DateFormatter
    from matplotlib.ticker import FuncFormatter

    plt = pyplot()
    periods = [r[0] for r in rows]
    figure, axis = plt.subplots(figsize=(10, 4.8))
    axis.bar(periods, [r[1] for r in rows], width=20, color=[RED if r[1] < 0 else BLUE for r in rows],
             label="monthly balance")  # fmt: skip
    axis.axhline(0, color=GREY, linewidth=0.8)
    axis.set_ylabel("monthly balance")
    axis.yaxis.set_major_formatter(FuncFormatter(billions))
    rolling = [(p, r[2]) for p, r in zip(periods, rows, strict=True) if r[2] is not None]
    if rolling:
        twin = axis.twinx()
        twin.plot([p for p, _ in rolling], [v for _, v in rolling], color=ORANGE, linewidth=2.2,
                  label="12-month total (right axis)")  # fmt: skip
        twin.set_ylabel("12-month total")
        twin.yaxis.set_major_formatter(FuncFormatter(billions))
        lows = min(v for _, v in rolling), max(v for _, v in rolling)
        twin.set_ylim(min(lows[0] * 1.15, 0), max(lows[1] * 1.15, 0))
        figure.legend(loc="lower center", ncol=2, frameon=False)
    axis.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    figure.autofmt_xdate()
    axis.set_title(f"U.S. goods trade balance with {name} (Census basis, not seasonally adjusted)")
    figure.tight_layout(rect=(0, 0.06, 1, 1))  # room for the legend below
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _top_products(con, partner: str, flow: str, year: int) -> list[tuple[str, str, float, float | None]]:
    return con.execute(
        """
        select commodity_code, any_value(commodity_description), sum(value_usd),
            100.0 * (sum(value_usd) - sum(prior_year_value_usd)) / nullif(sum(prior_year_value_usd), 0)
        from marts.fct_product_flows
        where partner_code = $p and flow = $f and hs_level = 4 and year(period) = $y
        group by commodity_code order by 3 desc limit 10
        """,
        {"p": partner, "f": flow, "y": year},
    ).fetchall()


def products_chart(con, partner: str, name: str, path: Path) -> Path | None:
    year = con.execute(
        "select max(year(period)) from marts.fct_product_flows where partner_code = $p", {"p": partner}
    ).fetchone()[0]
    if year is None:
        return None
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure, axes = pyplot().subplots(1, 2, figsize=(14, 6.4))
    for axis, flow, color in ((axes[0], "exports", BLUE), (axes[1], "imports", RED)):
        rows = list(reversed(_top_products(con, partner, flow, year)))
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
    return save_figure(figure, path)


def tariff_chart(con, partner: str, name: str, path: Path) -> Path | None:
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
    return save_figure(figure, path)


def render(serving: Path, folder: Path, partner: str = "5880") -> Report:
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(serving), read_only=True) as con:
        # A warehouse may hold a tariff schedule before any Census month: chart what exists.
        tables = {
            r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        }
        found = None
        if "dim_country" in tables:
            found = con.execute(
                "select partner_name from marts.dim_country where partner_code = $p", {"p": partner}
            ).fetchone()
        name = found[0].title() if found else partner
        report = Report(name)
        for title, chart, filename, needs in (
            ("Bilateral balance", balance_chart, f"balance_{partner}.png", "fct_bilateral_balance_monthly"),
            ("Top products", products_chart, f"products_{partner}.png", "fct_product_flows"),
            ("Tariff rates", tariff_chart, f"tariffs_{partner}.png", "fct_effective_tariff_monthly"),
            ("Japan's beef safeguard", safeguard_chart, f"safeguard_{partner}.png", "fct_safeguard_monitor"),
        ):
            path = chart(con, partner, name, folder / filename) if needs in tables else None
            if path:
                report.charts[title] = path
            else:
                report.notes.append(f"{title}: no data yet")
        sources = []
        if "fct_bilateral_balance_monthly" in tables:
            sources = sorted(
                r[0] for r in con.execute("select distinct source from marts.fct_bilateral_balance_monthly").fetchall()
            )
    report.page = _page(report, folder / f"report_{partner}.html", sources)
    return report


def _page(report: Report, path: Path, sources: list[str]) -> Path:
    images = "\n".join(
        f'<h2>{html.escape(title)}</h2>\n<img alt="{html.escape(title)}" '
        f'src="data:image/png;base64,{base64.b64encode(png.read_bytes()).decode()}">'
        for title, png in report.charts.items()
    )
    notes = "".join(f"<p class=note>{html.escape(note)}</p>" for note in report.notes)
    sample = (
        "<p class=note>Built from the bundled sample: mostly synthetic numbers (see README).</p>"
        if "sample" in sources
        else ""
    )
    path.write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>U.S. trade with {html.escape(report.partner_name)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1400px;margin:2em auto;color:#222}}
img{{max-width:100%;border:1px solid #ddd}} .note{{color:#666}}</style></head>
<body><h1>U.S. trade with {html.escape(report.partner_name)}</h1>
<p>Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from the serving copy; values in U.S. dollars, Census basis.</p>
{sample}{images}{notes}</body></html>
""",
        encoding="utf-8",
    )
    return path
