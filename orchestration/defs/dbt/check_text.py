"""Plain-language descriptions of the dbt tests, shown on their Dagster asset checks (dagster-dbt
reads only `meta.description`, which no test here sets)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def _listed(values) -> str:
    return ", ".join(str(v) for v in values)


def _ref(text: str) -> str:
    """ "ref('dim_country')" -> "dim_country"."""
    found = re.search(r"ref\(\s*['\"]([^'\"]+)['\"]", str(text))
    return found.group(1) if found else str(text)


def _leading_comment(sql: str) -> str:
    """The comment that opens a singular test, after any config() block."""
    lines = []
    for line in re.sub(r"\{\{\s*config\(.*?\)\s*\}\}", "", sql, flags=re.S).strip().splitlines():
        if not line.lstrip().startswith("--"):
            break
        lines.append(line.lstrip()[2:].strip())
    return " ".join(lines)


def describe_test(node: Mapping[str, Any]) -> str:
    """What the test asserts, in words: the test's own description when it has one."""
    if node.get("description"):
        return node["description"]
    metadata = node.get("test_metadata") or {}
    kwargs = metadata.get("kwargs", {})
    column = kwargs.get("column_name")
    kind = metadata.get("name")
    if kind is None:
        return _leading_comment(node.get("raw_code", "")) or node["name"].replace("_", " ")
    if kind == "not_null":
        text = f"{column} is never null"
    elif kind == "unique":
        text = f"{column} is unique"
    elif kind == "accepted_values":
        text = f"{column} is one of: {_listed(kwargs.get('values', []))}"
    elif kind == "relationships":
        text = f"every {column} is a {kwargs.get('field')} of {_ref(kwargs.get('to'))}"
    elif kind == "unique_combination_of_columns":
        text = f"one row per {_listed(kwargs.get('combination', []))}"
    elif kind == "composite_relationship":
        text = f"every {_listed(kwargs.get('columns', []))} of a row is in {_ref(kwargs.get('to'))}"
    elif kind == "expression_is_true":
        text = f"every row satisfies: {' '.join(str(kwargs.get('expression', '')).split())}"
    else:
        text = f"{kind}: {_listed(f'{k}={v}' for k, v in kwargs.items() if k != 'model')}"
    if kwargs.get("window_column"):
        text += f" (in the months a run rebuilds, by {kwargs['window_column']})"
    return text
