"""A one-line account of what failed in a dbt run (from its run_results.json)."""

from __future__ import annotations

FAILED = ("error", "fail", "runtime error")


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
        detail = " ".join(str(result.get("message") or result.get("status")).split())[:160]
        parts.append(f"{kind} {name}: {detail}")
    more = f" (+{len(failed) - limit} more)" if len(failed) > limit else ""
    return f"dbt build failed: {'; '.join(parts)}{more}"
