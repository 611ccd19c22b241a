"""`trade-warehouse`: the command line over the same Dagster assets the UI runs.

Exit status 0 on success; on failure one line `error: <cause>` on stderr and status 1
(2 for a malformed command line; 3 for `status` when a released month is not loaded; 130 or 143
for a refresh stopped by SIGINT or SIGTERM; `find` also exits 1 when nothing matches).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from datetime import date
from pathlib import Path

from orchestration.app.home import use_dagster_home
from orchestration.census.plan import DEFAULT_LEVELS, parse_levels
from orchestration.core.errors import InputError, WarehouseError
from orchestration.core.lock import writer_lock
from orchestration.core.periods import month_key, month_range, validate_range
from orchestration.core.settings import Settings, current_settings
from orchestration.core.stopping import Stopped, kill_descendants, request_stop, stop_requested
from orchestration.core.stopping import reset as reset_stop
from orchestration.publish.export import FORMATS
from orchestration.store.marts_state import unfinished as unfinished_build

LEVELS_HELP = "HS levels to hold (HS2,HS4,HS6,HS10): the finest is fetched by chapter, the coarser summed from it"
DEMO_YEAR = 2017
# 2016 too (entirely synthetic), so that the demo has a year to compare 2017 with
DEMO_MONTHS = month_range(date(2016, 1, 1), date(2017, 12, 1))
DEMO_PARTNER = "5880"  # Japan
OVERDUE = 3  # `status`: a released month is not loaded


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trade-warehouse", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    refresh = commands.add_parser("refresh", help="ingest Census months and build the marts")
    refresh.add_argument("--start", required=True, metavar="YYYY-MM", help="first month")
    refresh.add_argument("--end", required=True, metavar="YYYY-MM", help="last month (included)")
    refresh.add_argument(
        "--source",
        choices=("api", "replay"),
        default="api",
        help="api: fetch what is not landed yet (default); replay: rebuild from the landing zone only",
    )
    refresh.add_argument("--levels", default=",".join(DEFAULT_LEVELS), help=LEVELS_HELP)
    refresh.add_argument("--refetch", action="store_true", help="fetch again even where a month is already landed")
    refresh.add_argument("--no-progress", action="store_true", help="no progress bar")

    backfill = commands.add_parser(
        "backfill", help="load history: the Census monthly bulk files (fast), or the API month by month"
    )
    backfill.add_argument(
        "--source",
        choices=("bulk", "api"),
        required=True,
        help="bulk: one ZIP per month and flow, the API where a month has none; api: as refresh",
    )
    backfill.add_argument("--start", required=True, metavar="YYYY-MM", help="first month")
    backfill.add_argument("--end", required=True, metavar="YYYY-MM", help="last month (included)")
    backfill.add_argument(
        "--from-dir", type=Path, metavar="DIR", help="bulk: the IMDB/EXDB ZIPs from this folder, not the site"
    )
    backfill.add_argument("--levels", default=",".join(DEFAULT_LEVELS), help=LEVELS_HELP + " (API months only)")
    backfill.add_argument("--refetch", action="store_true", help="download the months' ZIPs (or API answers) again")
    backfill.add_argument("--no-progress", action="store_true", help="no progress bar")

    plan = commands.add_parser("plan", help="the Census requests a refresh would make, what is landed, how long")
    plan.add_argument("--start", required=True, metavar="YYYY-MM", help="first month")
    plan.add_argument("--end", required=True, metavar="YYYY-MM", help="last month (included)")
    plan.add_argument("--levels", default=",".join(DEFAULT_LEVELS), help=LEVELS_HELP)
    plan.add_argument(
        "--source", choices=("api", "bulk"), default="api", help="api (a refresh) or bulk (backfill --source bulk)"
    )
    plan.add_argument("--from-dir", type=Path, metavar="DIR", help="bulk: the ZIPs from this folder")

    commands.add_parser("doctor", help="a few cheap calls to the live Census and HTS services, said in plain words")

    demo = commands.add_parser(
        "demo", help="build the warehouse from the bundled 2016-2017 sample and print U.S.-Japan 2017"
    )
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")

    tariffs = commands.add_parser("tariffs", help="tariff schedules (USITC HTS)")
    tariff_commands = tariffs.add_subparsers(dest="tariff_command", required=True)
    tariff_refresh = tariff_commands.add_parser(
        "refresh", help="load an HTS release (the current one by default) and rebuild the tariff marts"
    )
    tariff_refresh.add_argument("--release", metavar="NAME", help="release name, e.g. 2025HTSRev7")
    tariff_refresh.add_argument("--file", metavar="PATH", help="a revision file (JSON rows; path or http(s) URL)")
    tariff_refresh.add_argument(
        "--source", choices=("api", "replay"), default="api", help="api (default) or replay from the landing zone"
    )
    tariff_refresh.add_argument("--release-date", metavar="YYYY-MM-DD", help="publication date for a file's release")
    tariff_refresh.add_argument("--refetch", action="store_true", help="fetch the current release again")
    tariff_refresh.add_argument(
        "--allow-shrink", action="store_true", help="load a release that drops many of the lines in force"
    )
    tariff_refresh.add_argument("--no-progress", action="store_true", help="no progress bar")

    partners = commands.add_parser("partners", help="the tariffs U.S. goods face abroad (WITS TRAINS)")
    partner_commands = partners.add_subparsers(dest="partner_command", required=True)
    partner_refresh = partner_commands.add_parser(
        "refresh", help="load a partner's WITS tariffs (MFN and on U.S. goods) by year and rebuild the tariff marts"
    )
    partner_refresh.add_argument(
        "--reporter", required=True, metavar="M49", help="the country applying the tariff, e.g. 392 (Japan)"
    )
    partner_refresh.add_argument("--start-year", required=True, metavar="YYYY", help="first year")
    partner_refresh.add_argument("--end-year", required=True, metavar="YYYY", help="last year (included)")
    partner_refresh.add_argument(
        "--source", choices=("api", "replay"), default="api", help="api (default) or replay from the landing zone"
    )
    partner_refresh.add_argument("--refetch", action="store_true", help="fetch the years again even if landed")
    partner_refresh.add_argument("--no-progress", action="store_true", help="no progress bar")

    publish = commands.add_parser(
        "publish", help="write the serving copy, its Parquet and the report from the warehouse"
    )
    publish.add_argument(
        "--replace-other", action="store_true", help="replace a serving copy that was published from another warehouse"
    )

    report = commands.add_parser("report", help="write one partner's HTML report from the serving copy, print its path")
    report.add_argument("--partner", default="5880", metavar="CODE", help="Census partner code (default 5880, Japan)")
    report.add_argument("--warehouse", action="store_true", help="read the warehouse instead of the serving copy")

    status = commands.add_parser(
        "status",
        help="latest month loaded per flow, and whether the next one is overdue (exit status 3 when it is)",
    )
    status.add_argument("--warehouse", action="store_true", help="read the warehouse instead of the serving copy")
    status.add_argument("--json", action="store_true", help="print the status as JSON")

    bench = commands.add_parser("bench", help="generate synthetic Census data at scale and time the pipeline on it")
    bench.add_argument(
        "--quick",
        action="store_true",
        help="a small run (HS6, 4 months, the first refresh of each history only) for CI and tests",
    )
    bench.add_argument(
        "--bulk", action="store_true", help="the bulk-file case: parse and load one December imports ZIP"
    )
    bench.add_argument("--years", type=int, default=10, help="years of history for the long refresh and backfill")
    bench.add_argument("--json", metavar="PATH", help="also write the result as JSON to PATH")
    bench.add_argument(
        "--workdir", metavar="DIR",
        help="where to generate and build (default: a temporary folder); a folder of an earlier run "
        "is reused: its generated landing zone is kept when the shape matches, its warehouses rebuilt",
    )  # fmt: skip

    sql = commands.add_parser(
        "sql", help="run a read-only SQL query on the serving copy (or the warehouse) and print the result"
    )
    sql.add_argument("query", help='e.g. "select * from marts.fct_bilateral_balance_monthly limit 5"')
    sql.add_argument("--max-rows", type=int, default=40, help="rows to print (default 40)")
    sql.add_argument("--warehouse", action="store_true", help="query the warehouse (raw, staging) instead")
    sql.add_argument("--format", choices=FORMATS, help="write the whole result to --out in this format")
    sql.add_argument("--out", type=Path, metavar="FILE", help="the file to write (with --format)")
    sql.add_argument("--force", action="store_true", help="replace --out if it exists")

    find = commands.add_parser(
        "find",
        help="look up commodities (descriptions, HS codes) and partners (names, Census and ISO codes)",
        description="Case-insensitive; every word must appear in the name (beef, veal, pork, lamb and "
        "mutton also find the words Census uses: bovine, swine, sheep); a number is a code prefix (8703, "
        "0201.30). Exit status 0 when something matches, 1 when nothing does (as grep; a line on stderr "
        "says so) or on an error (`error: ...`).",
    )
    find.add_argument("text", help="e.g. beef, japan, 8703, KR")
    find.add_argument("--limit", type=int, default=25, help="rows to show per section (default 25)")
    find.add_argument("--warehouse", action="store_true", help="search the warehouse instead of the serving copy")
    return parser


def _connect_read_only(settings: Settings):
    from orchestration.store.duckdb import connect

    return connect(settings.warehouse_path, read_only=True)


def _connect_for_reading(settings: Settings, warehouse: bool, writes: Path | None = None):
    """The serving copy (it answers during a refresh), or the warehouse when asked; either way a
    query can read that database and nothing else: no files, no ATTACH, no settings changed.
    `writes`: the one file an export may write (and read back)."""
    import duckdb

    from orchestration.store.duckdb import connect
    from orchestration.store.targets import WarehouseTarget

    if warehouse:
        con = connect(settings.warehouse_path, read_only=True)
    elif not settings.serving_path.exists():
        raise WarehouseError(
            f"no serving copy at {settings.serving_path} yet: run `trade-warehouse demo` or `refresh` first "
            "(`publish` if the warehouse is built; --warehouse to read the warehouse itself)"
        )
    else:
        try:
            con = duckdb.connect(str(settings.serving_path), read_only=True)
        except duckdb.Error as error:
            raise WarehouseError(
                f"cannot open the serving copy {settings.serving_path}: {str(error).splitlines()[0]}"
            ) from None
    if writes is not None:
        con.execute("set allowed_paths = [$path]", {"path": str(writes)})
    if warehouse:
        data_path = WarehouseTarget.from_env(settings.warehouse_path).ducklake_data_path
        if data_path:  # a DuckLake's tables are files under its data path: the one folder left readable
            con.execute("set allowed_directories = [$path]", {"path": data_path})
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con


def cmd_refresh(args: argparse.Namespace) -> None:
    from orchestration.app.runner import RefreshRequest, refresh
    from orchestration.publish.text import refresh_summary

    months = validate_range(args.start, args.end)
    levels = parse_levels(args.levels)
    with writer_lock(current_settings().warehouse_path):
        refresh(
            RefreshRequest(months=months, source=args.source, levels=levels, refetch=args.refetch),
            show_progress=not args.no_progress,
        )
    with _connect_read_only(current_settings()) as con:
        print(refresh_summary(con, months))


def cmd_backfill(args: argparse.Namespace) -> None:
    from orchestration.app.runner import RefreshRequest, refresh
    from orchestration.publish.text import refresh_summary

    months = validate_range(args.start, args.end)
    levels = parse_levels(args.levels)
    from_dir = _bulk_folder(args)
    with writer_lock(current_settings().warehouse_path):
        refresh(
            RefreshRequest(months=months, source=args.source, levels=levels, refetch=args.refetch, bulk_dir=from_dir),
            show_progress=not args.no_progress,
        )
    with _connect_read_only(current_settings()) as con:
        print(refresh_summary(con, months))


def cmd_plan(args: argparse.Namespace) -> None:
    from orchestration.app.preflight import plan_report
    from orchestration.census.landing import LandingStore

    settings = current_settings()
    months = validate_range(args.start, args.end)
    levels = parse_levels(args.levels)
    from_dir = _bulk_folder(args)
    if args.source == "bulk":
        from orchestration.app.preflight import bulk_plan_report
        from orchestration.defs.resources import CensusBulkResource

        client = None if from_dir else CensusBulkResource(max_retries=1, backoff_factor=0.5).client()
        print(bulk_plan_report(settings.landing_dir, months, levels, client=client, from_dir=from_dir,
                               concurrency=settings.census_max_concurrency))  # fmt: skip
        return
    print(plan_report(LandingStore(settings.landing_dir), months, levels, settings.census_max_concurrency))


def _bulk_folder(args: argparse.Namespace) -> Path | None:
    """--from-dir, checked: it goes with --source bulk and must be a folder."""
    if args.from_dir is None:
        return None
    if args.source != "bulk":
        raise InputError("--from-dir goes with --source bulk")
    if not args.from_dir.is_dir():
        raise InputError(f"--from-dir {args.from_dir}: no such folder")
    return args.from_dir.expanduser().resolve()


def cmd_doctor(args: argparse.Namespace) -> None:
    from orchestration.app.preflight import doctor, format_findings
    from orchestration.defs.resources import CensusApiResource, HtsApiResource

    # short patience: a doctor answers in a minute or two, whatever the services do
    try:
        census = CensusApiResource(max_retries=1, backoff_factor=0.5, read_timeout=60).client()
    except WarehouseError as error:
        census = error
    findings = doctor(census, HtsApiResource(max_retries=1, backoff_factor=0.5).client(), date.today())
    print(format_findings(findings))
    if not all(finding.ok for finding in findings):
        raise WarehouseError("the live services did not all answer as expected (see above)")


def cmd_demo(args: argparse.Namespace) -> None:
    from orchestration.app.runner import (
        SAMPLE_LEVELS,
        RefreshRequest,
        TariffRequest,
        ensure_sample_landing,
        guard_demo_warehouse,
        refresh,
        refresh_tariffs,
    )
    from orchestration.devdata.schedule import SAMPLE_RELEASE
    from orchestration.publish.beef import beef_months, format_beef_table
    from orchestration.publish.report import report_path
    from orchestration.publish.text import format_partner_year, partner_year_table

    settings = current_settings()
    guard_demo_warehouse(settings.warehouse_path)
    months = DEMO_MONTHS
    sample_dir = settings.landing_dir / "sample"
    ensure_sample_landing(sample_dir, months)
    progress = not args.no_progress
    with writer_lock(settings.warehouse_path):
        # The schedule first, loaded only: the Census run builds the tariff marts over its months.
        refresh_tariffs(
            TariffRequest(release=SAMPLE_RELEASE, source="replay", landing_dir=sample_dir, load_only=True),
            show_progress=progress,
        )
        refresh(
            RefreshRequest(months=months, source="replay", levels=SAMPLE_LEVELS, landing_dir=sample_dir),
            show_progress=progress,
        )
    with _connect_read_only(settings) as con:
        name, rows = partner_year_table(con, DEMO_PARTNER, DEMO_YEAR)
        beef, triggers = beef_months(con, DEMO_YEAR)
    print(format_partner_year(name, DEMO_YEAR, rows))
    print()
    print(format_beef_table(DEMO_YEAR, beef, triggers))
    if _shared_target():  # no serving copy or report file: readers read the warehouse itself
        warehouse = f"{_warehouse_described(settings)} (analysts and BI tools read it in place)"
        reports = f"{_this_command()} report --partner {DEMO_PARTNER}"
    else:
        warehouse = f"{settings.warehouse_path} (analysts and BI tools: {settings.serving_path})"
        reports = ", ".join(str(report_path(settings.reports_dir, p)) for p in settings.report_partners)
    print(
        "\nThe country totals of Canada, Mexico, China, Japan, Germany and South Korea are the published\n"
        "2017 Census figures (source = 'sample_published'); every other number in the sample is synthetic\n"
        "(source = 'sample_synthetic').\n"
        f"Warehouse: {warehouse}\n"
        f"Report:    {reports}\n"
        f"Query it:  {_this_command()} sql \"select * from marts.fct_product_flows where partner_code = '5880' "
        'and hs_level = 4 order by value_usd desc limit 10"\n'
        f"Replay it: LANDING_DIR={_shown(sample_dir)} {_this_command()} refresh --source replay "
        f"--start {month_key(months[0])} --end {month_key(months[-1])}  (the sample's landing zone)\n"
        "Dagster UI: make dev, then http://127.0.0.1:3000"
    )


def _shown(path: Path) -> str:
    """A path as the user would type it from here."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def _this_command() -> str:
    """How the user can call this command again from where they are (e.g. .venv/bin/trade-warehouse)."""
    invoked = Path(sys.argv[0])
    if invoked.name == "trade-warehouse" and invoked.resolve().is_relative_to(Path.cwd()):
        return str(invoked.resolve().relative_to(Path.cwd()))
    return "trade-warehouse"


