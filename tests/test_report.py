"""The HTML report: its headline, the partner it is about (`report --partner`, REPORT_PARTNERS), the
balance chart's two panels and the table under each chart."""

from __future__ import annotations

import html
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.app.cli import main
from orchestration.publish.plotting import Table, billions, money


def headline_lines(page: str) -> list[str]:
    section = page[page.index('<section class="headline"') :]
    section = section[: section.index("</section>")]
    found = re.findall(r'<p class="(?:through|balance|change|total)">(.*?)</p>', section)
    return [html.unescape(line) for line in found]


def expected_headline(serving: Path, partner: str) -> list[str]:
    """The headline's figures, computed here from the mart with window functions."""
    with duckdb.connect(str(serving), read_only=True) as con:
        span = con.execute(
            "select count(distinct period), min(period), max(period) from marts.fct_bilateral_balance_monthly "
            "where partner_code = ?",
            [partner],
        ).fetchone()
        assert span == (24, date(2016, 1, 1), date(2017, 12, 1))  # every month: lag(1) is the month before
        exports, imports, balance, total, on_month, on_year, total_on_year = con.execute(
            """
            select exports_usd, imports_usd, balance_usd, balance_12m_usd,
                balance_usd - lag(balance_usd) over w, balance_usd - lag(balance_usd, 12) over w,
                balance_12m_usd - lag(balance_12m_usd, 12) over w
            from marts.fct_bilateral_balance_monthly
            where partner_code = ?
            window w as (order by period)
            order by period desc
            limit 1
            """,
            [partner],
        ).fetchone()
    return [
        "Data through 2017-12",
        f"Balance in 2017-12: {money(balance)} (exports {money(exports)}, imports {money(imports)})",
        f"Change vs 2017-11: {money(on_month, signed=True)}; vs 2016-12: {money(on_year, signed=True)}",
        f"12-month total to 2017-12: {money(total)}; change vs the 12 months to 2016-12: "
        f"{money(total_on_year, signed=True)}",
    ]


def test_money_is_in_billions_from_one_billion_else_in_millions():
    assert money(-5_597_012_345) == "-$5.60B"
    assert money(67_603_500_000) == "$67.60B"
    assert money(512_345_678) == "$512.3M"
    assert money(120_000_000, signed=True) == "+$120.0M"
    assert money(-1_234_000_000, signed=True) == "-$1.23B"
    assert money(0, signed=True) == "$0.0M"
    assert money(None) == "n/a"
    assert [billions(v) for v in (-60e9, -2.5e9, 5e8, 0)] == ["-$60B", "-$2.5B", "$500M", "$0"]  # axis labels


def test_table_cells_are_escaped_and_figures_right_aligned():
    from orchestration.publish.report import _table

    made = _table(Table("Fish & <chips>", ("HS4", "value"), [("0302 <b>Fish</b> & co", "$1.50B")]))
    assert "<caption>Fish &amp; &lt;chips&gt;</caption>" in made
    assert "<td>0302 &lt;b&gt;Fish&lt;/b&gt; &amp; co</td><td class=num>$1.50B</td>" in made
    assert "<b>" not in made


def test_the_headline_gives_the_latest_month_its_changes_and_the_12_month_total(demo_warehouse):
    page = (demo_warehouse.parent / "reports" / "report_5880.html").read_text()
    lines = headline_lines(page)
    assert lines == expected_headline(demo_warehouse.parent / "serving.duckdb", "5880")
    # Census's published figures for Japan, December 2017 and the year (README's demo table)
    assert lines[1] == "Balance in 2017-12: -$5.60B (exports $6.33B, imports $11.93B)"
    assert lines[3].startswith("12-month total to 2017-12: -$68.81B; ")
    assert page.index('id="headline"') < page.index("<h2>")


def test_the_12_month_total_has_its_own_panel_under_the_monthly_bars(demo_warehouse, monkeypatch):
    from orchestration.publish import charts
    from orchestration.publish.plotting import pyplot

    drawn = []
    monkeypatch.setattr(charts, "png", lambda figure: drawn.append(figure) or b"")
    with duckdb.connect(str(demo_warehouse.parent / "serving.duckdb"), read_only=True) as con:
        chart = charts.balance_chart(con, "5880", "Japan")
        rows = con.execute(
            "select period, exports_usd, imports_usd, balance_usd, balance_12m_usd "
            "from marts.fct_bilateral_balance_monthly where partner_code = '5880' order by period"
        ).fetchall()
    figure = drawn[0]
    monthly, rolling = figure.axes  # two panels; a twin axis would be a third
    pyplot().close(figure)
    assert monthly.get_shared_x_axes().joined(monthly, rolling)
    assert [bar.get_height() for bar in monthly.patches] == [r[3] for r in rows]
    assert all(len(line.get_ydata()) == 2 for line in monthly.get_lines())  # the zero line only
    [twelve] = [line for line in rolling.get_lines() if len(line.get_ydata()) > 2]
    assert list(twelve.get_ydata()) == [r[4] for r in rows if r[4] is not None] and len(twelve.get_ydata()) == 13
    # its table: the latest 24 months, latest first
    assert chart.table.rows[0] == ("2017-12", *(money(v) for v in rows[-1][1:]))
    assert [r[0] for r in chart.table.rows] == [f"{r[0]:%Y-%m}" for r in reversed(rows)]
    assert chart.table.rows[-1][4] == "n/a"  # 2016-01 has no 12 months behind it


