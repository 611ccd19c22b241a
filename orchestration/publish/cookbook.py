"""The analyst cookbook's queries (docs/cookbook.md), by name: tested, and timed by the benchmark."""

from __future__ import annotations

import re
from pathlib import Path

COOKBOOK = Path(__file__).resolve().parents[2] / "docs" / "cookbook.md"
_BLOCK = re.compile(r"```sql\n-- name: (\w+)\n(.*?)```", re.DOTALL)


def recipes(path: Path = COOKBOOK) -> dict[str, str]:
    return dict(_BLOCK.findall(path.read_text(encoding="utf-8")))