def cmd_tariffs(args: argparse.Namespace) -> None:
    from orchestration.app.runner import TariffRequest, refresh_tariffs
    from orchestration.publish.text import tariff_summary

    with writer_lock(current_settings().warehouse_path):
        release, _ = refresh_tariffs(
            TariffRequest(
                release=args.release,
                file=args.file,
                source=args.source,
                release_date=args.release_date,
                refetch=args.refetch,
                allow_shrink=args.allow_shrink,
            ),
            show_progress=not args.no_progress,
        )
    with _connect_read_only(current_settings()) as con:
        print(tariff_summary(con, release))


def cmd_partners(args: argparse.Namespace) -> None:
    from orchestration.defs.partitions import PARTNER_REPORTERS, partner_year_range

    years = partner_year_range(args.reporter, args.start_year, args.end_year)  # before the runner's imports
    from orchestration.app.runner import PartnerRequest, refresh_partner_tariffs

    with writer_lock(current_settings().warehouse_path):
        loaded = refresh_partner_tariffs(
            PartnerRequest(reporter=args.reporter, years=years, source=args.source, refetch=args.refetch),
            show_progress=not args.no_progress,
        )
    name = PARTNER_REPORTERS[args.reporter]
    for done in loaded:
        print(
            f"WITS tariffs of {name} ({args.reporter}) {done.year}: {done.rows:,} rows, "
            f"{done.requests_made} requests made, no records: {done.no_records or 'none'}"
        )


