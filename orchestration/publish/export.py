"""Write a query's result to a file (`trade-warehouse sql --format csv|parquet|xlsx --out FILE`).

The query runs on the locked-down reading connection (the serving copy or the warehouse, no file
access); that connection may write one file only, the temporary file beside FILE, which replaces
FILE when complete, so a failed export leaves an earlier file as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from orchestration.core.errors import InputError

FORMATS = ("csv", "parquet", "xlsx")
EXCEL_MAX_ROWS = 1_048_576 - 1  # a worksheet's rows, less the header
_BATCH = 10_000
NO_RESULT = "the query returns no result to write (a SELECT is needed)"


def check_target(out: Path, fmt: str, *, force: bool) -> Path:
    """FILE resolved, or a one-line error: its folder must exist, and an existing file is replaced
    only with --force."""
    out = out.expanduser().resolve()
    if out.suffix.lower() not in ("", f".{fmt}"):
        raise InputError(f"--out {out.name}: the name ends in {out.suffix}, not .{fmt} (--format {fmt})")
    if not out.parent.is_dir():
        raise InputError(f"--out {out}: no such folder {out.parent}")
    if out.is_dir():
        raise InputError(f"--out {out} is a folder: name a file")
    if out.exists() and not force:
        raise InputError(f"--out {out} exists: add --force to replace it")
    return out


def temporary_beside(out: Path) -> Path:
    """A fresh name in FILE's folder (same file system, so the rename is atomic)."""
    handle, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.close(handle)
    os.unlink(name)  # DuckDB creates it; its name is what the connection is allowed to write
    return Path(name)


def export(con, query: str, fmt: str, partial: Path, out: Path) -> int:
    """Run `query` on `con` and write its result as `fmt` to `partial`, then move it to `out`;
    returns the rows written. `con` must be allowed to write `partial` (and only that). A file
    that cannot be written is one line naming --out; a query error is the caller's to report."""
    from openpyxl.utils.exceptions import IllegalCharacterError

    try:
        return _export(con, query, fmt, partial, out)
    except IllegalCharacterError:
        raise InputError("a text value holds a control character that Excel cannot store: use --format csv") from None
    except OSError as error:
        raise InputError(f"cannot write --out {out}: {error.strerror or error}") from None


def _export(con, query: str, fmt: str, partial: Path, out: Path) -> int:
    try:
        rows = _write(con, query, fmt, partial)
        partial.replace(out)
        return rows
    finally:
        partial.unlink(missing_ok=True)


def _write(con, query: str, fmt: str, partial: Path) -> int:
    """The result written to `partial`; returns its rows."""
    if fmt == "xlsx":
        cursor = con.execute(query)
        if cursor.description is None:
            raise InputError(NO_RESULT)
        return _write_xlsx(cursor, partial)
    relation = con.sql(query)
    if relation is None:
        raise InputError(NO_RESULT)
    if fmt == "csv":
        relation.write_csv(str(partial), header=True)
        rows = con.execute("select count(*) from read_csv(?, header = true, all_varchar = true)", [str(partial)])
    else:
        relation.write_parquet(str(partial))
        rows = con.execute("select count(*) from read_parquet(?)", [str(partial)])
    return rows.fetchone()[0]


def _write_xlsx(cursor, partial: Path) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("result")
    sheet.append([column[0] for column in cursor.description])
    rows = 0
    while batch := cursor.fetchmany(_BATCH):
        rows += len(batch)
        if rows > EXCEL_MAX_ROWS:
            raise InputError(f"more than {EXCEL_MAX_ROWS:,} rows do not fit a worksheet: use --format csv or parquet")
        for row in batch:
            sheet.append([_cell(value) for value in row])
    book.save(partial)
    return rows


def _cell(value):
    """Excel stores numbers as doubles: a DECIMAL or HUGEINT goes in as its exact text only when a
    double would change it; lists and structs as text."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)  # Excel has no time zones: UTC
    if value is None or isinstance(value, bool | float | str | date | datetime):
        return value
    if isinstance(value, int | Decimal):
        return float(value) if float(value) == value else str(value)
    return str(value)
