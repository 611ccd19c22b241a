"""What every report chart shares: matplotlib imported late, the palette, money labels, the chart
with the table of its numbers."""

from __future__ import annotations

import io
from dataclasses import dataclass

BLUE, ORANGE, GREY, RED = "#1f5a96", "#d9822b", "#8a8f98", "#b8312f"
MISSING = "n/a"


@dataclass(frozen=True)
class Table:
    """The numbers a chart draws, as text: the first `text_columns` columns are labels, the rest
    figures (right-aligned on the page)."""

    caption: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    text_columns: int = 1


@dataclass(frozen=True)
class Chart:
    png: bytes
    table: Table


def pyplot():
    """matplotlib, imported when a chart is drawn: importing it costs about a second of CPU in
    every process that loads the Dagster definitions (each run step, the code server), and most
    of them draw nothing."""
    import matplotlib

    matplotlib.use("Agg")  # no display here or in Dagster's workers
    import matplotlib.pyplot as plt

    return plt


def billions(value, _position=None) -> str:
    """An axis label: `-$60B`, `-$2.5B`, `$500M` (the sign before the dollar, as in the tables)."""
    if value == 0:
        return "$0"
    sign, size = "-" if value < 0 else "", abs(value)
    if size >= 1e10:
        return f"{sign}${size / 1e9:,.0f}B"
    return f"{sign}${size / 1e9:,.1f}B" if size >= 1e9 else f"{sign}${size / 1e6:,.0f}M"


def money(value: float | None, *, signed: bool = False) -> str:
    """Dollars in billions from $1B (two decimals), else in millions (one): `-$5.60B`, `$512.3M`;
    `signed` puts `+` before a rise."""
    if value is None:
        return MISSING
    sign = "-" if value < 0 else "+" if signed and value > 0 else ""
    size = abs(value)
    return f"{sign}${size / 1e9:,.2f}B" if size >= 1e9 else f"{sign}${size / 1e6:,.1f}M"


def percent(value: float | None, *, signed: bool = False) -> str:
    return MISSING if value is None else f"{value:{'+' if signed else ''},.1f}%"


def tonnes(value: float | None) -> str:
    return MISSING if value is None else f"{value:,.0f}"


def png(figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    pyplot().close(figure)
    return buffer.getvalue()