def cmd_bench(args: argparse.Namespace) -> None:
    import shutil
    import tempfile

    from orchestration.app.bench import format_result, prepare_workdir, run_bench, write_json

    if args.years < 2 or args.years > 16:
        raise InputError(f"--years {args.years}: choose 2 to 16 (the long history must exceed the 1-year one)")
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="trade-warehouse-bench-"))
    prepare_workdir(workdir)
    log = lambda line: print(line, flush=True)  # noqa: E731
    if args.bulk:
        from orchestration.app.bench_bulk import FULL_LINES, format_bulk_result, run_bulk_bench

        lines = FULL_LINES // 10 if args.quick else FULL_LINES
        run, report = (lambda: run_bulk_bench(workdir, lines=lines, log=log)), format_bulk_result
    else:
        if args.quick:
            # the first refresh of each history only: the keys and the marts are checked, not the ratios
            plan = {
                "level": "HS6",
                "traded_share": 0.25,
                "short_months": 1,
                "long_months": 3,
                "warmups": 0,
                "steady": 0,
            }
        else:
            plan = {"level": "HS10", "traded_share": 0.5, "short_months": 12, "long_months": 12 * args.years}
        run, report = (lambda: run_bench(workdir, **plan, log=log)), format_result
    try:
        result = run()
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(report(result))
    if args.json:
        write_json(result, Path(args.json))
        print(f"result: {args.json}")


