"""The story of one partner as one self-contained HTML page (a headline, then each chart with the
table of its numbers), its charts also as PNGs beside it.

Read from the serving copy, so that making a report never blocks a refresh. Every file is written
to a temporary name and renamed into place, so that two processes writing the same report (two
publishes, or `report` during a publish) leave one whole page, never a torn one.
"""

from __future__ import annotations

import base64
import html
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.core.errors import InputError, write_failed
from orchestration.core.settings import check_partner_code
from orchestration.publish.charts import balance_chart, products_chart, tariff_chart
from orchestration.publish.headline import Headline, headline
from orchestration.publish.plotting import Chart, Table
from orchestration.publish.safeguard_chart import JAPAN, safeguard_chart

BALANCE = "fct_bilateral_balance_monthly"
# title, chart, PNG name, the mart it reads, the only partners it applies to (None: all)
CHARTS = (
    ("Bilateral balance", balance_chart, "balance", BALANCE, None),
    ("Top products", products_chart, "products", "fct_product_flows", None),
    ("Tariff rates", tariff_chart, "tariffs", "fct_effective_tariff_monthly", None),
    ("Japan's beef safeguard", safeguard_chart, "safeguard", "fct_safeguard_monitor", {JAPAN}),
)


@dataclass
class Report:
    partner: str
    partner_name: str
    headline: Headline | None = None
    charts: dict[str, Chart] = field(default_factory=dict)  # title -> chart, in page order
    page: Path | None = None
    notes: list[str] = field(default_factory=list)


def report_path(folder: Path, partner: str) -> Path:
    return folder / f"report_{partner}.html"


def render(serving: Path, folder: Path, partners: Iterable[str]) -> list[Report]:
    """The pages a publish writes, one per partner. A partner without data yet gets a page that
    says so (a warehouse may hold a tariff schedule before any Census month)."""
    with duckdb.connect(str(serving), read_only=True) as con:
        return [write_report(con, folder, partner) for partner in partners]


def partner_report(con, folder: Path, partner: str) -> Path:
    """The `report` command's page: a partner code the data does not know, or one without a month
    in the balance mart, is an error rather than an empty page."""
    check_partner_code(partner)
    marts = _marts(con)
    if BALANCE not in marts:
        raise InputError(f"no Census months to report yet (no marts.{BALANCE}): run `trade-warehouse refresh` first")
    name = _name(con, partner, marts)
    if name is None:
        raise InputError(f"partner {partner} is not in marts.dim_country: no Census month loaded names it")
    months = con.execute(
        "select count(*) from marts.fct_bilateral_balance_monthly where partner_code = $p", {"p": partner}
    ).fetchone()
    if not months[0]:
        raise InputError(f"partner {partner} ({name}) has no months in marts.{BALANCE}")
    return write_report(con, folder, partner).page


def write_report(con, folder: Path, partner: str) -> Report:
    marts = _marts(con)
    report = Report(partner, _name(con, partner, marts) or partner)
    if BALANCE in marts:
        report.headline = headline(con, partner)
    for title, chart, stem, needs, partners in CHARTS:
        if partners is not None and partner not in partners:
            continue  # e.g. Japan's safeguard: nothing to say about another partner
        made = chart(con, partner, report.partner_name) if needs in marts else None
        if made:
            report.charts[title] = made
            _write(folder / f"{stem}_{partner}.png", made.png)
        else:
            report.notes.append(f"{title}: no data yet")
    sources = []
    if BALANCE in marts:
        query = "select distinct source from marts.fct_bilateral_balance_monthly order by 1"
        sources = [r[0] for r in con.execute(query).fetchall()]
    report.page = report_path(folder, partner)
    _write(report.page, _page(report, sources).encode())
    return report


def _marts(con) -> set[str]:
    return {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}


def _name(con, partner: str, marts: set[str]) -> str | None:
    if "dim_country" not in marts:
        return None
    found = con.execute("select * from marts.dim_country where partner_code = $p", {"p": partner})
    row = found.fetchone()
    if row is None:
        return None
    country = dict(zip([column[0] for column in found.description], row, strict=True))
    # a copy published before dim_country had display names: the Census name, title-cased
    return country.get("display_name") or country["partner_name"].title()


def _write(path: Path, data: bytes) -> None:
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the report is for readers
        os.replace(temporary, path)
    except OSError as error:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        raise write_failed("writing the report", path, error) from None


def _table(table: Table) -> str:
    def row(cells: tuple[str, ...], tag: str) -> str:
        return "<tr>" + "".join(
            f"<{tag}{' class=num' if index >= table.text_columns else ''}>{html.escape(cell)}</{tag}>"
            for index, cell in enumerate(cells)
        ) + "</tr>"  # fmt: skip

    body = "\n".join(row(cells, "td") for cells in table.rows)
    return (
        f'<table class="data"><caption>{html.escape(table.caption)}</caption>\n'
        f"<thead>{row(table.columns, 'th')}</thead>\n<tbody>\n{body}\n</tbody></table>"
    )


def _headline(found: Headline | None) -> str:
    if found is None:
        return ""
    classes = ("through", "balance", "change", "total")
    lines = "\n".join(f'<p class="{c}">{html.escape(line)}</p>' for c, line in zip(classes, found.lines(), strict=True))
    return (
        f'<section class="headline" id="headline">\n{lines}\n<p class="note">Dollars; a positive change is a '
        "rise in the balance (a smaller deficit or a larger surplus).</p>\n</section>"
    )


def _page(report: Report, sources: list[str]) -> str:
    charts = "\n".join(
        f'<section class="chart">\n<h2>{html.escape(title)}</h2>\n<img alt="{html.escape(title)}" '
        f'src="data:image/png;base64,{base64.b64encode(chart.png).decode()}">\n{_table(chart.table)}\n</section>'
        for title, chart in report.charts.items()
    )
    notes = "".join(f"<p class=note>{html.escape(note)}</p>" for note in report.notes)
    sample = (
        "<p class=note>Built from the bundled sample: mostly synthetic numbers, except the totals marked "
        "sample_published (see README).</p>"
        if any(source.startswith("sample") for source in sources)
        else ""
    )
    name = html.escape(report.partner_name)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>U.S. trade with {name}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1400px;margin:2em auto;color:#222}}
img{{max-width:100%;border:1px solid #ddd}} .note{{color:#666}}
.headline{{border-left:4px solid #1f5a96;background:#f4f7fb;padding:.4em 1.2em;margin:1.2em 0}}
.headline p{{margin:.35em 0}} .headline .balance{{font-size:1.45em;font-weight:600}}
.headline .total{{font-size:1.15em}}
table.data{{border-collapse:collapse;font-size:.85em;margin:.8em 0 2.4em}}
table.data caption{{text-align:left;color:#666;padding:.3em 0}}
table.data th,table.data td{{padding:.2em .8em;border-bottom:1px solid #e4e4e4;text-align:left}}
table.data .num{{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}}</style></head>
<body><h1>U.S. trade with {name}</h1>
<p>Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; values in U.S. dollars, Census basis.</p>
{sample}{_headline(report.headline)}
{charts}{notes}</body></html>
"""
