"""What every report chart shares: matplotlib imported late, the palette, money labels, saving."""

from __future__ import annotations

from pathlib import Path

BLUE, ORANGE, GREY, RED = "#1f5a96", "#d9822b", "#8a8f98", "#b8312f"


def pyplot():
    """matplotlib, imported when a chart is drawn: importing it costs about a second of CPU in
    every process that loads the Dagster definitions (each run step, the code server), and most
    of them draw nothing."""
    import matplotlib

    matplotlib.use("Agg")  # no display here or in Dagster's workers
    import matplotlib.pyplot as plt

    return plt


def billions(value, _position=None) -> str:
    if value == 0:
        return "$0"
    if abs(value) >= 1e10:
        return f"${value / 1e9:,.0f}B"
    return f"${value / 1e9:,.1f}B" if abs(value) >= 1e9 else f"${value / 1e6:,.0f}M"


def save_figure(figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    pyplot().close(figure)
    return path