def cmd_publish(args: argparse.Namespace) -> None:
    from orchestration.app.runner import publish_now
    from orchestration.publish.report import report_path

    settings = current_settings()
    # one writer at a time: two publishes interleaved could swap an older spare in
    with writer_lock(settings.warehouse_path):
        publish_now(replace_other=args.replace_other)
    if _shared_target():
        print(f"{_warehouse_described(settings)}: nothing to publish, readers read the warehouse in place")
        return
    print(f"serving copy: {settings.serving_path}\nparquet:      {settings.serving_path.parent / 'parquet'}")
    for partner in settings.report_partners:
        print(f"report:       {report_path(settings.reports_dir, partner)}")


def cmd_report(args: argparse.Namespace) -> None:
    from orchestration.publish.report import partner_report

    settings = current_settings()
    # No writer lock: it only reads, and writes the report's own files, each renamed into place whole.
    with _connect_for_reading(settings, args.warehouse) as con:
        print(partner_report(con, settings.reports_dir, args.partner))


def cmd_status(args: argparse.Namespace) -> int:
    """Exit 0 while every flow is current, OVERDUE (3) once a released month is not loaded, so
    that cron and monitors can use it."""
    import json

    import duckdb

    from orchestration.publish.text import flow_status, format_status

    settings = current_settings()
    with _connect_for_reading(settings, args.warehouse) as con:
        try:
            statuses = flow_status(con, date.today())
        except duckdb.Error as error:
            raise WarehouseError(f"no Census months to report: {str(error).splitlines()[0]}") from None
    build = unfinished_build(settings.warehouse_path)
    current = all(s.latest is not None and not s.overdue for s in statuses)
    if args.json:
        document = {
            "checked_on": date.today().isoformat(),
            "read_from": _warehouse_described(settings) if args.warehouse else str(settings.serving_path),
            "current": current,
            "flows": [s.as_json() for s in statuses],
            "unfinished_build": build,
        }
        print(json.dumps(document, indent=2))
    else:
        print(format_status(statuses))
        if build:
            print(f"marts    {build}")
    return 0 if current else OVERDUE


