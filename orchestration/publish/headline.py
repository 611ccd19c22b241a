"""The report's headline: the latest month's balance with one partner, how it changed on the
month before and on a year earlier, and the 12-month total (marts.fct_bilateral_balance_monthly)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from orchestration.core.periods import add_months, month_key
from orchestration.publish.plotting import money


@dataclass(frozen=True)
class Headline:
    period: date  # the latest month
    exports: int
    imports: int
    balance: int
    month_before: int | None  # the balance of the month before, when loaded
    year_before: int | None  # the balance of the same month a year earlier
    total_12m: int | None  # NULL in the mart until 12 months are loaded
    total_12m_year_before: int | None  # the 12 months before those

    def lines(self) -> list[str]:
        latest = month_key(self.period)
        changes = [
            f"vs {month_key(add_months(self.period, back))}: {money(self.balance - earlier, signed=True)}"
            for back, earlier in ((-1, self.month_before), (-12, self.year_before))
            if earlier is not None
        ]
        lines = [
            f"Data through {latest}",
            f"Balance in {latest}: {money(self.balance)} (exports {money(self.exports)}, "
            f"imports {money(self.imports)})",
            "Change " + "; ".join(changes) if changes else "No earlier month to compare with",
        ]
        if self.total_12m is None:
            lines.append("12-month total: needs 12 months of data")
        else:
            total = f"12-month total to {latest}: {money(self.total_12m)}"
            if self.total_12m_year_before is not None:
                before = month_key(add_months(self.period, -12))
                change = money(self.total_12m - self.total_12m_year_before, signed=True)
                total += f"; change vs the 12 months to {before}: {change}"
            lines.append(total)
        return lines


def headline(con, partner: str) -> Headline | None:
    latest = con.execute(
        "select max(period) from marts.fct_bilateral_balance_monthly where partner_code = $p", {"p": partner}
    ).fetchone()[0]
    if latest is None:
        return None
    month_before, year_before = add_months(latest, -1), add_months(latest, -12)
    rows = {
        r[0]: r[1:]
        for r in con.execute(
            "select period, exports_usd, imports_usd, balance_usd, balance_12m_usd "
            "from marts.fct_bilateral_balance_monthly where partner_code = $p and period in ($a, $b, $c)",
            {"p": partner, "a": latest, "b": month_before, "c": year_before},
        ).fetchall()
    }
    exports, imports, balance, total = rows[latest]
    earlier = rows.get(year_before, (None,) * 4)
    return Headline(
        period=latest,
        exports=exports,
        imports=imports,
        balance=balance,
        month_before=rows.get(month_before, (None,) * 4)[2],
        year_before=earlier[2],
        total_12m=total,
        total_12m_year_before=earlier[3],
    )
