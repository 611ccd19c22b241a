"""A one-line account of what failed in a dbt run (from its run_results.json)."""

from __future__ import annotations

import re
from pathlib import Path

FAILED = ("error", "fail", "runtime error")
QUOTED_PATH = re.compile(r'"(/[^"]+)"')


def _detail(message: str, limit: int) -> str:
    """dbt's message on one line: a full disk as what to do about it; otherwise cut at a word, not
    in the middle of a path."""
    text = " ".join(message.split())
    if "no space left on device" in text.lower():
        path = QUOTED_PATH.search(text)
        where = f" writing {path[1]}: free space in {Path(path[1]).parent}" if path else ": free space"
        return f"the disk is full{where} and run it again"
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def failure_summary(run_results: dict, *, limit: int = 3) -> str:
    failed = [r for r in run_results.get("results", []) if str(r.get("status", "")).lower() in FAILED]
    if not failed:
        return "dbt build failed (no failing node recorded; see the dbt log)"
    parts = []
    for result in failed[:limit]:
        node = result.get("unique_id", "?").split(".")
        kind = node[0]
        # test.<project>.<name>.<hash>; unit_test.<project>.<model>.<name>; model.<project>.<name>
        name = node[-2] if kind == "test" and len(node) > 3 else ".".join(node[2:]) if kind == "unit_test" else node[-1]
        detail = _detail(str(result.get("message") or result.get("status")), 240)
        parts.append(f"{kind} {name}: {detail}")
    more = f" (+{len(failed) - limit} more)" if len(failed) > limit else ""
    return f"dbt build failed: {'; '.join(parts)}{more}"


def log_error(log_path) -> str:
    """The first error dbt logged (for a run that failed before it wrote run_results.json)."""
    import json

    try:
        lines = open(log_path, encoding="utf-8").read().splitlines()
    except OSError:
        return "dbt failed before running any model"
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        message = event.get("info", {}).get("msg", "")
        if event.get("info", {}).get("level") == "error" and message and "Encountered an error" not in message:
            return "dbt failed: " + _detail(message, 300)
    return "dbt failed before running any model"