def cmd_sql(args: argparse.Namespace) -> None:
    import duckdb

    from orchestration.publish.export import check_target, export, temporary_beside

    if args.max_rows < 1:
        raise InputError(f"--max-rows {args.max_rows}: give 1 or more")
    if (args.format is None) != (args.out is None):
        raise InputError("--format and --out go together (e.g. --format csv --out result.csv)")
    out = check_target(args.out, args.format, force=args.force) if args.out else None
    partial = temporary_beside(out) if out else None
    settings = current_settings()
    if args.warehouse and (build := unfinished_build(settings.warehouse_path)):
        print(f"warning: {build}", file=sys.stderr)
    with _connect_for_reading(settings, args.warehouse, writes=partial) as con:
        try:
            if out is not None:
                rows = export(con, args.query, args.format, partial, out)
                print(f"wrote {rows:,} rows to {out}")
                return
            relation = con.sql(args.query)
            if relation is not None:
                relation.show(max_rows=args.max_rows, max_width=200)
        except duckdb.Error as error:
            raise WarehouseError(f"query failed: {str(error).splitlines()[0]}") from None


def cmd_find(args: argparse.Namespace) -> int:
    from orchestration.publish.find import FindQuery, format_found, no_match_line

    query = FindQuery(args.text, args.limit)  # a bad --limit fails before any database is opened
    with _connect_for_reading(current_settings(), args.warehouse) as con:
        found = query.run(con)
    if found.empty:
        print(no_match_line(args.text), file=sys.stderr)
        return 1
    print(format_found(found))
    return 0


