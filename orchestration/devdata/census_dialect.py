"""Answer a Census API query from a table of rows, the way the API does (dossier §3-§5).

Used to write the sample's landing files and, in the tests, behind a local HTTP server.
What it reproduces: a dimension left out of `get` and the predicates means its total (`-`);
a dimension in `get` without a predicate gives every value *and* the total row; without
`COMM_LVL` all commodity levels come back mixed; `CTY_NAME` without `CTY_CODE` gives only the
total; the header is the `get` list, then `time`, then every predicate echoed (so a variable that
is both requested and a predicate appears twice); rows are unsorted; no rows is HTTP 204.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable

from orchestration.census.plan import COMMODITY_VAR


def error_body(message: str) -> bytes:
    return f"error: error: {message}".encode()


def encode_table(header: list[str], rows: Iterable[list[str]]) -> bytes:
    """JSON array of arrays, one row per line, as the API formats it."""
    lines = [json.dumps(header)] + [json.dumps(row) for row in rows]
    return ("[" + ",\n".join(lines) + "]").encode()


def _matcher(wanted: list[str]):
    """A test for one predicate: exact values, or `prefix*` wildcards (never matching the `-` total)."""
    exact = frozenset(w for w in wanted if not w.endswith("*"))
    prefixes = tuple(w[:-1] for w in wanted if w.endswith("*"))
    return lambda value: value in exact or (value != "-" and bool(prefixes) and value.startswith(prefixes))


def render(rows: list[dict[str, str]], *, flow: str, month: str, params: list[tuple[str, str]]) -> tuple[int, bytes]:
    """(HTTP status, body) for one query against one month of one flow."""
    get: list[str] = []
    time: str | None = None
    predicates: dict[str, list[str]] = {}
    for name, value in params:
        if name == "get":
            get = [v for v in value.split(",") if v]
        elif name == "time":
            time = value
        elif name != "key":
            predicates.setdefault(name, []).append(value)
    if not get:
        return 400, error_body("missing 'get' parameter")
    if time is None:
        return 400, error_body("missing required parameter 'time'")
    known = set(rows[0]) if rows else set()
    for name in [*get, *predicates]:
        if name not in known:
            return 400, error_body(f"unknown variable '{name}'")
    if time != month:
        return 204, b""

    commodity = COMMODITY_VAR[flow]
    detail = commodity in get or commodity in predicates or "COMM_LVL" in predicates or "COMM_LVL" in get
    by_partner = "CTY_CODE" in get or "CTY_CODE" in predicates
    tests = [(name, _matcher(values)) for name, values in predicates.items() if name != "COMM_LVL"]
    selected = []
    for row in rows:
        if "COMM_LVL" in predicates:
            if row["COMM_LVL"] not in predicates["COMM_LVL"]:
                continue
        elif not detail and row["COMM_LVL"] != "-":
            continue
        if "CTY_CODE" not in predicates and not by_partner and row["CTY_CODE"] != "-":
            continue
        if not all(test(row[name]) for name, test in tests):
            continue
        selected.append(row)
    if not selected:
        return 204, b""
    random.Random(repr(sorted(p for p in params if p[0] != "key"))).shuffle(selected)
    header = [*get, "time", *predicates]
    table = ([*(row.get(name, "") for name in get), time, *(row[name] for name in predicates)] for row in selected)
    return 200, encode_table(header, table)