def test_report_writes_the_page_of_the_partner_asked_for(demo_warehouse, isolated_env, monkeypatch, capsys):
    serving = demo_warehouse.parent / "serving.duckdb"
    monkeypatch.setenv("SERVING_PATH", str(serving))
    assert main(["report", "--partner", "1220"]) == 0
    reports = isolated_env / "reports"
    assert capsys.readouterr().out == f"{reports / 'report_1220.html'}\n"
    page = (reports / "report_1220.html").read_text()
    assert "<h1>U.S. trade with Canada</h1>" in page
    assert headline_lines(page) == expected_headline(serving, "1220")
    assert "safeguard" not in page.lower()  # Japan's only
    files = sorted(p.name for p in reports.iterdir())
    assert files == ["balance_1220.png", "products_1220.png", "report_1220.html", "tariffs_1220.png"]
    assert page.count('<table class="data">') == page.count("<img ") == 3

    assert main(["report", "--partner", "9999"]) == 1
    err = capsys.readouterr().err
    assert err == "error: partner 9999 is not in marts.dim_country: no Census month loaded names it\n"


def test_report_reads_the_warehouse_when_asked(demo_warehouse, isolated_env, monkeypatch, capsys):
    monkeypatch.setenv("WAREHOUSE_PATH", str(demo_warehouse))
    monkeypatch.setenv("REPORTS_DIR", str(isolated_env / "out"))  # not beside the shared demo warehouse
    assert main(["report", "--warehouse"]) == 0
    assert capsys.readouterr().out == f"{isolated_env / 'out' / 'report_5880.html'}\n"
    page = (isolated_env / "out" / "report_5880.html").read_text()
    assert headline_lines(page) == expected_headline(demo_warehouse, "5880")
    assert page.count('<table class="data">') == 4


@pytest.mark.slow
def test_publish_writes_a_report_for_each_of_report_partners(demo_warehouse, isolated_env, monkeypatch, capsys):
    shutil.copyfile(demo_warehouse, isolated_env / "warehouse.duckdb")
    monkeypatch.setenv("REPORT_PARTNERS", "5880,1220")
    assert main(["publish"]) == 0
    out, reports = capsys.readouterr().out, isolated_env / "reports"
    for partner, name in (("5880", "Japan"), ("1220", "Canada")):
        assert f"report:       {reports / f'report_{partner}.html'}\n" in out
        page = (reports / f"report_{partner}.html").read_text()
        assert f"<h1>U.S. trade with {name}</h1>" in page and headline_lines(page)[0] == "Data through 2017-12"
    assert (reports / "safeguard_5880.png").exists() and not (reports / "safeguard_1220.png").exists()
    assert not [p for p in reports.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.fixture
def small_serving(isolated_env: Path) -> Path:
    """A serving copy with Japan's January 2017 only, and Canada named but without a month."""
    path = isolated_env / "serving.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_country as "
            "select * from (values ('5880', 'JAPAN'), ('1220', 'CANADA')) as t(partner_code, partner_name)"
        )
        con.execute(
            "create table marts.fct_bilateral_balance_monthly as select date '2017-01-01' as period, "
            "'5880' as partner_code, 1500000000::bigint as exports_usd, 2250000000::bigint as imports_usd, "
            "-750000000::bigint as balance_usd, null::bigint as balance_12m_usd, 'census_api' as source"
        )
    return path


def test_a_first_month_has_a_headline_without_changes(small_serving, isolated_env, capsys):
    assert main(["report"]) == 0
    page = (isolated_env / "reports" / "report_5880.html").read_text()
    assert headline_lines(page) == [
        "Data through 2017-01",
        "Balance in 2017-01: -$750.0M (exports $1.50B, imports $2.25B)",
        "No earlier month to compare with",
        "12-month total: needs 12 months of data",
    ]
    assert "Top products: no data yet" in page


@pytest.mark.parametrize(
    "partner, message",
    [
        ("9999", "partner 9999 is not in marts.dim_country: no Census month loaded names it"),
        ("Japan", "partner 'Japan' is not a Census partner code such as 5880 (Japan) or 1220 (Canada)"),
        ("1220", "partner 1220 (Canada) has no months in marts.fct_bilateral_balance_monthly"),
    ],
)
def test_a_partner_without_a_report_is_a_one_line_error(small_serving, isolated_env, capsys, partner, message):
    assert main(["report", "--partner", partner]) == 1
    assert capsys.readouterr() == ("", f"error: {message}\n")
    assert not (isolated_env / "reports").exists()