COMMANDS = {
    "refresh": cmd_refresh,
    "backfill": cmd_backfill,
    "plan": cmd_plan,
    "doctor": cmd_doctor,
    "demo": cmd_demo,
    "status": cmd_status,
    "sql": cmd_sql,
    "tariffs": cmd_tariffs,
    "partners": cmd_partners,
    "publish": cmd_publish,
    "report": cmd_report,
    "bench": cmd_bench,
    "find": cmd_find,
}


# Commands that write: a first SIGINT/SIGTERM stops them at the next safe point.
STOPPABLE = {"refresh", "backfill", "demo", "tariffs", "partners", "publish"}
# The terminal's stderr as it was before Dagster's compute-log capture redirected fd 2 (through a
# child process that an abort kills): what the signal handler says must reach the user.
_terminal = {"fd": 2}


def _say(line: str) -> None:
    os.write(_terminal["fd"], (line + "\n").encode())


def _on_signal(signum: int, frame) -> None:
    name = signal.Signals(signum).name
    if stop_requested() is None:
        request_stop(signum)
        _say(f"\n{name}: stopping at the next safe point (again to abort at once)")
        return
    # As safe as SIGKILL, which the warehouse survives: DuckDB rolls back an unfinished load when
    # the file is next opened, and the next run marks this one failed and frees its pool slot.
    _say(f"error: aborted at once by a second {name}; an unfinished load is rolled back when the warehouse opens next")
    kill_descendants()
    os._exit(128 + signum)


def _warehouse_described(settings: Settings) -> str:
    """The warehouse file, or where a shared warehouse is (no secrets)."""
    from orchestration.store.targets import WarehouseTarget

    return WarehouseTarget.from_env(settings.warehouse_path).describe()


def _shared_target() -> bool:
    """MotherDuck or DuckLake: no serving copy is published, readers read the warehouse in place."""
    from orchestration.store.targets import WarehouseTarget

    return WarehouseTarget.from_env(current_settings().warehouse_path).is_shared


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    reset_stop()
    previous = {}
    if args.command in STOPPABLE:
        _terminal["fd"] = os.dup(2)
        previous = {signum: signal.signal(signum, _on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        if hasattr(args, "warehouse") and args.warehouse is False and _shared_target():
            args.warehouse = True  # status, sql, find, report: there is no serving copy to read
        where = use_dagster_home() if args.command in STOPPABLE else None
        code = COMMANDS[args.command](args) or 0
        if where:
            print(where)
    except Stopped as error:
        print(f"error: {error}", file=sys.stderr)
        return 128 + error.signum
    except WarehouseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    finally:
        for signum, handler in previous.items():  # main() called in process (tests) leaves them as they were
            signal.signal(signum, handler)
        if _terminal["fd"] != 2:
            os.close(_terminal["fd"])
            _terminal["fd"] = 2
    return code


if __name__ == "__main__":
    sys.exit(main())
