"""Load one landed bulk ZIP as a vintage of its month, in one transaction:

1. each member is streamed out of the ZIP and read by DuckDB (bulk.member_sql): the detail at its
   full grain into `raw.census_bulk_<flow>`, the control and reference files beside it (a member
   other than the detail and the commodity file that is absent or does not fit its layout is
   left out, and the load's notes say so);
2. the detail must add up exactly to the control files, by commodity, by country and (exports) by
   district, and to the API's cells when the month's latest vintage came from the API;
3. the month's cells at the API's grain (HS10 x country, the world, all-commodity totals) go into
   `raw.census_<flow>` under the ZIP's landed file, and the vintage is recorded with source
   `census_bulk`: staging's "latest vintage" rule then covers API and bulk months alike.

A mismatch fails the month with one line and nothing of it is kept.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
import zlib
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from orchestration.census.bulk import (
    LOW_VALUE_COMMODITIES,
    MEMBERS,
    PLAUSIBLE,
    Layout,
    bulk_table,
    lines_sql,
    member_sql,
    members,
    required,
)
from orchestration.census.bulk_files import BulkEntry, BulkStore
from orchestration.census.bulk_grain import SOURCE, insert_api_grain
from orchestration.census.bulk_reconcile import compare_with_api, reconcile_with_controls
from orchestration.census.bulk_stream import PIECE_BYTES, detail_pieces
from orchestration.census.load import ensure_raw_schema
from orchestration.census.vintages import latest_files, record_vintage
from orchestration.core.errors import LandingError, ParseError, write_failed
from orchestration.core.settings import current_settings
from orchestration.store.duckdb import transaction


@dataclass
class BulkLoad:
    flow: str
    month: str
    file: str
    rows: dict[str, int] = field(default_factory=dict)  # raw table -> rows loaded
    vintage: int | None = None
    unchanged: bool = False  # the ZIP is the month's latest vintage already
    compared_with_api: int = 0  # API cells the detail was checked against
    notes: list[str] = field(default_factory=list)


def _wanted(archive: zipfile.ZipFile, flow: str) -> dict[str, zipfile.ZipInfo]:
    """The members we read, by layout name, whatever the case of their names (`IMP_DETL.txt` one
    month, `IMP_DETL.TXT` the next); documentation in subfolders is not ours."""
    wanted = {layout.member for layout in members(flow)}
    found = {}
    for info in archive.infolist():
        stem = Path(info.filename).name.upper().rsplit(".", 1)[0]
        if stem in wanted and not info.is_dir() and "/" not in info.filename.strip("/"):
            found[stem] = info
    return found


def extract_members(archive_path: Path, flow: str, into: Path, *, skip: tuple[str, ...] = ()) -> dict[str, Path]:
    """Each member we read but those in `skip`, streamed out of the ZIP into `into`. A missing
    required member fails."""
    found: dict[str, Path] = {}
    try:
        with zipfile.ZipFile(archive_path) as archive:
            names = [info.filename for info in archive.infolist()]
            wanted = _wanted(archive, flow)
            missing = [layout.member for layout in required(flow) if layout.member not in wanted]
            if missing:
                raise LandingError(
                    f"{archive_path.name} has no {' or '.join(missing)} member (it holds {', '.join(names)})"
                )
            for stem, info in wanted.items():
                if stem in skip:
                    continue
                target = into / f"{stem}.TXT"
                with archive.open(info) as source:
                    try:
                        with open(target, "wb") as out:
                            shutil.copyfileobj(source, out, 1 << 20)
                    except OSError as error:
                        raise write_failed(f"unzipping {stem} of {archive_path.name}", target, error) from None
                found[stem] = target
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise LandingError(
            f"{archive_path.name} cannot be read as a ZIP archive ({error}); "
            "download it again (backfill --source bulk --refetch)"
        ) from None
    return found


def detail_member(archive_path: Path, flow: str) -> zipfile.ZipInfo:
    with zipfile.ZipFile(archive_path) as archive:
        return _wanted(archive, flow)[MEMBERS[flow][0].member]


def scratch_for(archive_path: Path, flow: str, fallback: Path) -> Path:
    """Where the members are unzipped for DuckDB to read: BULK_SCRATCH_DIR when set; else memory
    (/dev/shm) when it has twice the room they take, since writing to disk costs more than
    reading back; else beside the landing zone."""
    configured = current_settings().bulk_scratch_dir
    if configured is not None:
        return configured
    detail = MEMBERS[flow][0].member
    with zipfile.ZipFile(archive_path) as archive:
        wanted = _wanted(archive, flow)
    # the detail is never all there at once: a few pieces (bulk_stream), besides the small members
    needed = sum(info.file_size for stem, info in wanted.items() if stem != detail) + 4 * PIECE_BYTES
    memory = Path("/dev/shm")
    if memory.is_dir() and os.access(memory, os.W_OK) and shutil.disk_usage(memory).free > 2 * needed:
        return memory
    return fallback


def _misfit(con, layout: Layout, path: Path) -> str | None:
    """Why a member does not fit its layout, or None: its lines must have the layout's width, and
    its code fields look like codes (PLAUSIBLE) on 99 % of the lines. A reference file has no
    measure whose cast would fail on a shifted line: without this, another layout would load as
    garbage."""
    width = con.execute(f"select min(length(line)), max(length(line)) from {lines_sql()}", {"path": str(path)})
    shortest, longest = width.fetchone()
    if shortest is None:
        return None  # an empty member: nothing to load, nothing wrong
    if shortest < layout.shortest or longest > layout.width:
        expected = f"{layout.shortest}-{layout.width}" if layout.shortest < layout.width else f"{layout.width}"
        return f"its lines are {shortest}-{longest} characters wide, not {expected}"
    rules = PLAUSIBLE.get(layout.member, {})
    if rules:
        tests = ", ".join(
            f"avg(case when trim({name}) = '' or regexp_full_match(trim({name}), '{pattern}') then 1 else 0 end)"
            for name, pattern in rules.items()
        )  # our own names and patterns
        shares = con.execute(f"select {tests} from ({member_sql(layout, only_active=False)})", {"path": str(path)})
        for (name, _), share in zip(rules.items(), shares.fetchone(), strict=True):
            if share < 0.99:
                return f"its {name} field holds no codes in {1 - share:.0%} of the lines"
    return None


def _insert_member(con, flow: str, month: str, layout: Layout, path: Path, parameters: dict) -> int:
    keys = [f.name for f in layout.keys if f.name not in ("year", "month")]
    low_value = ""
    if layout is MEMBERS[flow][0]:
        codes = ", ".join(f"'{code}'" for code in LOW_VALUE_COMMODITIES[flow])  # our own constants
        low_value = f", commodity in ({codes})"
    dated = any(f.name == "year" for f in layout.keys)
    # a line of another month makes period NULL, which the NOT NULL column refuses
    period = "case when year = $year and month = $mm then $period end" if dated else "$period"
    measures = "".join(f", {name}" for name in layout.measures)
    columns = f"period, {', '.join(keys)}{measures}{', is_low_value_estimate' if low_value else ''}"
    sql = f"""
        insert into raw.{bulk_table(flow, layout)} ({columns}, _landed_file, _vintage, _loaded_at)
        select {period}, {", ".join(keys)}{measures}{low_value}, $file, $vintage, $loaded_at
        from ({member_sql(layout, path="$path")})"""
    bound = {name: value for name, value in parameters.items() if dated or name not in ("year", "mm")}
    try:
        return con.execute(sql, {**bound, "path": str(path)}).fetchone()[0]
    except duckdb.ConstraintException:
        raise ParseError(
            f"{flow} {month}: {layout.member} holds lines of another month than the file's name says"
        ) from None
    except (duckdb.ConversionException, duckdb.InvalidInputException) as error:
        raise ParseError(
            f"{flow} {month}: {layout.member} has a line that does not fit Census's layout "
            f"({str(error).splitlines()[0][:160]})"
        ) from None


def load_bulk_month(con, store: BulkStore, entry: BulkEntry, *, scratch: Path | None = None) -> BulkLoad:
    """Make the landed ZIP the month's latest vintage (see the module's description)."""
    flow, month = entry.flow, entry.month
    period = date.fromisoformat(f"{month}-01")
    load = BulkLoad(flow, month, entry.file)
    ensure_raw_schema(con)
    vintage, _ = latest_files(con, flow, period)
    if _loaded_before(con, flow, period, entry.file):
        # a ZIP loaded once is a vintage already: loading it again adds nothing (nor does it make
        # an older print the latest over a newer API pull)
        load.unchanged = True
        return load
    archive = store.path(entry)
    scratch = scratch or scratch_for(archive, flow, store.folder)
    _remove_stale_extracts(scratch)
    with tempfile.TemporaryDirectory(prefix=f".extract-{os.getpid()}-", dir=scratch) as folder:
        detail = MEMBERS[flow][0]
        extracted = extract_members(archive, flow, Path(folder), skip=(detail.member,))
        fetched = datetime.fromisoformat(entry.fetched_at).astimezone(UTC).replace(tzinfo=None)
        parameters = {
            "year": month[:4], "mm": month[5:], "period": period, "file": entry.file,
            "vintage": fetched, "loaded_at": datetime.now(UTC).replace(tzinfo=None),
        }  # fmt: skip
        with transaction(con):
            # the detail is unzipped piece by piece while the pieces before are read
            with closing(detail_pieces(archive, detail_member(archive, flow), Path(folder))) as pieces:
                lines = sum(_insert_member(con, flow, month, detail, piece, parameters) for piece in pieces)
            load.rows[bulk_table(flow, detail)] = lines
            for layout in members(flow):
                if layout is detail:
                    continue
                path = extracted.get(layout.member)
                if path is None:  # a required member's absence failed the month already
                    load.notes.append(f"{layout.member} left out: not in the ZIP")
                    continue
                misfit = None if layout in required(flow) else _misfit(con, layout, path)
                if misfit and layout.measures:
                    # a control file is what the month is reconciled against: one that is there but
                    # cannot be read fails the month (an absent one only skips its check)
                    raise ParseError(
                        f"{flow} {month}: {layout.member} in {entry.file} does not fit its layout: {misfit}"
                    )
                if misfit:
                    load.notes.append(f"{layout.member} left out: {misfit}")
                    continue
                load.rows[bulk_table(flow, layout)] = _insert_member(con, flow, month, layout, path, parameters)
            reconcile_with_controls(con, flow, month, period, entry.file)
            insert_api_grain(con, flow, period, entry.file, fetched)
            api_files = _api_vintage(con, flow, period)
            if api_files:
                load.compared_with_api = compare_with_api(con, flow, month, period, entry.file, api_files)
            record_vintage(con, flow, period, vintage + 1, [entry.file], fetched, 1, SOURCE)
    load.vintage = vintage + 1
    return load


def _loaded_before(con, flow: str, period: date, file: str) -> bool:
    return bool(
        con.execute(
            f"select count(*) from raw.census_{flow}_vintages where period = $period and list_contains(files, $file)",
            {"period": period, "file": file},
        ).fetchone()[0]
    )


def _remove_stale_extracts(scratch: Path) -> None:
    """Members unzipped by a load that was killed (kill -9 leaves them: up to ~2.4 GB each)."""
    scratch.mkdir(parents=True, exist_ok=True)
    for folder in scratch.glob(".extract-*"):
        pid = folder.name.split("-")[1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _api_vintage(con, flow: str, period: date) -> list[str] | None:
    """The files of the month's latest vintage when it came from the API."""
    from orchestration.census.rules import latest_files_sql

    row = con.execute(
        f"""select l.files from ({latest_files_sql(flow)}) as l
        join raw.census_{flow}_vintages as v using (period, vintage)
        where l.period = $period and v.source <> $bulk""",
        {"period": period, "bulk": SOURCE},
    ).fetchone()
    return row[0] if row else None
